"""A batch run started inside the service, while a client posts and previews records.

    python bench/service_run.py --db /tmp/mdm-scale/1000000/mdm.duckdb \
        --sources /tmp/mdm-scale/1000000/sources.yaml [--interval 0.2] [--after 60]

The database is copied first (the run and the posts change it). The service opens the copy and
starts a batch run of the extracts (as ``POST /runs`` does); until the run ends, four clients,
each on its own thread, call every ``--interval`` seconds: one posts a new record, one asks
``records:match`` about another, one asks a golden record's links (a preview reading the
cross-reference by its index), one reads a source record; they go on for ``--after`` seconds once
the run has ended, when the service serves what the run made. Reports the run's seconds per
stage, each kind of call's median and longest wait (writes wait for the publish's write lock,
previews only for its commit), the waits of a second or more during the run and after it, the
calls that failed, how many records were posted during the run, what a full collection of the
cycle collector costs once they are done (every thread waits for one), and the peak memory of
the service's process. Prints a Markdown report and writes it to
bench/results/service-run-<N>k.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import platform
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import publish, service_on_copy  # noqa: E402

from mdm.service import Service  # noqa: E402


def _record(i: int) -> dict[str, str]:
    return {"crm_id": f"BENCH-RUN-{i}", "first_name": "Minh", "last_name": f"Trần {i}",
            "mobile": f"0913{i:06d}", "city": "Huế"}


def measure(service: Service, sources: Path, interval: float, after: float) -> dict[str, object]:
    """Start the run, and call each kind of request from its own client thread every
    ``interval`` seconds until ``after`` seconds past its end; each call's wait and when it
    began, and the errors."""
    con = service.reader()
    (gid,) = con.execute("SELECT golden_id FROM golden_records WHERE record_count > 1 AND status = 'active'"
                         " ORDER BY golden_id LIMIT 1").fetchone()
    source, source_id = con.execute("SELECT source, source_id FROM xref ORDER BY ALL LIMIT 1").fetchone()
    run_id = service.start_run(sources_path=str(sources), retrain=False, actor="bench")
    thread = service._run_thread
    assert thread is not None
    start = time.perf_counter()
    posts, previews = itertools.count(1), itertools.count(10**6)
    calls: dict[str, Callable[[], object]] = {
        "post": lambda: service.post_record("sales", _record(next(posts)), actor="bench"),
        "match": lambda: service.match_record("sales", {**_record(next(previews)), "crm_id": None}),
        "links": lambda: service.links(gid),
        "read": lambda: service.source_record(source, source_id),
    }
    waits: dict[str, list[tuple[float, float]]] = {kind: [] for kind in calls}
    errors: dict[str, list[str]] = {kind: [] for kind in calls}

    ended: list[float] = []

    def client(kind: str) -> None:
        while not ended or time.perf_counter() < ended[0] + after:
            began = time.perf_counter()
            try:
                calls[kind]()
            except Exception as e:  # counted: a request the service failed during the run
                errors[kind].append(f"{type(e).__name__}: {e}"[:200])
            waits[kind].append((time.perf_counter() - began, began - start))
            time.sleep(interval)

    clients = [threading.Thread(target=client, args=(kind,)) for kind in calls]
    for c in clients:
        c.start()
    thread.join()
    ended.append(time.perf_counter())
    for c in clients:
        c.join()
    seconds = ended[0] - start
    began = time.perf_counter()  # what a full collection costs now: every thread waits for it
    gc.collect()
    collection = time.perf_counter() - began
    status, stages = service.reader().execute(
        "SELECT status, CAST(stage_seconds AS VARCHAR) FROM runs WHERE run_id = ?", [run_id]).fetchall()[0]
    posted = sum(1 for _w, at in waits["post"] if at <= seconds)
    return {"status": status, "seconds": seconds, "stages": json.loads(stages), "posts": posted,
            "waits": waits, "errors": errors, "collection": collection,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--after", type=float, default=60.0)
    args = parser.parse_args()
    with service_on_copy(args.db) as service:
        records = service.reader().execute("SELECT count(*) FROM xref").fetchall()[0][0]
        got = measure(service, args.sources.resolve(), args.interval, args.after)
    waits = got["waits"]
    assert isinstance(waits, dict)
    stages = got["stages"]
    assert isinstance(stages, dict)
    lines = [
        f"# A batch run inside the service: {records:,} records", "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()},"
        f" Python {platform.python_version()}",
        f"- command: `python bench/service_run.py --db {args.db} --sources {args.sources}` (on a copy of the"
        f" database; while the run goes, four clients, each on its own thread, every {args.interval:g} s:"
        " a post, a `records:match`, a golden record's links, a source record; and for"
        f" {args.after:g} s after it)", "",
        "| | |", "| --- | ---: |",
        f"| run ({got['status']}) | {got['seconds']:.1f} s |",
        *(f"| {stage} | {value:.1f} s |" for stage, value in stages.items()),
        f"| records posted during the run | {got['posts']:,} |",
    ]
    errors = got["errors"]
    assert isinstance(errors, dict)
    seconds = got["seconds"]
    assert isinstance(seconds, float)
    for kind, name in (("post", "post"), ("match", "`records:match`"), ("links", "links (a preview)"),
                       ("read", "source record (a read)")):
        during = [(w, at) for w, at in waits[kind] if at <= seconds]
        longest, at = max(during)
        median = statistics.median(w for w, _ in during)
        lines.append(f"| {name}: p50 / longest wait | {median * 1000:.1f} ms / {longest:.1f} s"
                     f" ({at:.0f} s into the run) |")
        for when, chosen in (("during the run", during),
                             (f"in the {args.after:g} s after", [c for c in waits[kind] if c[1] > seconds])):
            slow = [f"{w:.1f} s at {a:.0f} s" for w, a in chosen if w >= 1]
            listed = f": {', '.join(slow)}" if slow else ""
            lines.append(f"| {name}: waits of a second or more {when} | {len(slow)}{listed} |")
        failed = f": {errors[kind][0]}" if errors[kind] else ""
        lines.append(f"| {name}: calls / failed | {len(waits[kind]):,} / {len(errors[kind])}{failed} |")
    lines.append(f"| a full collection after that (every thread waits for one) | {got['collection']:.2f} s |")
    lines.append(f"| peak memory of the service's process | {got['peak_rss_gb']:.2f} GB |")
    publish(ROOT / "bench" / "results" / f"service-run-{round(records / 1000)}k.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
