"""Deleting source records and pushing the change feed, on a copy of a reconciled database.

    python bench/deletes_and_deliveries.py --db /tmp/mdm-scale/1000000/mdm.duckdb \
        --truth /tmp/mdm-scale/1000000/truth.csv [--deletes 60] [--seconds 30]

The database is copied first (deletions and subscriptions change it). Deletes: for golden
records of 2, 3, 4 and 5 records, up to ``--deletes`` of each size lose their lowest-keyed
record through the service (as ``DELETE /sources/{s}/records/{id}`` does), timed; with the
generator's truth, each golden record kept together by a ``kept_together`` decision is checked
to be one true customer. Deliveries: posts timed with no subscription, then a subscription from
entry 0 (every golden record as it is now) to a local receiver, how many entries it receives in
``--seconds``, and posts timed while it catches up. Prints a Markdown report and writes it to
bench/results/deletes-deliveries-<N>k.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import platform
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import publish, service_on_copy  # noqa: E402

from mdm.service import Service  # noqa: E402

SIZES = (2, 3, 4, 5)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def deletes(service: Service, per_size: int, truth: dict[str, str] | None) -> list[str]:
    rows = service.reader().execute(
        "WITH g AS (SELECT golden_id, count(*) AS n FROM xref GROUP BY golden_id)"
        " SELECT n, arg_min(x.source, x.record_key), arg_min(x.source_id, x.record_key)"
        " FROM xref x JOIN g USING (golden_id) WHERE n BETWEEN 2 AND 5"
        " GROUP BY x.golden_id, n ORDER BY hash(x.golden_id) LIMIT ?", [per_size * 40],
    ).fetchall()
    times: dict[int, list[float]] = {n: [] for n in SIZES}
    kept, one_customer = 0, 0
    for n, source, source_id in rows:
        if len(times[n]) >= per_size:
            continue
        start = time.perf_counter()
        result = service.delete_record(source, source_id, actor="bench")
        times[n].append((time.perf_counter() - start) * 1000)
        if result.kept_together:
            kept += 1
            if truth is not None:
                keys = service.reader().execute(
                    "SELECT record_key FROM xref WHERE golden_id = ?", [result.golden_id]).fetchall()
                one_customer += len({truth.get(k) for (k,) in keys}) == 1
    lines = ["| golden record's records | deletes | p50 ms | p95 ms |", "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {n} | {len(ts)} | {statistics.median(ts):.1f} | {_p(ts, 0.95):.1f} |"
              for n, ts in times.items() if ts]
    deleted_from_larger = sum(len(times[n]) for n in SIZES if n > 2)
    said = f"{kept} of the {deleted_from_larger} deletions from golden records of three or more records left"
    said += " records that only the deleted one joined: kept together by a `kept_together` decision"
    if truth is not None:
        said += f"; {one_customer} of those {kept} golden records are one true customer"
    return [*lines, "", said + "."]


class _Receiver(BaseHTTPRequestHandler):
    entries = 0
    bytes = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.entries += body.count(b'"seq": ')
        _Receiver.bytes += len(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _posts(service: Service, n: int, tag: str) -> list[float]:
    out = []
    for i in range(n):
        record = {"crm_id": f"BENCH-PUSH-{tag}-{i}", "first_name": "Minh", "last_name": f"Trần{i}",
                  "mobile": f"0912{i:06d}", "city": "Huế"}
        start = time.perf_counter()
        service.post_record("sales", record, actor="bench")
        out.append((time.perf_counter() - start) * 1000)
    return out


def deliveries(service: Service, seconds: float) -> list[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        quiet = _posts(service, 200, "quiet")
        made, _secret = service.create_subscription(
            name="bench", url=f"http://127.0.0.1:{server.server_port}/", pii=False, after=0, actor="bench")
        time.sleep(seconds)
        entries, sent = _Receiver.entries, _Receiver.bytes
        busy = _posts(service, 200, "busy")
        service.revoke_subscription(made["subscription_id"], actor="bench")
    finally:
        server.shutdown()
    return [
        "| | |", "| --- | ---: |",
        f"| posts, no subscription: p50 / p95 ms | {statistics.median(quiet):.1f} / {_p(quiet, 0.95):.1f} |",
        f"| a subscription from entry 0: entries received in {seconds:.0f} s | {entries:,}"
        f" ({entries / seconds:,.0f}/s, {sent / seconds / 1e6:.1f} MB/s) |",
        f"| posts while it catches up: p50 / p95 ms | {statistics.median(busy):.1f} / {_p(busy, 0.95):.1f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--deletes", type=int, default=60, help="deletions per golden-record size")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    truth = None
    if args.truth:
        with args.truth.open(encoding="utf-8") as fh:
            truth = {f"{r['source']}:{r['source_id']}": r["entity_id"] for r in csv.DictReader(fh)}
    with service_on_copy(args.db) as service:
        records = service.reader().execute("SELECT count(*) FROM xref").fetchall()[0][0]
        report = [
            f"# Deleting records and pushing the change feed: {records:,} records", "",
            f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()},"
            f" {platform.python_version()}",
            f"- command: `python bench/deletes_and_deliveries.py --db {args.db}"
            f"{f' --truth {args.truth}' if args.truth else ''}` (on a copy of the database)", "",
            "## Deletes (`DELETE /sources/{s}/records/{id}`, in process)", "",
            *deletes(service, args.deletes, truth), "",
            "## The change feed pushed to a subscription (a receiver on the same machine)", "",
            *deliveries(service, args.seconds),
        ]
    publish(ROOT / "bench" / "results" / f"deletes-deliveries-{round(records / 1000)}k.md",
            "\n".join(report) + "\n")

if __name__ == "__main__":
    main()
