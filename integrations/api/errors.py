"""One error shape for every failure: ``{"error": {"code", "message", "details"?}}``.

Three handlers produce it: one for :class:`PolkuError` (its code and status), one for request
validation (422) and HTTP errors of the router (404, 405), one for anything else (500, a generic
message; the traceback goes to the server log only, never to the client).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from copilot.core.errors import PolkuError
from integrations.api.ratelimit import retry_after

log = logging.getLogger("polku.api")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited"}


class ErrorDetail(BaseModel):
    code: str
    """Stable machine-readable code, e.g. ``not_found``, ``invalid``, ``forbidden``, ``rate_limited``."""
    message: str
    """One sentence for a person."""
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


#: Added to every route's OpenAPI description (so clients and schemathesis know every status).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The request body cannot be parsed at all (e.g. bytes that are not UTF-8)"),
    401: _doc("No, unknown or expired credentials"),
    403: _doc("The caller's role may not do this, or a widget call from an origin that is not allowed"),
    404: _doc("No such record"),
    409: _doc("Conflicting change (e.g. an idempotency key reused with another payload)"),
    422: _doc("The request is not valid"),
    429: _doc("Rate limit exceeded; see the Retry-After header"),
    500: _doc("Internal error (details are in the server log only)"),
    502: _doc("The language model provider failed"),
    503: _doc("A backing store is unavailable"),
}


def body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details:
        err["details"] = details
    return {"error": err}


async def _polku(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PolkuError)
    headers = {}
    if exc.code == "rate_limited":
        headers["Retry-After"] = str(retry_after(float(exc.details.get("retry_after_s", 1))))
    return JSONResponse({"error": exc.as_dict()}, status_code=exc.http_status, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and what: pydantic's ``input``/``ctx`` may echo large or sensitive request data.
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()]


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return JSONResponse(body("invalid", message, {"errors": errors}), status_code=422)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(body("internal", "internal error; it has been logged"), status_code=500)


def error_event(exc: BaseException) -> dict[str, Any]:
    """The same structured error for a failure inside a stream (the status line has gone already)."""
    if isinstance(exc, PolkuError):
        return {"error": exc.as_dict(), "status": exc.http_status}
    log.error("unhandled error in a stream", exc_info=exc)
    return {**body("internal", "internal error; it has been logged"), "status": 500}


def install(app: FastAPI) -> None:
    app.add_exception_handler(PolkuError, _polku)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)
