"""One JSON error shape for every failure: ``{"error": {"code", "message"}}``, never a traceback.

Store errors map to statuses here, in one place: an unreachable store is 503 with ``Retry-After``,
a query stopped at its time limit 504, a write refused by a read-only query 403, a bad analyst
query 400, validation 422, a missing resource 404. Anything else is a 500 with a generic message;
the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from chainscout.graph.stores.base import (
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)

log = logging.getLogger("chainscout.api")

RETRY_AFTER_S = 5


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="Human-readable explanation.")
    details: list[dict[str, Any]] | None = Field(
        None, description="Per-field problems of a validation error (422)."
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """Raise from a route to answer with the error shape and a given status."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, "not_found", message)


class BadRequest(ApiError):
    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(400, code, message)


class Forbidden(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(403, "forbidden", message)


class Unauthorized(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def error_response(status: int, code: str, message: str, *,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
    415: "unsupported_media_type", 429: "too_many_requests",
}

#: Documented on every operation so clients and schema checkers know the error shape.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or unknown API key."},
    403: {"model": ErrorResponse, "description": "The key's role may not use this route."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    422: {"model": ErrorResponse, "description": "A parameter or the body failed validation."},
    500: {"model": ErrorResponse, "description": "Unexpected server error (details logged)."},
    503: {"model": ErrorResponse, "description": "The graph store is unavailable; retry later."},
    504: {"model": ErrorResponse, "description": "The query hit its time limit."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such resource."},
}
BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request cannot be served as given."},
}


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def install_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code >= 500:
            message = "internal error"
        return error_response(exc.status_code, code, message,
                              headers=dict(exc.headers) if exc.headers else None)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
             "type": str(err.get("type", ""))}
            for err in exc.errors()
        ]
        first = details[0] if details else None
        message = (f"invalid {'.'.join(first['loc'])}: {first['msg']}" if first
                   else "invalid request")
        return error_response(422, "validation_error", message, details=_json_safe(details))

    async def store_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return error_response(503, "store_unavailable",
                              "the graph store is unavailable; retry later",
                              headers={"Retry-After": str(RETRY_AFTER_S)})

    async def query_timeout(_: Request, exc: Exception) -> JSONResponse:
        log.warning("query timeout: %s", exc)
        return error_response(504, "query_timeout",
                              "the query hit its time limit; narrow it down")

    async def read_only(_: Request, exc: Exception) -> JSONResponse:
        log.info("write refused in read-only mode: %s", exc)
        return error_response(403, "read_only", "writes are not allowed here")

    async def store_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("store error", exc_info=exc)
        return error_response(500, "internal_error", "internal error")

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "internal error")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StoreUnavailable, store_unavailable)
    app.add_exception_handler(QueryTimeout, query_timeout)
    app.add_exception_handler(ReadOnlyViolation, read_only)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(Exception, unexpected)
