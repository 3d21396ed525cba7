"""Spark names a Parquet struct's fields as the DuckDB engine does: ``contact.email``; and a
map's keys the config maps (``attrs.email``)."""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql.pandas.types import from_arrow_schema

from mdm.sources import SourceSpec
from mdm.sources.readers import map_names, nested_names, under_maps
from mdm.spark.ingest import _nested_columns


def test_struct_fields_have_the_same_dotted_names_on_both_engines() -> None:
    schema = pa.schema([
        ("id", pa.string()),
        ("contact", pa.struct([("email", pa.string()), ("phone", pa.struct([("mobile", pa.string())]))])),
        ("tags", pa.list_(pa.string())),
        ("updated", pa.timestamp("us", tz="UTC")),  # Spark's timestamp type needs a zone to convert
        ("seen", pa.struct([("at", pa.timestamp("us", tz="UTC"))])),
        ("phones", pa.list_(pa.struct([("kind", pa.string()), ("number", pa.string())]))),
        ("attrs", pa.map_(pa.string(), pa.string())),
    ])
    expected = {"id", "contact", "contact.email", "contact.phone", "contact.phone.mobile", "tags", "updated",
                "seen", "seen.at", "phones", "phones.kind", "phones.number", "attrs"}
    spec = SourceSpec(name="crm", path="crm.parquet", format="parquet", id_column="id",
                      fields={"email": "attrs.email", "phone": "contact.phone.mobile"})
    assert nested_names(schema) == expected
    assert under_maps(spec, map_names(schema)) == {"attrs.email"}
    assert _nested_columns(spec, from_arrow_schema(schema)) == (expected, {"attrs.email"})
