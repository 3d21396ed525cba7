"""The one place that maps the core's errors to HTTP: a JSON body ``{"error", "detail"}``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mdm.errors import ConfigError, ConflictError, InvalidInputError, MDMError, NotFoundError
from mdm.service import NotReadyError

logger = logging.getLogger(__name__)

STATUS: dict[type[MDMError], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidInputError: 422,
    ConfigError: 422,
    NotReadyError: 503,
}


def status_for(error: MDMError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(error: MDMError) -> dict[str, str]:
    return {"error": error.code, "detail": str(error)}


def batch_body(results: list[Any], public: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A batch call's body: each item's result or error, in the order asked (BatchPublic)."""
    data = []
    for i, r in enumerate(results):
        if isinstance(r, MDMError):
            data.append({"index": i, "status": "error", "error": error_body(r)})
        else:
            data.append({"index": i, "status": "ok", "result": public(r)})
    errors = sum(1 for d in data if d["status"] == "error")
    return {"data": data, "count": len(data), "errors": errors}


def _field(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(MDMError)
    async def mdm_error(request: Request, exc: MDMError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            logger.error("%s %s failed: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body(exc), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"field {_field(tuple(e['loc']))!r}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "invalid_request", "detail": "; ".join(problems)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            {"error": code, "detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )
