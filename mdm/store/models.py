"""Trained Splink models, stored with the run that trained them."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from mdm.store.database import fetch_one, now


def save_model(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    *,
    run_id: str,
    fingerprint: str,
    trained_on_records: int,
    settings: dict[str, Any],
) -> None:
    con.execute(
        "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?)",
        [model_id, now(), run_id, fingerprint, trained_on_records, json.dumps(settings)],
    )


def has_model(con: duckdb.DuckDBPyConnection, model_id: str) -> bool:
    return fetch_one(con, "SELECT 1 FROM models WHERE model_id = ?", [model_id]) is not None


def latest_model(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest model that a successful run used (or trained)."""
    row = fetch_one(
        con,
        "SELECT m.model_id, m.fingerprint, m.settings FROM models m"
        " JOIN runs r ON r.model_id = m.model_id AND r.status = 'succeeded'"
        " ORDER BY r.finished_at DESC LIMIT 1",
    )
    if row is None:
        return None
    return {"model_id": row[0], "fingerprint": row[1], "settings": json.loads(row[2])}
