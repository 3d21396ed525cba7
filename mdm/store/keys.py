"""API keys: stored as SHA-256 digests; the key itself is shown once, when it is created.

Keys are 192-bit random tokens, so a fast digest is enough (no password stretching needed):
nobody can guess a key from its digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts, now

ROLES = ("reader", "writer", "steward", "admin")
_KEY_COLUMNS = "key_id, name, role, pii, sources, created_at, revoked_at, expires_at"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str,
    role: str,
    pii: bool,
    expires_in_days: int | None = None,
    sources: list[str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Store a new key (``sources``: the only sources it may write to); returns its row and the key
    (never stored)."""
    key = "mdm_" + secrets.token_urlsafe(24)
    key_id = "K" + uuid.uuid4().hex[:11].upper()
    created = now()
    expires = created + dt.timedelta(days=expires_in_days) if expires_in_days else None
    con.execute(
        "INSERT INTO api_keys (key_id, name, role, pii, key_hash, created_at, expires_at, sources)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [key_id, name, role, pii, digest(key), created, expires, sources],
    )
    return get_key(con, key_id) or {}, key


def in_force(row: dict[str, Any]) -> bool:
    """Not revoked, and not past its expiry (checked on every request: a cached key expires too)."""
    return row["revoked_at"] is None and (row["expires_at"] is None or row["expires_at"] > now())


def get_key(con: duckdb.DuckDBPyConnection, key_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?", [key_id])
    return rows[0] if rows else None


def find_active(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any] | None:
    rows = fetch_dicts(
        con, f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", [digest(key)]
    )
    return rows[0] if rows else None


def list_keys(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return fetch_dicts(con, f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY created_at, key_id")


def revoke_key(con: duckdb.DuckDBPyConnection, key_id: str) -> bool:
    rows = con.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL RETURNING key_id", [now(), key_id]
    ).fetchall()
    return bool(rows)
