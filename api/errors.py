"""The one place that maps the core's errors to HTTP: a JSON body ``{"error", "detail"}``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import ErrorPublic
from mdm.errors import (
    ChangedSinceError,
    ConfigError,
    ConflictError,
    InvalidInputError,
    MDMError,
    NotFoundError,
)
from mdm.service import NotReadyError

logger = logging.getLogger(__name__)

STATUS: dict[type[MDMError], int] = {
    NotFoundError: 404,
    ChangedSinceError: 412,
    ConflictError: 409,
    InvalidInputError: 422,
    ConfigError: 422,
    NotReadyError: 503,
}


# What each error status means, as the OpenAPI document says with its body (ErrorPublic): a
# route lists those it may answer with ``responses=documented(...)``; api/main.py adds 401, 413
# and 422 where they apply.
MEANINGS: dict[int, str] = {
    401: "No API key, or one unknown, revoked or expired.",
    403: "The key's role, or its sources, do not allow this.",
    404: "Not found: the id, key or source named.",
    409: "Conflicts with the state: a decision to undo first, a claimed item, a run already going, ...",
    412: "The golden record has changed since the version If-Match names.",
    413: "The request body is larger than the server takes.",
    422: "An invalid parameter or body, a query parameter the operation does not take, or a value"
         " that cannot be used; `detail` names the field (the Content-Type header for a body sent as"
         " other than JSON).",
    500: "The server could not do it (a backup folder it cannot write, say); `detail` says why.",
    503: "Not ready: no trained model for real-time matching yet (see GET /ready).",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` for these error statuses, each with its body."""
    return {status: {"model": ErrorPublic, "description": MEANINGS[status]} for status in statuses}


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
    """The field a problem is at, without where it was sent: ``("query", "path")`` is the query
    parameter named path (a misspelt one, say), and ``("query", "")`` the one with no name."""
    sent_in = 1 if loc and loc[0] in ("body", "query", "path", "header") else 0
    parts = [str(p) for p in loc[sent_in:]]
    return ".".join(parts) if parts else "body"


def _problem(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":  # located at ("body", character), not at a field
        why = error.get("ctx", {}).get("error", "")
        return f"field 'body': {error['msg']} ({why}) at character {error['loc'][-1]}"
    return f"field {_field(tuple(error['loc']))!r}: {error['msg']}"


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def sent_as_json(request: Request) -> bool:
    """Whether the body's Content-Type is one FastAPI reads as JSON (else it hands a route the bytes)."""
    media = _media(request)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _not_json(request: Request, exc: RequestValidationError) -> bool:
    """Whether the body failed as a whole because its Content-Type is not JSON: FastAPI then hands
    the route the raw bytes, and the answer "Input should be a valid dictionary" hid why."""
    return bool(_media(request)) and not sent_as_json(request) and any(
        tuple(e["loc"]) == ("body",) for e in exc.errors())


def problems(request: Request, exc: RequestValidationError) -> str:
    """What is wrong with a request FastAPI refused, each problem naming its field."""
    if _not_json(request, exc):
        return (f"header 'Content-Type': {request.headers['content-type']!r} is not JSON;"
                " send the body as application/json")
    return "; ".join(_problem(e) for e in exc.errors())


class BodyLimit:
    """Refuse a request body larger than ``max_bytes`` with 413 as it is read, before it is read
    whole (one record with a 50 MB name took the server to 1.5 GB): at once for a Content-Length
    over it, else when the chunks read pass it. Raised from the read, so the handler below answers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        taken = int(declared) if declared.isdigit() else 0

        async def limited() -> Message:
            nonlocal taken
            if taken <= self.max_bytes:
                message = await receive()
                taken += len(message.get("body", b"")) if not declared.isdigit() else 0
            if taken > self.max_bytes:
                raise HTTPException(413, f"the request body is larger than {self.max_bytes:,} bytes")
            return message

        await self.app(scope, limited, send)


Page = Callable[[Request, int], Response]


def _page_for(path: str, pages: Mapping[str, Page]) -> Page | None:
    """The page that says "no such page" (or not by this method) for a path under one of ``pages``'
    prefixes, if any."""
    return next((page for prefix, page in pages.items() if f"{path}/".startswith(f"{prefix}/")), None)


def install(app: FastAPI, error_pages: Mapping[str, Page]) -> None:
    """``error_pages``: by path prefix, the page answering a path no route takes there, or not by
    the method asked (the steward pages', read in a browser: ``GET /steward/logout``, typed or
    followed); a path elsewhere is the JSON API's, answered in JSON."""

    @app.exception_handler(MDMError)
    async def mdm_error(request: Request, exc: MDMError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            logger.error("%s %s failed: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body(exc), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "detail": problems(request, exc)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's answer to a body read failing other than on JSON syntax (bytes not UTF-8,
            # nesting past the parser's depth): invalid input like a syntax error, the documented 422.
            detail = f"field 'body': cannot be read as JSON: {exc.__cause__}"
            return JSONResponse({"error": "invalid_request", "detail": detail}, status_code=422)
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large"}.get(exc.status_code, "http_error")
        detail = str(exc.detail)
        path = request.url.path
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed(request)}
        # Starlette's: no route takes the path, or none by this method
        if (exc.status_code, detail) in ((404, "Not Found"), (405, "Method Not Allowed")):
            if page := _page_for(path, error_pages):
                said = page(request, exc.status_code)
                said.headers.update(headers or {})
                return said
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no operation at {path!r}"
            if path.endswith("/") and path != "/":
                detail += "; the API's paths end without '/'"
        return JSONResponse({"error": code, "detail": detail}, status_code=exc.status_code,
                            headers=headers)


# The methods a 405's Allow may name: those the routes take.
_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _allowed(request: Request) -> str:
    """Every method the request's path takes, for a 405's Allow: Starlette's names only those of
    the first route the path matches (``POST`` for /backups, which takes ``GET`` too)."""
    return ", ".join(m for m in _METHODS if any(route.matches({**request.scope, "method": m})[0] is Match.FULL
                                               for route in request.app.routes))
