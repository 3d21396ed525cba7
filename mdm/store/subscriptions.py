"""SQL for downstream systems' subscriptions to the change feed (mdm/delivery.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts

# Everything but the secret, which is shown once (when created) and read only to sign.
_COLUMNS = (
    "subscription_id, name, url, pii, created_at, created_by, after_seq, delivered_at, failures,"
    " next_attempt_at, last_error, revoked_at, revoked_by"
)


def create(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    con.execute(
        "INSERT INTO subscriptions"
        " (subscription_id, name, url, secret, pii, created_at, created_by, after_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [row["subscription_id"], row["name"], row["url"], row["secret"], row["pii"], row["created_at"],
         row["created_by"], row["after_seq"]],
    )


def get(con: duckdb.DuckDBPyConnection, subscription_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT {_COLUMNS} FROM subscriptions WHERE subscription_id = ?",
                       [subscription_id])
    return rows[0] if rows else None


def listed(con: duckdb.DuckDBPyConnection, *, revoked: bool) -> list[dict[str, Any]]:
    """Subscriptions, oldest first (with the revoked ones when ``revoked``)."""
    return fetch_dicts(
        con,
        f"SELECT {_COLUMNS} FROM subscriptions WHERE ? OR revoked_at IS NULL"
        " ORDER BY created_at, subscription_id",
        [revoked],
    )


def revoke(con: duckdb.DuckDBPyConnection, subscription_id: str, at: dt.datetime, actor: str) -> bool:
    """End a subscription; False when there is no active one of this id."""
    found = con.execute(
        "UPDATE subscriptions SET revoked_at = ?, revoked_by = ?"
        " WHERE subscription_id = ? AND revoked_at IS NULL"
        " RETURNING subscription_id",
        [at, actor, subscription_id],
    ).fetchall()
    return bool(found)


def due(con: duckdb.DuckDBPyConnection, at: dt.datetime, head: int) -> list[dict[str, Any]]:
    """Active subscriptions behind ``head`` whose next attempt is due at ``at``, with their secrets."""
    return fetch_dicts(
        con,
        f"SELECT {_COLUMNS}, secret FROM subscriptions WHERE revoked_at IS NULL AND after_seq < ?"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY subscription_id",
        [head, at],
    )


def next_attempt(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the earliest retry of a failing subscription is due."""
    row = con.execute(
        "SELECT min(next_attempt_at) FROM subscriptions"
        " WHERE revoked_at IS NULL AND next_attempt_at IS NOT NULL"
    ).fetchall()
    return row[0][0] if row else None


def delivered(con: duckdb.DuckDBPyConnection, subscription_id: str, after_seq: int, at: dt.datetime) -> None:
    """The URL acknowledged the entries up to ``after_seq``. A subscription revoked meanwhile
    keeps where it was."""
    con.execute(
        "UPDATE subscriptions SET after_seq = greatest(after_seq, ?), delivered_at = ?, failures = 0,"
        " next_attempt_at = NULL, last_error = NULL WHERE subscription_id = ? AND revoked_at IS NULL",
        [after_seq, at, subscription_id],
    )


def failed(
    con: duckdb.DuckDBPyConnection, subscription_id: str, error: str, retry_at: dt.datetime
) -> None:
    con.execute(
        "UPDATE subscriptions SET failures = failures + 1, last_error = ?, next_attempt_at = ?"
        " WHERE subscription_id = ? AND revoked_at IS NULL",
        [error, retry_at, subscription_id],
    )
