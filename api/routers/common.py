"""Helpers shared by the resource routers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import BAD_REQUEST, COMMON_RESPONSES, NOT_FOUND, ApiError, NotFound

#: Responses of a read route that looks something up by id.
LOOKUP: dict[int | str, dict[str, Any]] = {**COMMON_RESPONSES, **NOT_FOUND}
#: Responses of a read route whose inputs can be refused beyond field validation.
READ: dict[int | str, dict[str, Any]] = {**COMMON_RESPONSES, **NOT_FOUND, **BAD_REQUEST}


def invalid(message: str) -> ApiError:
    """400: each parameter is valid on its own, but not this combination (422 is reserved for
    what the OpenAPI schema itself rules out)."""
    return ApiError(400, "invalid_parameter", message)


@contextmanager
def module_errors(*not_found: type[Exception]) -> Iterator[None]:
    """Turn a query module's refusals into API errors: its "no such …" exceptions into 404 and
    ``ValueError`` (a parameter combination it refuses) into 400 ``invalid_parameter``."""
    try:
        yield
    except ApiError:
        raise
    except Exception as exc:
        if not_found and isinstance(exc, not_found):
            raise NotFound(str(exc).strip("'\"") or "not found") from exc
        if isinstance(exc, ValueError):
            raise invalid(str(exc)) from exc
        raise
