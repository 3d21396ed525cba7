"""Source files with text that cannot be stored as it is still load, every row accounted for."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mdm.errors import ConfigError
from mdm.ingest import ingest
from mdm.sources import load_sources
from mdm.sources.readers import load_json
from mdm.standardise.batch import standardise_chunks


def test_a_lone_surrogate_escape_in_jsonl_is_replaced_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "crm.jsonl").write_text(
        '{"id": "1", "name": "Nguy\\ud800\\u1ec5n An", "phone": "0912345678", "note\\udfff": "x"}\n'
        '{"id": "2", "name": "Nguyễn An", "phone": "0912345678"}\n'
        "not json\n",
        encoding="utf-8",
    )
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n    priority: 1\n"
        "    fields: {full_name: name, phone: phone}\n",
        encoding="utf-8",
    )
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    assert counts.undecodable == 1
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    assert not chunk.failed
    assert chunk.std.column("full_name").to_pylist() == ["Nguy\ufffdễn An", "Nguyễn An"]
    assert json.loads(chunk.raw.column("raw")[0].as_py()) == {
        "id": "1", "name": "Nguy\ufffdễn An", "phone": "0912345678", "note\ufffd": "x"
    }


def _csv_source(tmp_path: Path, encoding_line: str = "") -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n    priority: 1\n"
        f"{encoding_line}    fields: {{full_name: name, city: city}}\n",
        encoding="utf-8",
    )
    return path


def test_a_file_in_another_encoding_is_kept_counted_and_flagged_until_its_encoding_is_named(tmp_path: Path) -> None:
    """A Windows export read as UTF-8: no row is lost, the rows with undecodable bytes are
    counted and their records flagged; with ``encoding: cp1252`` the names read right."""
    (tmp_path / "crm.csv").write_bytes("id,name,city\n1,Jürgen Müller,Köln\n2,Anna Schmidt,Berlin\n".encode("cp1252"))

    def run(encoding_line: str):  # type: ignore[no-untyped-def]
        ingested = ingest(load_sources(_csv_source(tmp_path, encoding_line)).sources)
        (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
        assert not chunk.failed
        return ingested.counts["crm"], chunk.std

    counts, std = run("")
    assert (counts.read, counts.accepted, counts.quarantined, counts.undecodable) == (2, 2, 0, 1)
    names, flags = std.column("full_name").to_pylist(), std.column("dq_flags").to_pylist()
    assert "\ufffd" in names[0] and names[1] == "Anna Schmidt"
    assert "undecodable_text" in flags[0] and "undecodable_text" not in flags[1]

    counts, std = run("    encoding: cp1252\n")
    assert (counts.read, counts.accepted, counts.undecodable) == (2, 2, 0)
    assert std.column("full_name").to_pylist() == ["Jürgen Müller", "Anna Schmidt"]
    assert not any("undecodable_text" in f for f in std.column("dq_flags").to_pylist())


@pytest.mark.parametrize(("text", "codec", "id_column", "column"), [
    ("Kundennr;Name;Geändert\n1;Jürgen Müller;01.02.2025\n", "cp1252", "Kundennr", "Geändert"),
    # Excel's plain "CSV" on a Vietnamese Windows: a letter and its combining tone mark, two bytes.
    ("Ma\u0303 KH;Name;Geändert\n1;Nguyê\u0303n Văn An;01.02.2025\n", "cp1258", "Mã KH", "Mã KH"),
])
def test_a_mapped_column_its_encoding_mangles_names_the_encoding_key(
        tmp_path: Path, text: str, codec: str, id_column: str, column: str) -> None:
    """A code page's export read as UTF-8 (the default) with a mapped column whose name is not
    ASCII: the error named the column as missing and listed it mangled ('Ge\ufffdndert'), as if
    its name were mistyped; it names the ``encoding`` key now."""
    (tmp_path / "crm.csv").write_bytes(text.encode(codec))
    yaml = (f"sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: {id_column}\n"
            '    delimiter: ";"\n    fields: {full_name: Name, updated_at: Geändert}\n')
    (tmp_path / "sources.yaml").write_text(yaml, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        ingest(load_sources(tmp_path / "sources.yaml").sources)
    assert "source 'crm', key 'encoding'" in str(e.value) and f"column {column!r} reads as" in str(e.value)
    (tmp_path / "sources.yaml").write_text(yaml + f"    encoding: {codec}\n", encoding="utf-8")
    assert len(ingest(load_sources(tmp_path / "sources.yaml").sources).accepted) == 1


@pytest.mark.parametrize(("magic", "said"), [(b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?)"),
                                            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel .xls workbook")])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_spreadsheets_workbook_named_as_the_extract_names_the_path_key(
        tmp_path: Path, magic: bytes, said: str, fmt: str) -> None:
    """A new user names the .xlsx itself: read as CSV its bytes were a header of noise, refused as
    "UTF-16 without a byte order mark: set `encoding: utf-16-le`", which sent them the wrong way."""
    (tmp_path / "crm.xlsx").write_bytes(magic + b"\x14\x00\x00\x00\x08\x00[Content_Types].xml" * 20)
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - name: crm\n    path: crm.xlsx\n    format: {fmt}\n    id_column: id\n"
        "    fields: {full_name: name}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"source 'crm', key 'path': the file is {re.escape(said)}, not"):
        ingest(load_sources(tmp_path / "sources.yaml").sources)


@pytest.mark.parametrize("declared", ["cp1258", "cp1252", "latin-1"])
def test_utf8_text_the_config_calls_a_code_page_is_read_as_utf8(tmp_path: Path, declared: str) -> None:
    """A system whose old exports were cp1258 now writes UTF-8: read in cp1258 every name was
    mangled (Nguyá»…n) and nothing flagged it. Text in a code page still reads in it."""
    (tmp_path / "crm.csv").write_text("id,name,city\n1,Nguyễn Văn An,Hà Nội\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path, f"    encoding: {declared}\n")).sources)
    assert [(a.values["name"], a.values["city"]) for a in ingested.accepted] == [("Nguyễn Văn An", "Hà Nội")]
    assert ingested.counts["crm"].undecodable == 0
    (tmp_path / "crm.csv").write_bytes("id,name,city\n1,Jürgen Müller,Köln\n".encode("cp1252"))
    ingested = ingest(load_sources(_csv_source(tmp_path, "    encoding: cp1252\n")).sources)
    assert [a.values["name"] for a in ingested.accepted] == ["Jürgen Müller"]


def test_a_spreadsheets_unicode_text_export_is_read_as_utf16(tmp_path: Path) -> None:
    """Excel's "Unicode text" is UTF-16 with a byte order mark, tab-separated: the mark names
    the encoding, so a config that leaves the encoding at UTF-8 still reads every name right."""
    text = "id\tname\tcity\r\n1\tNguyễn Văn An\tHà Nội\r\n2\tJürgen Müller\tKöln\r\n"
    (tmp_path / "crm.csv").write_bytes(text.encode("utf-16"))  # little-endian, with its mark
    sources = _csv_source(tmp_path, '    delimiter: "\\t"\n')
    ingested = ingest(load_sources(sources).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.undecodable) == (2, 2, 0)
    assert [a.values["name"] for a in ingested.accepted] == ["Nguyễn Văn An", "Jürgen Müller"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_names_the_encoding_key(tmp_path: Path, codec: str) -> None:
    """Some exporters write UTF-16 with no mark: read as UTF-8, its header is letters between NUL
    bytes, and the error names the encoding to set (it listed the header's columns, NULs and all)."""
    text = "id,name,city\r\n1,Nguyễn Văn An,Hà Nội\r\n"
    (tmp_path / "crm.csv").write_bytes(text.encode(codec))
    with pytest.raises(ConfigError) as e:
        ingest(load_sources(_csv_source(tmp_path)).sources)
    assert "source 'crm', key 'encoding'" in str(e.value) and f"set `encoding: {codec}`" in str(e.value)
    ingested = ingest(load_sources(_csv_source(tmp_path, f"    encoding: {codec}\n")).sources)
    assert [a.values["name"] for a in ingested.accepted] == ["Nguyễn Văn An"]


def test_a_header_split_by_another_delimiter_names_the_delimiter_key(tmp_path: Path) -> None:
    (tmp_path / "crm.csv").write_text("id;name;city\n1;An;Hanoi\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        ingest(load_sources(_csv_source(tmp_path)).sources)
    message = str(e.value)
    assert "source 'crm', key 'delimiter'" in message and 'set `delimiter: ";"`' in message
    (tmp_path / "crm.csv").write_text("ident,name,city\n1,An,Hanoi\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'id_column': column 'id' is not in the header"):
        ingest(load_sources(_csv_source(tmp_path)).sources)


def test_nested_keys_are_mapped_with_dots_in_jsonl_and_parquet(tmp_path: Path) -> None:
    """A marketing tool's export nests its fields; ``contact.email`` names them, in JSONL objects
    and Parquet structs alike, and a dotted key neither holds is a config error naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        {"id": "1", "name": {"first": "An", "last": "Nguyễn"}, "contact": {"email": "an@x.vn", "phone": {"mobile": "0912345678"}}},
        {"id": "2", "name": {"first": "Bình", "last": "Trần"}, "contact": None},
    ]
    (tmp_path / "crm.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "crm.parquet")
    fields = "{first_name: name.first, last_name: name.last, email: contact.email, phone: contact.phone.mobile}"
    for path, fmt in (("crm.jsonl", "jsonl"), ("crm.parquet", "parquet")):
        (tmp_path / "sources.yaml").write_text(
            f"sources:\n  - name: crm\n    path: {path}\n    format: {fmt}\n    id_column: id\n    priority: 1\n"
            f"    phone_region: VN\n    fields: {fields}\n",
            encoding="utf-8",
        )
        ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
        (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
        std = chunk.std.to_pylist()
        assert [(r["full_name"], r["email"], r["phone"]) for r in std] == [
            ("Nguyễn An", "an@x.vn", "+84912345678"), ("Trần Bình", None, None)], fmt
        raw = json.loads(chunk.raw.column("raw")[0].as_py())
        assert raw["contact.phone.mobile"] == "0912345678"
        # Each object's dotted keys follow it, as the raw records of earlier runs hold them.
        assert list(raw) == ["id", "name", "name.first", "name.last", "contact", "contact.email",
                             "contact.phone", "contact.phone.mobile"], fmt

        (tmp_path / "sources.yaml").write_text(
            (tmp_path / "sources.yaml").read_text(encoding="utf-8").replace("contact.email", "contact.mail"),
            encoding="utf-8",
        )
        with pytest.raises(ConfigError, match="key 'fields.email': column 'contact.mail'"):
            ingest(load_sources(tmp_path / "sources.yaml").sources)


def test_a_parquet_date_python_cannot_hold_is_flagged_not_fatal(tmp_path: Path) -> None:
    """Systems write 9999-12-31 (or a date32 of 3000000) for "never": Python's dates end at the
    year 9999, so such a value is read as Arrow's text. Unmapped, it is kept in the raw record;
    mapped, it becomes null with the flag any unreadable date gets. Every row is accepted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    never = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)  # 10000-01-01 06:00 in Ho Chi Minh City
    pq.write_table(pa.table({
        "id": ["1", "2"],
        "name": ["Nguyễn Văn An", "Trần Thị Bình"],
        "seen": pa.array([never, None], pa.timestamp("us", tz="Asia/Ho_Chi_Minh")),
        "dob": pa.array([3_000_000, 7_000], pa.date32()),  # 10183-09-21, 1989-03-02
        "updated": pa.array([never, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)], pa.timestamp("s", tz="+07:00")),
        "meta": pa.array([{"since": 3_000_000}, None], pa.struct([("since", pa.date32())])),
    }), tmp_path / "crm.parquet")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.parquet\n    format: parquet\n    id_column: id\n"
        "    fields: {full_name: name, date_of_birth: dob, updated_at: updated}\n",
        encoding="utf-8",
    )
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (2, 2, 0)
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    assert not chunk.failed
    first, second = chunk.std.to_pylist()
    assert (first["date_of_birth"], first["updated_at"]) == (None, None)
    assert {"date_unparseable", "updated_at_unparseable"} <= set(first["dq_flags"])
    assert second["date_of_birth"] == dt.date(1989, 3, 2) and second["updated_at"] is not None
    raw = json.loads(chunk.raw.column("raw")[0].as_py())
    assert raw["seen"].startswith("10000-01-01 06:00") and raw["meta.since"] == "10183-09-21"


def test_a_mapped_column_named_twice_in_a_csv_header_is_a_config_error(tmp_path: Path) -> None:
    """Which of two ``phone`` columns holds the phone is not known: the file must say."""
    (tmp_path / "crm.csv").write_text("id,name,city,city\n1,An,Hanoi,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        ingest(load_sources(_csv_source(tmp_path)).sources)
    assert str(e.value) == (
        f"{tmp_path / 'crm.csv'}: source 'crm', key 'fields.city': column 'city' is in the header twice"
        " (columns 3 and 4); rename one in the file")


def test_an_unmapped_column_named_twice_keeps_both_values_under_sparks_names(tmp_path: Path) -> None:
    (tmp_path / "crm.csv").write_text(
        "id,note,name,note,city,,\n1,a,An,b,Hanoi,c,d\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    (row,) = ingested.accepted
    assert row.values == {"id": "1", "note1": "a", "name": "An", "note3": "b", "city": "Hanoi",
                          "_c5": "c", "_c6": "d"}


def test_a_quote_left_open_names_the_lines_it_swallowed(tmp_path: Path) -> None:
    """Every line after an unclosed quote reads as one field of one row: the quarantine reason
    says which lines, so the rows inside are not lost from sight."""
    rows = [f"{i},Person {i} Nguyen,Huế" for i in range(1, 7)]
    rows[2] = '3,"Stray Quote Nguyen,Huế'
    (tmp_path / "crm.csv").write_text("id,name,city\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    (row,) = ingested.quarantined
    assert row.reason == ("lines 4 to 7 read as one row of 2 fields (a quote opened and not closed?),"
                          " the header has 3")
    (tmp_path / "crm.csv").write_text("id,name,city\n1,An\n", encoding="utf-8")
    (row,) = ingest(load_sources(_csv_source(tmp_path)).sources).quarantined
    assert row.reason == "line 2 has 2 fields, the header has 3"


def test_a_row_short_of_only_the_headers_unnamed_columns_is_read(tmp_path: Path) -> None:
    """A spreadsheet's empty last columns are blank in its header and left out of some rows: such
    rows were quarantined. A named column left out, or a field past the header, still is."""
    (tmp_path / "crm.csv").write_text(
        "id,name,city,,\n"
        "1,An Nguyen,Hanoi,,\n"
        "2,Binh Tran,Hue\n"  # the two unnamed columns left out
        "3,Cuong Le,Hue,\n"  # one of them
        "4,Dung Pham\n"  # a named column left out
        "5,Em Hoang,Hue,,,\n",  # an empty field past the header (a comma typed in a value?)
        encoding="utf-8",
    )
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [(a.source_id, a.values["city"]) for a in ingested.accepted] == [("1", "Hanoi"), ("2", "Hue"),
                                                                            ("3", "Hue")]
    assert [q.reason for q in ingested.quarantined] == [
        "line 5 has 2 fields, the header has 5", "line 6 has 6 fields, the header has 5"]


def test_an_erp_export_that_ends_every_row_with_the_delimiter_is_read(tmp_path: Path) -> None:
    """SAP exports end each data row with the delimiter, not the header: every row was quarantined
    as one field too wide. Where the file's first row does so, a row whose extra field is empty is
    read; one whose extra field holds a value stays wrong, and every row is counted."""
    (tmp_path / "crm.csv").write_text(
        "id;name;city\n"
        "1;An Nguyen;Hanoi;\n"
        "2;Binh Tran;;\n"  # no city
        "3;Cuong Le;Hue\n"  # one row written without it
        "4;Dung;Pham;Hue;\n"  # a delimiter typed into the name: two fields too many
        "5;Em Hoang;Hue;x\n",  # the extra field holds a value
        encoding="utf-8",
    )
    ingested = ingest(load_sources(_csv_source(tmp_path, "    delimiter: ';'\n")).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (5, 3, 2)
    assert [(a.source_id, a.values["name"], a.values["city"]) for a in ingested.accepted] == [
        ("1", "An Nguyen", "Hanoi"), ("2", "Binh Tran", None), ("3", "Cuong Le", "Hue")]
    assert [q.reason for q in ingested.quarantined] == [
        "line 5 has 5 fields, the header has 3", "line 6 has 4 fields, the header has 3"]
    # A file whose first row is as wide as its header keeps such a row quarantined (a comma typed
    # into a value and its last value left out read so: see the test above).
    (tmp_path / "crm.csv").write_text("id,name,city\n1,An Nguyen,Hanoi\n2,Binh, Tran,\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [q.reason for q in ingested.quarantined] == ["line 3 has 4 fields, the header has 3"]


def test_a_spreadsheet_formulas_text_is_its_value(tmp_path: Path) -> None:
    """Exports meant for Excel write ="00123" so that it keeps leading zeros: the key is 00123 and
    the name An, not ="00123" and ="An"; an empty one is no value, other text starting = is text."""
    (tmp_path / "crm.csv").write_text(
        'id,name,city\n="00123",="Nguyễn An",=""\n"=""00124""",Trần Bình,=Huế\n', encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [(a.source_id, a.values["name"], a.values["city"]) for a in ingested.accepted] == [
        ("00123", "Nguyễn An", None), ("00124", "Trần Bình", "=Huế")]


def test_a_key_that_is_a_marker_for_no_value_is_no_key(tmp_path: Path) -> None:
    """A dump writes a missing key as NULL or \\N: the rows were customers keyed "NULL" (the
    first; the others quarantined as its duplicates). Each is quarantined as a missing id."""
    (tmp_path / "crm.csv").write_text(
        "id,name,city\nNULL,An Nguyen,Hanoi\n\\N,Binh Tran,Hue\n,Cuong Le,Hue\nNULL,Dung Pham,Hue\n"
        "7,Em,Hue\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [a.source_id for a in ingested.accepted] == ["7"]
    assert [q.reason for q in ingested.quarantined] == [
        "missing id (column 'id' holds 'NULL')", "missing id (column 'id' holds '\\\\N')",
        "missing id (column 'id' is blank)", "missing id (column 'id' holds 'NULL')"]


def test_a_key_a_float_column_wrote_is_the_whole_number(tmp_path: Path) -> None:
    """pandas writes an id column with one gap as floats (123.0): the key is 123, as in an extract
    without the gap and as a JSON 123.0 is, not a new key that retires every customer."""
    (tmp_path / "crm.csv").write_text(
        "id,name,city\n123.0,An Nguyen,Hanoi\n124,Binh Tran,Hue\n124.00,Binh Tran,Hue\n12.5,Cuong Le,Hue\n",
        encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [a.source_id for a in ingested.accepted] == ["123", "124", "12.5"]
    assert [q.reason for q in ingested.quarantined] == ["duplicate id '124' (first seen in data row 2)"]


def test_a_list_or_object_where_one_value_belongs_gives_its_first_value_or_none(tmp_path: Path) -> None:
    """A JSONL array or a Parquet list column mapped to a field: its first value is the value (more
    than one is flagged), an empty one is none; an object is none and flagged. The raw record keeps
    them whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = [
        {"id": "1", "name": "Nguyễn Văn An", "emails": [], "phones": [], "city": {}},
        {"id": "2", "name": "Trần Bình", "emails": ["binh@gmail.com", "b.tran@x.vn"],
         "phones": ["0987000111"], "city": "Huế"},
        {"id": "3", "name": {"first": "Lan"}, "emails": ["", "lan@x.vn"], "phones": None, "city": "[Hà Nội]"},
    ]
    (tmp_path / "app.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                                        encoding="utf-8")
    pq.write_table(pa.table({"id": ["4"], "name": ["Lê Chi"], "emails": pa.array([["chi@x.vn"]]),
                             "phones": pa.array([[987000222, 987000333]]), "city": ["Đà Nẵng"]}),
                   tmp_path / "shop.parquet")
    fields = "    fields: {full_name: name, email: emails, phone: phones, city: city}\n"
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: app\n    path: app.jsonl\n    format: jsonl\n    id_column: id\n" + fields
        + "  - name: shop\n    path: shop.parquet\n    format: parquet\n    id_column: id\n" + fields,
        encoding="utf-8",
    )
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    std = {r["source_id"]: r for r in chunk.std.to_pylist()}
    assert {k: (r["full_name"], r["email"], r["phone"], r["city"]) for k, r in std.items()} == {
        "1": ("Nguyễn Văn An", None, None, None),
        "2": ("Trần Bình", "binh@gmail.com", "+84987000111", "Huế"),
        "3": (None, "lan@x.vn", None, "[Hà Nội]"),
        "4": ("Lê Chi", "chi@x.vn", "+84987000222", "Đà Nẵng"),
    }
    flags = {k: [f for f in r["dq_flags"] if f.endswith(("_value", "_values"))] for k, r in std.items()}
    assert flags == {"1": [], "2": ["email_several_values"], "3": ["full_name_not_a_value"],
                     "4": ["phone_several_values"]}
    raw = {r["record_key"]: json.loads(r["raw"]) for r in chunk.raw.to_pylist()}
    assert json.loads(raw["app:2"]["emails"]) == ["binh@gmail.com", "b.tran@x.vn"]


def test_an_id_that_is_a_list_object_or_boolean_is_quarantined_in_jsonl_and_parquet(tmp_path: Path) -> None:
    """A typed id that is not one value would become a key nobody's system holds (its JSON text):
    the row is quarantined with the reason and its values. Text that looks like a list is a key."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = [{"id": ["A9"], "name": "An"}, {"id": {"n": 1}, "name": "Bình"}, {"id": True, "name": "Chi"},
             {"id": "[A9]", "name": "Dũng"}, {"id": 12, "name": "Em"}]
    (tmp_path / "app.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                                        encoding="utf-8")
    pq.write_table(pa.table({"id": pa.array([["S1"], ["S2", "S3"]]), "name": ["Giang", "Hà"]}),
                   tmp_path / "shop.parquet")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: app\n    path: app.jsonl\n    format: jsonl\n    id_column: id\n"
        "    fields: {full_name: name}\n"
        "  - name: shop\n    path: shop.parquet\n    format: parquet\n    id_column: id\n"
        "    fields: {full_name: name}\n",
        encoding="utf-8",
    )
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    assert sorted((a.source.name, a.source_id) for a in ingested.accepted) == [("app", "12"), ("app", "[A9]")]
    assert [(q.source, q.row_number, q.source_id, q.reason) for q in ingested.quarantined] == [
        ("app", 1, None, "line 1: the id column 'id' holds a list, not one id"),
        ("app", 2, None, "line 2: the id column 'id' holds an object, not one id"),
        ("app", 3, None, "line 3: the id column 'id' holds true/false, not one id"),
        ("shop", 1, None, "data row 1: the id column 'id' holds a list, not one id"),
        ("shop", 2, None, "data row 2: the id column 'id' holds a list, not one id"),
    ]
    assert json.loads(ingested.quarantined[0].raw)["name"] == "An"
    assert {name: (c.read, c.accepted, c.quarantined) for name, c in ingested.counts.items()} == {
        "app": (5, 2, 3), "shop": (2, 0, 2)}


def test_a_gzip_compressed_csv_or_jsonl_is_read_and_a_truncated_one_fails_naming_it(tmp_path: Path) -> None:
    """Extracts often arrive gzip-compressed (``crm.csv.gz``): the reader opens them by their
    magic bytes, whatever their name; one cut short fails the run naming the file and source."""
    import gzip

    from mdm.errors import SourceReadError

    csv_text = "\ufeffid,name,city\r\n1,Nguyễn Văn An,Hà Nội\r\n2,Jürgen Müller,Köln\r\n"
    (tmp_path / "crm.csv.gz").write_bytes(gzip.compress(csv_text.encode("utf-8")))
    jsonl = '{"id": "1", "name": "Nguyễn Văn An", "city": "Hà Nội"}\n{"id": "2", "name": "Jürgen Müller"}\n'
    (tmp_path / "crm.jsonl.gz").write_bytes(gzip.compress(jsonl.encode("utf-8")))
    for path, fmt in (("crm.csv.gz", "csv"), ("crm.jsonl.gz", "jsonl")):
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"sources:\n  - name: crm\n    path: {path}\n    format: {fmt}\n"
                           "    id_column: id\n"
                           "    fields: {full_name: name, city: city}\n", encoding="utf-8")
        ingested = ingest(load_sources(sources).sources)
        assert (ingested.counts["crm"].read, ingested.counts["crm"].accepted) == (2, 2), fmt
        assert [a.values["name"] for a in ingested.accepted] == ["Nguyễn Văn An", "Jürgen Müller"], fmt

        whole = (tmp_path / path).read_bytes()
        (tmp_path / path).write_bytes(whole[: len(whole) - 12])  # the stream's end and checksum cut off
        with pytest.raises(SourceReadError, match=f"crm.{fmt}.gz: source 'crm': cannot read"):
            ingest(load_sources(sources).sources)


def test_a_jsonl_source_whose_lines_hold_no_object_names_the_format_key(tmp_path: Path) -> None:
    """A JSON array written on one line, or a CSV, given as JSONL has no line that is an
    object: the error says so, naming the ``format`` key (``json`` for the array) and the first
    line, not a missing id."""
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: crm\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n"
                       "    fields: {full_name: name}\n", encoding="utf-8")
    one_line_array = '[{"id": "1", "name": "An"}, {"id": "2", "name": "Binh"}]\n'
    for text, said in ((one_line_array, "the file is a JSON array (its first line opens one), not JSON lines:"
                                        " set `format: json`"),
                       ("id,name\n1,An\n", "no line is a JSON object (line 1 is not valid JSON")):
        (tmp_path / "crm.jsonl").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as e:
            ingest(load_sources(sources).sources)
        assert f"crm.jsonl: source 'crm', key 'format': {said}" in str(e.value)


def test_a_header_repeated_inside_a_csv_is_quarantined_not_made_a_customer(tmp_path: Path) -> None:
    """Extracts exported in parts and joined (``cat part-*.csv``) repeat the header, each after its
    own byte order mark: such a line is no customer called "name", it is quarantined naming it."""
    part = "\ufeffid,name,city\r\n{}\r\n"
    joined = part.format("1,An,Hanoi") + part.format("2,Binh,Hue")
    (tmp_path / "crm.csv").write_bytes(joined.encode("utf-8"))
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    assert [a.source_id for a in ingested.accepted] == ["1", "2"]
    (q,) = ingested.quarantined
    assert (q.row_number, q.reason) == (2, "line 3 repeats the header (extracts joined together?)")


def test_a_parquet_or_jsonl_file_given_as_csv_names_the_format_key(tmp_path: Path) -> None:
    """A Parquet or JSONL extract whose source says ``format: csv`` (copied from another source)
    fails naming the ``format`` key and the one that reads it, not listing its bytes as columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": "1", "name": "Jürgen Müller", "city": "Köln"}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "crm.csv")
    with pytest.raises(ConfigError) as e:
        ingest(load_sources(_csv_source(tmp_path)).sources)
    assert "crm.csv: source 'crm', key 'format': the file looks like Parquet" in str(e.value)
    assert "set `format: parquet`" in str(e.value)
    # An integer column puts NUL bytes in its first line: Parquet still, not UTF-16 without its mark.
    pq.write_table(pa.Table.from_pylist([{**rows[0], "id": 1}]), tmp_path / "crm.csv")
    with pytest.raises(ConfigError, match="key 'format': the file looks like Parquet"):
        ingest(load_sources(_csv_source(tmp_path)).sources)
    (tmp_path / "crm.csv").write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'format': the file looks like JSONL .*set `format: jsonl`"):
        ingest(load_sources(_csv_source(tmp_path)).sources)


def test_a_csv_total_line_holding_only_an_id_is_quarantined_not_made_a_customer(tmp_path: Path) -> None:
    """A POS export that ends with "Total: 2 rows;;" puts the total in the id column: a row with a
    value there and in no other column is no customer, it is quarantined naming its row."""
    (tmp_path / "crm.csv").write_text("id,name,city\n1,An,Hanoi\n\n2,Binh,\nTotal: 2 rows,, \n",
                                      encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    assert [a.source_id for a in ingested.accepted] == ["1", "2"]
    (q,) = ingested.quarantined
    assert (q.row_number, q.reason) == (3, "data row 3 holds nothing but its id (a total or summary line?)")
    assert q.raw == "Total: 2 rows,, "


def _standardised_as_jsonl_and_parquet(tmp_path: Path, rows: list[dict[str, Any]],
                                      config: str) -> Iterator[tuple[str, dict[str, list[Any]]]]:
    """(format, standardised columns) of ``rows`` written as JSONL, then as Parquet, each read by a
    source ``crm`` keyed by ``id`` with the rest of its config ``config``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "crm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "crm.parquet")
    for file, kind in (("crm.jsonl", "jsonl"), ("crm.parquet", "parquet")):
        (tmp_path / "sources.yaml").write_text(
            f"sources:\n  - name: crm\n    path: {file}\n    format: {kind}\n    id_column: id\n" + config,
            encoding="utf-8")
        ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
        (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
        yield kind, chunk.std.to_pydict()


def test_a_field_in_a_list_of_objects_is_mapped_with_a_dot(tmp_path: Path) -> None:
    """``{"phones": [{"type": "mobile", "number": ...}, ...]}``: ``phones.number`` names every
    element's number, read as any list where one value belongs: its first, flagged when it holds
    more. No key could name it before (``phones.0.number`` neither), and the phones were lost."""
    phones = [{"type": "mobile", "number": "+49 151 12345678"}, {"type": "home", "number": "+49 30 1234567"}]
    rows = [{"id": "1", "name": "Jürgen Weiß", "contact": {"phones": phones}},
            {"id": "2", "name": "Anna Schmidt", "contact": {"phones": phones[1:]}}]
    config = "    phone_region: DE\n    fields: {full_name: name, phone: contact.phones.number}\n"
    for kind, std in _standardised_as_jsonl_and_parquet(tmp_path, rows, config):
        assert std["phone"] == ["+4915112345678", "+49301234567"], kind
        assert ["phone_several_values" in (f or []) for f in std["dq_flags"]] == [True, False], kind


def test_a_list_in_a_list_of_objects_is_read_as_a_list(tmp_path: Path) -> None:
    """``addresses.lines`` of ``{"addresses": [{"lines": ["Baker Street 2", "2. OG"], ...}]}``: the first
    address's list of lines, read as any list where one value belongs. Before, a list inside the list
    was read as an object is: no value, flagged ``address_not_a_value``, and every address lost."""
    london = {"lines": ["Baker Street 2", "2. OG"], "city": "London"}
    berlin = {"lines": ["Hauptstraße 5"], "city": "Berlin"}
    dusseldorf = {"lines": ["Königsallee 1"], "city": "Düsseldorf"}
    rows = [{"id": "1", "name": "Jürgen Weiß", "addresses": [london]},
            {"id": "2", "name": "Anna Schmidt", "addresses": [berlin, dusseldorf]}]
    config = "    fields: {full_name: name, address: addresses.lines, city: addresses.city}\n"
    for kind, std in _standardised_as_jsonl_and_parquet(tmp_path, rows, config):
        assert std["address"] == ["Baker Street 2", "Hauptstraße 5"], kind
        assert [sorted(f for f in flags if f.startswith("address_")) for flags in std["dq_flags"]] == [
            ["address_several_values"], ["address_several_values"]], kind


def _json_source(tmp_path: Path, fmt: str = "json") -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - name: crm\n    path: crm.json\n    format: {fmt}\n    id_column: id\n"
                    "    fields: {full_name: name, email: contact.email}\n", encoding="utf-8")
    return path


def test_a_json_array_of_records_is_read_every_element_accounted_for(tmp_path: Path) -> None:
    """``[{...}, {...}]``, as APIs and export tools write records, is ``format: json``: each object
    is a row, as a JSONL line's; an element that is no object is quarantined naming it, not lost."""
    (tmp_path / "crm.json").write_text(
        '[\n  {"id": 1, "name": "An Nguyen", "contact": {"email": "an@example.com"}},\n'
        '  {"id": 2, "name": "Binh Tran"},\n'
        '  "3;Cuong Le",\n'
        '  null,\n'
        '  {"id": [4], "name": "Dung Pham"},\n'
        '  {"id": 5, "name": "Em Hoang"}\n]\n', encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path)).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (6, 3, 3)
    assert [(a.row_number, a.source_id, a.values.get("contact.email")) for a in ingested.accepted] == [
        (1, "1", "an@example.com"), (2, "2", None), (6, "5", None)]
    assert [(q.row_number, q.reason, q.raw) for q in ingested.quarantined][:2] == [
        (3, "element 3 is a JSON string, not an object", '"3;Cuong Le"'),
        (4, "element 4 is a JSON null, not an object", "null")]
    assert ingested.quarantined[2].reason == "element 5: the id column 'id' holds a list, not one id"


@pytest.mark.parametrize(("text", "refused"), [
    ('{"data": [{"id": 1, "name": "An"}]}', "holds a JSON object, not an array of records \\(an API's"),
    ("42", "holds a JSON number, not an array of records"),
    ('{"id": 1, "name": "An"}\n{"id": 2, "name": "Binh"}\n', "more than one JSON value .*`format: jsonl`"),
    ("[1, [2]]", "no element of the array is a JSON object \\(element 1 is a JSON number"),
    ("id,name\n1,An\n", "the file is not JSON \\(it begins 'id,name'\\)"),  # a CSV
    ("PAR1\x15\x04", "the file is not JSON .*looks like Parquet: set `format: parquet`"),
])
def test_a_json_source_that_is_no_array_of_records_names_the_format_key(
    tmp_path: Path, text: str, refused: str
) -> None:
    (tmp_path / "crm.json").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"crm.json: source 'crm', key 'format': .*{refused}"):
        ingest(load_sources(_json_source(tmp_path)).sources)


def test_a_json_array_cut_short_fails_naming_the_file_and_where(tmp_path: Path) -> None:
    from mdm.errors import SourceReadError

    (tmp_path / "crm.json").write_text('[{"id": 1, "name": "An"},\n {"id": 2, "na', encoding="utf-8")
    with pytest.raises(SourceReadError, match="crm.json: source 'crm': not valid JSON at line 2 column"):
        ingest(load_sources(_json_source(tmp_path)).sources)


def test_a_json_array_given_as_jsonl_or_csv_names_the_format_to_set(tmp_path: Path) -> None:
    """A JSON array with an object a line, each but the last followed by a comma, was read as
    JSONL with only its last object accepted: it names ``format: json`` now, as a CSV source does."""
    (tmp_path / "crm.json").write_text('[\n{"id": 1, "name": "An"},\n{"id": 2, "name": "Binh"}\n]\n',
                                       encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'format': .*JSON array.*set `format: json`"):
        ingest(load_sources(_json_source(tmp_path, "jsonl")).sources)
    (tmp_path / "crm.csv").write_text('[{"id": 1, "name": "An"}]', encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'format': the file looks like JSON .*set `format: json`"):
        ingest(load_sources(_csv_source(tmp_path)).sources)


def test_a_cp1258_header_with_combining_marks_names_the_columns_its_config_names(tmp_path: Path) -> None:
    """Excel's plain "CSV" on a Vietnamese Windows writes cp1258, which spells "Mã KH" as "Ma", a
    combining tilde (0xDE) and " KH": the header was refused as lacking the column 'Mã KH' that it
    listed, as the YAML spells it with one character. It is read as its config names it now."""
    # cp1258's letters with a tone mark: the letter (\u00ea: ê), then the tone's combining mark.
    header = "Ma\u0303 KH,Ho\u0323 va\u0300 t\u00ean,\u0110i\u00ea\u0323n thoa\u0323i"
    row = "KH001,Tr\u00e2\u0300n Thi\u0323 Bi\u0300nh,0912345678"
    (tmp_path / "crm.csv").write_bytes(f"{header}\r\n{row}\r\n".encode("cp1258"))
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    encoding: cp1258\n"
        "    id_column: Mã KH\n    phone_region: VN\n    fields: {full_name: Họ và tên, phone: Điện thoại}\n",
        encoding="utf-8")
    read = ingest(load_sources(tmp_path / "sources.yaml").sources)
    assert [(a.source_id, a.values["Họ và tên"], a.values["Điện thoại"]) for a in read.accepted] == [
        ("KH001", "Tr\u00e2\u0300n Thi\u0323 Bi\u0300nh", "0912345678")]
    assert read.quarantined == []


def test_a_json_source_pandas_wrote_by_default_says_how_to_write_records(tmp_path: Path) -> None:
    """pandas' DataFrame.to_json writes an object of columns by default (or of rows, or split, or a
    table): the error said to look for an API response's array under a key, which none of them is.
    It names to_json(orient='records') now; an API's response keeps its own hint."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.json\n    format: json\n    id_column: id\n"
        "    fields: {full_name: name}\n", encoding="utf-8")
    pandas = [{"id": {"0": 1, "1": 2}, "name": {"0": "An", "1": "Binh"}},  # orient='columns', the default
              {"0": {"id": 1, "name": "An"}},  # orient='index'
              {"columns": ["id", "name"], "index": [0], "data": [[1, "An"]]},  # orient='split'
              {"schema": {"fields": []}, "data": [{"index": 0, "id": 1, "name": "An"}]}]  # orient='table'
    told = "pandas' DataFrame.to_json writes one unless told to: write to_json(orient='records')"
    api = ({"results": [{"id": 1, "name": "An"}]}, "an API's response holding them under a key?")
    for value, said in [*((v, told) for v in pandas), api]:
        (tmp_path / "crm.json").write_text(json.dumps(value), encoding="utf-8")
        with pytest.raises(ConfigError) as e:
            ingest(load_sources(tmp_path / "sources.yaml").sources)
        assert "crm.json: source 'crm', key 'format': the file holds a JSON object, not an array" in str(
            e.value)
        assert said in str(e.value), (value, str(e.value))


def test_a_number_python_will_not_convert_or_nesting_too_deep_is_no_failed_run(tmp_path: Path) -> None:
    """A JSON number longer than Python converts to an int (4300 digits) is kept as its digits,
    in JSONL and a JSON array; a line nested deeper than Python's parser goes is quarantined (a
    JSON array so nested fails naming its file), as is a CSV cell so nested read as text. Each
    crashed the run with Python's own ValueError or RecursionError."""
    from mdm.errors import SourceReadError

    digits, deep = "9" * 5000, "[" * 100_000 + "]" * 100_000
    lines = [f'{{"id": 1, "name": "An Nguyen", "contact": {{"email": {digits}}}}}',
             f'{{"id": {digits}, "name": "Binh Tran"}}', f'{{"id": 3, "name": {deep}}}']
    (tmp_path / "crm.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path, "jsonl")).sources)
    accepted = [(a.source_id, a.values.get("contact.email")) for a in ingested.accepted]
    assert accepted == [("1", digits), (digits, None)]
    ((number, reason),) = [(q.row_number, q.reason) for q in ingested.quarantined]
    assert (number, reason) == (3, "line 3 is not valid JSON: arrays or objects nested too deep")

    (tmp_path / "crm.json").write_text(f"[{lines[0]}, {lines[1]}]", encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path)).sources)
    accepted = [(a.source_id, a.values.get("contact.email")) for a in ingested.accepted]
    assert accepted == [("1", digits), (digits, None)]
    (tmp_path / "crm.json").write_text(f"[{lines[0]}, {lines[2]}]", encoding="utf-8")
    with pytest.raises(SourceReadError, match="crm.json: source 'crm': not valid JSON .*nested too deep"):
        ingest(load_sources(_json_source(tmp_path)).sources)

    (tmp_path / "crm.csv").write_text(f"id,name,city\n1,{deep},Hanoi\n", encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path)).sources)
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    assert not chunk.failed and chunk.std.column("city").to_pylist() == ["Hanoi"]


def test_a_dotted_key_written_out_wins_over_the_same_name_in_a_nested_object(tmp_path: Path) -> None:
    """``"contact.email"`` and ``"contact": {"email": ...}`` in one object: the key written out is
    read, whichever comes first, for the id (its check and its value) as for any field."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"meta.id": 1, "meta": {"id": 9}, "contact.email": "an@x.vn", "contact": {"email": "no@x.vn"},
             "name": "An"},
            {"contact": {"email": "no@x.vn"}, "contact.email": "binh@x.vn", "meta": {"id": 2},
             "meta.id": None, "name": "Binh"},
            {"meta": {"id": 3}, "meta.id": 4, "contact": {"email": "chi@x.vn"}, "contact.email": None,
             "name": "Chi"}]
    (tmp_path / "crm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "crm.parquet")
    for file, kind in (("crm.jsonl", "jsonl"), ("crm.parquet", "parquet")):
        (tmp_path / "sources.yaml").write_text(
            f"sources:\n  - name: crm\n    path: {file}\n    format: {kind}\n    id_column: meta.id\n"
            "    fields: {full_name: name, email: contact.email}\n", encoding="utf-8")
        ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
        assert [(a.source_id, a.values["contact.email"]) for a in ingested.accepted] == [
            ("1", "an@x.vn"), ("4", None)], kind
        assert [(q.row_number, q.reason) for q in ingested.quarantined] == [
            (2, "missing id (column 'meta.id' is blank)")], kind


def test_a_csv_column_the_config_writes_with_spaces_around_it_says_why(tmp_path: Path) -> None:
    """A CSV header's names are read trimmed (``id, Name `` is ``id`` and ``Name``): a config that
    copies the spaces (``full_name: ' Name '``) would be told the header lacks the column it shows."""
    (tmp_path / "crm.csv").write_text("id, Name \n1,An\n", encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n"
        "    fields: {full_name: ' Name '}\n", encoding="utf-8")
    refused = (r"crm.csv: source 'crm', key 'fields.full_name': column ' Name ' has spaces around it;"
               r" a CSV header's names are read trimmed: write 'Name'")
    with pytest.raises(ConfigError, match=refused):
        ingest(load_sources(tmp_path / "sources.yaml").sources)


def test_a_parquet_map_columns_keys_are_mapped_with_a_dot_as_a_structs_fields(tmp_path: Path) -> None:
    """A map<string, string> column (``attrs``, a system's custom attributes) holds its keys row by
    row: ``email: attrs.email`` reads each row's, as a struct's field is read; a key no row's map
    holds is a config error naming it, as a JSON key no line holds is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    attrs = pa.array([[("email", "an@x.vn"), ("tier", "gold")], None, [], [("tier", "silver")]],
                     pa.map_(pa.string(), pa.string()))
    table = pa.table({"id": ["1", "2", "3", "4"], "name": ["An", "Binh", "Chi", "Dung"], "attrs": attrs})
    pq.write_table(table, tmp_path / "crm.parquet")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.parquet\n    format: parquet\n    id_column: id\n"
        "    fields: {full_name: name, email: attrs.email}\n", encoding="utf-8")
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    assert chunk.std.column("email").to_pylist() == ["an@x.vn", None, None, None]
    assert json.loads(ingested.accepted[0].values["attrs"]) == {"email": "an@x.vn", "tier": "gold"}
    assert ingested.accepted[3].values["attrs.tier"] == "silver"

    (tmp_path / "sources.yaml").write_text(
        (tmp_path / "sources.yaml").read_text(encoding="utf-8").replace("attrs.email", "attrs.mail"),
        encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'fields.email': column 'attrs.mail' is not in the Parquet file"
                                          r" \(no row's map has it\)"):
        ingest(load_sources(tmp_path / "sources.yaml").sources)


REPEATING = ['{"id": 1, "name": "An", "contact": {"email": "an@x.vn"}, "note": "a", "note": "b"}',
             '{"id": 2, "name": "Binh", "contact": {"email": "b@x.vn", "email": "binh@y.vn"}}',
             '{"id": 3, "name": "Chi", "name": "Chi", "contact": {"email": "chi@x.vn"}}',
             '{"id": 4, "name" : "Dung", "phones": [{"n": 1, "n": 2}], "name" : "Dung Le"}',
             '{"id": 5, "name": "Em", "note": "say \\":\\" twice"}',
             '{"id": 6, "name"\t: "Giang", "name"\t: "Giang Ho"}']
REPEATING_REASONS = [
    (1, "{} 1: the key 'note' is written twice with different values (which one is meant is unknown)"),
    (2, "{} 2: the key 'contact.email' is written twice with different values (which one is meant is"
        " unknown)"),
    (4, "{} 4: the keys 'name', 'phones.n' are each written twice with different values (which one is meant"
        " is unknown)"),
    (6, "{} 6: the key 'name' is written twice with different values (which one is meant is unknown)")]


def test_a_key_an_object_writes_twice_with_different_values_quarantines_its_row(tmp_path: Path) -> None:
    """Python's json keeps a repeated key's last value, so ``"email": "a@x.vn", "email": "b@y.vn"``
    was read as b@y.vn, a@x.vn lost unseen. Now the row is quarantined naming the key (dotted as it
    is mapped; a JSONL row with its line, both values shown), in JSONL and a JSON array; the same
    value twice is read, and a string holding \\": (counted as a key's end) is no repeat. A tab before
    the colon (line 6) was not counted as a key's end, so the line was read as Giang Ho."""
    (tmp_path / "crm.json").write_text("\n".join(REPEATING) + "\n", encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path, "jsonl")).sources)
    assert [(a.source_id, a.values["name"]) for a in ingested.accepted] == [("3", "Chi"), ("5", "Em")]
    assert [(q.row_number, q.reason) for q in ingested.quarantined] == [
        (n, reason.format("line")) for n, reason in REPEATING_REASONS]
    assert [q.raw for q in ingested.quarantined] == [REPEATING[n - 1] for n, _ in REPEATING_REASONS]

    (tmp_path / "crm.json").write_text(f"[{', '.join(REPEATING)}]", encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path)).sources)
    assert [a.source_id for a in ingested.accepted] == ["3", "5"]
    assert [(q.row_number, q.reason) for q in ingested.quarantined] == [
        (n, reason.format("element")) for n, reason in REPEATING_REASONS]


@pytest.mark.parametrize("gap", ["\t", "\n", "\r\n", " \t ", "  "])
def test_a_key_written_twice_with_any_whitespace_before_its_colon_is_found(gap: str) -> None:
    """JSON allows any whitespace between a key and its colon: a key ended by other than one space
    was not counted, so its second value alone was read (a JSON array's elements as a JSONL line)."""
    text = f'[{{"id": 1, "name"{gap}: "An", "name"{gap}: "Anh"}}, {{"id": 2, "name"{gap}: "Binh"}}]'
    read = load_json(text)
    assert [getattr(e, "repeated", ()) for e in read] == [("name",), ()]
    assert read == json.loads(text)


FLOAT_IDS = ["12.0", "12.5", "1.5e3", "9007199254740993", "1e20", "12345678901234567.0",
             "-9.007199254740992e15"]


def test_an_id_a_float_wrote_is_its_whole_number_unless_too_large_for_every_digit(tmp_path: Path) -> None:
    """README: a key a float wrote is the whole number (``12.0`` and ``1.5e3`` are the keys ``12``
    and ``1500``, as a CSV's ``12.0`` and ``1500`` are). A float holds every whole number only up
    to 2**53: ``12345678901234567.0`` was read as the key ``12345678901234568``, another customer's,
    and ``1e20`` as ``1e+20``. Such an id is quarantined naming it; an integer that large is exact."""
    lines = [f'{{"id": {i}, "name": "N{n}", "contact": {{"email": null}}}}' for n, i in enumerate(FLOAT_IDS)]
    (tmp_path / "crm.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingested = ingest(load_sources(_json_source(tmp_path, "jsonl")).sources)
    assert [a.source_id for a in ingested.accepted] == ["12", "12.5", "1500", "9007199254740993"]
    too_large = ("line {}: the id column 'id' holds {}, a number written as a float too large for it to"
                 " keep every digit (write ids as integers or as text)")
    assert [(q.row_number, q.reason) for q in ingested.quarantined] == [
        (5, too_large.format(5, "1e+20")), (6, too_large.format(6, "1.2345678901234568e+16")),
        (7, too_large.format(7, "-9007199254740992.0"))]

    (tmp_path / "crm.csv").write_text("id,name,city\n12.0,An,Hanoi\n1500,Binh,Hue\n", encoding="utf-8")
    from_csv = ingest(load_sources(_csv_source(tmp_path)).sources)
    assert [a.source_id for a in from_csv.accepted] == [ingested.accepted[i].source_id for i in (0, 2)]


_REPORT = ("Customer Report - Q3 2026 (generated 2026-10-01 08:00)\n\n"
           "id,name,city\n1,An Nguyen,Hanoi\n2,Binh Tran\n3,Cuong Le,Hue\n")


def test_a_report_title_above_the_header_is_named_with_the_key_that_skips_it(tmp_path: Path) -> None:
    """A BI tool's report writes a title and a blank line above its header: the config error named
    the id column missing from a header that was the title, with nothing to do about it."""
    (tmp_path / "crm.csv").write_text(_REPORT, encoding="utf-8")
    said = r"'crm', key 'skip_lines': the columns it maps are in line 3, not in line 1.*`skip_lines: 2`"
    with pytest.raises(ConfigError, match=said):
        ingest(load_sources(_csv_source(tmp_path)).sources)
    # One line skipped, the blank one left: the header is still one line further down.
    with pytest.raises(ConfigError, match=r"in line 3, not in line 2.*set `skip_lines: 2`"):
        ingest(load_sources(_csv_source(tmp_path, "    skip_lines: 1\n")).sources)


def test_skip_lines_reads_the_header_below_a_report_title(tmp_path: Path) -> None:
    """The rows are read, and a quarantined one is named by its line in the file."""
    (tmp_path / "crm.csv").write_text(_REPORT, encoding="utf-8")
    ingested = ingest(load_sources(_csv_source(tmp_path, "    skip_lines: 2\n")).sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    assert [a.source_id for a in ingested.accepted] == ["1", "3"]
    assert [q.reason for q in ingested.quarantined] == ["line 5 has 2 fields, the header has 3"]


def test_skip_lines_is_a_csv_sources_key(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n"
        "    skip_lines: 2\n    fields: {full_name: name}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="source 'crm', key 'skip_lines': .*only a CSV source"):
        load_sources(tmp_path / "sources.yaml")


def _ingest_csv_and_jsonl(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Sources crm (crm.csv) and app (crm.jsonl) of ``tmp_path``, keyed by ``id``, ingested."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n"
        "    fields: {full_name: name}\n"
        "  - name: app\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n"
        "    fields: {full_name: name}\n",
        encoding="utf-8")
    return ingest(load_sources(tmp_path / "sources.yaml").sources)


def test_a_row_whose_id_holds_an_invisible_character_is_quarantined_naming_it(tmp_path: Path) -> None:
    """A zero-width space, a byte order mark or a bidi override inside a key (pasted from a web page
    or a chat) made a key of its own that looks like another ("CRM1\u200b" beside "CRM1"); it is
    quarantined naming it, as a control character is, in a CSV and in JSONL alike."""
    (tmp_path / "crm.csv").write_text("id,name\nCRM1,An\nCRM1\u200b,An\n\ufeffCRM2,Binh\n", encoding="utf-8")
    (tmp_path / "crm.jsonl").write_text(
        '{"id": "A1\\u202e23", "name": "An"}\n{"id": "A2", "name": "Bi\\u200bnh"}\n', encoding="utf-8")
    ingested = _ingest_csv_and_jsonl(tmp_path)
    assert [(a.source.name, a.source_id) for a in ingested.accepted] == [("crm", "CRM1"), ("app", "A2")]
    said = "the id column 'id' holds an invisible character ({}), which no key holds"
    assert [(q.source, q.row_number, q.reason) for q in ingested.quarantined] == [
        ("crm", 2, said.format("U+200B")), ("crm", 3, said.format("U+FEFF")),
        ("app", 1, said.format("U+202E"))]
    assert [(c.read, c.accepted, c.quarantined) for c in ingested.counts.values()] == [(3, 1, 2), (2, 1, 1)]


def test_a_row_whose_id_holds_a_non_ascii_space_inside_is_quarantined_naming_it(tmp_path: Path) -> None:
    """A no-break space inside a key (pasted from a spreadsheet or a web page) made a key of its own
    that looks like another ("CRM\u00a01" beside "CRM 1"); it is quarantined as an invisible
    character is. At either end it is trimmed, as a plain space is: "CRM2\u00a0" is "CRM2"."""
    (tmp_path / "crm.csv").write_text(
        "id,name\nCRM 1,An\nCRM\u00a01,An\nCRM2\u00a0,Binh\nCRM\u202f3,Chi\n", encoding="utf-8")
    (tmp_path / "crm.jsonl").write_text('{"id": "A\\u30001", "name": "An"}\n', encoding="utf-8")
    ingested = _ingest_csv_and_jsonl(tmp_path)
    assert [(a.source.name, a.source_id) for a in ingested.accepted] == [("crm", "CRM 1"), ("crm", "CRM2")]
    said = "the id column 'id' holds a non-ASCII space character ({}), which no key holds"
    assert [(q.source, q.row_number, q.reason) for q in ingested.quarantined] == [
        ("crm", 2, said.format("U+00A0")), ("crm", 4, said.format("U+202F")),
        ("app", 1, said.format("U+3000"))]


def test_a_row_whose_id_holds_a_control_character_is_quarantined_naming_it(tmp_path: Path) -> None:
    """A NUL in a key (a corrupt export) was a key of its own; a trailing unit separator was
    stripped as whitespace, making "CRM\x1f" the key "CRM", another row's duplicate."""
    (tmp_path / "crm.csv").write_text("id,name,city\nCRM\x001,An,Hanoi\nCRM\x1f,Binh,Hue\nCRM,Cuong,Hue\n"
                                      '"CRM\n2",Dung,Hue\n', encoding="utf-8")
    (tmp_path / "crm.jsonl").write_text('{"id": "A\\u001b1", "name": "An"}\n{"id": "A2", "name": "Binh"}\n',
                                        encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n"
        "    fields: {full_name: name, city: city}\n"
        "  - name: app\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n"
        "    fields: {full_name: name}\n",
        encoding="utf-8")
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    accepted = [(a.source.name, a.source_id) for a in ingested.accepted]
    assert accepted == [("crm", "CRM"), ("crm", "CRM\n2"), ("app", "A2")]
    said = "the id column 'id' holds a control character ({}), which no key holds"
    assert [(q.source, q.row_number, q.source_id, q.reason) for q in ingested.quarantined] == [
        ("crm", 1, None, said.format("U+0000")), ("crm", 2, None, said.format("U+001F")),
        ("app", 1, None, said.format("U+001B"))]
    assert [(c.read, c.accepted, c.quarantined) for c in ingested.counts.values()] == [(4, 2, 2), (2, 1, 1)]
