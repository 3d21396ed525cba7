"""SQL for stewards' values of golden attributes (``golden_overrides``, mdm/overrides.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts

_COLUMNS = (
    "override_id, golden_id, set_on, attribute, value, reason, actor, created_at, removed_at, removed_by"
)


def active(con: duckdb.DuckDBPyConnection, golden_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The overrides in force (of these golden records; of all for None), oldest first."""
    ids = None if golden_ids is None else list(golden_ids)
    if ids == []:
        return []
    return fetch_dicts(
        con,
        f"SELECT {_COLUMNS} FROM golden_overrides WHERE removed_at IS NULL"
        " AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], golden_id))"
        " ORDER BY created_at, override_id",
        [ids, ids],
    )


def holders(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Golden ids that hold an override in force or had one set on them: the only golden records
    whose rebuild needs to read overrides (regroup.rebuild)."""
    return {g for (g,) in con.execute(
        "SELECT golden_id FROM golden_overrides WHERE removed_at IS NULL"
        " UNION SELECT set_on FROM golden_overrides WHERE removed_at IS NULL").fetchall()}


def get(con: duckdb.DuckDBPyConnection, override_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT {_COLUMNS} FROM golden_overrides WHERE override_id = ?", [override_id])
    return rows[0] if rows else None


def listed(con: duckdb.DuckDBPyConnection, golden_id: str, *, removed: bool) -> list[dict[str, Any]]:
    """A golden record's overrides, newest first; with ``removed``, those removed or replaced too."""
    return fetch_dicts(
        con,
        f"SELECT {_COLUMNS} FROM golden_overrides WHERE golden_id = ? AND (? OR removed_at IS NULL)"
        " ORDER BY created_at DESC, override_id",
        [golden_id, removed],
    )


def insert(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    con.execute(
        "INSERT INTO golden_overrides"
        " (override_id, golden_id, set_on, attribute, value, search_key, reason, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row["override_id"], row["golden_id"], row["golden_id"], row["attribute"], row["value"],
         row["search_key"], row["reason"], row["actor"], row["created_at"]],
    )


def unkeyed(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The overrides in force with a value and no search key, with their golden record's attributes."""
    return fetch_dicts(
        con,
        "SELECT o.override_id, o.attribute, o.value, g.attributes FROM golden_overrides o"
        " JOIN golden_records g USING (golden_id)"
        " WHERE o.removed_at IS NULL AND o.value IS NOT NULL AND o.search_key IS NULL",
    )


def set_keys(con: duckdb.DuckDBPyConnection, keys: Mapping[str, str | None]) -> None:
    """Override id -> its search key."""
    if keys:
        con.executemany("UPDATE golden_overrides SET search_key = ? WHERE override_id = ?",
                        [[key, oid] for oid, key in keys.items()])


def remove(
    con: duckdb.DuckDBPyConnection, golden_id: str, attribute: str, *, at: dt.datetime, by: str
) -> list[str]:
    """End the override in force for one attribute; returns the ids ended (none or one)."""
    rows = con.execute(
        "UPDATE golden_overrides SET removed_at = ?, removed_by = ?"
        " WHERE golden_id = ? AND attribute = ? AND removed_at IS NULL RETURNING override_id",
        [at, by, golden_id, attribute],
    ).fetchall()
    return [r[0] for r in rows]


def move(con: duckdb.DuckDBPyConnection, moves: Mapping[str, str]) -> None:
    """Override id -> the golden record it now holds for (the one its own was merged into)."""
    if moves:
        con.executemany("UPDATE golden_overrides SET golden_id = ? WHERE override_id = ?",
                        [[gid, oid] for oid, gid in moves.items()])


def return_home(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> list[str]:
    """Overrides set on these golden records (back from retirement) and held by the ones they
    were merged into go back to them; returns the golden records that held them."""
    where = "removed_at IS NULL AND list_contains(?::VARCHAR[], set_on) AND golden_id <> set_on"
    holders = [g for (g,) in con.execute(
        f"SELECT DISTINCT golden_id FROM golden_overrides WHERE {where} ORDER BY 1", [golden_ids]).fetchall()]
    if holders:
        con.execute(f"UPDATE golden_overrides SET golden_id = set_on WHERE {where}", [golden_ids])
    return holders


def changed_after(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> list[str]:
    """Golden records whose overrides were set or removed after ``at``."""
    return [g for (g,) in con.execute(
        "SELECT DISTINCT golden_id FROM golden_overrides WHERE created_at > ? OR removed_at > ? ORDER BY 1",
        [at, at],
    ).fetchall()]


def delete(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> None:
    """Every override of these golden records, removed ones too (an erasure takes the values)."""
    con.execute("DELETE FROM golden_overrides WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids])
