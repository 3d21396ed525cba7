"""HTTP validators for golden records: ``ETag`` on what a lookup serves, ``If-None-Match`` for a
downstream system's cache (304, no body), ``If-Match`` so a steward's edit is not made on a
golden record that changed since they read it (412).

The tag is the golden record's version (mdm/store/documents.py), weak (``W/"..."``): a reader
with pii and one without see two forms of one version. ``If-Match`` compares the versions
whether a tag is weak or not, since the service gives no other.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

# The ETag header, as the OpenAPI document gives it on the responses that carry it.
ETAG: dict[str, Any] = {"ETag": {"description": "The golden record's version: for If-None-Match or If-Match.",
                                 "schema": {"type": "string"}}}


def etag(version: str) -> str:
    return f'W/"{version}"'


def versions(header: str | None) -> list[str] | None:
    """The versions an If-Match or If-None-Match header names (``*`` kept); None without one."""
    if header is None:
        return None
    return [t.strip().removeprefix("W/").strip('"') for t in header.split(",") if t.strip()]


def not_modified(if_none_match: str | None, version: str) -> Response | None:
    """A 304 when the client's copy is this version (or it sent ``*``), else None."""
    held = versions(if_none_match)
    if held is None or (version not in held and "*" not in held):
        return None
    return Response(status_code=304, headers={"ETag": etag(version)})
