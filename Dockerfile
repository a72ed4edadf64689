# chainscout API and loader image. The embedded store's FalkorDB module needs glibc >= 2.35,
# which Debian 12 (bookworm) provides.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 chainscout
WORKDIR /app
COPY pyproject.toml README.md ./
COPY chainscout ./chainscout
COPY graph ./graph
COPY loaders ./loaders
COPY queries ./queries
COPY api ./api
RUN pip install .
# Owned by the app user, so named volumes mounted here (docker-compose) are writable.
RUN mkdir -p /home/chainscout/data && chown chainscout:chainscout /home/chainscout/data
USER chainscout
ENV CHAINSCOUT_DATA_DIR=/home/chainscout/data
EXPOSE 8000
CMD ["chainscout", "serve", "--host", "0.0.0.0", "--port", "8000"]
