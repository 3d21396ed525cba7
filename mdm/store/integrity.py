"""Checks that a database holds together: what every write keeps true, checked after the fact.

Each write keeps these in one transaction, so a failing check means something outside the
service changed the file (a hand edit, a copy of a half-written file, a restore of a file another
tool made) or a fault of ours: either way the operator should know before serving from it. Every
table is also read whole, which has DuckDB verify each block's checksum: a file damaged on disk
fails there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mdm.store.database import LATEST_SCHEMA, DatabaseError, connect, fetch_one, schema_version

_EXAMPLES = 5

# Until a run's replay has ended (its report keeps ``replay_from`` until it says ``replayed``),
# the records posted through the API after the run read its input are not yet replayed onto its
# results: the check of them counts those posted before. Else every one. (Those deleted meanwhile
# the publish took out: mdm/late_deletions.py.)
_REPLAYED_UNTIL = (
    "coalesce((SELECT CAST(json_extract_string(report, '$.replay_from') AS TIMESTAMP) FROM (SELECT report"
    " FROM runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1)"
    " WHERE json_extract(report, '$.replayed') IS NULL), 'infinity'::TIMESTAMP)"
)


@dataclass(frozen=True)
class Check:
    name: str
    means: str  # what holds when the check passes
    sql: str  # one row per violation: its example text first


@dataclass
class Result:
    name: str
    means: str
    violations: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.violations == 0


CHECKS = (
    Check("xref_golden_active", "every source key belongs to an active golden record",
          "SELECT x.source || ':' || x.source_id || ' -> ' || x.golden_id FROM xref x"
          " LEFT JOIN golden_records g USING (golden_id) WHERE g.status IS DISTINCT FROM 'active'"),
    Check("xref_unique", "a source key and a record key appear once in the cross-reference",
          "SELECT source || ':' || source_id FROM xref GROUP BY source, source_id HAVING count(*) > 1"
          " UNION ALL SELECT record_key FROM xref GROUP BY record_key HAVING count(*) > 1"),
    Check("golden_record_count",
          "an active golden record's record count is its records in the cross-reference",
          "SELECT g.golden_id || ' says ' || g.record_count || ', holds ' || count(x.record_key)"
          " FROM golden_records g LEFT JOIN xref x USING (golden_id) WHERE g.status = 'active'"
          " GROUP BY g.golden_id, g.record_count HAVING count(x.record_key) <> g.record_count"
          " OR count(x.record_key) = 0"),
    Check("records_whole", "every record in the cross-reference has its raw and standardised rows, and no"
          " standardised row is without it",
          "SELECT x.record_key || ' has no ' || CASE WHEN s.record_key IS NULL THEN 'raw row' ELSE"
          " 'standardised row' END FROM xref x LEFT JOIN source_records s USING (record_key)"
          " LEFT JOIN std_records t ON t.record_key = x.record_key"
          " WHERE s.record_key IS NULL OR t.record_key IS NULL"
          " UNION ALL SELECT t.record_key || ' is in no golden record' FROM std_records t"
          " WHERE t.record_key NOT IN (SELECT record_key FROM xref)"
          " UNION ALL SELECT s.record_key || ' (raw) is in no golden record' FROM source_records s"
          " WHERE s.record_key NOT IN (SELECT record_key FROM xref)"),
    Check("golden_sources", "an active golden record's sources are its records' sources",
          "SELECT g.golden_id FROM golden_records g LEFT JOIN (SELECT golden_id,"
          " list_sort(list(DISTINCT source)) AS sources FROM xref GROUP BY golden_id) x USING (golden_id)"
          " WHERE g.status = 'active' AND list_sort(g.sources) IS DISTINCT FROM x.sources"),
    Check("document_members", "an active golden record's stored document lists exactly its records",
          "WITH doc AS (SELECT golden_id, list_sort(list_transform(CAST(json_extract(document, '$.members')"
          " AS JSON[]),"
          " lambda m: json_extract_string(m, '$.source') || ':' || json_extract_string(m, '$.source_id')))"
          " AS members FROM golden_records WHERE status = 'active'),"
          " held AS (SELECT golden_id, list_sort(list(source || ':' || source_id)) AS members FROM xref"
          " GROUP BY golden_id)"
          " SELECT doc.golden_id FROM doc LEFT JOIN held USING (golden_id)"
          " WHERE doc.members IS DISTINCT FROM held.members"),
    Check("document_id", "a golden record's stored document is its own, with its attributes and record count",
          "SELECT golden_id FROM golden_records WHERE status = 'active'"
          " AND (json_extract_string(document, '$.golden_id') IS DISTINCT FROM golden_id"
          " OR json(json_extract(document, '$.attributes')) IS DISTINCT FROM json(attributes)"
          " OR CAST(json_extract(document, '$.record_count') AS INTEGER) IS DISTINCT FROM record_count)"),
    Check("lineage_from_members", "every golden value came from one of its golden record's records or a"
          " steward",
          "SELECT l.golden_id || '.' || l.attribute || ' from ' || l.source || ':' || l.source_id"
          " FROM golden_lineage l JOIN golden_records g ON g.golden_id = l.golden_id AND g.status = 'active'"
          " WHERE l.source <> 'steward' AND NOT EXISTS (SELECT 1 FROM xref x WHERE x.golden_id = l.golden_id"
          " AND x.source = l.source AND x.source_id = l.source_id)"),
    Check("lineage_values", "a golden value is the value its lineage names first",
          "SELECT l.golden_id || '.' || l.attribute FROM golden_lineage l"
          " JOIN golden_records g USING (golden_id) WHERE g.status = 'active' AND l.position = 0"
          " AND json_type(json_extract(g.attributes, '$.' || l.attribute)) <> 'ARRAY'"
          " AND json_extract_string(g.attributes, '$.' || l.attribute) IS DISTINCT FROM l.value"),
    Check("merged_into_exists", "a golden record merged into another names one that exists",
          "SELECT g.golden_id || ' -> ' || g.merged_into FROM golden_records g"
          " WHERE g.merged_into IS NOT NULL"
          " AND g.merged_into NOT IN (SELECT golden_id FROM golden_records)"),
    Check("deleted_not_served", "a source key its system deleted, or an erasure, is in no golden record",
          "SELECT d.source || ':' || d.source_id FROM deleted_records d"
          " JOIN xref x USING (source, source_id)"),
    Check("posts_held", "every record posted through the API, of a source the last run read, is held"
          " (those posted during a run once its replay has ended)",
          "WITH read AS (SELECT json_extract_string(sources_config, '$.config.sources[*].name') AS names"
          " FROM runs WHERE status = 'succeeded' AND sources_config IS NOT NULL"
          " ORDER BY finished_at DESC LIMIT 1)"
          " SELECT p.source || ':' || p.source_id FROM posted_records p"
          f" WHERE list_contains((SELECT names FROM read), p.source) AND p.posted_at < {_REPLAYED_UNTIL}"
          " AND NOT EXISTS (SELECT 1 FROM xref x WHERE x.source = p.source AND x.source_id = p.source_id)"),
    Check("review_items_held", "an open review item's two records are held",
          "SELECT q.item_id FROM review_queue q WHERE q.status = 'open'"
          " AND (q.record_key_l NOT IN (SELECT record_key FROM xref)"
          " OR q.record_key_r NOT IN (SELECT record_key FROM xref))"),
    Check("history_for_each", "every active golden record has its history",
          "SELECT g.golden_id FROM golden_records g WHERE g.status = 'active'"
          " AND NOT EXISTS (SELECT 1 FROM golden_history h WHERE h.golden_id = g.golden_id)"),
    Check("active_not_retired_in_history", "an active golden record's history does not leave it retired:"
          " one coming back says restored",
          "SELECT g.golden_id || ' last ' || h.change FROM golden_records g JOIN (SELECT golden_id,"
          " arg_max(change, seq) AS change FROM golden_history"
          " WHERE change IN ('created', 'split', 'restored', 'merged', 'retired', 'erased')"
          " GROUP BY golden_id) h USING (golden_id)"
          " WHERE g.status = 'active' AND h.change IN ('merged', 'retired', 'erased')"),
    Check("overrides_home", "an override is held away from the golden record it was set on only while that"
          " one is retired (merged into the holder)",
          "SELECT o.override_id || ' (' || o.attribute || ') set on ' || o.set_on"
          " || ', held by ' || o.golden_id"
          " FROM golden_overrides o JOIN golden_records g ON g.golden_id = o.set_on"
          " WHERE o.removed_at IS NULL AND o.golden_id <> o.set_on AND g.status = 'active'"),
    Check("feed_order", "each change-feed entry has its own number, and the next number is past them all",
          "SELECT 'entry ' || seq || ' numbered ' || count(*) || ' times' FROM golden_history"
          " GROUP BY seq HAVING count(*) > 1"
          " UNION ALL SELECT 'entry without a number' FROM golden_history WHERE seq IS NULL"
          " UNION ALL SELECT 'the next number, ' || (s.last_value + 1) || ', is not past ' || h.top"
          " FROM duckdb_sequences() s, (SELECT max(seq) AS top FROM golden_history) h"
          " WHERE s.sequence_name = 'golden_history_seq' AND s.database_name = current_database()"
          " AND h.top > coalesce(s.last_value, 0)"),
)


def check(con: duckdb.DuckDBPyConnection) -> list[Result]:
    """Every check's result, then each table read whole (a block failing its checksum raises)."""
    out = []
    for c in CHECKS:
        result = Result(c.name, c.means)
        try:  # the examples and, beside each, how many in all: one pass over the tables
            rows = con.execute(f"SELECT v.*, count(*) OVER () FROM ({c.sql}) v LIMIT {_EXAMPLES}").fetchall()
        except duckdb.Error as e:  # a damaged block, say
            result.violations, result.examples = 1, [f"cannot check: {e}"]
        else:
            result.violations, result.examples = (rows[0][-1] if rows else 0), [str(r[0]) for r in rows]
        out.append(result)
    out.append(_read_whole(con))
    return out


def check_file(path: Path) -> list[Result]:
    """:func:`check` of the database at ``path``, opened read-only: a backup is checked as it is.
    The checks read this version's tables, so a database of another version is refused."""
    con = connect(path, read_only=True)
    try:
        version = schema_version(con, path)
        if version > LATEST_SCHEMA:
            raise DatabaseError(f"{path}: schema {version}, written by a newer version of mdm (this one"
                                f" checks schema {LATEST_SCHEMA}): check it with that version or a newer one")
        if version != LATEST_SCHEMA:
            raise DatabaseError(f"{path}: schema {version}, and this version of mdm checks schema"
                                f" {LATEST_SCHEMA}: bring it to this version first (any other command"
                                " opening it does, `mdm runs --db FILE` say; `mdm restore`, for a backup)")
        return check(con)
    finally:
        con.close()


def _read_whole(con: duckdb.DuckDBPyConnection) -> Result:
    result = Result("tables_readable", "every table reads whole (DuckDB verifies each block's checksum)")
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' ORDER BY 1").fetchall()]
    for table in tables:
        try:
            fetch_one(con, f'SELECT count(*), sum(hash(t)) FROM "{table}" t')
        except duckdb.Error as e:
            result.violations += 1
            result.examples.append(f"{table}: {e}")
    return result
