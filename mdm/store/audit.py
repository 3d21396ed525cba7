"""The audit trail: every write, with who made it, when, and what it changed."""

from __future__ import annotations

import json
import uuid
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts, now


def record(
    con: duckdb.DuckDBPyConnection, *, actor: str, action: str, target: str | None, detail: dict[str, Any]
) -> None:
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
        ["A" + uuid.uuid4().hex[:15].upper(), now(), actor, action, target, json.dumps(detail, default=str)],
    )


def entries(
    con: duckdb.DuckDBPyConnection, *, target: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = fetch_dicts(
        con,
        "SELECT audit_id, occurred_at, actor, action, target, CAST(detail AS VARCHAR) AS detail FROM audit_log"
        " WHERE ? IS NULL OR target = ? ORDER BY occurred_at DESC, audit_id LIMIT ? OFFSET ?",
        [target, target, limit, offset],
    )
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows
