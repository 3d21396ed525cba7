"""Spark names a Parquet struct's fields as the DuckDB engine does: ``contact.email``."""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql.pandas.types import from_arrow_schema

from mdm.sources.readers import nested_names
from mdm.spark.ingest import _nested_columns


def test_struct_fields_have_the_same_dotted_names_on_both_engines() -> None:
    schema = pa.schema([
        ("id", pa.string()),
        ("contact", pa.struct([("email", pa.string()), ("phone", pa.struct([("mobile", pa.string())]))])),
        ("tags", pa.list_(pa.string())),
        ("updated", pa.timestamp("us", tz="UTC")),  # Spark's timestamp type needs a zone to convert
        ("seen", pa.struct([("at", pa.timestamp("us", tz="UTC"))])),
        ("phones", pa.list_(pa.struct([("kind", pa.string()), ("number", pa.string())]))),
    ])
    expected = {"id", "contact", "contact.email", "contact.phone", "contact.phone.mobile", "tags", "updated",
                "seen", "seen.at", "phones", "phones.kind", "phones.number"}
    assert nested_names(schema) == expected
    assert _nested_columns(from_arrow_schema(schema)) == expected
