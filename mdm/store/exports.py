"""Exports (xref, golden records) and the evaluation against a truth file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mdm.errors import InvalidInputError, NotFoundError
from mdm.store.database import fetch_one
from mdm.store.models import latest_model
from mdm.store.stewardship import active_constraints


def export_xref(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    con.execute(
        "COPY (SELECT source, source_id, golden_id FROM xref ORDER BY source, source_id) TO ? (HEADER, DELIMITER ',')",
        [str(out)],
    )
    (n,) = fetch_one(con, "SELECT count(*) FROM xref")
    return int(n)


def export_golden(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> int:
    """Active golden records, one column per attribute.

    Parquet keeps multi-valued attributes (``collect_all``) as lists; CSV joins them with '; '.
    """
    rows = con.execute(
        "SELECT golden_id, record_count, sources, CAST(attributes AS VARCHAR), created_at, updated_at"
        " FROM golden_records WHERE status = 'active' ORDER BY golden_id"
    ).fetchall()
    records = []
    for gid, count, sources, attrs, created, updated in rows:
        record: dict[str, Any] = {"golden_id": gid, "record_count": count, "sources": sources}
        record.update(json.loads(attrs) if attrs else {})
        record["created_at"], record["updated_at"] = created, updated
        records.append(record)
    table = pa.Table.from_pylist(records)
    if fmt == "parquet":
        pq.write_table(table, out)
    else:
        columns = []
        for name in table.column_names:
            col = table[name]
            if pa.types.is_list(col.type):
                col = pa.array(["; ".join(v) if v else None for v in col.to_pylist()], pa.string())
            columns.append(col)
        pacsv.write_csv(pa.table(columns, names=table.column_names), out)
    return len(records)


def export_model(con: duckdb.DuckDBPyConnection, out: Path) -> str:
    """The model of the last successful run, as JSON another engine can use."""
    model = latest_model(con)
    if model is None:
        raise NotFoundError("model", "latest")
    out.write_text(json.dumps(model), encoding="utf-8")
    return str(model["model_id"])


def export_decisions(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Steward constraints in force: kind, record_key_l, record_key_r, decision_id."""
    rows = active_constraints(con)
    columns = ("kind", "record_key_l", "record_key_r", "decision_id")
    table = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(columns)})
    pacsv.write_csv(table, out)
    return len(rows)


def evaluate_against_truth(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, Any]:
    """Pairwise precision/recall/F1 of the clustering, and cluster-level counts.

    Only records present in both the xref and the truth file are compared; both counts are
    reported so a mismatch is visible.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE eval_truth AS SELECT DISTINCT source, source_id, entity_id"
        " FROM read_csv(?, all_varchar = true, header = true)",
        [str(truth)],
    )
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
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "truth_records": truth_rows,
        "xref_records": xref_rows,
        "evaluated_records": evaluated,
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
    }
