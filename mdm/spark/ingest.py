"""Reading and standardising the sources on Spark, every row accounted for.

Spark reads the extracts (a file, a folder, a glob or any URI it can read); the rows are
decoded and standardised in Python workers by the very functions the DuckDB engine uses
(:mod:`mdm.sources.readers`, :func:`mdm.standardise.record.standardise_record`), through
``mapInArrow``, so both engines produce identical values. Rows are numbered in file order, as
the DuckDB engine numbers them; a duplicate id keeps its first row and quarantines the rest.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from mdm.errors import ConfigError, SourceReadError
from mdm.ingest import WITHHELD, SourceCounts, clean_id, control_in_id, missing_id, raw_json
from mdm.quality import FlagCounts, sorted_counts
from mdm.sources import SourceSpec
from mdm.sources.json_arrays import array_elements, element_row, empty_file, no_object
from mdm.sources.readers import (
    MAP_KEYS_SEEN,
    ONLY_ITS_ID,
    REPEATED_HEADER,
    REPLACEMENT_CHARACTER,
    Repeated,
    batch_rows,
    check_columns,
    check_header,
    check_keys,
    check_not_array,
    check_not_workbook,
    csv_values,
    decompressed,
    ends_with_delimiter,
    file_encoding,
    fit_width,
    header_further_down,
    header_names,
    holds_only_its_id,
    json_line_row,
    map_names,
    nested_names,
    no_object_line,
    repeats_header,
    separator_hint,
    typed_row,
    under_maps,
)
from mdm.spark import cache
from mdm.spark.files import SourceFile, source_files
from mdm.spark.session import JAVA_CHARSETS
from mdm.standardise.record import standardise_record
from mdm.store.tables import SCHEMAS

logger = logging.getLogger(__name__)

_ROW, _LINE, _CORRUPT, _REFUSED = "__mdm_row", "__mdm_line", "__mdm_corrupt", "__mdm_refused"
_REPEATED = "__mdm_repeated"  # a JSON array's element's keys written twice (Repeated), which its text loses

DECODED = pa.schema(
    [("row_number", pa.int64()), ("source_id", pa.string()), ("raw", pa.string()), ("error", pa.string()),
     ("first_row", pa.int64())]
)
# A standardised row, or a quarantined one (reason set, standardised columns null); ``deletion``: a
# file row flagged deleted (``deleted:``), standardised for its updated_at (weighed against a post)
# and left out at the end, as mdm.ingest leaves out a Deletion.
STANDARDISED = pa.schema(
    [*SCHEMAS["std_records"], ("row_number", pa.int64()), ("raw", pa.string()), ("reason", pa.string()),
     ("deletion", pa.bool_())]
)


@dataclass(frozen=True)
class PostedInput:
    """Records posted and deleted through the API (``mdm export posted``) for a Spark run: the
    newest word of their source systems, as the DuckDB engine takes them (``merge_posted``)."""

    posted: list[tuple[str, str, str]]  # (source, source_id, raw JSON in the source's columns)
    deleted: list[tuple[str, str]]  # (source, source_id)
    through: str | None  # when the newest of them was posted or deleted (ISO), None for none


@dataclass
class SparkIngested:
    std: Any  # DataFrame of std_records columns
    source_records: Any  # DataFrame: record_key, source, source_id, row_number, raw
    quarantine: Any  # DataFrame: source, row_number, source_id, reason, raw
    counts: dict[str, SourceCounts]
    posted_unknown_source: int = 0  # posts to a source the config does not list (left out)
    outdated: tuple[tuple[str, str], ...] = ()  # keys of the posts a later file row outdated (left out)


def _numbered(spark: Any, df: Any, column: str) -> Any:
    """``df`` with a 1-based row number in partition order (file order for one file), without
    moving the rows to one partition: each partition's rows are counted once and offset."""
    from pyspark.sql import functions as F

    df = cache.persist(df.withColumn("__mdm_mid", F.monotonically_increasing_id()))
    part = F.shiftright("__mdm_mid", 33)
    counts = sorted(df.groupBy(part.alias("p")).count().collect())
    offsets, total = [], 0
    for p, n in counts:
        offsets.append((p, total))
        total += n
    offset_df = spark.createDataFrame(offsets or [(0, 0)], "p long, offset long")
    local = F.col("__mdm_mid").bitwiseAND((1 << 33) - 1)
    return (
        df.join(F.broadcast(offset_df), part == offset_df.p)
        .withColumn(column, F.col("offset") + local + 1)
        .drop("__mdm_mid", "p", "offset")
    )


def _read_error(spec: SourceSpec, e: Exception) -> SourceReadError:
    message = f"{spec.location}: source {spec.name!r}, key 'path': cannot read: {e}"
    return SourceReadError(message.splitlines()[0])


_NANOS_AS_LONG = "spark.sql.legacy.parquet.nanosAsLong"


def nanosecond_columns(spec: SourceSpec, files: list[SourceFile]) -> dict[str, pa.DataType]:
    """The columns of a Parquet source's ``files`` whose type holds a timestamp in nanoseconds
    (pandas writes them so), with their type as the files' footers give it. Spark's reader refuses
    such a column and reads it as integers when asked to; the decoder casts those back, so both
    engines see the same timestamps. Reading its footer is a file's one open: one that has a
    footer is no workbook, and only one that has none is asked (:func:`_check_not_workbooks`)."""
    import pyarrow.parquet as pq

    found: dict[str, pa.DataType] = {}
    for file in files:
        try:
            with file.open() as fh:
                schema = pq.read_schema(fh)
        except (OSError, ValueError):
            check_not_workbook(spec, file.name, file.start)
            continue  # Spark names what it cannot read
        for field in schema:
            if _holds_nanoseconds(field.type):
                found.setdefault(field.name, field.type)
    return found


def _holds_nanoseconds(kind: pa.DataType) -> bool:
    if pa.types.is_timestamp(kind):
        return bool(kind.unit == "ns")
    if pa.types.is_struct(kind):
        return any(_holds_nanoseconds(f.type) for f in kind)
    if pa.types.is_map(kind):
        return _holds_nanoseconds(kind.key_type) or _holds_nanoseconds(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _holds_nanoseconds(kind.value_type)
    return False


def _read_parquet(spark: Any, location: str, nanoseconds: bool) -> Any:
    """``spark.read.parquet``, with timestamps in nanoseconds read as integers where the source
    holds some. The setting is read when the schema is, and the session's own is put back."""
    if not nanoseconds:
        return spark.read.parquet(location)
    before = spark.conf.get(_NANOS_AS_LONG, None)
    spark.conf.set(_NANOS_AS_LONG, "true")
    try:
        return spark.read.parquet(location)
    finally:
        if before is None:
            spark.conf.unset(_NANOS_AS_LONG)
        else:
            spark.conf.set(_NANOS_AS_LONG, before)


def _with_types(batch: pa.RecordBatch, types: dict[str, pa.DataType]) -> pa.RecordBatch:
    """``batch`` with the columns named in ``types`` cast to them: Spark's integers back to the
    nanosecond timestamps the file holds."""
    if not types:
        return batch
    columns = [batch.column(i).cast(types[name]) if name in types else batch.column(i)
               for i, name in enumerate(batch.schema.names)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


# Python's name of each encoding the Spark engine reads CSV in, and Java's. Spark 4 takes the first
# seven alone unless spark.sql.legacy.javaCharsets is set (mdm's sessions set it); Java decodes every
# byte of the Windows code pages as Python does, an undefined one as U+FFFD.
_SPARK_CHARSETS = {"utf-8": "utf-8", "iso8859-1": "iso-8859-1", "ascii": "us-ascii", "utf-16": "utf-16",
                   "utf-16-be": "utf-16be", "utf-16-le": "utf-16le", "utf-32": "utf-32",
                   **{f"cp125{i}": f"windows-125{i}" for i in range(9)}}


def _spark_charset(spark: Any, spec: SourceSpec, encoding: str) -> str:
    """Java's name for a CSV source's ``encoding``; one the Spark engine cannot read is a config
    error naming the key, not Spark's exception about a ``charset``. A session not made by mdm must
    allow Java's charsets for a Windows code page: Spark checks the name again whenever it plans a
    query over the rows, so it cannot be allowed for the read alone."""
    charset = _SPARK_CHARSETS.get(codecs.lookup(encoding).name)
    where = f"{spec.location}: source {spec.name!r}, key 'encoding'"
    if charset is None:
        raise ConfigError(f"{where}: the Spark engine cannot read {encoding} (it reads UTF-8, UTF-16, UTF-32,"
                          " ISO-8859-1, ASCII and the Windows code pages cp1250 to cp1258): convert the file"
                          f" to UTF-8 (iconv -f {encoding} -t utf-8), or run on the DuckDB engine")
    if not charset.startswith("windows-"):
        return charset
    if spark.conf.get(JAVA_CHARSETS, "false").lower() != "true":
        raise ConfigError(f"{where}: Spark reads {encoding} only with {JAVA_CHARSETS}=true, which this"
                          f" session lacks: set it (--spark-conf {JAVA_CHARSETS}=true)")
    if not spark.sparkContext._jvm.java.nio.charset.Charset.isSupported(charset):
        raise ConfigError(f"{where}: this Java has no {charset} (a runtime built without its jdk.charsets"
                          f" module): run Spark on a full JDK, convert the file to UTF-8 (iconv -f {encoding}"
                          " -t utf-8), or run on the DuckDB engine")
    return charset


def _read(spark: Any, spec: SourceSpec, files: list[SourceFile], nanoseconds: dict[str, pa.DataType]) -> Any:
    """The source's rows, numbered, with their columns as Spark read them."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    loc = spec.location
    if spec.format != "parquet":  # a Parquet source's: nanosecond_columns
        _check_not_workbooks(spec, files)
    try:
        if spec.format == "csv":
            if (misnamed := _named_otherwise(files)) is not None:
                raise _misnamed_csv(spec, misnamed)
            if spec.skip_lines:
                raise ConfigError(f"{loc}: source {spec.name!r}, key 'skip_lines': the Spark engine"
                                  " cannot skip lines above a CSV's header: delete them, or run on DuckDB")
            text_encoding = _text_encoding(spec, files)
            encoding = _spark_charset(spark, spec, text_encoding.removesuffix("-sig"))
            options = {"header": "true", "sep": spec.delimiter, "encoding": encoding, "quote": '"',
                       "escape": '"', "multiLine": "true"}
            header = spark.read.options(**options).csv(loc).columns
            if not header:
                raise SourceReadError(f"{loc}: source {spec.name!r}: the file is empty (no header)")
            # Spark names a blank header column ``_c<i>``: the line ``sep=;`` is columns sep= and _c1.
            as_read = spec.delimiter.join("" if h == f"_c{i}" else h for i, h in enumerate(header))
            if separator_hint(spec, as_read):
                raise SourceReadError(f"{loc}: source {spec.name!r}: its first line is a spreadsheet's"
                                      " delimiter hint (sep=), which Spark reads as the header: delete that"
                                      " line, or run on the DuckDB engine, which skips it")
            try:
                check_header(spec, header_names(header))
            except ConfigError as e:
                raise _title_above_header(spec, files, text_encoding) or e from None
            schema = StructType([StructField(h, StringType()) for h in header] + [StructField(_CORRUPT, StringType())])
            df = (spark.read.options(**options, mode="PERMISSIVE", columnNameOfCorruptRecord=_CORRUPT)
                  .schema(schema).csv(loc))
            return _numbered(spark, df, _ROW)
        if spec.format == "jsonl":
            rows = _numbered(spark, _json_lines(spark, spec, files), _ROW)
            for (first,) in rows.filter(F.col(_ROW) == 1).select("value").collect():
                check_not_array(spec, first, loc)
            return rows
        if spec.format == "json":
            return _array_elements(spark, spec, files)
        df = _read_parquet(spark, loc, bool(nanoseconds))
        names, keys = _nested_columns(spec, df.schema)
        check_columns(spec, names | keys, "Parquet schema")
        return _numbered(spark, df, _ROW)
    except AnalysisException as e:
        raise _read_error(spec, e) from e


def _check_not_workbooks(spec: SourceSpec, files: list[SourceFile]) -> None:
    """Each of a text source's files (CSV, JSON, JSONL) that is a workbook fails naming it. Every
    file is asked, not the first and a sample: a folder of thousands is most often one job's parts,
    all alike, but the file these checks are for is the one put there by hand (a workbook saved
    beside the exports, a part gzipped and not renamed: :func:`_named_otherwise`), which a sample
    misses, and Spark reads as rows of noise. Each file's first bytes are read once for all the
    checks (``SourceFile.start``), a few KiB, where Spark opens every file to read it anyway."""
    for file in files:
        check_not_workbook(spec, file.name, file.start)


_ERRORS = {e.__name__: e for e in (ConfigError, SourceReadError)}
_LINES = pa.schema([("value", pa.string()), (_LINE, pa.int64())])
# Encodings in which the byte 0x0A is a line's end and nothing else: Spark splits a JSONL file in one
# where it lies, in parallel. A file in another (UTF-16, UTF-32, a code page of several bytes a
# letter) is read whole by one worker, and split where it is decoded.
_SPLIT_AT_NEWLINE = re.compile(r"utf-8(-sig)?|ascii|iso8859-\d+|cp125\d")


def _text(data: bytes, encoding: str) -> io.TextIOWrapper:
    """A file's bytes as the DuckDB engine reads its text (``open_text``): a byte the encoding cannot
    decode as U+FFFD, and line ends as written."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")


def _json_lines(spark: Any, spec: SourceSpec, files: list[SourceFile]) -> Any:
    """A JSONL source's lines that are not blank, as text in the source's encoding, each with its
    line number: Spark's text reader decodes UTF-8 alone, so the lines' bytes are decoded in a worker
    by Python's codec, as on DuckDB. Hadoop's line reader drops a UTF-8 byte order mark. Files in an
    encoding Spark cannot split, or whose name says otherwise than their first bytes whether they are
    gzip-compressed (Hadoop tells by the name), are read whole, one task each."""
    from pyspark.sql import functions as F

    encoding = _text_encoding(spec, files)
    if not _SPLIT_AT_NEWLINE.fullmatch(codecs.lookup(encoding).name) or _named_otherwise(files):
        return _whole_files(spark, spec, files).mapInArrow(_file_lines(spec, encoding), spark_schema(_LINES))
    lines = spark.read.option("lineSep", "\n").text(spec.location).select(F.col("value").cast("binary"))
    split = lines.mapInArrow(_split_lines(encoding.removesuffix("-sig")), "value string")
    return _numbered(spark, split, _LINE).mapInArrow(_kept_lines, spark_schema(_LINES))


def _not_blank(lines: Iterator[tuple[str, int]]) -> pa.RecordBatch:
    """(line, its number) -> a batch of the lines that are not blank, as the DuckDB engine skips them."""
    kept = [(line, number) for line, number in lines if line.strip()]
    return pa.RecordBatch.from_arrays([pa.array([line for line, _n in kept], pa.string()),
                                       pa.array([number for _l, number in kept], pa.int64())], schema=_LINES)


def _split_lines(encoding: str) -> Any:
    """Lines Spark split at 0x0A (their bytes) -> their text, split again where the DuckDB engine
    splits a file's text (:func:`_text`): a lone carriage return (an old Mac's line end) ends a line
    too, the CR of a CRLF does not; U+2028, NEL and the other ends ``str.splitlines`` knows do not."""

    def lines(data: bytes) -> list[str]:
        text = data.decode(encoding, errors="replace")
        return [text] if "\r" not in text[:-1] else list(_text(data, encoding))

    def split(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield pa.RecordBatch.from_pydict({"value": [line for data in batch.column(0).to_pylist()
                                                        for line in lines(data)]}, schema=_LINES.remove(1))

    return split


def _kept_lines(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Lines, numbered -> those not blank."""
    for batch in batches:
        yield _not_blank(zip(batch.column("value").to_pylist(), batch.column(_LINE).to_pylist(), strict=True))


def _file_lines(spec: SourceSpec, encoding: str) -> Any:
    """Whole files (their bytes, their path) -> their lines that are not blank, decoded and numbered
    in each file, split where the DuckDB engine splits them (a lone carriage return ends a line too)."""

    def split(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            files = zip(*batch.to_pydict().values(), strict=True)
            yield _not_blank((line, number) for data, file in files
                             for number, line in enumerate(_text(decompressed(spec, data, file), encoding),
                                                           start=1))

    return split


# Spark's binaryFile reader holds a file's bytes in one array: a file of 2 GiB or more it cannot read.
_WHOLE_FILE_LIMIT = 2**31 - 1


def _text_encoding(spec: SourceSpec, files: list[SourceFile]) -> str:
    """The encoding Spark reads the source's text in (:func:`file_encoding`): told by its file's
    first bytes where its path names one file; a folder's or a glob's files, which Spark reads
    in one encoding, are read in the declared one."""
    named = next((f for f in files if f.named), None)
    return file_encoding(spec, named.start if named else b"")  # no bytes: the declared one


def _title_above_header(spec: SourceSpec, files: list[SourceFile], encoding: str) -> ConfigError | None:
    """:func:`header_further_down` for the first file Spark reads: a report's title above its header."""
    with files[0].open() as raw:
        stream = gzip.GzipFile(fileobj=raw) if files[0].is_gzip() else raw
        lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        next(lines, None)
        return header_further_down(spec, 1, lines)


def _named_otherwise(files: list[SourceFile]) -> SourceFile | None:
    """A file of the source whose name says otherwise than its first bytes whether it is
    gzip-compressed: Spark's text reader tells by the name (``.gz``), the DuckDB engine by the bytes."""
    return next((f for f in files if f.is_gzip() != f.named_gzip), None)


def _misnamed_csv(spec: SourceSpec, file: SourceFile) -> SourceReadError:
    """Spark's CSV reader tells gzip by the name alone: a compressed CSV not named ``.gz`` it read as
    its compressed bytes (a header of noise), and a ``.gz`` one not compressed it failed on in a
    task. The DuckDB engine reads both; here the file is named."""
    compressed = file.is_gzip()
    said = "is gzip-compressed but not named .gz" if compressed else "is named .gz but not gzip-compressed"
    return SourceReadError(f"{file.name}: source {spec.name!r}: the file {said}, and Spark's CSV reader tells"
                           " compression by the name: rename it, or run on the DuckDB engine")


def _whole_files(spark: Any, spec: SourceSpec, files: list[SourceFile]) -> Any:
    """The source's files whole, as bytes (``content``) and ``path``, not decompressed: a worker
    decompresses each that starts as gzip does (:func:`decompressed`), as the DuckDB engine does
    whatever its name. Spark skips an empty file, which as a JSON array the DuckDB engine refuses,
    and fails a task on one of 2 GiB naming neither the source nor what to do: it is named here,
    before anything is read."""
    for file in files:
        size = file.size()
        if size > _WHOLE_FILE_LIMIT:
            instead = "JSONL (`format: jsonl`), read by lines" if spec.format == "json" else "UTF-8 JSONL"
            raise SourceReadError(f"{file.name}: source {spec.name!r}: the file is {size / 2**30:.1f} GiB;"
                                  " the Spark engine reads this file whole, and one of 2 GiB at most: split"
                                  f" it into smaller files, or write it as {instead}")
        if size == 0 and spec.format == "json":
            raise empty_file(spec, file.name)
    return spark.read.format("binaryFile").load(spec.location).select("content", "path")


def _array_elements(spark: Any, spec: SourceSpec, files: list[SourceFile]) -> Any:
    """A JSON source's elements, numbered, each as JSON text, every file read whole (as the DuckDB
    engine reads its file) and decoded and split in a worker; a file that is no array fails naming it."""
    from pyspark.sql import functions as F

    def split(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            out: dict[str, list[str | None]] = {"value": [], _REFUSED: [], _REPEATED: []}
            for data, file in zip(*batch.to_pydict().values(), strict=True):
                try:
                    text = _text(decompressed(spec, data, file), encoding).read()
                    elements = array_elements(spec, text, file)
                except (ConfigError, SourceReadError) as e:
                    out["value"].append(None)
                    out[_REFUSED].append(f"{type(e).__name__}:{e}")
                    out[_REPEATED].append(None)
                    continue
                out["value"] += [json.dumps(e) for e in elements]
                out[_REFUSED] += [None] * len(elements)
                out[_REPEATED] += [json.dumps(getattr(e, "repeated", None) or None) for e in elements]
            yield pa.RecordBatch.from_pydict(out)

    encoding = _text_encoding(spec, files)  # decoded in the worker: Spark's reader knows UTF-8 alone
    columns = f"value string, {_REFUSED} string, {_REPEATED} string"
    split_files = _whole_files(spark, spec, files).mapInArrow(split, columns)
    elements = _numbered(spark, split_files, _ROW)
    for (refused,) in elements.filter(F.col(_REFUSED).isNotNull()).select(_REFUSED).limit(1).collect():
        kind, _, message = refused.partition(":")
        raise _ERRORS[kind](message)
    return elements.drop(_REFUSED)


def _nested_columns(spec: SourceSpec, schema: Any) -> tuple[set[str], set[str]]:
    """A Spark schema's column names, and the dotted names of its structs' fields, read as the
    DuckDB engine reads a Parquet file's (``nested_names``); and the keys of its map columns the
    config maps (``under_maps``), which some row must hold."""
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow = to_arrow_schema(schema, timezone="UTC")  # only the names are read
    return nested_names(arrow), under_maps(spec, map_names(arrow))


def _csv_names(columns: list[str]) -> list[str]:
    """A CSV header as Spark read it, with the blank column names Spark calls ``_c<i>`` blank again."""
    return ["" if h == f"_c{i}" else h for i, h in enumerate(columns)]


def _ends_rows_with_delimiter(spec: SourceSpec, rows: Any) -> bool:
    """Whether the file's first data row ends with the delimiter (Spark calls it malformed), so
    rows that do are read without it, as the DuckDB engine tells and reads them (``fit_width``)."""
    from pyspark.sql import functions as F

    first = rows.filter(F.col(_ROW) == 1).select(_CORRUPT).collect()
    if not first or first[0][0] is None:
        return False
    header = _csv_names([c for c in rows.columns if c not in (_ROW, _CORRUPT)])
    return ends_with_delimiter(header, next(csv.reader([first[0][0]], delimiter=spec.delimiter), []))


def _by_position(df: Any) -> Any:
    """``df`` with its columns named by their place: Spark reads a column name holding a dot
    (``contact.email``) given to ``mapInArrow`` as a struct's field, and passes ``contact``'s
    ``email`` or drops the column. :func:`_decoder` puts the names back."""
    return df.toDF(*(f"__mdm_c{i}" for i in range(len(df.columns))))


def _decoder(spec: SourceSpec, names: list[str], nanoseconds: dict[str, pa.DataType],
             trailing: bool = False) -> Any:
    """Rows of one source (an Arrow batch of Spark's columns, named by place: ``names`` are their
    names, :func:`_by_position`) -> DECODED rows; ``trailing``: the CSV's rows end with the delimiter."""

    def decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            out: dict[str, list[Any]] = {c: [] for c in DECODED.names}
            # A date past the year 9999 as the DuckDB engine reads it.
            for row in batch_rows(_with_types(batch.rename_columns(names), nanoseconds)):
                number = row.pop(_ROW)
                error = text = values = None
                if spec.format == "jsonl":
                    decoded = json_line_row(number, row[_LINE], row["value"], spec.id_column)
                    values, error, text = decoded.values, decoded.error, decoded.text
                elif spec.format == "json":
                    element, repeated = json.loads(row["value"]), json.loads(row[_REPEATED])
                    element = Repeated.of(element, repeated) if repeated else element
                    decoded = element_row(number, element, spec.id_column)
                    values, error, text = decoded.values, decoded.error, decoded.text
                elif spec.format == "csv":
                    corrupt = row.pop(_CORRUPT)
                    header, fields = header_names(row), list(row.values())
                    if corrupt is not None:
                        parsed = next(csv.reader([corrupt], delimiter=spec.delimiter), [])
                        # Spark names a blank header column _c<i>: short of only those, the row is read.
                        fields = fit_width(_csv_names(list(row)), parsed, trailing)
                        if fields is None:
                            error = f"data row {number} has {len(parsed)} fields, the header has {len(row)}"
                            text = corrupt
                    if fields is not None:
                        if repeats_header(header, fields):
                            error = REPEATED_HEADER.format(f"data row {number}")
                            text = spec.delimiter.join(f or "" for f in fields)
                        else:
                            values = csv_values(header, fields)
                            if holds_only_its_id(values, spec.id_column):
                                error = ONLY_ITS_ID.format(f"data row {number}")
                                text, values = spec.delimiter.join(f or "" for f in fields), None
                else:
                    decoded = typed_row(number, row, spec.id_column)
                    values, error = decoded.values, decoded.error
                out["row_number"].append(number)
                named = values is not None and error is None
                if named and (problem := control_in_id(spec.id_column, values.get(spec.id_column))):
                    error, named = problem, False
                out["source_id"].append(clean_id(values.get(spec.id_column)) if named else None)
                out["raw"].append(raw_json(values) if values is not None else text)
                out["error"].append(error)
                out["first_row"].append(None)
            yield pa.RecordBatch.from_pydict(out, schema=DECODED)

    return decode


def _row_keys(decoded: Any) -> set[str]:
    """The keys of the decoded rows' values, in any row: a JSON file's, a Parquet map's."""
    from pyspark.sql import functions as F

    keys = decoded.filter(F.col("error").isNull()).select(F.explode(F.json_object_keys("raw"))).distinct()
    return {r[0] for r in keys.collect()}


def _holding_deleted_column(sources: list[SourceSpec]) -> Any:
    """Whether a row's raw values hold its source's ``deleted:`` column (a JSON row may lack it), as
    mdm.ingest counts them; parsed only for the sources naming one."""
    from pyspark.sql import functions as F

    holds = F.lit(False)
    for spec in sources:
        if spec.deleted is not None:
            holding = F.array_contains(F.json_object_keys("raw"), spec.deleted.column)
            holds = F.when(F.col("source") == spec.name, holding).otherwise(holds)
    return holds


def _check_objects(spec: SourceSpec, decoded: Any) -> int:
    """A JSON array none of whose elements is an object is no list of records, and a JSONL file none
    of whose lines is one (a CSV, say) no JSON lines: the error names ``format``, as on DuckDB.
    Returns the number of rows: a file of none (``[]``, no line) has no column to check."""
    from pyspark.sql import functions as F

    array = spec.format == "json"
    not_one = r"^element [0-9]+ is a JSON " if array else r"^line [0-9]+ is (not valid JSON|a JSON )"
    an_object = F.col("error").isNull() | ~F.col("error").rlike(not_one)
    rows, objects, first = decoded.agg(F.count("*"), F.count(F.when(an_object, 1)),
                                       F.min_by("error", "row_number")).first()
    if rows and not objects:
        raise (no_object if array else no_object_line)(spec, spec.location, first)
    return int(rows)


def _standardiser(spec: SourceSpec, today: dt.date, *, file_rows: bool = False) -> Any:
    """DECODED rows (with the first row of their id) -> STANDARDISED rows; ``file_rows``: rows of
    the extract, which its ``deleted:`` column may flag (a post or a stored record it does not)."""
    flag = spec.deleted if file_rows else None
    std_columns = SCHEMAS["std_records"].names

    def standardise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            rows = []
            for row in batch.to_pylist():
                number, source_id, raw = row["row_number"], row["source_id"], row["raw"]
                reason = row["error"]
                std: dict[str, Any] = {}
                if reason is None and source_id is None:
                    reason = missing_id(spec.id_column, json.loads(raw).get(spec.id_column))
                elif reason is None and row["first_row"] != number:
                    reason = f"duplicate id {source_id!r} (first seen in data row {row['first_row']})"
                deletion = False
                if reason is None:
                    values = json.loads(raw)  # once a row: its flag and its standardised values
                    deletion = flag is not None and flag.says_deleted(values)
                    try:
                        std = standardise_record(spec, source_id, values, today=today)
                    except Exception as e:  # standardisers never raise by contract; if one does, keep the row
                        logger.exception("standardising %s:%s failed", spec.name, source_id)
                        reason = f"standardisation failed: {e}"
                        std = {}
                out = {c: std.get(c) for c in std_columns}
                out.update(source=spec.name, source_id=source_id, row_number=number, raw=raw, reason=reason,
                           deletion=deletion)
                rows.append(out)
            yield pa.RecordBatch.from_pylist(rows, schema=STANDARDISED)

    return standardise


def spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _merge_posted(
    spark: Any, rows: Any, sources: list[SourceSpec], today: dt.date, given: PostedInput,
    counts: dict[str, SourceCounts],
) -> tuple[Any, int, tuple[tuple[str, str], ...]]:
    """``rows`` with the accepted file rows of keys posted or deleted through the API left out
    (counted as superseded or deleted) and the posted versions added, standardised; a post older
    than its key's file row (both dated) is left out instead (outdated), as the DuckDB engine
    does (mdm.ingest.merge_posted). Returns them, the number of posts to sources the config
    does not list and the keys of the outdated posts (for ``mdm load`` to drop)."""
    from pyspark.sql import functions as F

    by_name = {s.name: s for s in sources}
    key = ["source", "source_id"]
    posted_std = None
    for spec in sources:
        mine = [(None, sid, raw, None, None) for source, sid, raw in given.posted if source == spec.name]
        counts[spec.name].posted = len(mine)
        if mine:
            decoded = spark.createDataFrame(mine, spark_schema(DECODED))
            standardised = decoded.mapInArrow(_standardiser(spec, today), spark_schema(STANDARDISED))
            posted_std = standardised if posted_std is None else posted_std.unionByName(standardised)
    accepted = rows.filter(F.col("reason").isNull())  # with the rows flagged deleted, weighed as file rows
    outdated: set[tuple[str, str]] = set()
    if posted_std is not None:
        in_file = accepted.select(*key, F.col("updated_at").alias("__mdm_in_file"))
        older = (posted_std.select(*key, F.col("updated_at").alias("__mdm_posted")).join(in_file, key)
                 .filter(F.col("__mdm_in_file") > F.col("__mdm_posted")))
        outdated = {(r["source"], r["source_id"]) for r in older.select(*key).collect()}  # at most the posts
    keys = [(s, i, "posted") for s, i, _raw in given.posted if s in by_name and (s, i) not in outdated]
    keys += [(s, i, "deleted") for s, i in given.deleted if s in by_name]
    for source, _i in outdated:
        counts[source].outdated += 1
    if keys:
        newest = spark.createDataFrame(keys, "source string, source_id string, kind string")
        replaced = accepted.filter(~F.col("deletion")).join(newest, key)
        for source, kind, n in replaced.groupBy("source", "kind").count().collect():
            setattr(counts[source], "superseded" if kind == "posted" else "deleted", n)
        rows = rows.join(newest.select(*key, F.col("kind").alias("__mdm_newer")), key, "left")
        rows = rows.filter(F.col("__mdm_newer").isNull() | F.col("reason").isNotNull())
        withheld = (F.col("__mdm_newer") == "deleted") & F.col("reason").isNotNull()  # as ingest.withheld()
        rows = rows.withColumns({
            "raw": F.when(withheld, F.lit(None).cast("string")).otherwise(F.col("raw")),
            "reason": F.when(withheld, F.concat("reason", F.lit(WITHHELD))).otherwise(F.col("reason")),
        }).drop("__mdm_newer")
    if posted_std is not None:
        if outdated:
            left_out = spark.createDataFrame(sorted(outdated), "source string, source_id string")
            posted_std = posted_std.join(left_out, key, "left_anti")
        rows = rows.unionByName(posted_std)
    return rows, sum(source not in by_name for source, _i, _raw in given.posted), tuple(sorted(outdated))


def _carry_forward(
    spark: Any, rows: Any, sources: list[SourceSpec], today: dt.date, stored: Any,
    posted: PostedInput | None, counts: dict[str, SourceCounts],
) -> Any:
    """``rows`` with the ``stored`` records (a DataFrame: source, source_id, raw) of the sources
    whose extract holds only what changed (``extract: changes``) added, standardised, where the
    extract has no accepted row of the key, as the DuckDB engine carries them
    (mdm.ingest.carry_forward). Keys posted through the API are left to :func:`_merge_posted`;
    a key deleted through it the database stores no more, and one its extract flags deleted
    (still among ``rows``) is left out."""
    from pyspark.sql import functions as F

    key = ["source", "source_id"]
    in_file = rows.filter(F.col("reason").isNull()).select(*key)
    api = {(s, i) for s, i, _raw in posted.posted} | set(posted.deleted) if posted else set()
    for spec in sources:
        if spec.extract != "changes":
            continue
        mine = stored.filter(F.col("source") == spec.name).join(in_file, key, "left_anti")
        if left := sorted((s, i) for s, i in api if s == spec.name):
            mine = mine.join(spark.createDataFrame(left, "source string, source_id string"), key, "left_anti")
        none = {"row_number": "long", "error": "string", "first_row": "long"}
        decoded = mine.select(*(F.col(c) if c in mine.columns else F.lit(None).cast(none[c]).alias(c)
                                for c in DECODED.names))
        carried = cache.persist(decoded.mapInArrow(_standardiser(spec, today), spark_schema(STANDARDISED)))
        counts[spec.name].carried = carried.count()
        rows = rows.unionByName(carried)
    return rows


def ingest_and_standardise(
    spark: Any, sources: list[SourceSpec], today: dt.date, posted: PostedInput | None = None,
    stored: Any = None,
) -> SparkIngested:
    """Read and standardise every source; counts per source balance (read = accepted + deletions
    + quarantined). Records ``posted`` or deleted through the API replace the file rows of
    their keys; the ``stored`` records of an ``extract: changes`` source that its extract leaves
    out are carried forward (:func:`_carry_forward`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    parts = []
    for spec in sources:
        files = source_files(spark, spec)
        nanoseconds = nanosecond_columns(spec, files) if spec.format == "parquet" else {}
        read = _read(spark, spec, files, nanoseconds)
        trailing = spec.format == "csv" and _ends_rows_with_delimiter(spec, read)
        decoder = _decoder(spec, read.columns, nanoseconds, trailing)
        decoded = _by_position(read).mapInArrow(decoder, spark_schema(DECODED))
        first = F.min(F.when(F.col("error").isNull(), F.col("row_number"))).over(Window.partitionBy("source_id"))
        decoded = decoded.withColumn("first_row", F.when(F.col("source_id").isNotNull(), first))
        if spec.format in ("json", "jsonl"):  # no object, or a mapped key no row has: as on DuckDB
            if _check_objects(spec, decoded):
                no_row = "file (no line has it)" if spec.format == "jsonl" else "file (no element has it)"
                check_keys(spec, _row_keys(decoded), no_row)
        elif spec.format == "parquet" and (mapped := _nested_columns(spec, read.schema))[1]:
            names, under = mapped
            check_columns(spec, names | (under & _row_keys(decoded)), MAP_KEYS_SEEN)
        standardiser = _standardiser(spec, today, file_rows=True)
        parts.append(decoded.mapInArrow(standardiser, spark_schema(STANDARDISED)))
    rows = parts[0]
    for p in parts[1:]:
        rows = rows.unionByName(p)
    rows = cache.persist(rows)
    counts = {spec.name: SourceCounts(deleted_column_rows=None if spec.deleted is None else 0)
              for spec in sources}
    for source, read, quarantined, deletions, undecodable, holding in rows.groupBy("source").agg(
        F.count("*"), F.count("reason"), F.count(F.when(F.col("reason").isNull() & F.col("deletion"), 1)),
        F.sum(F.col("raw").contains(REPLACEMENT_CHARACTER).cast("int")),
        F.count(F.when(F.col("reason").isNull() & _holding_deleted_column(sources), 1)),
    ).collect():
        mine = counts[source]
        mine.read, mine.quarantined, mine.deletions = read, quarantined, deletions
        mine.accepted = read - quarantined - deletions
        mine.undecodable = undecodable or 0
        if mine.deleted_column_rows is not None:
            mine.deleted_column_rows = holding
    unknown, outdated = 0, ()
    if stored is not None:
        rows = _carry_forward(spark, rows, sources, today, stored, posted, counts)
    if posted is not None:  # a join with a few keys over the cached rows: not cached again
        rows, unknown, outdated = _merge_posted(spark, rows, sources, today, posted, counts)
    accepted = rows.filter(F.col("reason").isNull() & ~F.col("deletion"))
    return SparkIngested(
        std=accepted.select(*SCHEMAS["std_records"].names),
        source_records=accepted.select("record_key", "source", "source_id", "row_number", "raw"),
        quarantine=rows.filter(F.col("reason").isNotNull()).select("source", "row_number", "source_id", "reason",
                                                                   "raw"),
        counts=counts,
        posted_unknown_source=unknown,
        outdated=outdated,
    )


def flag_counts(std: Any) -> tuple[FlagCounts, dict[str, int]]:
    """Per source, the records carrying each data-quality flag, and those carrying any (as
    ``mdm.quality.flag_counts`` counts them)."""
    from pyspark.sql import functions as F

    counts: FlagCounts = {}
    flags = std.select("source", F.explode(F.array_distinct("dq_flags")).alias("flag"))
    for source, flag, n in flags.groupBy("source", "flag").count().collect():
        counts.setdefault(source, {})[flag] = n
    flagged = std.filter(F.size("dq_flags") > 0).groupBy("source").count().collect()
    return sorted_counts(counts), {source: n for source, n in flagged}
