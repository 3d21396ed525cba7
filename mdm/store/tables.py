"""Arrow schemas of the tables a run writes, so Python rows land with the right types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

_s, _b, _i, _d, _ts, _f = pa.string(), pa.bool_(), pa.int64(), pa.date32(), pa.timestamp("us"), pa.float64()

SCHEMAS: dict[str, pa.Schema] = {
    "source_records": pa.schema(
        [("record_key", _s), ("source", _s), ("source_id", _s), ("row_number", _i), ("raw", _s),
         ("run_id", _s), ("loaded_at", _ts)]
    ),
    "std_records": pa.schema(
        [("record_key", _s), ("source", _s), ("source_id", _s), ("priority", _i), ("updated_at", _ts),
         ("full_name", _s), ("name_folded", _s), ("name_key", _s), ("name_nospace", _s), ("family", _s),
         ("given", _s), ("middles", _s), ("email", _s), ("email_key", _s), ("email_local_digits", _b),
         ("email_valid", _b), ("phone", _s), ("phone_type", _s), ("phone_valid", _b), ("date_of_birth", _d),
         ("address", _s), ("address_norm", _s), ("house_number", _s), ("street", _s), ("city", _s),
         ("city_norm", _s), ("postcode", _s), ("country", _s), ("company", _s), ("company_key", _s),
         ("tax_id", _s), ("national_id", _s), ("dq_flags", pa.list_(_s)), ("name_parts", _s),
         ("email_others", pa.list_(_s)), ("phone_others", pa.list_(_s)),
         ("given_accented", _s), ("phone_extension", _s), ("name_skeleton", _s)]
    ),
    "quarantine": pa.schema(
        [("run_id", _s), ("source", _s), ("row_number", _i), ("source_id", _s), ("reason", _s), ("raw", _s)]
    ),
    "pairs": pa.schema(
        [("run_id", _s), ("record_key_l", _s), ("record_key_r", _s), ("match_weight", _f),
         ("match_probability", _f), ("outcome", _s), ("explanation", _s)]
    ),
    "xref": pa.schema(
        [("source", _s), ("source_id", _s), ("record_key", _s), ("golden_id", _s), ("run_id", _s)]
    ),
    "xref_departed": pa.schema(
        [("source", _s), ("source_id", _s), ("record_key", _s), ("golden_id", _s), ("departed_at", _ts)]
    ),
    "golden_records": pa.schema(
        [("golden_id", _s), ("status", _s), ("merged_into", _s), ("attributes", _s), ("record_count", _i),
         ("sources", pa.list_(_s)), ("created_at", _ts), ("updated_at", _ts), ("run_id", _s),
         ("document", _s)]
    ),
    "golden_lineage": pa.schema(
        [("golden_id", _s), ("attribute", _s), ("position", _i), ("value", _s), ("source", _s),
         ("source_id", _s), ("rule", _s)]
    ),
    "golden_history": pa.schema(
        [("golden_id", _s), ("changed_at", _ts), ("change", _s), ("cause", _s), ("cause_id", _s), ("actor", _s),
         ("members", _i), ("before", _s), ("after", _s), ("merged_into", _s)]
    ),
    "term_frequencies": pa.schema([("column_name", _s), ("value", _s), ("frequency", _f)]),
    "review_queue": pa.schema(
        [("item_id", _s), ("run_id", _s), ("record_key_l", _s), ("record_key_r", _s), ("match_weight", _f),
         ("match_probability", _f), ("explanation", _s), ("status", _s), ("created_at", _ts),
         ("held_back_by", _s)]
    ),
}

# The std_records columns holding the other values of a phone or e-mail field beside the one it is
# matched on ("0912 345 678 / 028 3822 1234"), by the golden field they belong to: collect_all shows
# them, and an erasure takes them out with the rest.
OTHER_COLUMNS = {"email": "email_others", "phone": "phone_others"}


def to_arrow(table: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMAS[table])


_ROWS_PER_INSERT = 200  # rows per INSERT statement: a golden record's lineage is rarely more


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert a few rows in one statement with bound parameters: cheaper than ``executemany``
    (which runs the statement once per row) or registering an Arrow table."""
    columns = SCHEMAS[table].names
    one = f"({', '.join('?' for _ in columns)})"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}",
            [row.get(c) for row in chunk for c in columns],
        )
