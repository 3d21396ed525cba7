"""SQL for stewardship: decisions and their constraints, the review queue, golden history."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts, fetch_one, fetch_page
from mdm.store.tables import insert_rows

# -- decisions and constraints ---------------------------------------------------------------


def insert_decision(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    con.execute(
        "INSERT INTO decisions (decision_id, kind, item_id, golden_ids, result_golden_id, comment, actor,"
        " created_at, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row["decision_id"], row["kind"], row.get("item_id"), row["golden_ids"], row.get("result_golden_id"),
         row.get("comment"), row["actor"], row["created_at"], json.dumps(row["before"]), json.dumps(row["after"])],
    )


def insert_kept_together(con: duckdb.DuckDBPyConnection, kept: Iterable[dict[str, Any]], at: Any) -> None:
    """Store decisions of kind kept_together (carry_decisions.KeptTogether.as_dict) with their must-links."""
    for k in kept:
        insert_decision(con, {
            "decision_id": k["decision_id"], "kind": "kept_together", "golden_ids": [k["golden_id"]],
            "result_golden_id": k["golden_id"], "comment": f"{k['gone']} left: what it joined stays together",
            "actor": k["actor"], "created_at": at, "before": {k["golden_id"]: k["records"]},
            "after": {k["golden_id"]: k["records"]},
        })
        add_constraints(con, k["decision_id"], "must_link", [tuple(link) for link in k["links"]])


def add_constraints(
    con: duckdb.DuckDBPyConnection, decision_id: str, kind: str, pairs: Iterable[tuple[str, str]]
) -> None:
    rows = [[decision_id, kind, *sorted(p)] for p in pairs if p[0] != p[1]]
    if rows:
        con.executemany("INSERT INTO constraints VALUES (?, ?, ?, ?)", rows)


def add_carried(con: duckdb.DuckDBPyConnection, constraints: Iterable[tuple[str, str, str, str]]) -> None:
    """Store (kind, record_key_l, record_key_r, decision_id) constraints carried to stand-ins
    (mdm/carry_decisions.py), each once: a run and a deletion may carry the same one."""
    for kind, left, right, decision in constraints:
        con.execute(
            "INSERT INTO constraints SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM constraints"
            " WHERE decision_id = ? AND kind = ? AND record_key_l = ? AND record_key_r = ?)",
            [decision, kind, left, right] * 2,
        )


def active_constraints(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """(kind, record_key_l, record_key_r, decision_id) of every decision not undone."""
    return con.execute(
        "SELECT c.kind, c.record_key_l, c.record_key_r, c.decision_id FROM constraints c"
        " JOIN decisions d USING (decision_id) WHERE d.undone_at IS NULL ORDER BY d.created_at, c.decision_id"
    ).fetchall()


def constraints_between(
    con: duckdb.DuckDBPyConnection, keys: Sequence[str]
) -> list[tuple[str, str, str, str]]:
    """(kind, record_key_l, record_key_r, decision_id) of the decisions in force between these records."""
    return con.execute(
        "SELECT c.kind, c.record_key_l, c.record_key_r, c.decision_id FROM constraints c"
        " JOIN decisions d USING (decision_id) WHERE d.undone_at IS NULL"
        " AND list_contains(?::VARCHAR[], c.record_key_l) AND list_contains(?::VARCHAR[], c.record_key_r)"
        " ORDER BY d.created_at, c.decision_id",
        [list(keys), list(keys)],
    ).fetchall()


def constraints_naming(con: duckdb.DuckDBPyConnection, key: str) -> list[tuple[str, str, str, str]]:
    """The constraints in force that name this record, as active_constraints gives them."""
    return con.execute(
        "SELECT c.kind, c.record_key_l, c.record_key_r, c.decision_id FROM constraints c"
        " JOIN decisions d USING (decision_id)"
        " WHERE d.undone_at IS NULL AND ? IN (c.record_key_l, c.record_key_r)"
        " ORDER BY d.created_at, c.decision_id",
        [key],
    ).fetchall()


def decision_sides(con: duckdb.DuckDBPyConnection, decision_ids: Iterable[str]) -> dict[str, list[list[str]]]:
    """Each decision's groups of records before it (the members of the golden records it touched)."""
    rows = con.execute(
        "SELECT decision_id, CAST(before AS VARCHAR) FROM decisions"
        " WHERE list_contains(?::VARCHAR[], decision_id)",
        [sorted(set(decision_ids))],
    ).fetchall()
    return {d: list(json.loads(before).values()) if before else [] for d, before in rows}


def stored_pairs(
    con: duckdb.DuckDBPyConnection, keys: Sequence[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """The last batch run's outcome for each pair of these records it scored: (l, r) -> (run id,
    outcome: auto_link, kept_link, source_link or review). One lookup of the index on the left
    key per record (a scan of a million records' pairs took 25 ms; this, under a millisecond)."""
    if not keys:
        return {}
    wanted = set(keys)
    lookup = " UNION ALL ".join(
        ["SELECT record_key_l, record_key_r, run_id, outcome FROM pairs"
         " WHERE record_key_l = ?"] * len(wanted))
    return {(left, right): (run_id, outcome)
            for left, right, run_id, outcome in con.execute(lookup, sorted(wanted)).fetchall()
            if right in wanted}


_DECISION_COLUMNS = (
    "decision_id, kind, item_id, golden_ids, result_golden_id, comment, actor, created_at, undone_at, undone_by,"
    " lapsed_in, lapsed_at, lapsed_by, CAST(before AS VARCHAR) AS before, CAST(after AS VARCHAR) AS after"
)


def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["before"] = json.loads(r["before"]) if r["before"] else {}
        r["after"] = json.loads(r["after"]) if r["after"] else {}
    return rows


def decisions_in_force(
    con: duckdb.DuckDBPyConnection, *, besides: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The decisions in force but those ``besides``, oldest first, each with its
    ``constraints``: (kind, record_key_l, record_key_r)."""
    decisions = [d for d in _decoded(fetch_dicts(
        con, f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE undone_at IS NULL"
             " ORDER BY created_at, decision_id")) if d["decision_id"] not in besides]
    constraints: dict[str, list[tuple[str, str, str]]] = {}
    for decision_id, kind, left, right in con.execute(
        "SELECT decision_id, kind, record_key_l, record_key_r FROM constraints"
        " WHERE list_contains(?::VARCHAR[], decision_id) ORDER BY ALL",
        [[d["decision_id"] for d in decisions]],
    ).fetchall():
        constraints.setdefault(decision_id, []).append((kind, left, right))
    for d in decisions:
        d["constraints"] = constraints.get(d["decision_id"], [])
    return decisions


def undone_among(con: duckdb.DuckDBPyConnection, decision_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Those of these decisions that are undone, in the order undone."""
    return _decoded(fetch_dicts(
        con, f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE undone_at IS NOT NULL"
             " AND list_contains(?::VARCHAR[], decision_id) ORDER BY undone_at, decision_id",
        [sorted(decision_ids)]))


def golden_of(con: duckdb.DuckDBPyConnection, record_keys: Iterable[str]) -> dict[str, str]:
    """The golden id of each of these records the xref holds."""
    return dict(con.execute(
        "SELECT record_key, golden_id FROM xref WHERE list_contains(?::VARCHAR[], record_key)",
        [list(record_keys)],
    ).fetchall())


def get_decision(con: duckdb.DuckDBPyConnection, decision_id: str) -> dict[str, Any] | None:
    rows = _decoded(fetch_dicts(con, f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE decision_id = ?", [decision_id]))
    return rows[0] if rows else None


def get_decisions(con: duckdb.DuckDBPyConnection, decision_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """Decision id -> decision, of those of ``decision_ids`` that exist: a queue page's in one read,
    not one a row."""
    if not decision_ids:
        return {}
    rows = fetch_dicts(con, f"SELECT {_DECISION_COLUMNS} FROM decisions"
                            " WHERE list_contains(?::VARCHAR[], decision_id)", [sorted(decision_ids)])
    return {r["decision_id"]: r for r in _decoded(rows)}


def list_decisions(
    con: duckdb.DuckDBPyConnection, *, limit: int, offset: int, golden_id: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    # Every decision that moved records of the golden record: merged or split it, made it (a
    # split's or an undo's new id, a key of its ``before`` or ``after``) or took it over.
    where = ("WHERE ? IS NULL OR list_contains(golden_ids, ?) OR result_golden_id = ?"
             " OR list_contains(json_keys(before), ?) OR list_contains(json_keys(after), ?)")
    params = [golden_id] * 5
    rows = _decoded(fetch_dicts(
        con, f"SELECT {_DECISION_COLUMNS} FROM decisions {where} ORDER BY created_at DESC, decision_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ))
    total = fetch_one(con, f"SELECT count(*) FROM decisions {where}", params)
    return rows, int(total[0]) if total else 0


def later_decisions(con: duckdb.DuckDBPyConnection, decision_id: str, golden_ids: Sequence[str]) -> list[str]:
    """Decisions not undone, made after this one, acting on any of these golden records."""
    return [r[0] for r in con.execute(
        "SELECT d.decision_id FROM decisions d, decisions this WHERE this.decision_id = ? AND d.undone_at IS NULL"
        " AND (d.created_at, d.decision_id) > (this.created_at, this.decision_id)"
        " AND (len(list_intersect(d.golden_ids, ?::VARCHAR[])) > 0 OR list_contains(?::VARCHAR[], d.result_golden_id))"
        " ORDER BY d.created_at",
        [decision_id, list(golden_ids), list(golden_ids)],
    ).fetchall()]


# Which of a list of decisions a statement looks at; those in force that bound until now; those marked lapsed.
_AMONG = "list_contains(?::VARCHAR[], decision_id)"
_BOUND = "lapsed_at IS NULL AND undone_at IS NULL"
_LAPSED = "lapsed_at IS NOT NULL"


def bound_among(con: duckdb.DuckDBPyConnection, decision_ids: Collection[str]) -> list[str]:
    """Those of these decisions in force that bound until now: what :func:`mark_lapsed` would mark."""
    return _ids(con, f"SELECT decision_id FROM decisions WHERE {_AMONG} AND {_BOUND}",
                [sorted(decision_ids)])


def lapsed_among(con: duckdb.DuckDBPyConnection, decision_ids: Collection[str]) -> list[str]:
    """Those of these decisions marked lapsed: what :func:`mark_binding` would clear."""
    return _ids(con, f"SELECT decision_id FROM decisions WHERE {_AMONG} AND {_LAPSED}",
                [sorted(decision_ids)])


def naming(con: duckdb.DuckDBPyConnection, record_keys: Collection[str], *, lapsed: bool) -> list[str]:
    """The decisions in force, marked lapsed or binding until now, one of whose constraints (carried
    ones too) names one of these records."""
    return _ids(con, "SELECT DISTINCT d.decision_id FROM decisions d JOIN constraints c USING (decision_id)"
                     f" WHERE d.undone_at IS NULL AND d.{_LAPSED if lapsed else 'lapsed_at IS NULL'}"
                     " AND list_has_any(?::VARCHAR[], [c.record_key_l, c.record_key_r])",
                [sorted(record_keys)])


def binding_among(
    con: duckdb.DuckDBPyConnection, decision_ids: Collection[str], *, also_present: Collection[str] = ()
) -> list[str]:
    """Those of these decisions one of whose constraints names two records the xref holds (or of
    ``also_present``): they bind (mdm/lapsed_decisions.py), the others bind nothing. The xref is
    read for the keys the constraints name alone (a union of all its keys: 0.5 s at a million)."""
    if not decision_ids:
        return []
    return _ids(con, "WITH c AS (SELECT * FROM constraints"
                     " WHERE list_contains($ids::VARCHAR[], decision_id)),"
                     " present AS (SELECT record_key FROM xref WHERE record_key IN"
                     " (SELECT record_key_l FROM c UNION ALL SELECT record_key_r FROM c)"
                     " UNION ALL SELECT unnest($also::VARCHAR[]))"
                     " SELECT DISTINCT decision_id FROM c"
                     " WHERE record_key_l IN (SELECT record_key FROM present)"
                     " AND record_key_r IN (SELECT record_key FROM present)",
                {"ids": sorted(decision_ids), "also": sorted(also_present)})


def mark_lapsed(
    con: duckdb.DuckDBPyConnection, decision_ids: Collection[str], *, at: Any, by: str,
    run_id: str | None = None,
) -> list[str]:
    """Mark those of these decisions in force that bound until now lapsed at ``at`` by ``by`` (a
    run's, ``run_id``: ``run <id>``; an API caller's deletion's, None); their ids."""
    return _ids(con, f"UPDATE decisions SET lapsed_in = ?, lapsed_at = ?, lapsed_by = ? WHERE {_AMONG}"
                     f" AND {_BOUND} RETURNING decision_id", [run_id, at, by, sorted(decision_ids)])


def mark_binding(con: duckdb.DuckDBPyConnection, decision_ids: Collection[str]) -> list[str]:
    """Clear the lapse of those of these decisions marked lapsed; their ids."""
    return _ids(con, "UPDATE decisions SET lapsed_in = NULL, lapsed_at = NULL, lapsed_by = NULL"
                     f" WHERE {_AMONG} AND {_LAPSED} RETURNING decision_id", [sorted(decision_ids)])


def _ids(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any]) -> list[str]:
    return sorted(d for (d,) in con.execute(sql, params).fetchall())


def records_named(
    con: duckdb.DuckDBPyConnection, decision_ids: Collection[str]
) -> list[tuple[str, str, list[str]]]:
    """(id, kind, the records its constraints name, carried ones too) of each of these decisions."""
    return con.execute(
        "SELECT d.decision_id, d.kind,"
        " list_sort(list_distinct(flatten(list([c.record_key_l, c.record_key_r]))))"
        " FROM decisions d JOIN constraints c USING (decision_id)"
        " WHERE list_contains(?::VARCHAR[], d.decision_id) GROUP BY ALL ORDER BY d.decision_id",
        [sorted(decision_ids)]).fetchall()


def run_changed(con: duckdb.DuckDBPyConnection, run_id: str, change: str) -> list[str]:
    """The golden records run ``run_id`` gave this change (``retired``: all their records left)."""
    return _ids(con, "SELECT DISTINCT golden_id FROM golden_history WHERE cause = 'run' AND cause_id = ?"
                     " AND change = ?", [run_id, change])


def retired_before(con: duckdb.DuckDBPyConnection, golden_ids: Collection[str], run_id: str) -> list[str]:
    """Of these golden ids, those retired as run ``run_id`` published (a dry run's, now: it writes
    no history): their last history entry before the run's own says so (one a post or an undo
    restored while the run computed is not)."""
    return _ids(con, "SELECT golden_id FROM golden_history h WHERE list_contains(?::VARCHAR[], golden_id)"
                     " AND NOT EXISTS (SELECT 1 FROM golden_history r WHERE r.golden_id = h.golden_id"
                     "                 AND r.cause = 'run' AND r.cause_id = ? AND r.seq <= h.seq)"
                     " GROUP BY golden_id HAVING arg_max(change, seq) IN ('merged', 'retired')",
                [sorted(golden_ids), run_id])


def overrides_held(con: duckdb.DuckDBPyConnection, golden_ids: Collection[str]) -> list[dict[str, Any]]:
    """The overrides in force held by these golden records."""
    return fetch_dicts(
        con, "SELECT override_id, golden_id, attribute FROM golden_overrides WHERE removed_at IS NULL"
             " AND list_contains(?::VARCHAR[], golden_id) ORDER BY golden_id, attribute",
        [sorted(golden_ids)])


def mark_undone(con: duckdb.DuckDBPyConnection, decision_id: str, at: Any, actor: str) -> None:
    con.execute("UPDATE decisions SET undone_at = ?, undone_by = ? WHERE decision_id = ?", [at, actor, decision_id])


def set_before(con: duckdb.DuckDBPyConnection, decision_id: str, before: dict[str, list[str]]) -> None:
    """Record what undoing a decision restored where that is not its ``before`` (a kept_together,
    which moved nothing; one whose golden record a later run merged into another), for a run that
    publishes it in force to undo it again (late_decisions.undo_late)."""
    con.execute("UPDATE decisions SET before = ? WHERE decision_id = ?", [json.dumps(before), decision_id])


# -- review queue ------------------------------------------------------------------------------

_ITEM_COLUMNS = (
    "q.item_id, q.run_id, q.record_key_l, q.record_key_r, q.match_weight, q.match_probability,"
    " CAST(q.explanation AS VARCHAR) AS explanation, q.status, q.created_at, q.claimed_by, q.claimed_at,"
    " q.decision_id, q.held_back_by"
)


def get_item(con: duckdb.DuckDBPyConnection, item_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(con, f"SELECT {_ITEM_COLUMNS} FROM review_queue q WHERE q.item_id = ?", [item_id])
    return rows[0] if rows else None


# Impact: how uncertain the pair is (1 at p = 0.5, 0 at 0 or 1) times how many records a
# decision would move (both golden records' sizes, as kept on each golden record: counting xref
# per listing cost two aggregations of every record, 100 ms at a million).
_QUEUE = """
SELECT {columns},
    (1 - abs(2 * q.match_probability - 1))
        * ln(1 + coalesce(gl.record_count, 1) + coalesce(gr.record_count, 1)) AS impact,
    count(*) OVER () AS total
FROM review_queue q
LEFT JOIN xref xl ON xl.record_key = q.record_key_l
LEFT JOIN xref xr ON xr.record_key = q.record_key_r
LEFT JOIN golden_records gl ON gl.golden_id = xl.golden_id
LEFT JOIN golden_records gr ON gr.golden_id = xr.golden_id
WHERE ($status IS NULL OR q.status = $status)
  AND ($source IS NULL OR split_part(q.record_key_l, ':', 1) = $source OR split_part(q.record_key_r, ':', 1) = $source)
  AND ($min_score IS NULL OR q.match_probability >= $min_score)
  AND ($max_score IS NULL OR q.match_probability <= $max_score)
  AND ($claimed_by IS NULL OR q.claimed_by = $claimed_by)
  AND ($held_back_by IS NULL OR q.held_back_by = $held_back_by)
ORDER BY {order}, q.item_id
LIMIT $limit OFFSET $offset
"""
# The queue's orders: the most impactful first; the strongest score first (pairs that scored to
# link and were held back lead, where impact puts them last); the weakest first (the pairs most
# likely not a match); the newest first.
QUEUE_ORDERS = {"impact": "impact DESC", "score": "q.match_probability DESC",
                "weakest": "q.match_probability ASC, q.match_weight ASC", "newest": "q.created_at DESC"}


def list_items(
    con: duckdb.DuckDBPyConnection,
    *,
    status: str | None,
    source: str | None,
    min_score: float | None,
    max_score: float | None,
    claimed_by: str | None,
    limit: int,
    offset: int,
    held_back_by: str | None = None,
    order: str = "impact",
) -> tuple[list[dict[str, Any]], int]:
    sql = _QUEUE.format(columns=_ITEM_COLUMNS, order=QUEUE_ORDERS[order])
    return fetch_page(con, sql, {
        "status": status, "source": source, "min_score": min_score, "max_score": max_score,
        "claimed_by": claimed_by, "held_back_by": held_back_by, "limit": limit, "offset": offset,
    })


def claim_item(con: duckdb.DuckDBPyConnection, item_id: str, actor: str | None, at: Any) -> None:
    con.execute("UPDATE review_queue SET claimed_by = ?, claimed_at = ? WHERE item_id = ?",
                [actor, at if actor else None, item_id])


def set_item_status(con: duckdb.DuckDBPyConnection, item_id: str, status: str, decision_id: str | None) -> None:
    con.execute("UPDATE review_queue SET status = ?, decision_id = ? WHERE item_id = ?", [status, decision_id, item_id])


def delete_item(con: duckdb.DuckDBPyConnection, item_id: str) -> None:
    con.execute("DELETE FROM review_queue WHERE item_id = ?", [item_id])


def items_settled_by(con: duckdb.DuckDBPyConnection, decision_id: str) -> list[dict[str, Any]]:
    """Items the decision settled: its own, and those whose records it put in one golden record."""
    return fetch_dicts(con, f"SELECT {_ITEM_COLUMNS} FROM review_queue q WHERE q.decision_id = ?"
                       " AND q.status = 'decided' ORDER BY q.item_id", [decision_id])


def open_items_between(con: duckdb.DuckDBPyConnection, record_keys: Sequence[str]) -> list[str]:
    """Open items whose two records are now both in ``record_keys`` (one golden record)."""
    return [r[0] for r in con.execute(
        "SELECT item_id FROM review_queue WHERE status = 'open' AND list_contains(?::VARCHAR[], record_key_l)"
        " AND list_contains(?::VARCHAR[], record_key_r)",
        [list(record_keys), list(record_keys)],
    ).fetchall()]


# -- golden history ----------------------------------------------------------------------------


def add_history(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(con, "golden_history", rows)


def drop_run_history(con: duckdb.DuckDBPyConnection, run_id: str, golden_ids: Sequence[str]) -> list[str]:
    """Take back the history entries run ``run_id`` wrote for these golden records; returns
    their changes."""
    if not golden_ids:
        return []
    rows = con.execute(
        "DELETE FROM golden_history WHERE cause = 'run' AND cause_id = ? AND golden_id IN (SELECT unnest(?))"
        " RETURNING change",
        [run_id, list(golden_ids)],
    ).fetchall()
    return [change for (change,) in rows]


def one_run_entry(con: duckdb.DuckDBPyConnection, run_id: str, golden_ids: Sequence[str]) -> None:
    """One history entry of run ``run_id`` for each of these golden records that it wrote several
    for (its own, then a rebuild's): the last, with the first's change and ``before``."""
    if not golden_ids:
        return
    mine = "cause = 'run' AND cause_id = $run AND golden_id IN (SELECT unnest($ids))"
    con.execute(
        "UPDATE golden_history h SET change = f.change, before = f.before FROM (SELECT golden_id,"
        " arg_min(change, seq) AS change, arg_min(before, seq) AS before, max(seq) AS last"
        f" FROM golden_history WHERE {mine} GROUP BY golden_id HAVING count(*) > 1) f WHERE h.seq = f.last",
        {"run": run_id, "ids": list(golden_ids)})
    con.execute(f"DELETE FROM golden_history WHERE {mine} AND seq NOT IN (SELECT max(seq) FROM golden_history"
                f" WHERE {mine} GROUP BY golden_id)", {"run": run_id, "ids": list(golden_ids)})


def add_history_table(con: duckdb.DuckDBPyConnection, table: Any) -> None:
    """Bulk history rows (an Arrow table with golden_history's columns), for a batch run."""
    if table.num_rows == 0:
        return
    con.register("history_new", table)
    try:
        con.execute("INSERT INTO golden_history BY NAME SELECT * FROM history_new")
    finally:
        con.unregister("history_new")


def history(
    con: duckdb.DuckDBPyConnection, golden_id: str, *, limit: int, offset: int, newest_first: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """A page of the golden record's versions, oldest first (or newest), and how many it has (0: an
    unknown id). ``seq`` (commit order) breaks ties of time, so two changes in one instant come in
    the order they were made, and pages neither repeat nor skip an entry; the change's name did
    before it, putting a record's ``changed`` before the ``created`` it followed."""
    order = "changed_at DESC, seq DESC" if newest_first else "changed_at, seq"
    rows, total = fetch_page(
        con,
        "SELECT changed_at, change, cause, cause_id, actor, members, merged_into, CAST(before AS VARCHAR)"
        " AS before, CAST(after AS VARCHAR) AS after, count(*) OVER () AS total FROM golden_history"
        f" WHERE golden_id = $golden_id ORDER BY {order} LIMIT $limit OFFSET $offset",
        {"golden_id": golden_id, "limit": limit, "offset": offset},
    )
    for r in rows:
        r["before"] = json.loads(r["before"]) if r["before"] else None
        r["after"] = json.loads(r["after"]) if r["after"] else None
    return rows, total


def last_recorded(con: duckdb.DuckDBPyConnection, golden_id: str) -> dict[str, Any] | None:
    """A golden record as its history last says it was (None: it has none), in the columns of
    records.golden_row and its ``members``: where a run's publish dropped its row (served while the
    run computed: its records all posted meanwhile, or an undo restored it), what goes on from."""
    rows = fetch_dicts(
        con,
        "SELECT CASE WHEN gone THEN 'retired' ELSE 'active' END AS status, merged_into,"
        " CAST(CASE WHEN gone THEN before ELSE after END AS VARCHAR) AS attributes, created_at,"
        " changed_at AS updated_at, CASE WHEN cause = 'run' THEN cause_id END AS run_id, members"
        " FROM (SELECT *, change IN ('merged', 'retired', 'erased') AS gone,"
        " min(changed_at) OVER () AS created_at FROM golden_history WHERE golden_id = ?)"
        " ORDER BY changed_at DESC, seq DESC LIMIT 1",
        [golden_id])
    return rows[0] if rows else None


def first_retired_by(con: duckdb.DuckDBPyConnection, run_id: str) -> int | None:
    """The ``seq`` of run ``run_id``'s first ``retired`` entry (None: it retired none)."""
    (seq,) = fetch_one(con, "SELECT min(seq) FROM golden_history WHERE cause = 'run' AND cause_id = ?"
                            " AND change = 'retired'", [run_id])
    return None if seq is None else int(seq)


def fold_taken_back(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Where run ``run_id`` retired a golden record and the next entry of it restores it (a post
    made while the run computed, replayed onto its results), one entry instead of the two: the
    restoring one, as ``changed`` from what the record was before the run. Returns their ids."""
    pairs = con.execute(
        "SELECT r.seq, n.seq, n.golden_id FROM golden_history r JOIN golden_history n"
        " ON n.golden_id = r.golden_id AND n.seq = (SELECT min(seq) FROM golden_history h"
        " WHERE h.golden_id = r.golden_id AND h.seq > r.seq)"
        " WHERE r.cause = 'run' AND r.cause_id = ? AND r.change = 'retired' AND n.change = 'restored'",
        [run_id]).fetchall()
    for retired, restored, _gid in pairs:
        con.execute("UPDATE golden_history SET change = 'changed', before = (SELECT before"
                    " FROM golden_history WHERE seq = $retired) WHERE seq = $restored",
                    {"retired": retired, "restored": restored})
        con.execute("DELETE FROM golden_history WHERE seq = ?", [retired])
    return [gid for *_s, gid in pairs]


def changes_after(con: duckdb.DuckDBPyConnection, after: int, limit: int) -> list[dict[str, Any]]:
    """History entries committed after entry ``after``, oldest first: the change feed."""
    return fetch_dicts(
        con,
        "SELECT seq, golden_id, changed_at, change, cause, cause_id, actor, members, merged_into"
        " FROM golden_history"
        " WHERE seq > ? ORDER BY seq LIMIT ?",
        [after, limit],
    )


def last_change(con: duckdb.DuckDBPyConnection) -> int:
    """The ``seq`` of the last history entry committed (0 for none)."""
    (seq,) = fetch_one(con, "SELECT coalesce(max(seq), 0) FROM golden_history")
    return int(seq)


def member_keys(con: duckdb.DuckDBPyConnection, golden_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {g: [] for g in golden_ids}
    for g, k in con.execute(
        "SELECT golden_id, record_key FROM xref WHERE list_contains(?::VARCHAR[], golden_id) ORDER BY record_key",
        [list(golden_ids)],
    ).fetchall():
        out[g].append(k)
    return out


def set_golden_of(con: duckdb.DuckDBPyConnection, moves: dict[str, str]) -> None:
    if not moves:
        return
    con.executemany("UPDATE xref SET golden_id = ? WHERE record_key = ?", [[g, k] for k, g in moves.items()])


def std_rows(con: duckdb.DuckDBPyConnection, record_keys: Sequence[str]) -> list[dict[str, Any]]:
    return fetch_dicts(
        con, "SELECT * FROM std_records WHERE list_contains(?::VARCHAR[], record_key) ORDER BY record_key",
        [list(record_keys)],
    )
