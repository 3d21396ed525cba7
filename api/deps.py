"""Dependencies: the service, the caller's API key with its role checked once, here, and the
query parameters every operation takes.

They are async so that a lookup never waits for the thread pool: a known key is a dict read
(a first-seen key costs one primary-key query, once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from mdm.service import Service

# What each role may do. Admins may do everything; stewards and writers also read.
GRANTS: dict[str, frozenset[str]] = {
    "reader": frozenset({"read"}),
    "writer": frozenset({"read", "write"}),
    "steward": frozenset({"read", "steward"}),
    "admin": frozenset({"read", "write", "steward", "admin"}),
}


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str
    pii: bool
    sources: frozenset[str] | None = None  # a writer key's only sources; None: every source

    @property
    def admin(self) -> bool:
        """An admin key's holder (who may act over another steward's claim, say)."""
        return self.role == "admin"


async def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


# Each route's, by its id (Starlette gives a route __eq__, so none is hashable): the route is kept
# with them, so no other object takes its id. Found afresh, they cost ~50 µs a request.
_TAKEN: dict[int, tuple[APIRoute, tuple[str, ...]]] = {}


def _taken(route: APIRoute) -> tuple[str, ...]:
    """The query parameters ``route`` takes, its dependencies' too, as the OpenAPI document names them."""
    if id(route) not in _TAKEN:
        names = (f.alias for f in get_flat_params(route.dependant) if isinstance(f.field_info, params.Query))
        _TAKEN[id(route)] = (route, tuple(dict.fromkeys(names)))
    return _TAKEN[id(route)][1]


async def known_query(request: Request) -> None:
    """Refuse a query parameter the operation does not take, naming it and those it does: FastAPI
    ignores one, so a search by a misspelt criterion (``?nmae=``) listed every golden record, and a
    client taking its first hit took the wrong customer. Every operation's (api/main.py), checked
    before its key; the docs pages are no operations, and take any."""
    if not request.scope["query_string"]:
        return
    taken = _taken(request.scope["route"])
    unknown = [name for name in request.query_params if name not in taken]
    if unknown:
        takes = f"it takes {', '.join(taken)}" if taken else "it takes none"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name),
                                       "msg": f"not a query parameter of this operation ({takes})"}
                                      for name in unknown])


def principal_for(service: Service, key: str) -> Principal | None:
    """The active key's holder, or None for an unknown, revoked or expired key."""
    row = service.authenticate(key)
    if row is None:
        return None
    scope = frozenset(row["sources"]) if row["sources"] is not None else None
    return Principal(row["key_id"], row["name"], row["role"], bool(row["pii"]), scope)


def allows(principal: Principal, permission: str) -> bool:
    return permission in GRANTS.get(principal.role, frozenset())


# The two ways to present a key, as the OpenAPI document names them (api/main.py puts them on
# every operation but the health checks). ``require`` reads the two headers itself: FastAPI
# spends ~40 µs solving each dependency, and as Header() parameters or security-scheme
# dependencies they made a lookup solve seven instead of three.
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "`X-API-Key: <key>`"},
}


def _presented_key(headers: Mapping[str, str]) -> str | None:
    """The key in X-API-Key, else in ``Authorization: Bearer``."""
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def require(permission: str):  # type: ignore[no-untyped-def]
    async def check(request: Request) -> Principal:
        key = _presented_key(request.headers)
        if key is None:
            raise HTTPException(401, "an API key is required (Authorization: Bearer <key> or X-API-Key)",
                                headers={"WWW-Authenticate": "Bearer"})
        principal = principal_for(request.app.state.service, key)
        if principal is None:
            raise HTTPException(401, "the API key is unknown, revoked or expired",
                                headers={"WWW-Authenticate": "Bearer"})
        if not allows(principal, permission):
            raise HTTPException(403, f"the key's role {principal.role!r} does not allow {permission!r}")
        if permission == "write" and principal.sources is not None:
            source = request.path_params.get("source")
            if source not in principal.sources:
                raise HTTPException(403, f"the key may write only to its sources"
                                    f" ({', '.join(sorted(principal.sources))}), not to {source!r}")
        return principal

    return check


Reader = Annotated[Principal, Depends(require("read"))]
Writer = Annotated[Principal, Depends(require("write"))]
Steward = Annotated[Principal, Depends(require("steward"))]
Admin = Annotated[Principal, Depends(require("admin"))]
