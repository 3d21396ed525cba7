"""Making an API key, as the command line (`mdm keys create`) and `POST /keys` both do: the key,
its audit entry, and the sources a writer key may write to, checked when the key is made (a
misspelt source fails then, naming the sources there are, not at the source system's first post).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import duckdb

from mdm.errors import InvalidInputError
from mdm.store import audit, keys


def create_key(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    name: str,
    role: str,
    pii: bool,
    expires_in_days: int | None,
    sources: Sequence[str] | None,
    known: Collection[str] | None,
) -> tuple[dict[str, Any], str]:
    """Store a new key and audit it, in the caller's transaction; returns its row and the key.
    ``known``: the source config's names, None before the first run (nothing to check against)."""
    scope = key_scope(role, sources, known)
    row, key = keys.create_key(con, name=name, role=role, pii=pii, expires_in_days=expires_in_days,
                               sources=scope)
    audit.record(con, actor=actor, action="key.create", target=row["key_id"],
                 detail={"name": name, "role": role, "pii": pii, "expires_at": row["expires_at"],
                         "sources": scope})
    return row, key


def key_scope(role: str, sources: Sequence[str] | None, known: Collection[str] | None) -> list[str] | None:
    """The key's sources, trimmed, sorted and distinct; None (every source) when none are given. The error
    names no field: the API's is ``sources``, the command line's ``--source``."""
    if not sources:
        return None
    if role != "writer":
        raise InvalidInputError(f"only a writer key is limited to sources, not a {role} key")
    names = {s.strip() for s in sources}
    if "" in names:  # kept, it would name no source: a key that writes nowhere
        raise InvalidInputError("a source name is empty")
    unknown = sorted(names - set(known)) if known is not None else []
    if unknown:
        raise InvalidInputError(f"no source named {unknown[0]!r}"
                                f" (the sources: {', '.join(sorted(known or ()))})")
    return sorted(names)
