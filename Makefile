# The two set-up commands: `make demo` (main job, embedded store) and `make test` (whole suite).
# Both install what they need on a fresh machine; reruns reuse pip's and Maven's caches.
PYTHON ?= python3
PIP := $(PYTHON) -m pip

.PHONY: demo test install install-dev system-deps lint

demo: install
	chainscout demo

test: install-dev system-deps lint
	$(PYTHON) -m pytest

install:
	$(PIP) install --quiet --disable-pip-version-check -e .

install-dev:
	$(PIP) install --quiet --disable-pip-version-check -e ".[dev]"

# Java 17 and Maven run the local Neo4j; Chromium runs the browser test.
system-deps:
	@command -v java >/dev/null && command -v mvn >/dev/null || { \
	  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless maven; }
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei; }
	chainscout neo4j install

lint:
	ruff check .
	mypy chainscout
