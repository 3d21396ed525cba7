"""Erasing a customer: their values leave every table that holds them.

Deleting a source record (mdm/store/records.py) keeps what an audit needs: the golden record's
history keeps its attributes before and after, and a retired golden record keeps its last
attributes. An erasure (a customer's right to have their personal data deleted) removes those
too: the golden record and every golden record merged into it, their lineage and stewards'
values, the links of keys that left them (which would give the id back), the attributes in
their history (each entry stays, emptied, beside a new ``erased`` one), the scored pairs and
quarantined rows of their records, and the frequencies of values no other record holds. Values
no other record holds also leave other golden records' history, where a record of theirs once
was (it joined another golden record before a steward split it off, say). Steward decisions
and closed review items keep the records' keys (no values), as the audit log does.
The caller deletes the records themselves first (raw, standardised, posted, xref), which also
keeps their file rows out of later batch runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import orjson

from matching_rules import GOLDEN_FIELDS, MATCH_COLUMNS
from mdm.store.database import fetch_dicts
from mdm.store.records import remove_from_results
from mdm.store.stewardship import add_history
from mdm.store.tables import OTHER_COLUMNS
from mdm.store.work import match_select


def members(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[tuple[str, str, str]]:
    """(record_key, source, source_id) of the golden record's members."""
    return con.execute(
        "SELECT record_key, source, source_id FROM xref WHERE golden_id = ? ORDER BY record_key", [golden_id]
    ).fetchall()


def departed(con: duckdb.DuckDBPyConnection, golden_id: str) -> list[tuple[str, str, str]]:
    """(record_key, source, source_id) of the keys that left the golden record, as :func:`members`
    gives a golden record's members: those of one retired when its records all left."""
    return con.execute(
        "SELECT record_key, source, source_id FROM xref_departed WHERE golden_id = ? ORDER BY record_key",
        [golden_id],
    ).fetchall()


def last_values(attributes: str | None) -> dict[str, set[str]]:
    """Column -> value of a retired golden record's last attributes (JSON), as
    :func:`record_values` gives the values of stored records: its records are gone already."""
    values = orjson.loads(attributes) if attributes else {}
    return {c: {str(values[c])} for c in GOLDEN_FIELDS if isinstance(values.get(c), str | int | float)}


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


def record_values(con: duckdb.DuckDBPyConnection, record_keys: Sequence[str]) -> dict[str, set[str]]:
    """Column -> the values these stored records hold, as golden attributes write them: what
    :func:`forget_unheld_in_history` looks for once the records are gone."""
    select = ", ".join(f"CAST({c} AS VARCHAR)" for c in GOLDEN_FIELDS)
    rows = con.execute(f"SELECT {select} FROM std_records WHERE list_contains(?::VARCHAR[], record_key)",
                       [list(record_keys)]).fetchall()
    values = {c: {row[i] for row in rows if row[i] is not None} for i, c in enumerate(GOLDEN_FIELDS)}
    for field, column in OTHER_COLUMNS.items():  # all_phones shows a field's second number too
        values[field] |= {v for (v,) in con.execute(
            f"SELECT DISTINCT unnest({column}) FROM std_records"
            " WHERE list_contains(?::VARCHAR[], record_key)", [list(record_keys)]).fetchall()}
    return values


def forget_unheld_in_history(con: duckdb.DuckDBPyConnection, values: Mapping[str, set[str]]) -> int:
    """Of ``values`` (from :func:`record_values`, taken before the records were deleted), those no
    stored record holds any more leave every history entry that still shows them: a golden record
    another of the customer's records was once in keeps the rest of its history. A value others
    hold (a common name, a city) is theirs too, and stays. Returns how many entries changed."""
    gone: set[str] = set()
    for column, held in values.items():
        if column not in GOLDEN_FIELDS:  # the name is written into the SQL below
            raise ValueError(f"not a value column: {column!r}")
        stored = f"SELECT CAST({column} AS VARCHAR) AS v FROM std_records"
        if column in OTHER_COLUMNS:
            stored += f" UNION ALL SELECT unnest({OTHER_COLUMNS[column]}) FROM std_records"
        still = {v for (v,) in con.execute(
            f"SELECT DISTINCT v FROM ({stored}) WHERE list_contains(?::VARCHAR[], v)", [sorted(held)]
        ).fetchall()}
        gone |= held - still
    if not gone:
        return 0
    needles = [orjson.dumps(v).decode() for v in sorted(gone)]  # a whole JSON string: not a part of one
    shows = " OR ".join(["contains(CAST(before AS VARCHAR), ?) OR contains(CAST(after AS VARCHAR), ?)"]
                        * len(needles))
    rows = con.execute(f"SELECT seq, CAST(before AS VARCHAR), CAST(after AS VARCHAR) FROM golden_history"
                       f" WHERE {shows}", [n for n in needles for _ in (0, 1)]).fetchall()
    for seq, before, after in rows:
        con.execute("UPDATE golden_history SET before = ?, after = ? WHERE seq = ?",
                    [_without(before, gone), _without(after, gone), seq])
    return len(rows)


def _without(attributes: str | None, gone: set[str]) -> str | None:
    """A history version's attributes with the values in ``gone`` left out (a list keeps the rest)."""
    if attributes is None:
        return None
    kept = {k: [x for x in v if x not in gone] if isinstance(v, list) else (None if v in gone else v)
            for k, v in orjson.loads(attributes).items()}
    return orjson.dumps(kept).decode()


def scrub(
    con: duckdb.DuckDBPyConnection,
    golden_ids: Sequence[str],
    record_members: Sequence[tuple[str, str, str]],
    *,
    at: Any,
    erasure_id: str,
    actor: str | None,
) -> None:
    """Remove the golden records' values (and the pairs and quarantined rows of their records,
    (record_key, source, source_id) as :func:`members` gives them); each golden id's history
    ends with an ``erased`` entry, for the change feed."""
    _forget_records(con, record_members)
    forget_golden(con, dict.fromkeys(golden_ids, erasure_id), at=at, actor=actor)


def forget_golden(
    con: duckdb.DuckDBPyConnection, erased: Mapping[str, str], *, at: Any, actor: str | None
) -> None:
    """Remove the values of these golden records (golden id -> erasure id); the history of each
    ends with an ``erased`` entry."""
    remove_values(con, list(erased))
    add_history(con, [
        {"golden_id": g, "changed_at": at, "change": "erased", "cause": "erasure", "cause_id": erasure_id,
         "actor": actor, "members": 0, "before": None, "after": None}
        for g, erasure_id in erased.items()
    ])


def erased_held(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """(record_key, source, source_id, erasure_id) of the records in xref that an erasure
    deleted: results computed from input read before it (a batch run's, a Spark run's) hold them."""
    return con.execute(
        "SELECT x.record_key, x.source, x.source_id, d.erasure_id FROM xref x"
        " JOIN deleted_records d ON d.source = x.source AND d.source_id = x.source_id"
        " WHERE d.erasure_id IS NOT NULL ORDER BY x.record_key"
    ).fetchall()


def erased_golden_ids(con: duckdb.DuckDBPyConnection, erasure_ids: Sequence[str]) -> dict[str, str]:
    """Golden id -> erasure id, of the golden records these erasures erased."""
    return dict(con.execute(
        "SELECT golden_id, any_value(cause_id) FROM golden_history WHERE change = 'erased'"
        " AND list_contains(?::VARCHAR[], cause_id) GROUP BY golden_id ORDER BY golden_id",
        [list(erasure_ids)],
    ).fetchall())


def erased_ids_held(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Erased golden ids that the xref gives records to: results computed elsewhere (a Spark run
    whose ``--previous`` output still held the id) gave it to records that came back."""
    return [g for (g,) in con.execute(
        "SELECT DISTINCT golden_id FROM xref WHERE golden_id IN"
        " (SELECT golden_id FROM golden_history WHERE change = 'erased') ORDER BY golden_id"
    ).fetchall()]


def match_values(con: duckdb.DuckDBPyConnection, record_keys: Sequence[str]) -> list[tuple[str, str]]:
    """The (match column, value) pairs these stored records hold, of the columns with term
    frequencies: what :func:`drop_unheld_frequencies` checks once the records are gone."""
    columns = [c for (c,) in con.execute("SELECT DISTINCT column_name FROM term_frequencies").fetchall()]
    rows = fetch_dicts(
        con, f"SELECT {match_select()} FROM std_records WHERE list_contains(?::VARCHAR[], record_key)",
        [list(record_keys)])
    return sorted({(c, row[c]) for row in rows for c in columns if row.get(c) is not None})


def remove_records(con: duckdb.DuckDBPyConnection, record_members: Sequence[tuple[str, str, str]]) -> None:
    """Take these records ((record_key, source, source_id)), which their deletion already names,
    out of results that hold them: raw, standardised, xref, pairs, quarantined rows and open
    review items."""
    remove_from_results(con, [key for key, _s, _i in record_members])
    _forget_records(con, record_members)


def forget_run_values(
    con: duckdb.DuckDBPyConnection, golden_ids: Sequence[str], *, run_id: str, erasure_ids: Sequence[str]
) -> None:
    """The history entries of golden records that held erased records in a run's results lose
    their values: the run's, and those of the rebuild that took the records out (its before)."""
    con.execute("UPDATE golden_history SET before = NULL, after = NULL WHERE cause = 'run' AND cause_id = ?"
                " AND list_contains(?::VARCHAR[], golden_id)", [run_id, list(golden_ids)])
    con.execute("UPDATE golden_history SET before = NULL WHERE cause = 'erasure'"
                " AND list_contains(?::VARCHAR[], cause_id) AND list_contains(?::VARCHAR[], golden_id)",
                [list(erasure_ids), list(golden_ids)])


def rescrub(con: duckdb.DuckDBPyConnection) -> int:
    """Remove again the values of every golden id ever erased, where results computed elsewhere
    (a Spark run given the previous run's golden records) bring them back. Returns how many."""
    ids = [g for (g,) in con.execute(
        "SELECT DISTINCT golden_id FROM golden_history WHERE change = 'erased'").fetchall()]
    if not ids:
        return 0
    back = con.execute("SELECT count(*) FROM golden_records WHERE list_contains(?::VARCHAR[], golden_id)",
                       [ids]).fetchone()[0]
    remove_values(con, ids)
    return int(back)


def _forget_records(con: duckdb.DuckDBPyConnection, record_members: Sequence[tuple[str, str, str]]) -> None:
    """The scored pairs and quarantined rows of these records."""
    keys = [key for key, _s, _i in record_members]
    con.execute("DELETE FROM pairs WHERE list_contains(?::VARCHAR[], record_key_l)"
                " OR list_contains(?::VARCHAR[], record_key_r)", [keys, keys])
    for _key, source, source_id in record_members:
        con.execute("DELETE FROM quarantine WHERE source = ? AND source_id = ?", [source, source_id])


def remove_values(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> None:
    """The golden records, their lineage, stewards' values and the links of keys that left them
    go (none of those keys brings an erased id back); their history entries stay, without
    attributes."""
    for table in ("golden_lineage", "golden_records", "golden_overrides", "xref_departed"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids])
    con.execute("UPDATE golden_history SET before = NULL, after = NULL"
                " WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids])
