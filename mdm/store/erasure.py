"""Erasing a customer: their values leave every table that holds them.

Deleting a source record (mdm/store/records.py) keeps what an audit needs: the golden record's
history keeps its attributes before and after, and a retired golden record keeps its last
attributes. An erasure (a customer's right to have their personal data deleted) removes those
too: the golden record and every golden record merged into it, their lineage and stewards'
values, the attributes in their history (each entry stays, emptied, beside a new ``erased``
one), the scored pairs and quarantined rows of their records, and the frequencies of values no
other record holds. Steward
decisions and closed review items keep the records' keys (no values), as the audit log does.
The caller deletes the records themselves first (raw, standardised, posted, xref), which also
keeps their file rows out of later batch runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

from matching_rules import MATCH_COLUMNS
from mdm.store.stewardship import add_history
from mdm.store.work import match_select


def members(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[tuple[str, str, str]]:
    """(record_key, source, source_id) of the golden record's members."""
    return con.execute(
        "SELECT record_key, source, source_id FROM xref WHERE golden_id = ? ORDER BY record_key", [golden_id]
    ).fetchall()


def merged_into(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[str]:
    """The golden ids merged into ``golden_id``, directly or through others."""
    return [g for (g,) in con.execute(
        "WITH RECURSIVE absorbed(golden_id) AS ("
        " SELECT golden_id FROM golden_records WHERE merged_into = ?"
        " UNION SELECT g.golden_id FROM golden_records g JOIN absorbed a ON g.merged_into = a.golden_id)"
        " SELECT golden_id FROM absorbed ORDER BY golden_id",
        [golden_id],
    ).fetchall()]


def drop_unheld_frequencies(
    con: duckdb.DuckDBPyConnection, values: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Of (match column, value) pairs whose records were deleted, those no stored record holds
    any more: their term-frequency rows are deleted (an e-mail only its owner had, say), and
    returned. A value others hold (a common name) is theirs too, and stays."""
    gone = []
    for column, value in values:
        if column not in MATCH_COLUMNS:  # the name is written into the SQL below
            raise ValueError(f"not a match column: {column!r}")
        held = con.execute(
            f"SELECT 1 FROM (SELECT {match_select()} FROM std_records) WHERE {column} = ? LIMIT 1", [value]
        ).fetchall()
        if not held:
            con.execute("DELETE FROM term_frequencies WHERE column_name = ? AND value = ?", [column, value])
            gone.append((column, value))
    return gone


def scrub(
    con: duckdb.DuckDBPyConnection,
    golden_ids: Sequence[str],
    record_members: Sequence[tuple[str, str, str]],
    *,
    at: Any,
    erasure_id: str,
    actor: str,
) -> None:
    """Remove the golden records' values (and the pairs and quarantined rows of their records,
    (record_key, source, source_id) as :func:`members` gives them); each golden id's history
    ends with an ``erased`` entry, for the change feed."""
    ids, keys = list(golden_ids), [key for key, _s, _i in record_members]
    _remove_values(con, ids)
    con.execute("DELETE FROM pairs WHERE list_contains(?::VARCHAR[], record_key_l)"
                " OR list_contains(?::VARCHAR[], record_key_r)", [keys, keys])
    for _key, source, source_id in record_members:
        con.execute("DELETE FROM quarantine WHERE source = ? AND source_id = ?", [source, source_id])
    add_history(con, [
        {"golden_id": g, "changed_at": at, "change": "erased", "cause": "erasure", "cause_id": erasure_id,
         "actor": actor, "members": 0, "before": None, "after": None}
        for g in ids
    ])


def erasures_after(con: duckdb.DuckDBPyConnection, through: Any) -> list[str]:
    """The erasures recorded after ``through`` (a time, or its ISO text; all of them for None)."""
    return [e for (e,) in con.execute(
        "SELECT DISTINCT cause_id FROM golden_history WHERE change = 'erased'"
        " AND (CAST(? AS TIMESTAMP) IS NULL OR changed_at > CAST(? AS TIMESTAMP)) ORDER BY 1",
        [through, through],
    ).fetchall()]


def rescrub(con: duckdb.DuckDBPyConnection) -> int:
    """Remove again the values of every golden id ever erased, where results computed elsewhere
    (a Spark run given the previous run's golden records) bring them back. Returns how many."""
    ids = [g for (g,) in con.execute(
        "SELECT DISTINCT golden_id FROM golden_history WHERE change = 'erased'").fetchall()]
    if not ids:
        return 0
    back = con.execute("SELECT count(*) FROM golden_records WHERE list_contains(?::VARCHAR[], golden_id)",
                       [ids]).fetchone()[0]
    _remove_values(con, ids)
    return int(back)


def _remove_values(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> None:
    """The golden records, their lineage and stewards' values go; their history entries stay,
    without attributes."""
    for table in ("golden_lineage", "golden_records", "golden_overrides"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids])
    con.execute("UPDATE golden_history SET before = NULL, after = NULL"
                " WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids])
