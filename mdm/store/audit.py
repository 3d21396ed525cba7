"""The audit trail: every write, with who made it, when, and what it changed."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import duckdb

from mdm.errors import InvalidInputError
from mdm.store.database import fetch_dicts, fetch_one, now


def record(
    con: duckdb.DuckDBPyConnection, *, actor: str, action: str, target: str | None, detail: dict[str, Any]
) -> None:
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
        ["A" + uuid.uuid4().hex[:15].upper(), now(), actor, action, target, json.dumps(detail, default=str)],
    )


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    target: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    before: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first, filtered by what is given (``action`` a name, or its prefix ending in
    a dot: ``decision.``), and how many match in all. ``before`` pages by key: the entries after
    entry ``before`` in that order (older, or as old with a later id). Writes are serialised, so
    a new entry is never older than one committed before it: paged so, an export taken while the
    service writes neither repeats nor skips one, as an offset does. An id the log does not hold
    is invalid input (a mistyped cursor would otherwise list nothing, or everything)."""
    cursor = None
    if before is not None:
        cursor = fetch_one(con, "SELECT occurred_at, audit_id FROM audit_log WHERE audit_id = ?", [before])
        if cursor is None:
            raise InvalidInputError(f"field 'before': no audit entry {before!r}")
    where = (
        "(CAST($target AS VARCHAR) IS NULL OR target = $target)"
        " AND (CAST($actor AS VARCHAR) IS NULL OR actor = $actor)"
        " AND (CAST($action AS VARCHAR) IS NULL OR action = $action"
        "      OR (right($action, 1) = '.' AND starts_with(action, $action)))"
        " AND (CAST($since AS TIMESTAMP) IS NULL OR occurred_at >= $since)"
        " AND (CAST($until AS TIMESTAMP) IS NULL OR occurred_at < $until)"
    )
    params = {"target": target, "actor": actor, "action": action, "since": since, "until": until}
    after_cursor = ("" if cursor is None
                    else " AND (occurred_at < $at OR (occurred_at = $at AND audit_id > $id))")
    rows = fetch_dicts(
        con,
        "SELECT audit_id, occurred_at, actor, action, target, CAST(detail AS VARCHAR) AS detail FROM audit_log"
        f" WHERE {where}{after_cursor} ORDER BY occurred_at DESC, audit_id LIMIT $limit OFFSET $offset",
        {**params, "limit": limit, "offset": offset,  # type: ignore[arg-type]
         **({"at": cursor[0], "id": cursor[1]} if cursor is not None else {})},
    )
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    (total,) = con.execute(f"SELECT count(*) FROM audit_log WHERE {where}", params).fetchall()[0]
    return rows, int(total)


def erasures_since(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> int:
    """How many customers were erased at or after ``at``: an erasure a restore made again (its
    detail names the first as ``again``) is the same customer's, counted once."""
    (count,) = con.execute(
        "SELECT count(DISTINCT coalesce(detail->>'again', detail->>'erasure_id')) FROM audit_log"
        " WHERE action = 'golden.erase' AND occurred_at >= ?", [at]).fetchall()[0]
    return int(count)
