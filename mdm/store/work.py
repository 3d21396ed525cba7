"""SQL on a run's in-memory work database, where Splink trains and predicts.

Keeping Splink's many ``__splink__*`` tables out of the product's database file means a
killed run leaves nothing behind there. Identifiers that reach these statements come from
the validated matching rules (``^[a-z_][a-z0-9_]*$``) or from our own column lists.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from matching_rules import MATCH_COLUMNS, BlockingRuleSpec

INPUT_TABLE = "mdm_input"
STD_TABLE = "std"

_DERIVED = {
    "date_of_birth": "strftime(date_of_birth, '%Y-%m-%d')",
    "birth_year": "CAST(year(date_of_birth) AS VARCHAR)",
}


# DuckDB's buffer pool for the work database, where Splink trains and predicts. Its default
# (80% of RAM) lets it hold on to memory the rest of the run needs; beyond the limit it spills
# to a temporary directory. MDM_WORK_MEMORY overrides it (e.g. "8GB").
WORK_MEMORY_DEFAULT = "4GB"


@contextmanager
def work_database() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory work database, closed and its spill directory removed afterwards."""
    limit = os.environ.get("MDM_WORK_MEMORY", WORK_MEMORY_DEFAULT)
    with tempfile.TemporaryDirectory(prefix="mdm-work-") as spill:
        work = duckdb.connect(":memory:", config={"memory_limit": limit, "temp_directory": spill})
        try:
            yield work
        finally:
            work.close()


def block_column(i: int) -> str:
    """The input column holding bounded blocking rule ``i``'s key (NULL in oversized blocks)."""
    return f"block_{i}"


def load_std_records(
    work: duckdb.DuckDBPyConnection, std: pa.Table, blocking: Sequence[BlockingRuleSpec] = ()
) -> int:
    """Load standardised records and derive the linker's input table from them, with a key
    column for each blocking rule that bounds its block size."""
    work.register("std_arrow", std)
    work.execute(f"CREATE OR REPLACE TABLE {STD_TABLE} AS SELECT * FROM std_arrow")
    work.unregister("std_arrow")
    work.execute(
        f"CREATE OR REPLACE TABLE {INPUT_TABLE} AS SELECT record_key AS unique_id, {match_select()} FROM {STD_TABLE}"
    )
    bounded = [(i, r) for i, r in enumerate(blocking) if r.max_block_size is not None]
    if bounded:
        keys = ", ".join(
            f"CASE WHEN {' AND '.join(f'{c} IS NOT NULL' for c in r.columns)}"
            f" AND count(*) OVER (PARTITION BY {', '.join(r.columns)}) <= {int(r.max_block_size or 0)}"
            f" THEN concat_ws(chr(31), {', '.join(r.columns)}) END AS {block_column(i)}"
            for i, r in bounded
        )
        work.execute(f"CREATE OR REPLACE TABLE {INPUT_TABLE} AS SELECT *, {keys} FROM {INPUT_TABLE}")
    return record_count(work)


def match_select() -> str:
    """The match columns derived from a std_records row, as the linker (and real-time) see them."""
    return ", ".join(f"{_DERIVED.get(c, c)} AS {c}" for c in MATCH_COLUMNS)


def pairs_in_blocks(work: duckdb.DuckDBPyConnection, columns: Sequence[str]) -> int:
    """How many pairs records equal on ``columns`` (none null) make."""
    not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    return int(work.execute(
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM {INPUT_TABLE}"
        f" WHERE {not_null} GROUP BY {', '.join(columns)})"
    ).fetchall()[0][0])


def record_count(work: duckdb.DuckDBPyConnection) -> int:
    return int(work.execute(f"SELECT count(*) FROM {INPUT_TABLE}").fetchall()[0][0])


def match_weights(work: duckdb.DuckDBPyConnection, predict_table: str) -> np.ndarray:
    return work.sql(f"SELECT match_weight FROM {predict_table}").fetchnumpy()["match_weight"]


def scored_pairs(
    work: duckdb.DuckDBPyConnection,
    predict_table: str,
    comparisons: Sequence[str],
    *,
    auto_link: float,
    guards: Sequence[str],
) -> pa.Table:
    """Pairs from Splink's predictions with an outcome and a per-comparison explanation.

    The explanation keeps each comparison's level (gamma) and its match weight including any
    term-frequency adjustment; labels come from the stored model when shown.
    """
    cols = {r[0] for r in work.execute(f"SELECT * FROM {predict_table} LIMIT 0").description}
    parts = []
    for name in comparisons:
        weight = f"mw_{name}" + (f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in cols else "")
        parts.append(f"{name} := struct_pack(gamma := gamma_{name}, match_weight := round({weight}, 6))")
    explanation = f"to_json(struct_pack({', '.join(parts)}))"
    disagree = " OR ".join(guards) or "false"  # SQL of each AgreementGuard
    sql = f"""
        SELECT least(unique_id_l, unique_id_r) AS record_key_l,
               greatest(unique_id_l, unique_id_r) AS record_key_r,
               match_weight, match_probability,
               CASE WHEN match_probability >= ? AND NOT ({disagree}) THEN 'auto_link' ELSE 'review' END AS outcome,
               {explanation} AS explanation
        FROM {predict_table}
        ORDER BY match_probability DESC, record_key_l, record_key_r
    """
    return work.sql(sql, params=[auto_link]).to_arrow_table()


def term_frequencies(work: duckdb.DuckDBPyConnection, columns: Sequence[str]) -> pa.Table:
    """Each value's share of the non-null values of its column, as Splink computes it, so
    real-time scoring can adjust for common values exactly as the batch did."""
    parts = [
        f"SELECT '{c}' AS column_name, CAST({c} AS VARCHAR) AS value,"
        f" CAST(count(*) AS DOUBLE) / (SELECT count({c}) FROM {INPUT_TABLE}) AS frequency"
        f" FROM {INPUT_TABLE} WHERE {c} IS NOT NULL GROUP BY {c}"
        for c in columns
    ]
    if not parts:
        return pa.table({"column_name": pa.array([], pa.string()), "value": pa.array([], pa.string()),
                         "frequency": pa.array([], pa.float64())})
    return work.sql(" UNION ALL ".join(parts)).to_arrow_table()
