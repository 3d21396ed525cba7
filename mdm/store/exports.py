"""Exports (xref, golden records) and the evaluation against a truth file."""

from __future__ import annotations

import codecs
import json
import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mdm.errors import InvalidInputError, NotFoundError
from mdm.store.database import fetch_one, now
from mdm.store.documents import timestamp_text
from mdm.store.models import latest_model
from mdm.store.stewardship import active_constraints, decision_sides
from mdm.store.tables import SCHEMAS

# CSV whatever the file is named: DuckDB's COPY writes by the name's extension, and for a name
# ending .parquet or .json it refused the CSV options (with a traceback).
_CSV = "(FORMAT CSV, HEADER, DELIMITER ',')"

# A CSV cell that a spreadsheet would run as a formula when the file is opened (its first character
# '=', '+', '-', '@', a tab or a carriage return: a customer named "=HYPERLINK(...)" or "-2+cmd|...")
# is written after a "'", behind which the spreadsheet shows it as text; a number or a phone ("+84
# 912 345 678", "-1", collected phones joined by "; ") is no formula and is written as it is. Both
# patterns are RE2, which DuckDB and pyarrow share.
_FORMULA = r"^[=+\-@\t\r]"
_NUMBER = r"^[+\-]?[0-9][0-9 ().;+\-]*$"


def _cell(expression: str, name: str) -> str:
    """A text column of a COPY to CSV, written as :data:`_FORMULA` says."""
    return (f"CASE WHEN regexp_matches({expression}, '{_FORMULA}')"
            f" AND NOT regexp_matches({expression}, '{_NUMBER}')"
            f" THEN concat('''', {expression}) ELSE {expression} END AS {name}")


def _write_csv(table: pa.Table, out: Path, excel: bool = False) -> None:
    """``table`` as CSV, its text cells written as :data:`_FORMULA` says. With ``excel``, after
    UTF-8's byte-order mark: Excel opens a CSV without one in the machine's code page ("Nguyễn"
    shown "Nguyá»…n"), and its own "CSV UTF-8" begins with it; programs are given none."""
    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type):
            formula = pc.and_(pc.match_substring_regex(col, _FORMULA),
                              pc.invert(pc.match_substring_regex(col, _NUMBER)))
            col = pc.if_else(formula, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    with out.open("wb") as fh:
        if excel:
            fh.write(codecs.BOM_UTF8)
        pacsv.write_csv(pa.table(columns, names=table.column_names), fh)


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, params: list[Any], out: Path,
              excel: bool = False) -> None:
    """``query``'s rows as CSV; with ``excel``, after UTF-8's byte-order mark (see :func:`_write_csv`),
    which DuckDB's COPY does not write: its file is copied behind the mark (``out`` may be a pipe)."""
    if not excel:
        con.execute(f"COPY ({query}) TO ? {_CSV}", [*params, str(out)])
        return
    with tempfile.TemporaryDirectory() as folder:
        copied = Path(folder) / "export.csv"
        con.execute(f"COPY ({query}) TO ? {_CSV}", [*params, str(copied)])
        with out.open("wb") as fh, copied.open("rb") as csv:
            fh.write(codecs.BOM_UTF8)
            shutil.copyfileobj(csv, fh, 1 << 20)


def export_xref(con: duckdb.DuckDBPyConnection, out: Path, excel: bool = False) -> int:
    # Keys exactly as their systems hold them: the cross-reference is read by programs, and a key
    # written after a "'" would map nothing.
    _copy_csv(con, "SELECT source, source_id, golden_id FROM xref ORDER BY source, source_id", [], out, excel)
    (n,) = fetch_one(con, "SELECT count(*) FROM xref")
    return int(n)


def export_golden(
    con: duckdb.DuckDBPyConnection, out: Path, fmt: str, attributes: Mapping[str, bool], excel: bool = False
) -> int:
    """Active golden records, one column per attribute: ``attributes`` (name -> whether it holds
    a list, ``collect_all``) are the rules' survivorship attributes, so the columns and their
    types are the same whatever the data, with no records as with many; attributes the stored
    records hold besides (a run under other rules) follow them.

    Parquet keeps multi-valued attributes as lists; CSV joins them with '; ' (``excel``: see
    :func:`_write_csv`).
    """
    rows = con.execute(
        "SELECT golden_id, record_count, sources, CAST(attributes AS VARCHAR), created_at, updated_at"
        " FROM golden_records WHERE status = 'active' ORDER BY golden_id"
    ).fetchall()
    stored = [json.loads(attrs) if attrs else {} for *_x, attrs, _c, _u in rows]
    multi = _attribute_kinds(attributes, stored)
    records = []
    for (gid, count, sources, _a, created, updated), attrs in zip(rows, stored, strict=True):
        record: dict[str, Any] = {"golden_id": gid, "record_count": count, "sources": sources}
        record.update({name: _as_kind(attrs.get(name), many) for name, many in multi.items()})
        record["created_at"], record["updated_at"] = created, updated
        records.append(record)
    table = pa.Table.from_pylist(records, schema=golden_export_schema(multi))
    if fmt == "parquet":
        pq.write_table(table, out)
    else:
        columns = []
        for name in table.column_names:
            col = table[name]
            if pa.types.is_list(col.type):
                col = pa.array(["; ".join(v) if v else None for v in col.to_pylist()], pa.string())
            columns.append(col)
        _write_csv(pa.table(columns, names=table.column_names), out, excel)
    return len(records)


def golden_export_schema(attributes: Mapping[str, bool]) -> pa.Schema:
    """The golden export's columns: the record's id, size and sources, each attribute (a list of
    text where it holds many values, else text), and its times, in UTC and marked so (Parquet's
    adjusted-to-UTC; CSV's ``Z``): stored without a zone, a reader would take them for its own."""
    stored = SCHEMAS["golden_records"]
    head = [stored.field(name) for name in ("golden_id", "record_count", "sources")]
    kinds = [pa.field(name, pa.list_(pa.string()) if many else pa.string())
             for name, many in attributes.items()]
    times = [pa.field(name, pa.timestamp("us", tz="UTC"), nullable=stored.field(name).nullable)
             for name in ("created_at", "updated_at")]
    return pa.schema([*head, *kinds, *times])


def _attribute_kinds(attributes: Mapping[str, bool], stored: list[dict[str, Any]]) -> dict[str, bool]:
    """The rules' attributes, then those only the stored records hold; a list wherever one is."""
    kinds = dict(attributes)
    for attrs in stored:
        for name, value in attrs.items():
            kinds[name] = kinds.get(name, False) or isinstance(value, list)
    return kinds


def _as_kind(value: Any, many: bool) -> Any:
    """A stored value in its column's type: a list column also takes a run's scalar (other rules)."""
    if value is None:
        return None
    if many:
        return [str(v) for v in value if v is not None] if isinstance(value, list) else [str(value)]
    return str(value)


def export_model(con: duckdb.DuckDBPyConnection, out: Path) -> str:
    """The model of the last successful run, as JSON another engine can use."""
    model = latest_model(con)
    if model is None:
        raise NotFoundError("model", "latest")
    out.write_text(json.dumps(model), encoding="utf-8")
    return str(model["model_id"])


def export_decisions(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Steward constraints in force: kind, record_key_l, record_key_r, decision_id, and sides (the
    decision's groups of records before it, as JSON: where a record has left, the run carries the
    constraint to one of its side, mdm/carry_decisions.py)."""
    rows = active_constraints(con)
    columns = ("kind", "record_key_l", "record_key_r", "decision_id")
    table = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)})
    sides = decision_sides(con, {r[3] for r in rows})
    table = table.append_column(
        "sides", pa.array([json.dumps(sides.get(r[3], [])) for r in rows], pa.string()))
    _write_csv(table, out)
    return len(rows)


def export_posted(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[int, int]:
    """Records posted and deleted through the API, as JSON lines oldest first: a post is
    ``{"source", "source_id", "at", "record": {its columns}}``, a deletion ``{"source",
    "source_id", "at", "deleted": true}``. Returns (posts, deletions)."""
    rows = con.execute(
        "SELECT source, source_id, posted_at AS changed_at, CAST(raw AS VARCHAR) AS raw FROM posted_records"
        " UNION ALL SELECT source, source_id, deleted_at, NULL FROM deleted_records"
        " ORDER BY changed_at, source, source_id"
    ).fetchall()
    with out.open("w", encoding="utf-8") as fh:
        for source, source_id, at, raw in rows:
            head = json.dumps({"source": source, "source_id": source_id, "at": timestamp_text(at)},
                              ensure_ascii=False)[:-1]
            fh.write(f'{head}, "record": {raw}}}\n' if raw is not None else f'{head}, "deleted": true}}\n')
    posts = sum(raw is not None for *_x, raw in rows)
    return posts, len(rows) - posts


POSTED_EXPORT = "posted.export"  # the audit action of `mdm export posted`


def posted_export_pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `mdm export posted` was taken since the start of the last run that succeeded: a
    Spark run may be computing from it, whose extract lacks what is posted from then on, and
    `mdm load` replays only what is stored as posted after it. Its load ends the wait, and so
    does a DuckDB run started after it, which read every post up to its start (an export whose
    Spark run is abandoned would otherwise keep every unchanged post stored as posted, for good)."""
    (pending,) = fetch_one(
        con,
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = ? AND occurred_at > coalesce("
        "(SELECT max(started_at) FROM runs WHERE status = 'succeeded'), TIMESTAMP '-infinity'))",
        [POSTED_EXPORT],
    )
    return bool(pending)


# What a Spark run reads of its ``--previous`` folder (mdm/spark/engine.py), and the marker that
# tells `mdm load` such a folder from a run's output. The stored records are those a source with
# ``extract: changes`` leaves out of its extract, which the run carries forward.
_PREVIOUS_TABLES = ("xref", "xref_departed", "golden_records", "source_records")
PREVIOUS_KIND = "previous"
PREVIOUS_RECORDS_OF = "stored_records_of"  # the sources whose stored records it holds, if not all


def export_previous(con: duckdb.DuckDBPyConnection, out: Path, sources: Collection[str] | None = None) -> int:
    """The golden ids the database holds now (cross-reference, departed keys, golden records) and
    its stored records, as the folder `mdm reconcile --engine spark --previous` reads: a Spark run
    over it keeps the ids of records posted and decided since the last run's output, and of a
    database a DuckDB run made, which an earlier run's folder cannot hold, and the records of an
    ``extract: changes`` source. With ``sources``, the stored records of those alone (the run
    reads only its ``extract: changes`` sources'; at a million records the rest is most of the
    folder), which its report lists. Written whole or not at all. Returns the active golden records."""
    if sources is not None:
        sources = sorted(set(sources))
        stored = con.execute("SELECT DISTINCT source FROM source_records ORDER BY source").fetchall()
        known = [s for (s,) in stored]
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise InvalidInputError(f"no source named {unknown[0]!r} stores records"
                                    f" (the sources: {', '.join(known) or 'none'})")
    try:
        for table in _PREVIOUS_TABLES:
            schema = SCHEMAS[table]
            if table == "golden_records":
                schema = schema.remove(schema.get_field_index("document"))
            columns = ", ".join(f"CAST({n} AS VARCHAR) AS {n}" if n in ("attributes", "raw") else n
                                for n in schema.names)
            only = table == "source_records" and sources is not None
            where, params = ("WHERE list_contains(?, source)", [sources]) if only else ("", [])
            (out / table).mkdir(parents=True)
            rows = con.sql(f"SELECT {columns} FROM {table} {where}", params=params)
            with pq.ParquetWriter(out / table / "part-00000.parquet", schema) as writer:
                for batch in rows.to_arrow_reader(100_000):
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))
        (active,) = fetch_one(con, "SELECT count(*) FROM golden_records WHERE status = 'active'")
        (out / "report").mkdir()
        report = {"kind": PREVIOUS_KIND, "exported_at": timestamp_text(now()),
                  "active_golden_records": active}
        if sources is not None:
            report[PREVIOUS_RECORDS_OF] = sources
        (out / "report" / "part-00000").write_text(json.dumps(report) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return int(active)


def export_quarantine(con: duckdb.DuckDBPyConnection, out: Path, excel: bool = False) -> int:
    """The last run's quarantined rows, each with its reason and the row as read (``excel``: see
    :func:`_write_csv`)."""
    _copy_csv(
        con,
        f"SELECT source, row_number, {_cell('source_id', 'source_id')}, {_cell('reason', 'reason')},"
        f" {_cell('CAST(raw AS VARCHAR)', 'raw')} FROM quarantine"
        " ORDER BY source, row_number NULLS LAST, quarantine.source_id",
        [], out, excel,
    )
    (n,) = fetch_one(con, "SELECT count(*) FROM quarantine")
    return int(n)


def export_flagged(
    con: duckdb.DuckDBPyConnection, out: Path, flag: str | None = None, excel: bool = False
) -> int:
    """The records carrying data-quality flags (or the one ``flag``), each with its flags and
    the record as its source gave it (a file row, or the version posted through the API);
    ``excel``: see :func:`_write_csv`."""
    where = "len(s.dq_flags) > 0" if flag is None else "list_contains(s.dq_flags, ?)"
    query = (
        f"SELECT s.source, {_cell('s.source_id', 'source_id')}, array_to_string(s.dq_flags, '; ') AS flags,"
        f" {_cell('CAST(coalesce(p.raw, r.raw) AS VARCHAR)', 'raw')} FROM std_records s"
        " LEFT JOIN source_records r USING (record_key)"
        " LEFT JOIN posted_records p ON p.source = s.source AND p.source_id = s.source_id"
        f" WHERE {where} ORDER BY s.source, s.source_id"
    )
    params = [] if flag is None else [flag]
    _copy_csv(con, query, params, out, excel)
    (n,) = fetch_one(con, f"SELECT count(*) FROM std_records s WHERE {where}", params)
    return int(n)


def flags_present(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [f for (f,) in con.execute(
        "SELECT DISTINCT unnest(dq_flags) AS flag FROM std_records ORDER BY flag").fetchall()]


TRUTH_COLUMNS = ("source", "source_id", "entity_id")


def _load_truth(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    """The truth file as ``eval_truth``, one entity per key. A row without an entity id, or a
    key given two, would be counted silently: the blank rows as one customer, the key's record
    twice over. Either is refused, naming the first such key."""
    if truth.stat().st_size == 0:
        header = ",".join(TRUTH_COLUMNS)
        raise InvalidInputError(f"{truth}: the truth file is empty; it needs a header {header}")
    con.execute("CREATE OR REPLACE TEMP TABLE eval_truth_rows AS"
                " SELECT * FROM read_csv(?, all_varchar = true, header = true)", [str(truth)])
    columns = [name for (name, *_rest) in con.execute("DESCRIBE eval_truth_rows").fetchall()]
    missing = [c for c in TRUTH_COLUMNS if c not in columns]
    if missing:
        raise InvalidInputError(f"{truth}: the truth file needs the columns {', '.join(TRUTH_COLUMNS)};"
                                f" it has no {', '.join(missing)} (its header: {', '.join(columns)})")
    blank = con.execute(
        "SELECT count(*), arg_min([source, source_id, entity_id], rowid) FROM eval_truth_rows"
        " WHERE coalesce(trim(source), '') = '' OR coalesce(trim(source_id), '') = ''"
        " OR coalesce(trim(entity_id), '') = ''").fetchone()
    if blank and blank[0]:
        count, (source, source_id, entity) = blank
        first = f"source {source!r}, source_id {source_id!r}, entity_id {entity!r}"
        raise InvalidInputError(f"{truth}: rows without a source, a source_id or an entity_id: {count:,}"
                                f" (the first: {first})")
    con.execute("CREATE OR REPLACE TEMP TABLE eval_truth AS"
                " SELECT DISTINCT source, source_id, entity_id FROM eval_truth_rows")
    twice = con.execute(
        "SELECT count(*) OVER (), source, source_id, list_sort(list(entity_id)) FROM eval_truth"
        " GROUP BY source, source_id HAVING count(*) > 1 ORDER BY source, source_id LIMIT 1").fetchone()
    if twice:
        count, source, source_id, entities = twice
        given = ", ".join(map(repr, entities))
        raise InvalidInputError(f"{truth}: keys given more than one entity_id: {count:,} (the first:"
                                f" source {source!r}, source_id {source_id!r}: {given})")


def evaluate_against_truth(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, Any]:
    """Pairwise precision/recall/F1 of the clustering, and cluster-level counts.

    Only records present in both the xref and the truth file are compared; both counts are
    reported so a mismatch is visible.
    """
    _load_truth(con, truth)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE eval_joined AS SELECT x.golden_id, t.entity_id, x.source, x.source_id"
        " FROM xref x JOIN eval_truth t USING (source, source_id)"
    )
    row = fetch_one(
        con,
        """
        WITH pred AS (SELECT count(*) AS n FROM eval_joined GROUP BY golden_id),
             tru AS (SELECT count(*) AS n FROM eval_joined GROUP BY entity_id),
             both_ AS (SELECT count(*) AS n FROM eval_joined GROUP BY golden_id, entity_id),
             gsets AS (SELECT golden_id, list_sort(list(source || ':' || source_id)) AS m FROM eval_joined GROUP BY golden_id),
             esets AS (SELECT entity_id, list_sort(list(source || ':' || source_id)) AS m FROM eval_joined GROUP BY entity_id)
        SELECT
            (SELECT count(*) FROM eval_truth),
            (SELECT count(*) FROM xref),
            (SELECT count(*) FROM eval_joined),
            (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM pred),
            (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM tru),
            (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM both_),
            (SELECT count(*) FROM pred),
            (SELECT count(*) FROM tru),
            (SELECT count(*) FROM gsets JOIN esets USING (m))
        """,
    )
    truth_rows, xref_rows, evaluated, predicted, true_pairs, tp, clusters, entities, exact = (int(v) for v in row)
    if evaluated == 0:
        raise InvalidInputError(
            f"{truth}: none of its {truth_rows:,} (source, source_id) keys is in the database's xref"
            f" ({xref_rows:,} keys): nothing to evaluate"
        )
    missed, false_links, held_back_by = _where_pairs_went(con)
    # A source of the truth file none of whose keys the database holds (its name misspelt, its ids
    # changed by a spreadsheet that dropped their leading zeros) counts in no figure: named, so a
    # truth file read wrong is not taken for a right one.
    absent = [{"source": source, "keys": keys, "first": first} for source, keys, first in con.execute(
        "SELECT t.source, count(*), min(t.source_id) FROM eval_truth t"
        " LEFT JOIN xref x USING (source, source_id) GROUP BY t.source HAVING count(x.golden_id) = 0"
        " ORDER BY t.source").fetchall()]
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "truth_records": truth_rows,
        "xref_records": xref_rows,
        "evaluated_records": evaluated,
        "sources_not_found": absent,
        "predicted_pairs": predicted,
        "true_pairs": true_pairs,
        "true_positive_pairs": tp,
        "false_positive_pairs": predicted - tp,
        "false_negative_pairs": true_pairs - tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_clusters": clusters,
        "true_entities": entities,
        "exactly_recovered_entities": exact,
        "false_negatives_by_stage": missed,
        "false_positives_by_stage": false_links,
        "held_back_by": held_back_by,
    }


# What each stage means: a missed pair is in the review queue because the model scored it to link
# (as high as the run's weakest automatic link) and a guard or the clustering (a conflict, the
# source structure) held it back, or because its score is uncertain; it was scored but is no
# longer queued (a steward's decision keeps it apart); or it was scored below the review
# threshold or never compared. A false pair was linked by its own score, or only through other
# records of its golden record.
MISSED_STAGES = ("queued_held_back", "queued_uncertain", "scored_not_queued", "below_review_or_not_compared")
FALSE_STAGES = ("by_a_scored_pair", "through_other_records")


# The missed pairs held back with no stored reason: queued before reasons were stored.
NO_STORED_REASON = "not_stored"


def _where_pairs_went(
    con: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Where the last run lost each missed pair and made each false one (over ``eval_joined``),
    so that a team judging the matcher on a labelled extract sees what is left to do: a queue
    for stewards (links a guard or the clustering held back, uncertain scores), or pairs scored
    below the review threshold or never compared, which need new evidence or blocking, not a
    steward. Returns the counts by stage, and the held-back ones by what held them back. The
    pairs are left in ``eval_wrong_pairs`` for ``export_wrong_pairs``."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE eval_wrong_pairs AS
        WITH rec AS (SELECT x.record_key, j.golden_id, j.entity_id FROM eval_joined j
                     JOIN xref x USING (source, source_id)),
             -- Scored by the batch run (pairs) or by real-time matching (its queue items only).
             scored AS (SELECT least(record_key_l, record_key_r) AS a,
                               greatest(record_key_l, record_key_r) AS b, max(match_probability) AS p,
                               bool_or(to_link) AS to_link
                        FROM (SELECT record_key_l, record_key_r, match_probability,
                                     outcome = 'auto_link' AS to_link FROM pairs
                              UNION ALL
                              SELECT record_key_l, record_key_r, match_probability, FALSE FROM review_queue)
                        GROUP BY ALL),
             queued AS (SELECT least(record_key_l, record_key_r) AS a,
                               greatest(record_key_l, record_key_r) AS b, max(held_back_by) AS held_back_by
                        FROM review_queue WHERE status = 'open' GROUP BY ALL),
             -- A pair scored at least as high as the run's weakest automatic link was held back
             -- (by a guard at scoring, or by the clustering), not left uncertain.
             weakest AS (SELECT min(match_probability) AS p FROM pairs WHERE outcome = 'auto_link'),
             -- Two equi-joins, not one join on either key: an OR joins every record with every other.
             apart AS (SELECT l.record_key AS a, r.record_key AS b FROM rec l JOIN rec r
                       ON l.entity_id = r.entity_id AND l.record_key < r.record_key
                       WHERE l.golden_id <> r.golden_id),
             together AS (SELECT l.record_key AS a, r.record_key AS b FROM rec l JOIN rec r
                          ON l.golden_id = r.golden_id AND l.record_key < r.record_key
                          WHERE l.entity_id <> r.entity_id)
        SELECT 'missed' AS error, a, b, s.p AS match_probability,
               CASE WHEN q.a IS NOT NULL AND (s.to_link OR s.p >= (SELECT p FROM weakest))
                         THEN 'queued_held_back'
                    WHEN q.a IS NOT NULL THEN 'queued_uncertain'
                    WHEN s.a IS NOT NULL THEN 'scored_not_queued'
                    ELSE 'below_review_or_not_compared' END AS stage,
               q.held_back_by
        FROM apart LEFT JOIN queued q USING (a, b) LEFT JOIN scored s USING (a, b)
        UNION ALL
        SELECT 'false', a, b, s.p,
               CASE WHEN s.a IS NOT NULL THEN 'by_a_scored_pair' ELSE 'through_other_records' END, NULL
        FROM together LEFT JOIN scored s USING (a, b)
        """
    )
    counts = dict(con.execute("SELECT stage, count(*) FROM eval_wrong_pairs GROUP BY stage").fetchall())
    missed = {stage: int(counts.get(stage, 0)) for stage in MISSED_STAGES}
    held = con.execute(
        "SELECT coalesce(held_back_by, ?), count(*) FROM eval_wrong_pairs WHERE stage = 'queued_held_back'"
        " GROUP BY ALL ORDER BY 2 DESC, 1",
        [NO_STORED_REASON],
    ).fetchall()
    return missed, {stage: int(counts.get(stage, 0)) for stage in FALSE_STAGES}, {r: int(n) for r, n in held}


def export_wrong_pairs(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """The pairs the last ``evaluate_against_truth`` on ``con`` found wrong, one per row: whether
    missed or false, its stage, both records' keys, golden ids and true entities, its score, and
    for a queued pair what held it back, as its review item says."""
    sql = """
        SELECT w.error, w.stage, l.source AS source_l, {source_id_l}, r.source AS source_r,
               {source_id_r}, jl.golden_id AS golden_id_l, jr.golden_id AS golden_id_r,
               jl.entity_id AS entity_id_l, jr.entity_id AS entity_id_r, w.match_probability, w.held_back_by
        FROM eval_wrong_pairs w JOIN xref l ON l.record_key = w.a JOIN xref r ON r.record_key = w.b
        JOIN eval_joined jl ON jl.source = l.source AND jl.source_id = l.source_id
        JOIN eval_joined jr ON jr.source = r.source AND jr.source_id = r.source_id
        ORDER BY w.error, w.stage, source_l, l.source_id, source_r, r.source_id""".format(
        source_id_l=_cell("l.source_id", "source_id_l"), source_id_r=_cell("r.source_id", "source_id_r"))
    _copy_csv(con, sql, [], out)
    (n,) = fetch_one(con, "SELECT count(*) FROM eval_wrong_pairs")
    return int(n)
