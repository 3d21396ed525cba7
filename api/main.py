"""The FastAPI application: ``create_app(settings)`` builds one over a database file."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from api import bodies, errors, metrics
from api.deps import SECURITY_SCHEMES, known_query
from api.metrics import Metrics, MetricsMiddleware
from api.routes import (
    admin,
    golden,
    health,
    overrides,
    records,
    runs,
    steward_page,
    stewardship,
    subscriptions,
)
from api.schemas import ErrorPublic
from api.settings import ApiSettings
from mdm.service import Service


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0].replace(' ', '_')}-{route.name}" if route.tags else route.name


class _QueryValuesHidden(logging.Filter):
    """uvicorn's access log with the values of each query parameter hidden: a search's are a
    customer's name, phone, e-mail or national id (``/golden-records?phone=***&limit=***``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            path, _, query = args[2].partition("?")
            hidden = urlencode([(k, "***") for k, _v in parse_qsl(query, keep_blank_values=True)], safe="*")
            record.args = (*args[:2], f"{path}?{hidden}", *args[3:])
        return True


_ACCESS_LOG_FILTER = _QueryValuesHidden()


def create_app(settings: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = Service(settings.db_path, sources_path=settings.sources_path,
                          rules_path=settings.rules_path,
                          delivery_backoff=settings.delivery_backoff, backup_dir=settings.backup_dir,
                          backup_keep=settings.backup_keep)
        service.open()
        app.state.service = service
        try:
            yield
        finally:
            service.close()

    logging.getLogger("uvicorn.access").addFilter(_ACCESS_LOG_FILTER)  # once, however many apps
    app = FastAPI(
        title="mdm: customer golden records",
        version="0.1.0",
        description="Golden customer records, cross-reference, search, real-time matching and runs.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(known_query), Depends(bodies.written_once)],
        # A path the document does not name is a 404, never a redirect: Starlette sent
        # /golden-records/ (a client's lookup of an empty id) on to the listing with a 307, and its
        # Location names the scheme the server sees (http:// behind a TLS proxy it does not trust).
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.metrics = Metrics(lambda: getattr(app.state, "service", None))
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(errors.BodyLimit, max_bytes=settings.max_body_bytes)
    errors.install(app, error_pages={steward_page.router.prefix: steward_page.no_page})
    steward_page.install(app)
    for module in (health, metrics, stewardship, overrides, golden, records, runs, admin, subscriptions,
                   steward_page):
        app.include_router(module.router)
    _document(app)
    return app


# The header a 401 comes with (api/deps.py), as the document gives it.
CHALLENGE = {"WWW-Authenticate": {"description": "`Bearer`: how to present a key.",
                                   "schema": {"type": "string"}}}


def _document(app: FastAPI) -> None:
    """Complete the OpenAPI document with what FastAPI does not see: the API-key schemes on every
    operation that needs a key (all but the health checks), so /docs offers "Authorize", and the
    errors any operation may answer, with the body api/errors.py gives them: 401 where a key is
    needed (with its WWW-Authenticate), 413 where a body is taken, and 422 on every operation (any
    may be sent a query parameter it does not take: api/deps.py), with ErrorPublic for the list of
    problems FastAPI documents its own 422 with (api/errors.py answers ``{"error", "detail"}``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {})
            components["securitySchemes"] = SECURITY_SCHEMES
            models = components.setdefault("schemas", {})
            models["ErrorPublic"] = ErrorPublic.model_json_schema()
            for unused in ("HTTPValidationError", "ValidationError"):
                models.pop(unused, None)
            error = {"$ref": "#/components/schemas/ErrorPublic"}
            for operations in schema["paths"].values():
                for operation in operations.values():
                    statuses = [422]
                    if "requestBody" in operation:
                        statuses.append(413)
                    if "health" not in operation.get("tags", []):
                        operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
                        statuses.append(401)
                    for status in statuses:
                        headers = {"headers": CHALLENGE} if status == 401 else {}
                        operation["responses"][str(status)] = {
                            "description": errors.MEANINGS[status], **headers,
                            "content": {"application/json": {"schema": error}}}
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The app for ``mdm serve``: settings from MDM_DB, MDM_SOURCES, MDM_RULES, MDM_BACKUP_DIR,
    MDM_BACKUP_KEEP and MDM_PHONE_REGION."""
    import os

    return create_app(
        ApiSettings(
            db_path=os.environ["MDM_DB"],
            sources_path=os.environ.get("MDM_SOURCES") or None,
            rules_path=os.environ.get("MDM_RULES") or None,
            backup_dir=os.environ.get("MDM_BACKUP_DIR") or None,
            backup_keep=os.environ.get("MDM_BACKUP_KEEP") or None,
            search_phone_region=os.environ.get("MDM_PHONE_REGION") or "VN",
        )
    )
