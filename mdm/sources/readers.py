"""Readers for source extracts (CSV, JSONL, Parquet; a JSON array: json_arrays.py) that never lose a row.

Each reader yields every data row of the file as a :class:`RawRow`: either its values (column
name -> text) or, for a row that cannot be parsed (wrong field count, invalid JSON, not an
object), the reason and the raw text, so the pipeline can quarantine it. A mapped column that
the file does not have is a :class:`ConfigError` naming the file, the source and the key.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import itertools
import json
import math
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from mdm.errors import ConfigError, SourceReadError
from mdm.sources.config import SourceSpec

csv.field_size_limit(16 * 1024 * 1024)

# What a reader puts for bytes the source's encoding cannot decode. The row is kept, and counted
# and flagged downstream, so a file in another encoding (a Windows export in cp1252 or cp1258) is
# named in the run's summary instead of being mangled unseen.
REPLACEMENT_CHARACTER = "\ufffd"

# JSON may escape half of a surrogate pair (a lone "\ud800"): such text cannot be stored as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: ``values`` when it parsed, else ``error`` and the raw ``text``; ``values`` and
    ``error`` both when it parsed but its id is no key (``not_one_id``)."""

    row_number: int
    values: dict[str, str | None] | None
    error: str | None = None
    text: str | None = None


TOO_DEEP = "arrays or objects nested too deep"


def load_json(text: str) -> Any:
    """JSON text as Python values, failing only with :class:`json.JSONDecodeError`: a number longer
    than Python converts to an int (4300 digits) is its digits, and arrays or objects nested deeper
    than Python's parser goes are an error of the text, not a failed run. An object (the text's, or
    each of its array's) that writes a key twice with different values is a :class:`Repeated`."""
    try:
        value = json.loads(text, parse_int=_json_integer)
        again = read_again(text, value)
        return value if again is None else marked(again)
    except RecursionError:
        raise json.JSONDecodeError(TOO_DEEP, text, 0) from None


def read_again(text: str, value: Any) -> Any:
    """``text`` read again where ``value``, its parse, may have lost a key written twice: each object
    that writes one with different values a :class:`Repeated` (:func:`marked` names a record's, at
    any depth); else None. A posted record is checked so too, by the API, as a row is."""
    if not _may_repeat(text, value):
        return None
    return json.loads(text, parse_int=_json_integer, object_pairs_hook=_object)


# A key's end as JSON may write it: a quote, whitespace or none, a colon (_may_repeat).
_KEY_END = re.compile(r'"[ \t\n\r]*:')


def _may_repeat(text: str, value: Any) -> bool:
    """Whether the text may write a key twice, told cheaply (its objects are read again only then):
    a key ends with a quote, any whitespace, then a colon, and a quote inside a string is escaped,
    so the text holds at least as many such ends as keys, and more than Python keeps only where a
    key is written twice (or, rarely, a string holds \":). JSON holds a raw tab or line break only
    between tokens, so in text with none and no two spaces before a colon (a JSONL line as writers
    write it) the ends are `":` and `" :` (Jackson's pretty printer), counted by ``str.count``;
    other text's by a regex, slower (a tab or a line break before the colon hid a repeat)."""
    if "\t" in text or "\n" in text or "\r" in text or "  :" in text:
        ends = len(_KEY_END.findall(text))
    else:
        ends = text.count('":') + text.count('" :')
    return ends > (len(value) if isinstance(value, dict) else 0) and ends > _keys_read(value)


class Repeated(dict):  # type: ignore[type-arg]
    """A JSON object that writes a key twice with different values (Python's json keeps the last,
    losing the first unseen); ``repeated`` names those keys, dotted as :func:`flat_values` names them.
    The same value twice is no loss, and the object a plain dict."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def of(cls, obj: dict[str, Any], repeated: Iterable[str]) -> Repeated:
        marked = cls(obj)
        marked.repeated = tuple(repeated)
        return marked


def _keys_read(value: Any) -> int:
    """How many keys the objects in ``value`` hold, without recursion (it may be nested ~1000 deep)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    differing = tuple(dict.fromkeys(k for k, v in pairs if (type(v), v) != (type(obj[k]), obj[k])))
    return Repeated.of(obj, differing) if differing else obj


def marked(value: Any) -> Any:
    """``value`` with each record (the object, or each object of the array) a :class:`Repeated`
    naming every key written twice inside it, at any depth."""
    if isinstance(value, list):
        return [marked(e) if isinstance(e, dict) else e for e in value]
    if not isinstance(value, dict):
        return value
    names = tuple(_repeated_inside(value, ""))
    return Repeated.of(value, names) if names else value


def _repeated_inside(obj: dict[str, Any], prefix: str) -> Iterator[str]:
    yield from (prefix + k for k in getattr(obj, "repeated", ()))
    for k, v in obj.items():
        for inner in (v if isinstance(v, list) else [v]):
            if isinstance(inner, dict):
                yield from _repeated_inside(inner, f"{prefix}{k}.")


def _json_integer(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:
        return digits


def as_text(value: Any) -> str | None:
    """Render any scalar a source may hold as the text a person would have typed."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return as_text(json.dumps(value, ensure_ascii=False, default=str))


def check_columns(spec: SourceSpec, available: set[str], what: str, *, unless: str | None = None) -> None:
    """Every column the config maps (but the config key ``unless``'s) is ``available``."""
    for key, columns in spec.mapped_columns().items():
        if key == unless:
            continue
        for column in columns:
            if column not in available:
                raise ConfigError(
                    f"{spec.shown}: source {spec.name!r}, key {key!r}: column {column!r} is not in the {what}"
                    f" (it has: {', '.join(sorted(available)) or 'no columns'})"
                )


def check_keys(spec: SourceSpec, keys: set[str], what: str) -> None:
    """:func:`check_columns` for a JSON source (JSONL, a JSON array), whose rows hold only the keys
    they have: its ``deleted:`` key may be in no row, as a change feed writes it on the rows it
    deletes alone (``{"id": 2, "_deleted": true}``) and a day may delete none; a row without it is
    not deleted. A CSV header or a Parquet schema names its columns every day: there a flag column
    it lacks is a typo, which would delete nothing unseen, and stays a config error."""
    check_columns(spec, keys, what, unless="deleted.column")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_GZIP_MAGIC = b"\x1f\x8b"
# What reading a file can raise midway: a disk error, or a gzip stream cut short or corrupt.
_READ_ERRORS = (OSError, EOFError, zlib.error)


# How much of a file's start tells whether it is a workbook or gzip-compressed (the longest magic,
# an .xls workbook's); SNIFF_BYTES more where its text's encoding is told by it (file_encoding).
MAGIC_BYTES = 8


def file_start(open_file: Callable[[], BinaryIO], size: int) -> bytes:
    """The first ``size`` bytes of the file ``open_file`` opens (a local one, or one at a URI:
    mdm/spark/files.py), read once for every check on them; none where it cannot be opened (a
    folder, unreadable: its reader says why)."""
    try:
        with open_file() as fh:
            return fh.read(size)
    except OSError:
        return b""


def starts_as_gzip(start: bytes) -> bool:
    """Whether a file whose first bytes are ``start`` is gzip-compressed."""
    return start[:2] == _GZIP_MAGIC


def decompressed(spec: SourceSpec, data: bytes, where: str) -> bytes:
    """A whole file's bytes (the file ``where``) as :func:`open_text` reads them: gzip-compressed
    ones, told by their first bytes, decompressed; one cut short or corrupt fails naming the file,
    as :func:`read_source` names it."""
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except _READ_ERRORS as e:
        raise SourceReadError(f"{where}: source {spec.name!r}: cannot read: {e}") from e


_OTHER_DELIMITERS = (";", "\t", "|", ",")


# How much of a file tells whether text the config calls a Windows code page is UTF-8.
SNIFF_BYTES = 1 << 16


def text_encoding(spec: SourceSpec, path: str | Path | None = None) -> str:
    """The encoding to read the source's text with (:func:`file_encoding`)."""
    return file_encoding(spec, file_start(lambda: open(path or spec.file, "rb"), SNIFF_BYTES))


def file_encoding(spec: SourceSpec, file_start: bytes) -> str:
    """The encoding to read the source's text with, told by the first bytes of its file
    (``file_start``, :data:`SNIFF_BYTES` of them; decompressed if gzip): its own, except that a
    file the config calls UTF-8 but that starts with a UTF-16 byte order mark (a spreadsheet's
    "Unicode text" export) is read as UTF-16; such a mark cannot begin UTF-8 text. And one the
    config calls another encoding (cp1258, a system's old export) whose text is UTF-8 is read as
    UTF-8: text in a code page is next to never valid UTF-8, and read in one UTF-8 is mangled
    unflagged. A file that cannot be opened (a folder: no bytes) is read in its own."""
    start = _text_start(file_start)
    declared = spec.encoding.lower().replace("_", "-")
    if declared not in ("utf-8", "utf8"):
        return "utf-8-sig" if not declared.startswith("utf") and _is_utf8(start) else spec.encoding
    return "utf-16" if start[:2] in _UTF16_BOMS else "utf-8-sig"


def _text_start(file_start: bytes) -> bytes:
    """A file's first bytes of text: ``file_start`` decompressed where it starts as gzip does, as
    much of it as the bytes given hold (none where they are corrupt)."""
    if not starts_as_gzip(file_start):
        return file_start
    try:
        return zlib.decompressobj(wbits=31).decompress(file_start, SNIFF_BYTES)  # 31: a gzip header
    except zlib.error:
        return b""


def _is_utf8(start: bytes) -> bool:
    """Whether a file's first bytes are UTF-8 with some not ASCII (cut anywhere at their end)."""
    if start.isascii():
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        return False
    return True


def check_header(spec: SourceSpec, header: list[str]) -> None:
    """A CSV header holds every mapped column, once; a header read as one column that holds
    another delimiter is named as a delimiter problem, with the key that fixes it."""
    _check_trimmed(spec)
    _check_mapped_once(spec, header)
    try:
        check_columns(spec, set(header), "header")
    except ConfigError as e:
        # Parquet's binary holds NUL bytes too (an integer column's): its magic bytes are asked first.
        other = other_format(header[0] if header else "")
        if other is not None:
            raise ConfigError(
                f"{spec.shown}: source {spec.name!r}, key 'format': the file looks like {other}, not CSV:"
                f" set `format: {other.split()[0].lower()}`"
            ) from e
        joined = "".join(header)
        if "\x00" in joined:  # every other byte of ASCII text is 0 in UTF-16
            order = "be" if joined.startswith("\x00") else "le"
            raise ConfigError(
                f"{spec.shown}: source {spec.name!r}, key 'encoding': the header holds NUL bytes; the file"
                f" looks like UTF-16 without a byte order mark: set `encoding: utf-16-{order}`"
            ) from e
        undecoded = _undecoded_column(spec, header)
        if undecoded is not None:
            column, written = undecoded
            raise ConfigError(
                f"{spec.shown}: source {spec.name!r}, key 'encoding': column {column!r} reads as {written!r}"
                f" in the header, whose bytes are not {spec.encoding}: set `encoding` to the file's"
                " (a Windows export's is often cp1252, or cp1258 for Vietnamese)"
            ) from e
        if len(header) == 1:
            guess = next((d for d in _OTHER_DELIMITERS if d != spec.delimiter and d in header[0]), None)
            if guess is not None:
                raise ConfigError(
                    f"{spec.shown}: source {spec.name!r}, key 'delimiter': the header reads as one column"
                    f" ({header[0][:80]!r}) split by {spec.delimiter!r}; it looks split by {guess!r}:"
                    f" set `delimiter: {json.dumps(guess)}`"
                ) from e
        raise


# How many lines below the one read as the header are searched for it: a report's title, its
# filters and a blank line or two.
_HEADER_SEARCH_LINES = 20


def header_further_down(spec: SourceSpec, header_line: int, lines: Iterable[str]) -> ConfigError | None:
    """The error for a CSV whose line ``header_line`` lacks a mapped column where one of the
    ``lines`` after it holds them all: a BI tool's report writes a title (and a blank line) above
    its header, which the source's ``skip_lines`` skips. None where no line does."""
    needed = {c for columns in spec.mapped_columns().values() for c in columns}
    for offset, line in enumerate(itertools.islice(lines, _HEADER_SEARCH_LINES), start=1):
        names = header_names(next(csv.reader([line], delimiter=spec.delimiter), []))
        if needed <= set(names):
            at = header_line + offset
            return ConfigError(f"{spec.shown}: source {spec.name!r}, key 'skip_lines': the columns it maps"
                               f" are in line {at}, not in line {header_line}, read as the header (a report's"
                               f" title above it?): set `skip_lines: {at - 1}`")
    return None


def _undecoded_column(spec: SourceSpec, header: list[str]) -> tuple[str, str] | None:
    """(mapped column, header name) where a mapped column missing from the header is there with its
    letters undecodable ("Geändert" as "Ge\ufffdndert": a cp1252 export read as UTF-8): the
    file's encoding is wrong, not the column's name, and the config error says so."""
    for columns in spec.mapped_columns().values():
        for column in columns:
            if column in header:
                continue
            for name in header:
                parts = re.split(f"{REPLACEMENT_CHARACTER}+", name)  # a letter may be several bytes
                pattern = ".+?".join(re.escape(part) for part in parts)
                # A mark the code page writes apart ("Ma\u0303 KH") reads as one of its own.
                spelt = (column, unicodedata.normalize("NFD", column))
                if len(parts) > 1 and any(re.fullmatch(pattern, c, re.DOTALL) for c in spelt):
                    return column, name
    return None


def _check_trimmed(spec: SourceSpec) -> None:
    """A mapped column written with spaces around it: a CSV header's names are read trimmed
    (:func:`header_names`), so no header holds it; a JSON key or a Parquet column may."""
    for key, columns in spec.mapped_columns().items():
        for column in columns:
            if column != column.strip():
                raise ConfigError(f"{spec.shown}: source {spec.name!r}, key {key!r}: column {column!r} has"
                                  " spaces around it; a CSV header's names are read trimmed:"
                                  f" write {column.strip()!r}")


def other_format(first: str) -> str | None:
    """What a file given in another format (CSV, JSON) is when its first line says so: a Parquet
    file starts with its magic bytes, a JSONL file with an object, a JSON file with an array."""
    if first.startswith("PAR1"):
        return "Parquet"
    if first.startswith("{"):
        return "JSONL (JSON lines)"
    if first.startswith("["):
        return "JSON (an array)"
    return None


def _check_mapped_once(spec: SourceSpec, header: list[str], what: str = "header") -> None:
    """A mapped column the header names twice: which of the two holds the field is not known."""
    for key, columns in spec.mapped_columns().items():
        for column in columns:
            places = [i + 1 for i, name in enumerate(header) if name == column]
            if len(places) > 1:
                raise ConfigError(
                    f"{spec.shown}: source {spec.name!r}, key {key!r}: column {column!r} is in the {what}"
                    f" twice (columns {' and '.join(map(str, places[:2]))}); rename one in the file"
                )


def unique_header(header: list[str]) -> list[str]:
    """The header with each column named twice (and not mapped) kept under its own name, as
    Spark names it: ``notes`` in the third and fifth columns becomes ``notes2`` and ``notes4`` (a
    blank one ``_c2``), so no value is lost from the raw record and both engines store the same."""
    counts = Counter(header)
    return [h if counts[h] == 1 else f"{h}{i}" if h else f"_c{i}" for i, h in enumerate(header)]


def open_text(spec: SourceSpec):  # type: ignore[no-untyped-def]
    """The source's file as text: decompressed where its first bytes say gzip (``crm.csv.gz``, or
    not so named), in the encoding they tell (:func:`file_encoding`); those bytes read once."""
    start = file_start(lambda: open(spec.file, "rb"), SNIFF_BYTES)
    opener = gzip.open if starts_as_gzip(start) else open
    try:
        return opener(spec.file, "rt", encoding=file_encoding(spec, start), errors="replace", newline="")
    except LookupError as e:
        raise ConfigError(f"source {spec.name!r}, key 'encoding': unknown encoding {spec.encoding!r}") from e
    except OSError as e:
        raise SourceReadError(f"{spec.shown}: source {spec.name!r}: cannot open ({e.strerror})") from e


def csv_values(header: list[str], fields: list[str | None]) -> dict[str, str | None]:
    """A CSV row's values: an empty field is no value, and a spreadsheet formula's text is its
    text (see :func:`_formula_text`)."""
    pairs = zip(header, fields, strict=True)
    return {h: (v if v[0] != "=" else _formula_text(v)) if v else None for h, v in pairs}


def _formula_text(value: str) -> str | None:
    """``="00123"``, as exports meant for Excel write keys, phones and ids so their leading zeros
    are kept, is ``00123``; it was a key ``="00123"``, a name ``="An"``."""
    if value.startswith('="') and value.endswith('"') and len(value) > 2:
        return value[2:-1].replace('""', '"') or None
    return value


# How deep nested objects are opened into dotted keys; deeper ones stay JSON text.
NESTING_DEPTH = 4


def typed_values(row: Mapping[Any, Any]) -> dict[str, str | None]:
    """A typed row's values (Parquet, JSON) as text, keyed by text. A nested object (a JSON
    object, a Parquet struct) is there as JSON text and, key by key, under dotted keys:
    ``contact.email`` names the ``email`` of ``{"contact": {"email": ...}}``. A list of objects
    is opened the same way, each key naming the list of its values: ``phones.number`` of
    ``{"phones": [{"type": ..., "number": ...}, ...]}`` is read as any list where one value belongs
    (its first value, flagged when it holds more). A dotted name two places give is read from
    the one inside fewer objects (see :func:`flat_values`)."""
    return texts(flat_values(row))


def texts(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {key: as_text(value) for key, value in values.items()}


def flat_values(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A typed row's values under their dotted names, as Python values. Where a name is given
    twice (``"contact.email"`` and ``"contact": {"email": ...}`` in one object), the key written
    out wins, and in general the one inside fewer objects (then the first); so it is one value,
    whichever comes first, for the id's check (:func:`not_one_id`) as for its text and every field's."""
    out: dict[str, Any] = {}
    _flatten(out, {}, "", row, 0)
    return out


def _flatten(out: dict[str, Any], depths: dict[str, int], prefix: str, obj: Mapping[Any, Any],
             depth: int) -> None:
    for k, v in obj.items():
        key = prefix + (as_text(k) or "")
        if depth < depths.get(key, depth + 1):  # not yet given, or given inside more objects
            out[key], depths[key] = v, depth
        if depth >= NESTING_DEPTH:
            continue
        if isinstance(v, Mapping):
            _flatten(out, depths, key + ".", v, depth + 1)
        elif isinstance(v, list) and v and all(isinstance(e, Mapping) for e in v):
            values: dict[Any, list[Any]] = {}
            for element in v:
                for ek, ev in element.items():
                    values.setdefault(ek, []).append(ev)
            _flatten(out, depths, key + ".", values, depth + 1)


def nested_names(schema: Any, prefix: str = "") -> set[str]:
    """A Parquet (Arrow) schema's column names, and the dotted names of its structs' fields, and
    of the fields of its lists' structs (as :func:`typed_values` reads them)."""
    import pyarrow as pa

    names: set[str] = set()
    for f in schema:
        names.add(prefix + f.name)
        kind = f.type
        if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and pa.types.is_struct(kind.value_type):
            kind = kind.value_type
        if pa.types.is_struct(kind) and prefix.count(".") < NESTING_DEPTH:
            names |= nested_names(list(kind), prefix + f.name + ".")
    return names


def map_names(schema: Any) -> set[str]:
    """The dotted names of a Parquet (Arrow) schema's map columns, in structs too: their keys,
    held row by row, are read as a struct's fields (:func:`batch_rows`), but no schema names them."""
    import pyarrow as pa

    def found(fields: Any, prefix: str) -> Iterator[str]:
        for f in fields:
            if pa.types.is_map(f.type):
                yield prefix + f.name
            elif pa.types.is_struct(f.type) and prefix.count(".") < NESTING_DEPTH:
                yield from found(list(f.type), prefix + f.name + ".")

    return set(found(schema, ""))


def under_maps(spec: SourceSpec, maps: set[str]) -> set[str]:
    """The columns the config maps to a key of a map column (``attrs.email`` for a map ``attrs``)."""
    return {c for columns in spec.mapped_columns().values() for c in columns
            if any(c.startswith(m + ".") for m in maps)}


MAP_KEYS_SEEN = "Parquet file (no row's map has it)"


# A spreadsheet's hint before the header, naming the delimiter (``sep=;``): Excel writes and
# reads it, and some exporters add it so Excel splits the columns.
_SEPARATOR_LINE = re.compile(r'"?sep=(.)"?')


def separator_hint(spec: SourceSpec, first_line: str) -> bool:
    """Whether a CSV's first line is a ``sep=;`` hint, not its header; one naming another
    delimiter than the config's is a config error saying which to set."""
    line = first_line.rstrip("\r\n")
    hint = _SEPARATOR_LINE.fullmatch(line.lstrip("\ufeff"))
    if hint is None:
        return False
    if hint[1] != spec.delimiter:
        raise ConfigError(f"{spec.shown}: source {spec.name!r}, key 'delimiter': the file's first line"
                          f" {line!r} says its fields are split by {hint[1]!r}, not {spec.delimiter!r}:"
                          f" set `delimiter: {json.dumps(hint[1])}`")
    return True


def header_names(header: Iterable[str]) -> list[str]:
    """A CSV header's column names as a source config names them: trimmed, and in NFC (a Windows
    export in cp1258 writes "Mã KH" as a, then a combining tilde; the YAML has one character)."""
    return [unicodedata.normalize("NFC", h.strip()) for h in header]


def _read_csv(spec: SourceSpec) -> Iterator[RawRow]:
    with open_text(spec) as fh:
        for _ in range(spec.skip_lines):
            fh.readline()
        first = fh.readline()
        hint = separator_hint(spec, first)
        skipped = spec.skip_lines + hint
        reader = csv.reader(fh if hint else itertools.chain([first], fh), delimiter=spec.delimiter)
        try:
            header = next(reader)
        except StopIteration:
            empty = f"{spec.shown}: source {spec.name!r}: the file is empty (no header)"
            raise SourceReadError(empty) from None
        names = header = header_names(header)
        try:
            check_header(spec, header)
        except ConfigError as e:
            raise header_further_down(spec, skipped + reader.line_num, fh) or e from None
        header = unique_header(header)
        width = len(header)
        data_row = 0
        trailing = None  # whether the file ends its rows with the delimiter, told by its first row
        while True:
            start_line = skipped + reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                data_row += 1
                yield RawRow(data_row, None, f"unreadable CSV row at line {start_line}: {e}", None)
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line is not a row
            data_row += 1
            if trailing is None:
                trailing = ends_with_delimiter(names, fields)
            fitted = fields if len(fields) == width else fit_width(names, fields, trailing)
            if fitted is None:
                reason = _wrong_width(start_line, skipped + reader.line_num, len(fields), width)
            elif repeats_header(names, fitted):
                reason = REPEATED_HEADER.format(f"line {start_line}")
            elif holds_only_its_id(values := csv_values(header, fitted), spec.id_column):
                reason = ONLY_ITS_ID.format(f"data row {data_row}")  # as the Spark engine names it
            else:
                yield RawRow(data_row, values)
                continue
            yield RawRow(data_row, None, reason, spec.delimiter.join(fields))


def ends_with_delimiter(header: list[str], fields: list[str]) -> bool:
    """Whether a CSV row has one field more than its header, and that one empty: the row ends with
    the delimiter, as SAP and other ERP exports end every row (``1;An;0901234567;``)."""
    return len(fields) == len(header) + 1 and not fields[-1].strip()


def fit_width(header: list[str], fields: list[str], trailing: bool = False) -> list[str] | None:
    """A row short of its header's unnamed last columns (a spreadsheet's empty columns, whose
    cells it leaves out of some rows) as a full row, or None. A row that ends with the delimiter
    is read without it where the file's rows do (``trailing``: its first row does); elsewhere it
    stays wrong: a delimiter typed into a value and the last value left out read so."""
    if trailing and ends_with_delimiter(header, fields):
        return fields[:-1]
    if len(fields) < len(header) and not any(header[len(fields):]):
        return fields + [""] * (len(header) - len(fields))
    return None


REPEATED_HEADER = "{} repeats the header (extracts joined together?)"


def repeats_header(header: list[str], fields: list[str | None]) -> bool:
    """Whether a CSV row is its header again, as where extracts exported in parts are joined, each
    with its header (and byte order mark): such a row is no record."""
    return [(f or "").lstrip("\ufeff").strip() for f in fields] == header


ONLY_ITS_ID = "{} holds nothing but its id (a total or summary line?)"


def holds_only_its_id(values: Mapping[str, str | None], id_column: str) -> bool:
    """Whether a CSV row holds a value in its id column and in no other, as an extract's closing
    "Total: 512 rows;;;;" line does: such a row is no customer."""
    return len(values) > 1 and all(not (v or "").strip() for k, v in values.items() if k != id_column)


def _wrong_width(first_line: int, last_line: int, fields: int, width: int) -> str:
    """Why a CSV row is quarantined. A quote opened and never closed reads every line after it as
    one row: the reason names the lines it took, so the steward sees the rows it swallowed."""
    if last_line > first_line:
        return (f"lines {first_line} to {last_line} read as one row of {fields} fields (a quote opened"
                f" and not closed?), the header has {width}")
    return f"line {first_line} has {fields} fields, the header has {width}"


_ONE_VALUE = frozenset({str, int, float, type(None)})  # the common ids, told apart at once


def not_one_id(flat: Mapping[str, Any], id_column: str) -> str | None:
    """Why a typed row's id (JSON, Parquet, a post; ``flat``: its :func:`flat_values`) is no key,
    or None: a list, an object or true/false, whose JSON text no source system holds as a key. A
    CSV's text is whatever it says ("[123]" may be a real key), so CSV rows are not asked."""
    value = flat.get(id_column)
    if type(value) in _ONE_VALUE:
        return _inexact(value, id_column) if type(value) is float else None
    kind = ("true/false" if isinstance(value, bool) else "a list" if isinstance(value, list | tuple)
            else "an object" if isinstance(value, Mapping) else None)
    return f"the id column {id_column!r} holds {kind}, not one id" if kind else None


# A float holds every whole number up to 2**53 and only some above: 12345678901234567.0 reads as
# ...68, another key, and 2**53 may have been written 2**53 + 1. An integer that large is exact.
_FLOAT_EXACT_BELOW = 2.0**53


def _inexact(value: float, id_column: str) -> str | None:
    """Why an id a float wrote is no key where it may have lost digits (``1e20``), or None."""
    if abs(value) < _FLOAT_EXACT_BELOW or not math.isfinite(value):  # inf, NaN: no value, a missing id
        return None
    return (f"the id column {id_column!r} holds {value!r}, a number written as a float too large for it to"
            " keep every digit (write ids as integers or as text)")


def typed_row(data_row: int, obj: Mapping[str, Any], id_column: str, where: str = "data row",
              number: int | None = None) -> RawRow:
    """A typed row (a JSON object, a Parquet row) with its values as text, and why its id is no
    key where it is not (``where`` and ``number`` name the row: "line 4"; by default its data row)."""
    row = f"{where} {data_row if number is None else number}"
    flat = flat_values(obj)
    try:
        values = texts(flat)
    except RecursionError:  # read just within Python's limit, too deep to write as text again
        return RawRow(data_row, None, f"{row}: {TOO_DEEP}")
    problem = not_one_id(flat, id_column) or written_twice(obj)
    return RawRow(data_row, values, f"{row}: {problem}" if problem else None)


def written_twice(obj: Mapping[str, Any]) -> str | None:
    """Why a JSON object is no record where it writes a key twice with different values: which one
    its system meant is unknown, and reading either would lose the other unseen."""
    return keys_written_twice(getattr(obj, "repeated", ()))


def keys_written_twice(names: Sequence[str]) -> str | None:
    """What is wrong with the keys ``names``, each written twice with different values (None for none)."""
    if not names:
        return None
    keys = f"key {names[0]!r} is" if len(names) == 1 else f"keys {', '.join(map(repr, names))} are each"
    return f"the {keys} written twice with different values (which one is meant is unknown)"


def json_line_row(data_row: int, line_no: int, line: str, id_column: str) -> RawRow:
    """One JSONL line as a row: an object's values as text, or why it is not one."""
    line = line.rstrip("\r\n")
    try:
        obj = load_json(line)
    except json.JSONDecodeError as e:
        return RawRow(data_row, None, f"line {line_no} is not valid JSON: {e.msg}", line)
    if not isinstance(obj, dict):
        return RawRow(data_row, None, f"line {line_no} is a JSON {type(obj).__name__}, not an object", line)
    row = typed_row(data_row, obj, id_column, "line", line_no)
    kept = row.values is not None and type(obj) is not Repeated  # the line shows a key's both values
    return row if kept else RawRow(data_row, None, row.error, line)


def check_not_array(spec: SourceSpec, first_line: str, where: str) -> None:
    """A JSONL source's first line that opens an array: the file is a JSON array (one object a line,
    each but the last followed by a comma, would otherwise read the last one alone)."""
    if first_line.lstrip("\ufeff \t").startswith("["):
        raise ConfigError(f"{where}: source {spec.name!r}, key 'format': the file is a JSON array (its first"
                          " line opens one), not JSON lines: set `format: json`")


def no_object_line(spec: SourceSpec, where: str, first_error: str | None) -> ConfigError:
    """The error for a JSONL source none of whose lines is an object: not JSON lines at all."""
    return ConfigError(f"{where}: source {spec.name!r}, key 'format': no line is a JSON object"
                       f" ({first_error}); JSONL holds one object a line")


def _read_jsonl(spec: SourceSpec) -> Iterator[RawRow]:
    seen: set[str] = set()
    data_row = objects = 0
    first_error = None
    with open_text(spec) as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            data_row += 1
            if data_row == 1:
                check_not_array(spec, line, str(spec.file))
            row = json_line_row(data_row, line_no, line, spec.id_column)
            if row.values is not None:
                objects += 1
                seen.update(row.values)
            first_error = first_error or row.error
            yield row
    if data_row and not objects:  # a JSON array, a CSV: not JSONL, whatever its columns
        raise no_object_line(spec, str(spec.file), first_error)
    if data_row:
        check_keys(spec, seen, "file (no line has it)")


def _read_parquet(spec: SourceSpec) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(spec.file)
    except (OSError, ValueError) as e:
        raise SourceReadError(f"{spec.shown}: source {spec.name!r}: cannot read Parquet: {e}") from e
    names = nested_names(pf.schema_arrow)
    keys = under_maps(spec, map_names(pf.schema_arrow))
    check_columns(spec, names | keys, "Parquet schema")
    # Two columns of one name (only raw Arrow writers make them): a mapped one is refused, the
    # others are each kept under their own name, as a CSV's are, where one would overwrite the other.
    columns = pf.schema_arrow.names
    _check_mapped_once(spec, columns, "Parquet schema")
    kept = unique_header(columns)
    data_row, unseen = 0, set(keys)
    for batch in pf.iter_batches(batch_size=65536):
        for row in batch_rows(batch if kept == columns else batch.rename_columns(kept)):
            data_row += 1
            typed = typed_row(data_row, row, spec.id_column)
            if unseen and typed.values is not None:
                unseen -= typed.values.keys()
            yield typed
    check_columns(spec, names | (keys - unseen), MAP_KEYS_SEEN)


# A map column read as a dict, a key written twice keeping its last value (Arrow's "lossy").
_MAPS = "lossy"


def batch_rows(batch: Any) -> list[dict[str, Any]]:
    """A Parquet batch's rows as Python values. A value Python cannot hold (a timestamp past
    the year 9999, a date32 sentinel of 3000000) is read as Arrow writes it: its row is kept, and
    where the value is mapped the standardisers flag it as they flag any date they cannot read.
    A map is a dict, read as a struct is (a key written twice keeps its last value)."""
    try:
        return batch.to_pylist(maps_as_pydicts=_MAPS)  # type: ignore[no-any-return]
    except (OverflowError, ValueError):
        columns = [_column_values(column) for column in batch.columns]
        return [dict(zip(batch.schema.names, row, strict=True)) for row in zip(*columns, strict=True)]



def _column_values(array: Any) -> list[Any]:
    try:
        return array.to_pylist(maps_as_pydicts=_MAPS)  # type: ignore[no-any-return]
    except (OverflowError, ValueError):
        return [_scalar_value(scalar) for scalar in array]


def _scalar_value(scalar: Any) -> Any:
    """One Arrow value as Python, or as Arrow's text where Python has no such date or time."""
    import pyarrow as pa

    try:
        return scalar.as_py(maps_as_pydicts=_MAPS)
    except (OverflowError, ValueError):
        pass
    kind = scalar.type
    if pa.types.is_struct(kind):
        return {name: _scalar_value(scalar[name]) for name in scalar.keys()}
    if pa.types.is_map(kind):
        return {e["key"]: e["value"] for e in _column_values(scalar.values)}
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _column_values(scalar.values)
    try:
        return scalar.cast(pa.string()).as_py()
    except pa.ArrowException:
        return f"<{kind} value out of range>"


def _read_json(spec: SourceSpec) -> Iterator[RawRow]:
    from mdm.sources.json_arrays import read_json  # which imports this module

    return read_json(spec)


_READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "parquet": _read_parquet}


def read_source(spec: SourceSpec) -> Iterator[RawRow]:
    """Yield every data row of the source's extract, parsed or with the reason it is not."""
    if not spec.file.exists():
        relative = not Path(spec.path).expanduser().is_absolute()
        where = f" ({spec.path!r} is read from the YAML file's folder)" if relative else ""
        raise SourceReadError(f"{spec.shown}: source {spec.name!r}, key 'path': file not found{where}")
    check_not_workbook(spec, spec.shown, file_start(lambda: open(spec.file, "rb"), MAGIC_BYTES))
    return _failing_loudly(spec, _READERS[spec.format](spec))


# A spreadsheet's own file given as an extract, told by its first bytes: an .xlsx workbook is a zip
# archive, an .xls one an OLE2 compound file.
_WORKBOOKS = ((b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
              (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel .xls workbook"))


_FORMAT_NAMES = {"csv": "CSV", "json": "a JSON array", "jsonl": "JSON lines", "parquet": "Parquet"}


def check_not_workbook(spec: SourceSpec, name: str, start: bytes) -> None:
    """A workbook named as the extract (the file ``name``, whose first bytes are ``start``) fails
    naming the ``path`` key: read as CSV its bytes were a header of noise, refused as UTF-16
    without its byte order mark, which it is not."""
    what = next((what for magic, what in _WORKBOOKS if start.startswith(magic)), None)
    if what is not None:
        raise ConfigError(f"{name}: source {spec.name!r}, key 'path': the file is {what}, not"
                          f" {_FORMAT_NAMES[spec.format]}: save the sheet as CSV (Excel: Save As, CSV UTF-8)"
                          " and name that file, with `format: csv`")


def _failing_loudly(spec: SourceSpec, rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """The rows, or a :class:`SourceReadError` naming the file where reading stops midway."""
    try:
        yield from rows
    except _READ_ERRORS as e:
        raise SourceReadError(f"{spec.shown}: source {spec.name!r}: cannot read: {e}") from e
