"""How well real-time matching links the records source systems post, beside a batch run.

Usage:
    python bench/realtime_accuracy.py [--share 0.1] [--seed 1] [--workdir /tmp/mdm-realtime-accuracy]
    python bench/realtime_accuracy.py --sample DIR [--sample DIR ...]   # folders with sources.yaml, truth.csv

By default: the committed sample_data, and one default-mix sample of each other generator
(seed 1; bench/samples.py lists them). In each, a share of each source's records (ids its
extract holds once) is held out. The rest is reconciled into a fresh database, as a first batch
run would; then the held-out records are posted one at a time, in random order, to the
service's real-time matcher (the code behind ``POST /sources/{source}/records``, called in
process: this measures decisions, not latency). Beside it, one batch run reconciles every
record at once. Both are scored against the truth file: over all records (as ``mdm evaluate``),
and over the pairs with a held-out record in them, where the two differ. Real-time matching
sees one record at a time, against golden records already formed: a posted record whose
partner is posted later finds it only then, and a post never re-clusters what the batch formed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import platform
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402
from common import publish  # noqa: E402

from mdm.ingest import Accepted, clean_id, ingest  # noqa: E402
from mdm.pipeline import reconcile  # noqa: E402
from mdm.service import Service  # noqa: E402
from mdm.sources import SourceSpec, load_sources  # noqa: E402
from mdm.sources.readers import batch_rows, text_encoding, typed_values  # noqa: E402
from mdm.store import exports  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "realtime_accuracy.md"


def held_out(accepted: list[Accepted], share: float, rng: random.Random) -> list[Accepted]:
    """A share of each source's accepted records, in random order across sources."""
    by_source: dict[str, list[Accepted]] = {}
    for record in accepted:
        by_source.setdefault(record.source.name, []).append(record)
    chosen = [r for records in by_source.values() for r in rng.sample(records, round(len(records) * share))]
    rng.shuffle(chosen)
    return chosen


def _row_id(spec: SourceSpec, obj: dict) -> str | None:
    return clean_id(typed_values(obj).get(spec.id_column))


def write_without(spec: SourceSpec, ids: set[str], out: Path) -> None:
    """The source's extract at ``out`` without the rows of ``ids``, in its own format, encoding
    and delimiter: what the source system would have held before those records were made."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if spec.format == "parquet":
        table = pq.read_table(spec.file)
        keep = [_row_id(spec, row) not in ids for batch in table.to_batches() for row in batch_rows(batch)]
        pq.write_table(table.filter(pa.array(keep, pa.bool_())), out, coerce_timestamps=None)
        return
    encoding = text_encoding(spec)
    with open(spec.file, encoding=encoding, errors="surrogateescape", newline="") as src, \
            open(out, "w", encoding=encoding, errors="surrogateescape", newline="") as dst:
        if spec.format == "json":  # one array: the objects of ids leave it, every other element stays
            elements = json.loads(src.read().lstrip("\ufeff"))
            json.dump([e for e in elements if not (isinstance(e, dict) and _row_id(spec, e) in ids)], dst,
                      ensure_ascii=False)
            return
        if spec.format == "jsonl":
            for line in src:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    obj = None
                if not (isinstance(obj, dict) and _row_id(spec, obj) in ids):
                    dst.write(line)
            return
        reader, writer = csv.reader(src, delimiter=spec.delimiter), csv.writer(dst, delimiter=spec.delimiter)
        header = next(reader)
        writer.writerow(header)
        at = [h.strip() for h in header].index(spec.id_column)
        for fields in reader:
            if not (len(fields) == len(header) and clean_id(fields[at]) in ids):
                writer.writerow(fields)


def reduced_sources(sources_path: Path, held: list[Accepted], folder: Path) -> Path:
    """A copy of the source config whose extracts lack the held-out records."""
    config = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    by_name = {spec.name: spec for spec in load_sources(sources_path).sources}
    ids: dict[str, set[str]] = {}
    for record in held:
        ids.setdefault(record.source.name, set()).add(record.source_id)
    for entry in config["sources"]:
        spec = by_name[entry["name"]]
        target = folder / f"{spec.name}{spec.file.suffix}"
        write_without(spec, ids.get(spec.name, set()), target)
        entry["path"] = target.name
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


Key = tuple[str, str]  # (source, source_id)


def pair_figures(db: Path, truth: dict[Key, str], touched: set[Key]) -> dict[str, float]:
    """Pairwise precision, recall and F1 over the pairs with a record of ``touched`` in them."""
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT source, source_id, golden_id FROM xref").fetchall()
    golden = {(s, i): g for s, i, g in rows}
    con.close()
    keys = [k for k in golden if k in truth]
    by_golden: dict[str, list[Key]] = {}
    by_entity: dict[str, list[Key]] = {}
    for k in keys:
        by_golden.setdefault(golden[k], []).append(k)
        by_entity.setdefault(truth[k], []).append(k)

    def pairs(groups: dict[str, list[Key]]) -> set[frozenset[Key]]:
        return {frozenset((a, b)) for members in groups.values() for i, a in enumerate(members)
                for b in members[i + 1:] if a in touched or b in touched}

    predicted, true = pairs(by_golden), pairs(by_entity)
    tp = len(predicted & true)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"predicted": len(predicted), "true": len(true), "correct": tp,
            "precision": precision, "recall": recall, "f1": f1}


def overall(db: Path, truth_path: Path) -> dict[str, float]:
    con = duckdb.connect(str(db))
    try:
        return exports.evaluate_against_truth(con, truth_path)
    finally:
        con.close()


GENERATED = [("bench/independent_sample.py", 1), ("bench/independent_sample_intl.py", 1),
             ("bench/independent_sample_insurance.py", 1)]  # default mix


def measure(folder: Path, work: Path, share: float, seed: int) -> dict[str, Any]:
    """Both ways in for one sample: its figures and the posts' outcomes."""
    sources, truth_path = folder / "sources.yaml", folder / "truth.csv"
    work.mkdir(parents=True)
    ingested = ingest(load_sources(sources).sources)
    repeated = {(q.source, q.source_id) for q in ingested.quarantined if q.source_id}  # never held out
    candidates = [r for r in ingested.accepted if (r.source.name, r.source_id) not in repeated]
    held = held_out(candidates, share, random.Random(seed))
    touched = {(r.source.name, r.source_id) for r in held}
    with open(truth_path, encoding="utf-8", newline="") as fh:
        truth = {(row["source"], row["source_id"]): row["entity_id"] for row in csv.DictReader(fh)}
    reconcile(sources, work / "batch.duckdb")
    reduced = reduced_sources(sources, held, work / "sources")
    reconcile(reduced, work / "live.duckdb")
    service = Service(work / "live.duckdb", sources_path=reduced)
    service.open()
    outcomes: Counter[str] = Counter()
    try:
        for record in held:
            outcomes[service.post_record(record.source.name, record.values, actor="bench").outcome] += 1
    finally:
        service.close()
    return {
        "held": len(held), "accepted": len(ingested.accepted), "outcomes": outcomes,
        **{run: (overall(db, truth_path), pair_figures(db, truth, touched))
           for run, db in (("batch", work / "batch.duckdb"), ("live", work / "live.duckdb"))},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, action="append",
                        help="a folder with sources.yaml and truth.csv")
    parser.add_argument("--share", type=float, default=0.1, help="share of each source's records held out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-realtime-accuracy"))
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    samples: list[tuple[str, Path]] = []
    for folder in args.sample or []:
        samples.append((f"`{folder}`", folder))
    if not args.sample:
        samples.append(("committed `sample_data`", ROOT / "sample_data"))
        for script, seed in GENERATED:
            folder = args.workdir / f"{Path(script).stem}-{seed}"
            subprocess.run([sys.executable, str(ROOT / script), "--seed", str(seed), "--mix", "default",
                            "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
            samples.append((f"`python {script} --seed {seed} --mix default`", folder))
    lines = [
        "# Real-time matching beside a batch run",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()},"
        f" Python {platform.python_version()}",
        f"- command: `python bench/realtime_accuracy.py --share {args.share} --seed {args.seed}`"
        + (f" with `--sample` {', '.join(label for label, _ in samples)}" if args.sample else ""),
        f"- each sample: {args.share:.0%} of each source's records held out; the rest reconciled, then the"
        " held-out records posted one at a time in random order (real-time), against one batch run of"
        " every record; pairwise figures over the pairs with a held-out record in them, and F1 over all",
        "",
        "| sample | held out | posts: matched / review / new | batch: precision | recall | F1 |"
        " real-time: precision | recall | F1 | F1 over all pairs: batch / real-time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, (label, folder) in enumerate(samples):
        m = measure(folder, args.workdir / f"run-{i}", args.share, args.seed)
        (all_b, b), (all_l, live), o = m["batch"], m["live"], m["outcomes"]
        lines.append(
            f"| {label} | {m['held']:,} of {m['accepted']:,}"
            f" | {o['matched']:,} / {o['review']:,} / {o['new']:,}"
            f" | {b['precision']:.4f} | {b['recall']:.4f} | {b['f1']:.4f}"
            f" | {live['precision']:.4f} | {live['recall']:.4f} | {live['f1']:.4f}"
            f" | {all_b['f1']:.4f} / {all_l['f1']:.4f} |"
        )
        print(lines[-1], flush=True)
    publish(RESULTS, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
