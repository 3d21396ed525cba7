"""The Spark engine beside the DuckDB engine: seconds per stage and peak memory.

Usage:
    python bench/spark_scale.py --records 100000 1000000 [--workdir /tmp/mdm-scale] [--master local[2]]

Uses the extracts (and DuckDB databases) that bench/scale.py made in the same work folder, so
both engines read the same files. The Spark run reuses the model of the DuckDB run
(``mdm export model``), so the two score with the same parameters; ``--train`` also times a
Spark run that trains its own model. Peak memory is the largest sum of RSS over the whole
process tree (the Python driver, Spark's JVM and its Python workers), sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from common import publish

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "spark.md"


def _tree_rss_kib(pid: int) -> int:
    """Sum of VmRSS over ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def run_measured(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak tree RSS (KiB) and stdout of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out[-4000:]}")
    return time.perf_counter() - start, peak, out


def _report(out: Path) -> dict:
    part = next((out / "report").glob("part-*"))
    return json.loads(part.read_text())


def _duckdb_run(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        counts, stages = con.execute(
            "SELECT CAST(counts AS VARCHAR), CAST(stage_seconds AS VARCHAR) FROM runs"
            " WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()[0]
    finally:
        con.close()
    return {"counts": json.loads(counts), "stage_seconds": json.loads(stages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-scale"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--train", type=int, nargs="*", default=[], help="sizes at which to time Spark training too")
    args = parser.parse_args()
    mdm = str(Path(sys.executable).with_name("mdm"))
    rows = []
    for n in args.records:
        folder = args.workdir / f"{n}"
        db = folder / "mdm.duckdb"
        if not db.exists():
            raise SystemExit(f"{db}: run bench/scale.py --records {n} first")
        subprocess.run([mdm, "export", "model", "--db", str(db), "--out", str(folder / "model.json")], check=True,
                       stdout=subprocess.DEVNULL)
        duck = _duckdb_run(db)
        variants = [("model from DuckDB", ["--model", str(folder / "model.json")])]
        if n in args.train:
            variants.append(("trained on Spark", []))
        for label, extra in variants:
            out = folder / "spark-out"
            shutil.rmtree(out, ignore_errors=True)
            seconds, rss, _log = run_measured(
                [mdm, "reconcile", "--engine", "spark", "--spark-master", args.master, "--spark-conf",
                 f"spark.driver.memory={args.driver_memory}", "--sources", str(folder / "sources.yaml"),
                 "--out", str(out), *extra])
            report = _report(out)
            row = {"records": report["counts"]["records"], "variant": label, "seconds": round(seconds, 1),
                   "peak_rss_gb": round(rss / 2**20, 2), "stages": report["stage_seconds"],
                   "pairs": report["counts"]["pairs_scored"], "golden": report["counts"]["golden_records"],
                   "duckdb_stages": duck["stage_seconds"], "duckdb_golden": duck["counts"]["golden_records"],
                   "duckdb_pairs": duck["counts"]["pairs_scored"]}
            print(json.dumps(row), flush=True)
            rows.append(row)
    stages = ["read", "standardise", "train", "predict", "cluster", "golden", "write"]
    lines = [
        "# The Spark engine beside DuckDB", "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores; Spark master `{args.master}`, driver memory {args.driver_memory}",
        f"- command: `python bench/spark_scale.py --records {' '.join(map(str, args.records))}"
        + (f" --train {' '.join(map(str, args.train))}" if args.train else "") + "` (after bench/scale.py)",
        "- DuckDB figures are those of the bench/scale.py run on the same extracts.", "",
        "| records | engine | " + " | ".join(stages) + " | total s | peak RSS GB | pairs ≥ review | golden |",
        "| ---: | --- " + "| ---: " * (len(stages) + 4) + "|",
    ]
    for i, r in enumerate(rows):
        if i == 0 or rows[i - 1]["records"] != r["records"]:
            duck_total = sum(r["duckdb_stages"].values())
            lines.append(f"| {r['records']:,} | DuckDB | "
                         + " | ".join(f"{r['duckdb_stages'].get(s, 0):.1f}" for s in stages)
                         + f" | {duck_total:.1f} | see scale table | {r['duckdb_pairs']:,} | {r['duckdb_golden']:,} |")
        lines.append(f"| {r['records']:,} | Spark ({r['variant']}) | "
                     + " | ".join(f"{r['stages'].get(s, 0):.1f}" for s in stages)
                     + f" | {r['seconds']} | {r['peak_rss_gb']} | {r['pairs']:,} | {r['golden']:,} |")
    text = "\n".join(lines) + "\n"
    publish(RESULTS, text)


if __name__ == "__main__":
    main()
