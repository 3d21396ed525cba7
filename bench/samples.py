"""Accuracy on generated samples the rules were not tuned on: other seeds and other mixes.

Usage:
    python bench/samples.py [--workdir /tmp/mdm-samples]

Each sample is made by a generator (5,000 customers), then ``mdm reconcile`` (default rules,
fresh database) and ``mdm evaluate --json`` run as a user runs them. Four generators: the one that
made the committed sample (sample_data/generate.py), and three written from the source-config
contract alone by colleagues who read neither that generator nor the product's code or rules:
bench/independent_sample.py (a Vietnamese business, five sources in other schemas, one of them
Parquet), bench/independent_sample_intl.py (a retail group in Vietnam, Singapore, Australia,
the UK and the US: first/last-name boxes, month-first dates, a newsletter of email-only
subscribers, typed Parquet columns) and bench/independent_sample_insurance.py (an insurer and
lender in Vietnam: a semicolon CSV of names in capitals without accents, nested JSONL claims by
family members, agents' leads typed with the agent's own phone and e-mail, Parquet phones stored
as integers, a month-first app export). The committed
sample_data (seed 42, mix default) is scored the same way. The table is printed and written to
bench/results/samples.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from common import publish

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "samples.md"
GENERATORS = {  # folder prefix: script
    "s": "sample_data/generate.py", "i": "bench/independent_sample.py", "t": "bench/independent_sample_intl.py",
    "n": "bench/independent_sample_insurance.py",
}
SAMPLES = [
    ("s", 11, "clean"), ("s", 11, "default"), ("s", 7, "default"), ("s", 23, "international"), ("s", 5, "messy"),
    # added in the thirteenth session, after the rules of its day were written
    ("s", 57, "clean"), ("s", 31, "default"), ("s", 3, "international"), ("s", 99, "messy"),
    # the independent generator, added in the eighteenth session
    ("i", 1, "default"), ("i", 2, "default"), ("i", 4, "clean"), ("i", 3, "messy"),
    # a third, international one, added in the nineteenth session
    ("t", 1, "default"), ("t", 4, "default"), ("t", 3, "clean"), ("t", 2, "messy"),
    # a fourth, an insurer's and lender's five systems, added in the forty-first session
    ("n", 1, "default"), ("n", 2, "default"), ("n", 3, "clean"), ("n", 4, "messy"),
]


def mdm(*args: str | Path) -> str:
    exe = Path(sys.executable).with_name("mdm")
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, check=True).stdout


def score(folder: Path, db: Path) -> dict:
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    start = time.perf_counter()
    mdm("reconcile", "--sources", folder / "sources.yaml", "--db", db)
    seconds = time.perf_counter() - start
    return {**json.loads(mdm("evaluate", "--db", db, "--truth", folder / "truth.csv", "--json")), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-samples"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = [("42", "default", "committed `sample_data`", score(ROOT / "sample_data", args.workdir / "s42.duckdb"))]
    for prefix, seed, mix in SAMPLES:
        script, folder = GENERATORS[prefix], args.workdir / f"{prefix}{seed}_{mix}"
        if not (folder / "sources.yaml").exists():
            subprocess.run([sys.executable, str(ROOT / script), "--seed", str(seed),
                            "--mix", mix, "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
        command = f"`python {script} --seed {seed} --mix {mix} --out DIR`"
        rows.append((str(seed), mix, command, score(folder, args.workdir / f"{prefix}{seed}_{mix}.duckdb")))
        print(json.dumps({"seed": seed, "mix": mix, **{k: rows[-1][3][k] for k in ("precision", "recall", "f1")}}))
    lines = [
        "# Accuracy on generated samples", "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "- command: `python bench/samples.py` (5,000 customers each; `mdm reconcile` + `mdm evaluate`, default rules)", "",
        "- missed pairs: where `mdm evaluate` finds the true pairs the run kept apart: in the review queue"
        " (a steward can still link them) or scored below the review threshold and never queued", "",
        "| seed | mix | made by | precision | recall | F1 | missed pairs: queued / below review"
        " | golden / true entities | reconcile s |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for seed, mix, how, m in rows:
        missed = m["false_negatives_by_stage"]
        queued = missed["queued_held_back"] + missed["queued_uncertain"]
        lines.append(f"| {seed} | {mix} | {how} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f}"
                     f" | {queued:,} / {missed['below_review_or_not_compared']:,}"
                     f" | {m['predicted_clusters']:,} / {m['true_entities']:,} | {m['seconds']:.1f} |")
    text = "\n".join(lines) + "\n"
    publish(RESULTS, text)


if __name__ == "__main__":
    main()
