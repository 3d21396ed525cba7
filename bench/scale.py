"""Batch reconciliation at scale: seconds per stage, peak memory and candidate pairs.

Usage:
    python bench/scale.py --records 100000 1000000 [--workdir /tmp/mdm-scale]

For each size the seeded sample generator writes four source extracts (about 2.3 records per
customer), then ``mdm reconcile`` runs in its own process under ``/usr/bin/time`` (peak RSS).
Stage timings and counts come from the run the database recorded; ``mdm evaluate`` against the
generator's truth.csv gives the pairwise accuracy at each size. Then ``mdm reconcile`` runs
again on the same extracts and database: the nightly case, where a run replaces the results of
the one before (its second table). Candidate pairs per
blocking rule are counted with SQL over the standardised records (sum of n·(n-1)/2 per
block): a rule that grows quadratically shows up there first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import publish, speed_probe  # noqa: E402

from matching_rules import load_rules  # noqa: E402
from mdm.store import work  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale.md"
RECORDS_PER_CUSTOMER = 2.33  # what the generator's default mix yields


def generate(records: int, out: Path, seed: int) -> None:
    if (out / "sources.yaml").exists():
        return
    customers = int(records / RECORDS_PER_CUSTOMER)
    subprocess.run(
        [sys.executable, str(ROOT / "sample_data" / "generate.py"), "--seed", str(seed),
         "--customers", str(customers), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )


def reconcile(sources: Path, db: Path, *, fresh: bool = True) -> tuple[float, int, str | None]:
    """Wall seconds, peak RSS (KiB) and, if it failed, why, of one ``mdm reconcile`` process
    (into a new database when ``fresh``)."""
    if fresh:
        for f in (db, db.with_name(db.name + ".wal")):
            f.unlink(missing_ok=True)
    mdm = Path(sys.executable).with_name("mdm")
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss=%M exit=%x", str(mdm), "reconcile", "--sources", str(sources), "--db", str(db)],
        capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    rss = int(re.findall(r"maxrss=(\d+)", done.stderr)[-1])
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("maxrss=")]
    signal = [line for line in lines if line.startswith("Command terminated by signal")]
    failed = None if done.returncode == 0 else (signal or lines or ["?"])[-1]
    return seconds, rss, failed


def accuracy(db: Path, truth: Path) -> dict:
    """Pairwise precision, recall and F1 of the run (``mdm evaluate --json``)."""
    mdm = Path(sys.executable).with_name("mdm")
    done = subprocess.run([str(mdm), "evaluate", "--db", str(db), "--truth", str(truth), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run_figures(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        counts, stages = con.execute(
            "SELECT CAST(counts AS VARCHAR), CAST(stage_seconds AS VARCHAR) FROM runs"
            " WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()[0]
        con.execute(f"CREATE TEMP TABLE m AS SELECT {work.match_select()} FROM std_records")
        blocking = {}
        for rule in load_rules().matching.blocking_rules():
            cols = ", ".join(rule.columns)
            not_null = " AND ".join(f"{c} IS NOT NULL" for c in rule.columns)
            bound = f" HAVING count(*) <= {rule.max_block_size}" if rule.max_block_size else ""
            name = "+".join(rule.columns) + (f" (blocks ≤ {rule.max_block_size})" if rule.max_block_size else "")
            blocking[name] = int(con.execute(
                f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM m WHERE {not_null}"
                f" GROUP BY {cols}{bound})"
            ).fetchall()[0][0])
    finally:
        con.close()
    return {"counts": json.loads(counts), "stages": json.loads(stages), "blocking": blocking}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-scale"))
    parser.add_argument("--seed", type=int, default=201)
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the median run (by total; of two, the slower) is reported")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    probe_before = speed_probe()
    rows, failures = [], []
    for n in args.records:
        folder = args.workdir / f"{n}"
        generate(n, folder, args.seed)
        runs, failed = [], None
        for _ in range(args.repeat):
            seconds, rss, failed = reconcile(folder / "sources.yaml", folder / "mdm.duckdb")
            if failed:
                break
            runs.append((seconds, rss, run_figures(folder / "mdm.duckdb")))
        if failed:
            print(json.dumps({"target": n, "failed": failed, "seconds": round(seconds, 1),
                              "peak_rss_gb": round(rss / 2**20, 2)}))
            failures.append(f"- {n:,} records: failed after {seconds:.0f} s at peak RSS {rss / 2**20:.1f} GB: `{failed}`")
            continue
        totals = sorted(r[0] for r in runs)
        seconds, rss, fig = sorted(runs, key=lambda r: r[0])[len(runs) // 2]  # the median run; of two, the slower
        acc = accuracy(folder / "mdm.duckdb", folder / "truth.csv")  # every run of a size scores the same
        records = fig["counts"]["records"]
        row = {"target": n, "records": records, "seconds": round(seconds, 1), "peak_rss_gb": round(rss / 2**20, 2),
               "all_totals": [round(t, 1) for t in totals],
               "records_per_s": round(records / seconds), **{f"s_{k}": v for k, v in fig["stages"].items()},
               "pairs_scored": fig["counts"]["pairs_scored"], "golden": fig["counts"]["golden_records"],
               "blocking_pairs": fig["blocking"],
               **{k: round(acc[k], 4) for k in ("precision", "recall", "f1")}}
        seconds, rss, failed = reconcile(folder / "sources.yaml", folder / "mdm.duckdb", fresh=False)
        if failed:
            failures.append(f"- {n:,} records, the second run: failed after {seconds:.0f} s: `{failed}`")
        else:
            again = run_figures(folder / "mdm.duckdb")
            row["rerun"] = {"seconds": round(seconds, 1), "peak_rss_gb": round(rss / 2**20, 2),
                            "changes": again["counts"]["golden_changes"],
                            **{f"s_{k}": v for k, v in again["stages"].items()}}
        print(json.dumps(row))
        rows.append(row)
    stages = [k for k in rows[0] if k.startswith("s_")]
    lines = [
        "# Batch reconciliation at scale", "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"- command: `python bench/scale.py --records {' '.join(str(n) for n in args.records)}"
        + (f" --repeat {args.repeat}`" if args.repeat > 1 else "`"),
        f"- machine speed probe (a fixed single-process workload, lower is faster): {probe_before:.1f} s before"
        f" the runs, {speed_probe():.1f} s after", "",
        "| records | " + " | ".join(s[2:] for s in stages) + " | total s | peak RSS GB | records/s | pairs ≥ review |",
        "| ---: " * (len(stages) + 5) + "|",
    ]
    for r in rows:
        lines.append(f"| {r['records']:,} | " + " | ".join(f"{r[s]:.1f}" for s in stages)
                     + f" | {r['seconds']} | {r['peak_rss_gb']} | {r['records_per_s']:,} | {r['pairs_scored']:,} |")
    if args.repeat > 1:
        lines += ["", f"Each size ran {args.repeat} times; the tables show the median run (of two, the slower). Totals of every run, in"
                  " seconds: " + "; ".join(f"{r['records']:,} records: {', '.join(map(str, r['all_totals']))}"
                                           for r in rows) + "."]
    reruns = [r for r in rows if "rerun" in r]
    if reruns:
        lines += ["", "The second run on the same extracts and database (its golden records, by change):", "",
                  "| records | " + " | ".join(s[2:] for s in stages)
                  + " | total s | peak RSS GB | golden records |",
                  "| ---: " * (len(stages) + 3) + "| --- |"]
        for r in reruns:
            again = r["rerun"]
            changes = ", ".join(f"{k} {v:,}" for k, v in sorted(again["changes"].items()))
            lines.append(f"| {r['records']:,} | " + " | ".join(f"{again[s]:.1f}" for s in stages)
                         + f" | {again['seconds']} | {again['peak_rss_gb']} | {changes} |")
    lines += ["", "Pairwise accuracy against the generator's truth (`mdm evaluate`; more records means more namesakes):", "",
              "| records | precision | recall | F1 |", "| ---: | ---: | ---: | ---: |",
              *(f"| {r['records']:,} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} |" for r in rows)]
    lines += ["", "Candidate pairs per blocking rule (before scoring):", "",
              "| blocking rule | " + " | ".join(f"{r['records']:,} records" for r in rows) + " |",
              "| --- " + "| ---: " * len(rows) + "|"]
    for rule in rows[0]["blocking_pairs"]:
        lines.append(f"| {rule} | " + " | ".join(f"{r['blocking_pairs'][rule]:,}" for r in rows) + " |")
    if failures:
        lines += ["", "Runs that did not complete:", "", *failures]
    text = "\n".join(lines) + "\n"
    publish(RESULTS, text)


if __name__ == "__main__":
    main()
