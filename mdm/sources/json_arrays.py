"""Reading a JSON array of records (``format: json``): what APIs and export tools write.

The file is one JSON array; each element is a row, numbered from 1 in the array's order. An
object is read as a JSONL line's is; an element that is no object (a number, a list, null) is a
row quarantined with its reason and text. A file that is no array (an object, a scalar, JSON
lines) is a :class:`ConfigError` naming ``format``. The file is read whole: for extracts of
millions of records JSONL, read line by line, is the better format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from mdm.errors import ConfigError, SourceReadError
from mdm.sources.config import SourceSpec
from mdm.sources.readers import RawRow, as_text, check_keys, load_json, open_text, other_format, typed_row


def json_kind(value: Any) -> str:
    """A JSON value's kind as JSON names it: object, array, string, number, true/false, null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "true/false"
    return "null" if value is None else "number"


def array_elements(spec: SourceSpec, text: str, where: str) -> list[Any]:
    """The elements of the JSON array that is ``text`` (the file ``where``), or why it is none: a
    file that is not one JSON value is a :class:`SourceReadError` (cut short?), but one holding
    several objects (JSON lines) or another value than an array is a config error."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise empty_file(spec, where)
    try:
        value = load_json(text)
    except json.JSONDecodeError as e:
        begins = text.lstrip()
        if e.msg == "Expecting value" and e.pos == len(text) - len(begins):  # a CSV, a Parquet file
            other = other_format(begins)
            hint = f"; it looks like {other}: set `format: {other.split()[0].lower()}`" if other else ""
            first = begins.partition("\n")[0][:40]
            raise ConfigError(f"{where}: source {spec.name!r}, key 'format': the file is not JSON (it begins"
                              f" {first!r}){hint}") from None
        if e.msg == "Extra data" and begins.startswith("{"):
            raise ConfigError(f"{where}: source {spec.name!r}, key 'format': the file holds more than one"
                              f" JSON value (the second at line {e.lineno}), not an array: for one object"
                              " a line set `format: jsonl`") from None
        raise SourceReadError(f"{where}: source {spec.name!r}: not valid JSON at line {e.lineno} column"
                              f" {e.colno}: {e.msg}") from None
    if not isinstance(value, list):
        hint = _object_hint(value) if isinstance(value, dict) else ""
        raise ConfigError(f"{where}: source {spec.name!r}, key 'format': the file holds a JSON"
                          f" {json_kind(value)}, not an array of records{hint}")
    return value


def empty_file(spec: SourceSpec, where: str) -> SourceReadError:
    """The error for a JSON source's file that holds nothing: an array of no record is ``[]``."""
    return SourceReadError(f"{where}: source {spec.name!r}: the file is empty (an array of none is [])")


def _object_hint(value: dict[str, Any]) -> str:
    """What a file holding one JSON object likely is, and how to write the array instead."""
    # pandas' to_json: its default orient (columns) and index nest objects; split and table hold `data`.
    if (value and all(isinstance(v, dict) for v in value.values())) or (
            "data" in value and ("columns" in value or "schema" in value)):
        return (" (pandas' DataFrame.to_json writes one unless told to: write to_json(orient='records'), or"
                " orient='records', lines=True for `format: jsonl`)")
    return " (an API's response holding them under a key? write that array to the file)"


def element_row(number: int, element: Any, id_column: str) -> RawRow:
    """One element of the array as a row: an object's values as text, or why it is no record."""
    if isinstance(element, dict):
        return typed_row(number, element, id_column, "element")
    reason = f"element {number} is a JSON {json_kind(element)}, not an object"
    return RawRow(number, None, reason, as_text(json.dumps(element, ensure_ascii=False)))


def no_object(spec: SourceSpec, where: str, first_error: str | None) -> ConfigError:
    """The error for an array none of whose elements is an object: not a list of records."""
    return ConfigError(f"{where}: source {spec.name!r}, key 'format': no element of the array is a JSON"
                       f" object ({first_error}); a JSON source is an array of objects")


def read_json(spec: SourceSpec) -> Iterator[RawRow]:
    """Every element of the source's array as a row; a mapped key no object has is a config error
    (but the ``deleted:`` one: :func:`check_keys`)."""
    with open_text(spec) as fh:
        text = fh.read()
    elements = array_elements(spec, text, str(spec.file))
    seen: set[str] = set()
    objects = 0
    first_error = None
    for number, element in enumerate(elements, start=1):
        row = element_row(number, element, spec.id_column)
        if row.values is not None:
            objects += 1
            seen.update(row.values)
        first_error = first_error or row.error
        yield row
    if elements and not objects:
        raise no_object(spec, str(spec.file), first_error)
    if elements:
        check_keys(spec, seen, "file (no element has it)")
