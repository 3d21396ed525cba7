"""The ``mdm`` command line: thin wrappers that turn domain errors into clean exits."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from mdm import api_keys, lapsed_decisions
from mdm.cancel import Cancellation
from mdm.errors import (
    ConfigError,
    InvalidInputError,
    MDMError,
    RemovalsRefusedError,
    RunCancelledError,
    RunInterruptedError,
)
from mdm.ingest import source_warnings
from mdm.pipeline import RunReport, load_rules_checked, reconcile, rules_for_sources
from mdm.sources import load_sources, sources_from_json
from mdm.sources.config import known_region
from mdm.store import audit, backups, compaction, database, exports, integrity, keys, records, runs
from mdm.store.documents import timestamp_text

if TYPE_CHECKING:
    from mdm.service import Service

app = typer.Typer(help="Customer master data: reconcile sources into golden records, and serve them.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode="markdown")
export_app = typer.Typer(help="Export results from a database.", no_args_is_help=True)
app.add_typer(export_app, name="export")
keys_app = typer.Typer(help="API keys for the service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

# Long lines are left to the terminal to wrap, not cut at rich's 80 columns where the output is
# not a terminal: a log keeps each message (and a path in it) on one line, for grep.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB database file.", dir_okay=False)]

T = TypeVar("T")


def _fail(e: MDMError) -> typer.Exit:
    """Exit 2 for a config error, 3 for a run stopped on its removals (a nightly job's script
    tells a wrong extract from a failure), 130 for a run stopped by Ctrl-C and 143 by SIGTERM (as
    shells report SIGINT and SIGTERM), 1 for any other."""
    err_console.print(f"[bold red]error:[/] {e}", highlight=False, markup=True)
    if isinstance(e, ConfigError):
        return typer.Exit(code=2)
    if isinstance(e, RunInterruptedError):
        return typer.Exit(code=130)
    if isinstance(e, RunCancelledError):
        return typer.Exit(code=143)
    return typer.Exit(code=3 if isinstance(e, RemovalsRefusedError) else 1)


@contextmanager
def _cancelled_on_signals(cancellation: Cancellation) -> Iterator[None]:
    """SIGTERM (a job scheduler or Kubernetes stopping the job) cancels the run, as stopping the
    service cancels its run: it is recorded cancelled and the previous results stay. By default
    the signal ended the process at once, and the run stayed `running` until the next process
    recorded it failed. Ctrl-C (SIGINT) cancels it the same way, said as interrupted: Python's
    KeyboardInterrupt sent as training began was lost on a busy machine (the run trained on for
    13 s and published; what took it was not found), where a cancel is checked between stages
    and before the publish. A second Ctrl-C stops at once."""
    stop = "cancelled: the process was sent SIGTERM"

    def interrupt(*_: object) -> None:
        if cancellation.error() is not None:
            raise KeyboardInterrupt
        cancellation.cancel("interrupted (Ctrl-C or SIGINT)", interrupted=True)

    before = signal.signal(signal.SIGTERM, lambda *_: cancellation.cancel(stop))
    before_int = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
        signal.signal(signal.SIGINT, before_int)


def _existing_db(path: Path) -> Path:
    if not path.exists():
        err_console.print(f"[bold red]error:[/] {path}: no such database (run `mdm reconcile` first)")
        raise typer.Exit(code=2)
    return path


def _open(db: Path) -> duckdb.DuckDBPyConnection:
    """The database for one command. DuckDB lets no other process hold it meanwhile, so a run
    still marked running was killed: it is recorded as failed now, or `mdm runs` showed it
    running until the next reconcile. On a full disk that cannot be written, and the command
    (a listing, an export) goes on without it."""
    con = database.connect(db)
    with suppress(duckdb.Error):
        runs.fail_interrupted_runs(con)
    return con


@contextmanager
def _writing(out: Path) -> Iterator[Path]:
    """Around a command's write of ``out``: the file to write, put in ``out``'s place only once
    whole (a full disk left a partial file where the previous export had been); a folder that is
    missing or not writable is the user's to fix, named plainly (not a traceback from the writer).
    A pipe or a device (``/dev/stdout``) is written as it is."""
    whole = not out.exists() or out.is_file()
    target = out.resolve() if out.is_symlink() else out  # a link's file is replaced, not the link
    part = target.with_name(f".{target.stem}.{os.getpid()}.partial{target.suffix}") if whole else out
    try:
        yield part
        if part != out:
            os.replace(part, target)
    except BaseException as e:
        if part != out:
            with suppress(OSError):
                part.unlink(missing_ok=True)
        if not isinstance(e, OSError | duckdb.IOException):
            raise
        if out.is_dir():
            problem = "is a directory; name a file"
        elif not out.parent.is_dir():
            problem = f"no such directory {out.parent}"
        else:
            problem = f"cannot write it ({e})"
        err_console.print(f"[bold red]error:[/] {out}: {problem}")
        raise typer.Exit(code=2) from None


def _print_report(report: RunReport) -> None:
    table = Table(title=f"Run {report.run_id}: {report.status}", title_justify="left")
    # Records posted through the API join the run's input (a newer version replaces a file row);
    # a key deleted through it leaves its file row out.
    columns = {
        "read": "rows read", "accepted": "accepted", "quarantined": "quarantined",
        "flagged": "flagged",  # the run's records carrying a data-quality flag
    }
    if any(c.posted for c in report.sources.values()):
        columns |= {"posted": "posted (API)", "superseded": "file rows replaced"}
    if any(c.outdated for c in report.sources.values()):
        columns |= {"outdated": "posts older than file"}  # its file row has a later updated_at
    if any(c.deleted for c in report.sources.values()):
        columns |= {"deleted": "deleted (API)"}
    if any(c.deletions for c in report.sources.values()):
        columns |= {"deletions": "flagged deleted"}  # file rows saying so (`deleted:`), keys left out
    if any(c.carried for c in report.sources.values()):
        columns |= {"carried": "kept as stored"}  # an `extract: changes` source's records not in its extract
    if any(c.removed for c in report.sources.values()):
        columns |= {"removed": "removed"}  # published, gone from the extract (mdm/removals.py)
    fields = tuple(columns)
    cells = [(name, *(f"{getattr(c, k):,}" for k in fields)) for name, c in report.sources.items()]
    total = [f"{sum(getattr(c, k) for c in report.sources.values()):,}" for k in fields]
    table.add_column("source", justify="left", overflow="fold")
    for i, col in enumerate(columns.values()):
        table.add_column(col, justify="right", no_wrap=True, min_width=len(total[i]))
    for row in cells:
        table.add_row(*row)
    table.add_row("[bold]total", *(f"[bold]{v}" for v in total))
    _print_table(table)
    _print_quality(report)
    for warning in [*source_warnings(report.sources), *report.lapsed.warnings()]:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    _print_binding_again(report.lapsed)
    model = f"{report.model_id} ({'trained: ' + report.train_reason if report.retrained else 'reused'})"
    lines = [
        ("model", model),
        ("pairs scored (≥ review threshold)", f"{report.pairs_scored:,}"),
        ("automatic links", f"{report.auto_links:,}"),
        ("links kept from the published results (review band)", f"{report.kept_links:,}"),
        ("links from the review band completing a customer across sources", f"{report.source_links:,}"),
        ("links refused (contradicting identifiers)", f"{report.blocked_links:,}"),
        ("automatic links refused (two records in one source)", f"{report.source_refused:,}"),
        ("review items", f"{report.review_items:,}"),
        ("golden records", f"{report.golden_records:,}"),
        ("golden changes", _changes_said(report.golden_changes)),
        ("seconds per stage", ", ".join(f"{k} {v:.2f}" for k, v in report.stage_seconds.items())),
        ("total seconds", f"{sum(report.stage_seconds.values()):.2f}"),
    ]
    for label, value in lines:
        console.print(f"[bold]{label}:[/] {value}", highlight=False)


def _changes_said(changes: dict[str, int]) -> str:
    """A run's golden records by change, as its summary says them."""
    return ", ".join(f"{k} {v:,}" for k, v in sorted(changes.items()) if v) or "none"


def _print_binding_again(lapsed: lapsed_decisions.Lapsed) -> None:
    if (again := lapsed.binding_again()) is not None:
        console.print(f"[bold]binding again:[/] {again}", highlight=False)


def _print_quality(report: RunReport) -> None:
    """The data-quality flags, one row per flag, one column per source: records carrying it."""
    totals: dict[str, int] = {}
    for flags in report.quality.values():
        for flag, n in flags.items():
            totals[flag] = totals.get(flag, 0) + n
    if not totals:
        return
    table = Table(title="data-quality flags (records carrying each)", title_justify="left")
    table.add_column("flag", justify="left", overflow="fold")
    for name in report.sources:
        widest = max((report.quality.get(name, {}).get(flag, 0) for flag in totals), default=0)
        table.add_column(name, justify="right", overflow="fold", min_width=len(f"{widest:,}"))
    for flag in sorted(totals, key=lambda f: (-totals[f], f)):
        table.add_row(flag, *(f"{report.quality.get(name, {}).get(flag, 0):,}" for name in report.sources))
    _print_table(table)


def _print_table(table: Table) -> None:
    """A table whole: at its natural width where the output is not a terminal (a run's log), and
    in a terminal with every count whole, names folded. At rich's 80 columns a log of six sources
    read "1,234…" for 1,234,567 rows, and cut the flag names."""
    if console.is_terminal:
        console.print(table)
        return
    if table.title:  # on a line of its own: rich pads a title with spaces to the table's width
        console.print(table.title, highlight=False)
        table.title = None
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    Console(width=max(console.width, natural)).print(table)  # print() caps a width at the console's


def _progress(stage: str, message: str) -> None:
    if message != "started":
        console.print(f"  {stage:<12} {message}", style="dim", highlight=False)
    else:
        console.print(f"▸ {stage}…", highlight=False)


@app.command("reconcile")
def reconcile_cmd(
    sources: Annotated[str, typer.Option("--sources", help="Sources YAML (the source config).")],
    db: Annotated[
        Path | None, typer.Option("--db", help="DuckDB database file (engine duckdb).", dir_okay=False)
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Matching and survivorship rules YAML (default: packaged).")
    ] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model even if one is stored.")] = False,
    accept_removals: Annotated[
        bool, typer.Option("--accept-removals", help="Publish even where an extract lacks more of its"
                           " source's published records than the source's max_removed_share allows.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute everything and publish nothing: what a run would change"
                           " (recorded as previewed; a model it trains is not kept).")
    ] = False,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (one machine) or spark.")] = "duckdb",
    out: Annotated[
        str | None, typer.Option("--out", help="Folder or URI for the results (engine spark).")
    ] = None,
    spark_master: Annotated[
        str | None, typer.Option("--spark-master", help="Spark master URL (default: spark-submit's, else local).")
    ] = None,
    spark_conf: Annotated[
        list[str] | None, typer.Option("--spark-conf", help="A Spark setting KEY=VALUE (repeatable).")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model JSON from `mdm export model` (engine spark; default: train).")
    ] = None,
    decisions: Annotated[
        str | None, typer.Option("--decisions", help="Steward decisions from `mdm export decisions` (engine spark).")
    ] = None,
    posted: Annotated[
        str | None,
        typer.Option("--posted", help="Records posted and deleted through the API, from `mdm export posted`"
                     " (engine spark)."),
    ] = None,
    previous: Annotated[
        str | None,
        typer.Option("--previous", help="An earlier Spark run's --out or `mdm export previous`, to keep its"
                     " golden ids (and records, for a source with extract: changes)."),
    ] = None,
) -> None:
    """Run a full batch reconciliation: read, standardise, link, cluster, build golden records."""
    spark_only = {"--out": out, "--spark-master": spark_master, "--spark-conf": spark_conf, "--model": model,
                  "--decisions": decisions, "--posted": posted, "--previous": previous}
    try:
        if engine == "duckdb":
            given = [k for k, v in spark_only.items() if v not in (None, [])]
            if given or db is None:
                raise ConfigError(
                    f"engine duckdb: {', '.join(given)} belong(s) to --engine spark" if given else
                    "engine duckdb needs --db (the DuckDB file to write)"
                )
            cancellation = Cancellation()
            with _cancelled_on_signals(cancellation):
                report = reconcile(sources, db, rules_path=rules, retrain=retrain,
                                   accept_removals=accept_removals, dry_run=dry_run, progress=_progress,
                                   cancellation=cancellation)
        elif engine == "spark":
            if out is None or db is not None or retrain or accept_removals or dry_run:
                raise ConfigError("engine spark writes to --out (not --db) and trains unless given --model;"
                                  " `mdm load` publishes its results (there, --accept-removals)")
            from mdm.spark.engine import reconcile_spark

            conf = dict(item.split("=", 1) for item in spark_conf or [] if "=" in item)
            if len(conf) != len(spark_conf or []):
                raise ConfigError("--spark-conf takes KEY=VALUE, e.g. --spark-conf spark.driver.memory=8g")
            report = reconcile_spark(
                sources, out, rules_path=rules, master=spark_master, spark_conf=conf, model_path=model,
                decisions_path=decisions, posted_path=posted, previous=previous, progress=_progress,
            )
        else:
            raise ConfigError(f"--engine must be duckdb or spark, not {engine!r}")
    except MDMError as e:
        raise _fail(e) from None
    _print_report(report)
    if report.status == "previewed":
        console.print("[bold]dry run:[/] nothing was published; run without --dry-run to publish",
                      highlight=False)
    if report.removals_refused:
        console.print(f"[bold yellow]warning:[/] a run would stop here: {report.removals_refused}",
                      highlight=False)
    if engine == "spark":
        console.print(f"[bold]results:[/] {out} (serve them with `mdm load --db FILE --from {out}`)", highlight=False)


@app.command("load")
def load_cmd(
    db: DbOption,
    from_: Annotated[Path, typer.Option("--from", help="Output folder of `mdm reconcile --engine spark`.")],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="The rules `mdm serve` will use (default: packaged); also the"
                     " survivorship that stewards' overrides are applied by (default: the run's)."),
    ] = None,
    accept_removals: Annotated[
        bool, typer.Option("--accept-removals", help="Publish even where an extract lacks more of its"
                           " source's published records than the source's max_removed_share allows.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Do everything and publish nothing: what the load would change"
                           " (recorded as previewed).")
    ] = False,
) -> None:
    """Load a Spark run's results into a DuckDB file, so that `mdm serve` serves them; then
    replay the records posted or deleted through the API that the run did not take (`--posted`)."""
    from mdm.load import load_run, replay_since

    try:
        report = load_run(db, from_, rules_path=rules, accept_removals=accept_removals, dry_run=dry_run)
    except MDMError as e:
        raise _fail(e) from None
    counts = report["counts"]
    console.print(
        f"{'would load' if dry_run else 'loaded'} run {report['run_id']}: {counts['records']:,} records,"
        f" {counts['golden_records']:,} golden records, {counts['review_items']:,} review items into {db}",
        highlight=False,
    )
    lapsed = replace(lapsed_decisions.Lapsed.of(report["run_report"]), previewed=dry_run)
    for warning in lapsed.warnings():
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    _print_binding_again(lapsed)
    if dry_run:
        _print_previewed_load(report)
        return
    through = report.get("posted_through")
    since = replay_since(report)
    con = _open(db)
    try:  # building the real-time index takes a while at scale: only when there is a change to replay
        pending = records.has_api_changes(con, since=since)
    finally:
        con.close()
    if not pending:
        return
    with _opened_service(db, rules) as service:  # which replays them as it opens (the report's replay_from)
        if not service.ready:
            err_console.print("[bold yellow]warning:[/] records posted or deleted through the API were not"
                              f" replayed: {service.not_ready_reason}", highlight=False)
            return
        posts, deletions = service.replayed_on_open or (0, 0)
    if posts or deletions:
        console.print(f"replayed from the API: {posts:,} posted, {deletions:,} deleted"
                      f" {'from ' + through + ' on' if through else '(the run took none: --posted)'}",
                      highlight=False)


def _print_previewed_load(report: dict[str, Any]) -> None:
    """What a load would change, of a ``mdm load --dry-run``: golden records by change, records
    each source would remove, and why the load would stop, where it would."""
    console.print(f"[bold]golden changes:[/] {_changes_said(report['counts'].get('golden_changes') or {})}",
                  highlight=False)
    for source, c in sorted(report["counts"].get("sources", {}).items()):
        if c.get("removed"):
            console.print(f"[bold]removed from {source}:[/] {c['removed']:,} published records",
                          highlight=False)
    if why := report["run_report"].get("removals_refused"):
        console.print(f"[bold yellow]warning:[/] a load would stop here: {why}", highlight=False)
    console.print("[bold]dry run:[/] nothing was published; run without --dry-run to load", highlight=False)


@contextmanager
def _opened_service(db: Path, rules: Path | None) -> Iterator[Service]:
    """The service over ``db`` for one command (the server stopped), closed when it is done. It
    pushes nothing to subscriptions: the server's next start sends what the command changed."""
    from mdm.service import Service

    service = Service(db, rules_path=rules, push=False)
    service.open()
    try:
        yield service
    finally:
        service.close()


def _export(
    db: Path, out: Path, write: Callable[[duckdb.DuckDBPyConnection, Path], T], option: str | None = None
) -> T:
    """One export: the database opened, ``out`` written (its folder's problems named), a
    domain error reported plainly; a value of ``option`` the database refuses exits 2, naming it."""
    con = _open(_existing_db(db))
    try:
        with _writing(out) as path:
            return write(con, path)
    except InvalidInputError as e:
        if option is None:
            raise _fail(e) from None
        err_console.print(f"[bold red]error:[/] {option}: {e}")
        raise typer.Exit(code=2) from None
    except MDMError as e:
        raise _fail(e) from None
    finally:
        con.close()


# The CSV exports a person may open in Excel take it (mdm/store/exports.py, _write_csv says why).
ExcelOption = Annotated[
    bool, typer.Option("--excel", help="CSV for Excel: begun with UTF-8's byte-order mark, without which"
                       " Excel shows 'Nguyễn' as 'Nguyá»…n'.")
]


@export_app.command("xref")
def export_xref_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    excel: ExcelOption = False,
) -> None:
    """Write the cross-reference (source, source_id, golden_id) as CSV."""
    n = _export(db, out, lambda con, path: exports.export_xref(con, path, excel))
    console.print(f"wrote {n:,} rows to {out}")


@export_app.command("golden")
def export_golden_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="File to write: .csv or .parquet.")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules YAML whose survivorship attributes are the"
                                  " columns (default: packaged).")
    ] = None,
    excel: ExcelOption = False,
) -> None:
    """Write the active golden records as CSV or Parquet (chosen by the file extension)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "parquet"):
        err_console.print(f"[bold red]error:[/] {out}: the file must end in .csv or .parquet")
        raise typer.Exit(code=2)
    if excel and fmt != "csv":
        err_console.print(f"[bold red]error:[/] --excel: {out} is Parquet; it is for a CSV")
        raise typer.Exit(code=2)
    n = _export(db, out, lambda con, path: exports.export_golden(con, path, fmt, _golden_attributes(rules),
                                                                 excel))
    console.print(f"wrote {n:,} golden records to {out}")


def _golden_attributes(rules: Path | None) -> dict[str, bool]:
    """Each survivorship attribute of the rules, and whether it holds a list (``collect_all``)."""
    attributes = load_rules_checked(rules).attributes()
    return {name: "collect_all" in spec.rules for name, spec in attributes.items()}


@export_app.command("model")
def export_model_cmd(db: DbOption, out: Annotated[Path, typer.Option("--out", help="JSON file to write.")]) -> None:
    """Write the model the last run used, for `mdm reconcile --engine spark --model`."""
    model_id = _export(db, out, exports.export_model)
    console.print(f"wrote model {model_id} to {out}")


@export_app.command("decisions")
def export_decisions_cmd(
    db: DbOption, out: Annotated[Path, typer.Option("--out", help="CSV file to write.")]
) -> None:
    """Write the steward decisions in force (must-link / cannot-link pairs), for `--decisions`."""
    n = _export(db, out, exports.export_decisions)
    console.print(f"wrote {n:,} constraints to {out}")


@export_app.command("posted")
def export_posted_cmd(
    db: DbOption, out: Annotated[Path, typer.Option("--out", help="JSON-lines file to write.")]
) -> None:
    """Write the records posted and deleted through the API, for `mdm reconcile --engine spark --posted`.
    Until a Spark run is loaded (or a DuckDB run succeeds), the service stores a post holding the
    values stored too (the audit log says the export was taken): the run's extract may lack the
    record, and the load replays what was posted since."""

    def write(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int]:
        posts, deletions = exports.export_posted(con, path)
        with database.transaction(con):
            audit.record(con, actor="cli", action=exports.POSTED_EXPORT, target=str(out.resolve()),
                         detail={"posts": posts, "deletions": deletions})
        return posts, deletions

    posts, deletions = _export(db, out, write)
    console.print(f"wrote {posts:,} posted and {deletions:,} deleted records to {out}")


@export_app.command("previous")
def export_previous_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="Folder to write (a new one).")],
    source: Annotated[
        list[str] | None,
        typer.Option(help="Write the stored records of this source alone, e.g. one whose extract is"
                     " `changes` (repeat, or separate by commas; default: every source's). Ids are all"
                     " written."),
    ] = None,
) -> None:
    """Write the golden ids the database holds now, for `mdm reconcile --engine spark --previous`:
    ids posted, decided or made by a DuckDB run since stay too; and its stored records, which an
    `extract: changes` source leaves out of its extract."""
    if out.exists():
        err_console.print(f"[bold red]error:[/] {out}: exists; name a new folder")
        raise typer.Exit(code=2)
    names = None if source is None else [n.strip() for item in source for n in item.split(",")]
    if names is not None and "" in names:
        err_console.print("[bold red]error:[/] --source: a source name is empty")
        raise typer.Exit(code=2)
    n = _export(db, out, lambda con, path: exports.export_previous(con, path, names), "--source")
    console.print(f"wrote the ids of {n:,} active golden records to {out}")


@export_app.command("quarantine")
def export_quarantine_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    excel: ExcelOption = False,
) -> None:
    """Write the last run's quarantined rows (source, row_number, source_id, reason, raw) as CSV,
    for the source systems' owners to fix."""
    n = _export(db, out, lambda con, path: exports.export_quarantine(con, path, excel))
    console.print(f"wrote {n:,} quarantined rows to {out}")


@export_app.command("flagged")
def export_flagged_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    flag: Annotated[
        str | None, typer.Option("--flag", help="Only the records carrying this flag (phone_invalid, ...).")
    ] = None,
    excel: ExcelOption = False,
) -> None:
    """Write the records carrying data-quality flags (source, source_id, flags, raw) as CSV, for
    the source systems' owners to fix."""
    n = _export(db, out, lambda con, path: exports.export_flagged(con, path, flag, excel))
    console.print(f"wrote {n:,} flagged records to {out}")
    if flag is not None and n == 0:  # a typo, or a problem the sources no longer have
        con = _open(db)
        try:
            present = ", ".join(exports.flags_present(con)) or "none"
        finally:
            con.close()
        err_console.print(f"[bold yellow]warning:[/] no record carries {flag!r}; flags in {db}: {present}",
                          highlight=False)


def _json_value(value: Any) -> Any:
    """A stored (UTC) time written as the API writes it, with its offset, so a script reading
    `mdm runs --json` takes the same instant as one reading GET /runs; else the value's text."""
    return timestamp_text(value) if isinstance(value, dt.datetime) else str(value)


@app.command("runs")
def runs_cmd(
    db: DbOption,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs, newest first.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """The latest runs: status, when, how long, what each changed, and why one failed."""
    con = _open(_existing_db(db))
    try:
        listed = runs.list_runs(con, limit=limit)
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(listed, default=_json_value))
        return
    for run in listed:  # a line each: a table cut the run ids in a terminal of 80 columns
        counts, seconds = run["counts"] or {}, run["stage_seconds"] or {}
        parts = [f"[bold]{run['run_id']}[/]", run["status"] if run["kind"] == "batch" else
                 f"{run['status']} ({run['kind']})", f"{run['started_at']:%Y-%m-%d %H:%M} UTC"]
        if seconds:
            parts.append(f"{sum(seconds.values()):.1f} s")
        if "records" in counts:
            parts.append(f"{counts['records']:,} records, {counts.get('golden_records', 0):,} golden")
        changes = counts.get("golden_changes") or {}
        if changed := ", ".join(f"{k} {v:,}" for k, v in sorted(changes.items()) if k != "unchanged" and v):
            parts.append(changed)
        replay = (run["report"] or {}).get("replayed") or {}
        if replay.get("posts") or replay.get("deletions"):
            restored = f", {n:,} golden records it retired restored" if (n := replay.get("restored")) else ""
            parts.append(f"replayed {replay['replayed']:,} changes made through the API during it"
                         f" ({replay['skipped']:,} skipped{restored})")
        console.print("  ".join(parts), highlight=False, soft_wrap=True)  # one line each, for grep
        if run["error"]:
            console.print(f"    {run['error']}", highlight=False, soft_wrap=True)


@app.command("evaluate")
def evaluate_cmd(
    db: DbOption,
    truth: Annotated[Path, typer.Option("--truth", help="CSV with columns source,source_id,entity_id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    pairs_out: Annotated[
        Path | None,
        typer.Option("--pairs", help="Write every missed and false pair, with its stage, to this CSV file."),
    ] = None,
) -> None:
    """Pairwise precision, recall and F1 of the current clusters against a truth file."""
    if not truth.exists():
        err_console.print(f"[bold red]error:[/] {truth}: no such file")
        raise typer.Exit(code=2)
    con = _open(_existing_db(db))
    try:
        m = exports.evaluate_against_truth(con, truth)
        if pairs_out is not None:
            with _writing(pairs_out) as path:  # its write errors end here, not as the truth file's below
                exports.export_wrong_pairs(con, path)
    except MDMError as e:
        raise _fail(e) from None
    except duckdb.Error as e:  # a malformed truth file surfaces as a DuckDB error
        err_console.print(f"[bold red]error:[/] {truth}: cannot evaluate: {e}")
        raise typer.Exit(code=2) from None
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(m))
        return
    console.print(
        f"[bold]pairwise[/]  precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}",
        highlight=False,
    )
    console.print(
        f"pairs: predicted {m['predicted_pairs']:,}, true {m['true_pairs']:,}, "
        f"correct {m['true_positive_pairs']:,} (false positives {m['false_positive_pairs']:,}, "
        f"false negatives {m['false_negative_pairs']:,})",
        highlight=False,
    )
    missed, false_links = m["false_negatives_by_stage"], m["false_positives_by_stage"]
    console.print(
        f"false negatives: {missed['queued_held_back']:,} in the review queue scored to link (held back"
        f" by a guard or the clustering), {missed['queued_uncertain']:,} queued as uncertain,"
        f" {missed['scored_not_queued']:,} kept apart by steward decisions,"
        f" {missed['below_review_or_not_compared']:,} scored below review or never compared",
        highlight=False,
    )
    if m["held_back_by"]:
        console.print(
            "held back by: " + ", ".join(f"{reason} {n:,}" for reason, n in m["held_back_by"].items()),
            highlight=False,
        )
    console.print(
        f"false positives: {false_links['by_a_scored_pair']:,} linked by a pair of their own,"
        f" {false_links['through_other_records']:,} through other records",
        highlight=False,
    )
    console.print(
        f"clusters: {m['predicted_clusters']:,} golden vs {m['true_entities']:,} true entities; "
        f"{m['exactly_recovered_entities']:,} recovered exactly; "
        f"{m['evaluated_records']:,} of {m['truth_records']:,} truth records evaluated",
        highlight=False,
    )
    for absent in m["sources_not_found"]:
        err_console.print(
            f"[bold yellow]warning:[/] none of the truth file's {absent['keys']:,} keys of source"
            f" {absent['source']!r} is in the database (the first: {absent['first']!r}): a misspelt source"
            " name, or ids a spreadsheet changed (leading zeros dropped)?",
            highlight=False,
        )


@app.command("erase")
def erase_cmd(
    db: DbOption,
    golden_id: Annotated[str, typer.Option("--golden-id", help="The customer's golden record.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (a request's reference, say); audited.")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="The rules `mdm serve` uses (default: packaged).")
    ] = None,
) -> None:
    """Erase a customer while the server is stopped, as `POST /golden-records/{id}/erase` does:
    their records are deleted and their values leave every table."""
    if not reason.strip():
        err_console.print("[bold red]error:[/] --reason must say why")
        raise typer.Exit(code=2)
    with _opened_service(_existing_db(db), rules) as service:  # ready or not: an erasure needs no model
        try:
            result = service.erase(golden_id, actor="cli", reason=reason.strip())
        except MDMError as e:
            raise _fail(e) from None
    console.print(f"erased {golden_id} ({result.erasure_id}): {len(result.records):,} records,"
                  f" {len(result.golden_ids):,} golden records", highlight=False)


@app.command("compact")
def compact_cmd(db: DbOption) -> None:
    """Rewrite the database with its live rows only, while the server is stopped: an erased
    customer's bytes, and the space earlier runs' tables held, leave the file."""
    try:
        done = compaction.compact(_existing_db(db))
    except MDMError as e:
        raise _fail(e) from None
    mb = 1024 * 1024
    err_console.print(f"compacted {db}: {done.bytes_before / mb:,.1f} MB -> {done.bytes_after / mb:,.1f} MB"
                      f" ({done.tables} tables, {done.rows:,} rows, each table's rows counted in the copy)",
                      highlight=False)


@app.command("backup")
def backup_cmd(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="The backup file to write (never over another).")],
) -> None:
    """Copy the database, with each table's rows counted in the copy, while the server is stopped;
    a running server takes its own (`POST /backups`): no other process may open the file."""
    con = _open(_existing_db(db))
    try:
        copied = backups.copy_database(con, out)
        with database.transaction(con):
            audit.record(con, actor="cli", action="backup.create", target=str(out.resolve()),
                         detail={"bytes": copied.bytes, "rows": copied.rows})
    except MDMError as e:
        raise _fail(e) from None
    finally:
        con.close()
    mb = copied.bytes / 1024 / 1024
    err_console.print(f"backed up {db} to {out}: {mb:,.1f} MB ({copied.tables} tables, {copied.rows:,} rows,"
                      " each table's rows counted in the copy)", highlight=False)


@app.command("check")
def check_cmd(
    db: DbOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Check that the database holds together, read-only (a backup as it is; while the server
    runs, GET /integrity): what every write keeps true, and every table read whole, which has
    DuckDB verify each block's checksum. Exit 1 when a check fails."""
    try:
        results = integrity.check_file(_existing_db(db))
    except MDMError as e:
        raise _fail(e) from None
    if as_json:
        console.print_json(json.dumps([{**vars(r), "ok": r.ok} for r in results]))
    else:
        for r in results:
            mark = "[green]ok[/]  " if r.ok else f"[bold red]FAIL[/] {r.violations:,}"
            console.print(f"{mark}  {r.name}: {r.means}", highlight=False, soft_wrap=True)
            for example in r.examples:
                console.print(f"        {example}", highlight=False, soft_wrap=True)
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)


@app.command("restore")
def restore_cmd(
    db: DbOption,
    backup: Annotated[
        Path,
        typer.Option("--from", help="The backup to restore (POST /backups or mdm backup).", dir_okay=False),
    ],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="The rules `mdm serve` uses (default: packaged).")
    ] = None,
) -> None:
    """Put a backup in the database's place while the server is stopped. The database replaced is
    kept beside it; the change feed goes on from where it was, API keys, subscriptions and the
    audit log stay as they are now, and customers erased since the backup are erased again."""
    from mdm.restore import restore

    try:
        done = restore(backup, db, rules_path=rules)
    except MDMError as e:
        raise _fail(e) from None
    console.print(f"restored {db} from {backup}", highlight=False)
    if done.set_aside is not None:
        console.print(f"  the database it replaced: {done.set_aside}", highlight=False)
    console.print(f"  change feed: {done.feed_entries:,} new (a golden record changed since the backup each);"
                  f" audit log: {done.audit_entries:,} later kept", highlight=False)
    if done.erasures:
        console.print(f"  erased again, made after the backup: {', '.join(done.erasures)}", highlight=False)
    for failed in done.failed_checks:
        err_console.print(f"[bold yellow]warning:[/] the backup does not hold together: {failed}"
                          " (mdm check says more)", highlight=False)
    if done.also_erased:
        err_console.print(f"[bold yellow]warning:[/] erased with them, as the backup had them together:"
                          f" {', '.join(done.also_erased)}; have their systems post them again",
                          highlight=False)


@app.command("serve")
def serve_cmd(
    db: DbOption,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    sources: Annotated[
        Path | None, typer.Option("--sources", help="Source config (default: the one the last run used).")
    ] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rules YAML (default: packaged).")] = None,
    backup_dir: Annotated[
        Path | None,
        typer.Option("--backup-dir", help="Where POST /backups writes (default: backups/ beside --db)."),
    ] = None,
    backup_keep: Annotated[
        int | None,
        typer.Option("--backup-keep", min=1,
                     help="Backups POST /backups keeps, deleting the oldest (default: all)."),
    ] = None,
    phone_region: Annotated[
        str | None,
        typer.Option("--phone-region", help="Region of a phone number searched for or set by a steward"
                     " without its country code (default: VN)."),
    ] = None,
) -> None:
    """Serve golden records, xref, search, real-time matching and runs over HTTP (docs at /docs)."""

    import uvicorn

    try:
        known_region(phone_region or "VN")  # as a source's phone_region is checked
    except ValueError as e:
        raise _fail(ConfigError(f"--phone-region: {e}")) from None
    try:
        _servable(db, sources, rules)
    except MDMError as e:
        raise _fail(e) from None
    # The app is named by string so that mdm never imports the api package.
    os.environ["MDM_DB"] = str(db)
    settings = (("MDM_SOURCES", sources), ("MDM_RULES", rules), ("MDM_BACKUP_DIR", backup_dir),
                ("MDM_BACKUP_KEEP", backup_keep), ("MDM_PHONE_REGION", phone_region))
    for name, value in settings:
        if value is not None:
            os.environ[name] = str(value)
    # uvicorn stops in good order on SIGTERM (docker stop, systemd, Kubernetes), then raises it
    # again under the handler it found: Python's default ended the process by the signal, status
    # 143, which docker and Kubernetes report as an error. An orderly stop exits 0, as after Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    status = 0
    try:
        uvicorn.run("api.main:app_from_env", factory=True, host=host, port=port, log_level="info")
    except SystemExit as e:  # the SIGTERM above, or uvicorn's own status (3: the app did not start)
        status = e.code if isinstance(e.code, int) else 1
    _SERVED.set()
    raise typer.Exit(code=status)


# Set once `mdm serve` has stopped: the process ends without tearing the interpreter down (main).
_SERVED = threading.Event()


def _end_served(status: int) -> NoReturn:
    """End the process after `mdm serve`: the service is closed and the database with it.
    Tearing the interpreter down after uvicorn has DuckDB's bindings (nanobind) print dozens of
    "leaked instance" lines, benign (the order modules are freed in) but read as a fault in every
    stop's log."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _servable(db: Path, sources: Path | None, rules: Path | None) -> None:
    """What the server opens as it starts, opened first here: a failure then is one line, not
    uvicorn's traceback of the app's startup (the database held by a running `mdm reconcile`,
    a mistyped --rules)."""
    if sources is not None:
        rules_for_sources(rules, load_sources(sources))
    else:
        load_rules_checked(rules)
    _open(db).close()


@keys_app.command("create")
def keys_create_cmd(
    db: DbOption,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(keys.ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (shown in the audit log).")],
    pii: Annotated[bool, typer.Option("--pii", help="May see unmasked emails and phones.")] = False,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Days until the key stops working (default: never).")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(help="A writer key's only source (repeat for more; default: every source)."),
    ] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    if role not in keys.ROLES:
        err_console.print(f"[bold red]error:[/] --role must be one of {', '.join(keys.ROLES)}")
        raise typer.Exit(code=2)
    # Keys may be made before the first run (a service started with --sources runs it), so a new
    # database is made; but a mistyped --db would make one too, so say so.
    new = not db.exists()
    con = _open(db)
    try:
        stored = runs.latest_sources_config(con)
        known = [s.name for s in sources_from_json(stored[1]).sources] if stored else None
        with database.transaction(con):
            row, key = api_keys.create_key(con, actor="cli", name=name, role=role, pii=pii,
                                           expires_in_days=expires_in_days, sources=source, known=known)
    except InvalidInputError as e:
        err_console.print(f"[bold red]error:[/] --source: {e}")
        raise typer.Exit(code=2) from None
    finally:
        con.close()
    expiry = f", expires {row['expires_at']:%Y-%m-%d %H:%M} UTC" if row["expires_at"] else ""
    only = f", writes only {', '.join(row['sources'])}" if row["sources"] else ""
    pii_said = ", pii" if pii else ""
    err_console.print(f"created key {row['key_id']} ({role}{pii_said}{only}{expiry}) for {name!r};"
                      " store it now:")
    if new:
        err_console.print(f"[yellow]note:[/] {db} did not exist: a new database was made for it"
                          " (no runs yet)", highlight=False)
    print(key)  # noqa: T201 - the key alone on stdout, for scripts


@keys_app.command("revoke")
def keys_revoke_cmd(
    db: DbOption,
    key_id: Annotated[str, typer.Option(help="The key's id, as `mdm keys list` shows it.")],
) -> None:
    """Revoke an API key while the server is stopped (a lost admin key, say), as `DELETE /keys/{id}`
    does; a running server answers that."""
    con = _open(_existing_db(db))
    try:
        with database.transaction(con):
            if not keys.revoke_key(con, key_id.strip()):
                err_console.print(
                    f"[bold red]error:[/] no active API key {key_id.strip()!r} (see `mdm keys list`)")
                raise typer.Exit(code=1)
            audit.record(con, actor="cli", action="key.revoke", target=key_id.strip(), detail={})
    finally:
        con.close()
    err_console.print(f"revoked key {key_id.strip()}")


@keys_app.command("list")
def keys_list_cmd(db: DbOption) -> None:
    """List API keys (never the keys themselves)."""
    con = _open(_existing_db(db))
    try:
        rows = keys.list_keys(con)
    finally:
        con.close()
    table = Table()
    # The key id whole, whatever the terminal's width: `DELETE /keys/{id}` takes it.
    table.add_column("key_id", no_wrap=True, min_width=max((len(r["key_id"]) for r in rows), default=None))
    table.add_column("name", overflow="fold")
    table.add_column("role", overflow="fold")  # a writer's sources too, if it is limited to some
    for column in ("pii", "created", "revoked", "expires"):
        table.add_column(column)
    for r in rows:
        role = f"{r['role']}: {', '.join(r['sources'])}" if r["sources"] else r["role"]
        table.add_row(r["key_id"], r["name"], role, str(r["pii"]), f"{r['created_at']:%Y-%m-%d %H:%M}",
                      *(f"{r[c]:%Y-%m-%d %H:%M}" if r[c] else "" for c in ("revoked_at", "expires_at")))
    console.print(table)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Splink warns about every level EM could not observe (common for sparse fields such as
    # tax_id); those are expected and the defaults it falls back on are fine.
    logging.getLogger("splink").setLevel(logging.ERROR)
    # Any domain error a command does not handle itself (a database another process holds, say)
    # ends as a message and exit code 1, never a traceback.
    try:
        app()
    except MDMError as e:
        raise SystemExit(_fail(e).exit_code) from None
    except SystemExit as e:
        if _SERVED.is_set():
            _end_served(e.code if isinstance(e.code, int) else 1)
        raise
