"""Latency and throughput of a real ``mdm serve``: xref lookups (one key, and a thousand at
once), the change feed, real-time record posts, and a steward's review-queue pages.

Usage:
    python bench/serve_latency.py --db PATH --sources SOURCES.yaml [--clients 16] [--requests 5000]

The database must come from ``mdm reconcile`` over the given sources (the script takes the
source keys to look up, and the records to post, from those extracts). The server runs in
its own process; the load generator (asyncio, one keep-alive connection per client, HTTP
written directly) runs here, on the same machine, so both share its cores; the table gives its
CPU per request. Posts are changed copies of existing records under new keys (a new sign-up
by an existing customer, with another email), so each one is matched against real candidates
and written.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import speed_probe  # noqa: E402

from mdm.ingest import ingest  # noqa: E402
from mdm.sources import load_sources  # noqa: E402
from mdm.store import database, keys  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
WARM_UP_POSTS = 100
MATCH_REQUESTS = 300  # records matched without storing them (records:match)
SIMILAR_REQUESTS = 200  # a steward's "possibly the same customer" for a golden record
# A steward's queue pages, as the page and the API ask for them: most impactful, strongest first,
# only the pairs that scored to link, and deeper in.
QUEUE_PAGES = ["/review-queue?limit=50", "/review-queue?limit=50&order=score",
               "/review-queue?limit=50&min_score=0.85", "/review-queue?limit=50&offset=1000"]
QUEUE_REQUESTS = 100
# A downstream system's calls: its keys resolved a thousand at a time, and the change feed read
# a page at a time from cursors spread over the whole history.
BULK_KEYS = 1000
BULK_REQUESTS = 20
FEED_PAGE = 500
FEED_REQUESTS = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def sample_inputs(sources_path: Path, n: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, dict]]]:
    """(source, source_id) keys to look up, and (source, record) payloads to post."""
    ingested = ingest(load_sources(sources_path).sources)
    rng = random.Random(seed)
    accepted = ingested.accepted
    lookups = [(a.source.name, a.source_id) for a in rng.sample(accepted, min(n, len(accepted)))]
    posts = []
    for i, a in enumerate(rng.sample(accepted, min(n, len(accepted)))):
        values = dict(a.values)
        values[a.source.id_column] = f"BENCH-{seed}-{i}"
        email_col = a.source.columns_for("email")
        if email_col and values.get(email_col[0]):
            values[email_col[0]] = f"bench{seed}.{i}@example.org"
        posts.append((a.source.name, values))
    return lookups, posts


def bulk_lookups(lookups: list[tuple[str, str]]) -> list[Request]:
    """``POST /xref:lookup`` bodies of ``BULK_KEYS`` keys each, with the golden records."""
    out = []
    for i in range(BULK_REQUESTS):
        keys = lookups[(i * BULK_KEYS) % len(lookups):][:BULK_KEYS]
        body = {"keys": [{"source": s, "source_id": k} for s, k in keys], "include_records": True}
        out.append(("POST", "/xref:lookup", json.dumps(body).encode()))
    return out


def feed_pages(entries: int, rng: random.Random) -> list[Request]:
    return [page_get(f"/changes?after={rng.randrange(max(1, entries - FEED_PAGE))}&limit={FEED_PAGE}")
            for _ in range(FEED_REQUESTS)]


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken directly over asyncio streams.

    The load generator shares the server's two cores. httpx spent 1.1-1.3 ms of CPU on each
    lookup (1M database, 16 clients), as much as the server, so it measured itself as much as
    the server; this client spends ~0.1 ms: it writes the request and reads the status line,
    headers and a Content-Length body.
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if "content-length" not in fields:
            raise RuntimeError(f"{method} {path}: a response without Content-Length ({fields})")
        return status, await self.reader.readexactly(int(fields["content-length"]))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


Request = tuple[str, str, bytes]  # method, path, body


def xref_get(key: tuple[str, str]) -> Request:
    return "GET", f"/xref/{quote(key[0])}/{quote(key[1])}", b""


def record_post(post: tuple[str, dict]) -> Request:
    return "POST", f"/sources/{quote(post[0])}/records", json.dumps(post[1]).encode()


def record_match(post: tuple[str, dict]) -> Request:
    return "POST", f"/sources/{quote(post[0])}/records:match", json.dumps(post[1]).encode()


def page_get(path: str) -> Request:
    return "GET", path, b""


async def load(
    port: int, headers: dict, requests: list[Request], clients: int
) -> tuple[list[float], float, int, float]:
    """Send ``requests`` with ``clients`` concurrent connections; (latencies ms, seconds,
    errors, the load generator's own CPU seconds)."""
    queue: asyncio.Queue = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        conn = Connection("127.0.0.1", port, headers)
        try:
            while not queue.empty():
                method, path, payload = queue.get_nowait()
                start = time.perf_counter()
                status, body = await conn.request(method, path, payload)
                latencies.append((time.perf_counter() - start) * 1000)
                if status != 200 or not body.startswith(b"{"):
                    errors += 1
        finally:
            conn.close()

    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, time.perf_counter() - start, errors, time.process_time() - cpu


def report(name: str, latencies: list[float], seconds: float, errors: int, client_cpu: float, clients: int) -> dict:
    row = {
        "call": name,
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "req_per_s": round(len(latencies) / seconds, 1),
        "client_cpu_ms": round(client_cpu / len(latencies) * 1000, 3),
    }
    print(json.dumps(row))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="Markdown file to write (default: bench/results/serve-<N>k.md)")
    args = parser.parse_args()
    probe_before = speed_probe()

    con = database.connect(args.db)
    try:
        _row, key = keys.create_key(con, name="bench", role="writer", pii=False)
        _row, steward_key = keys.create_key(con, name="bench-steward", role="steward", pii=False)
        golden = con.execute("SELECT count(*) FROM golden_records WHERE status = 'active'").fetchall()[0][0]
        records = con.execute("SELECT count(*) FROM xref").fetchall()[0][0]
        history_entries = con.execute("SELECT coalesce(max(seq), 0) FROM golden_history").fetchall()[0][0]
        sampled = con.execute(
            "SELECT golden_id FROM golden_records WHERE status = 'active' USING SAMPLE reservoir(500 ROWS)"
            f" REPEATABLE ({int(args.seed)}) ORDER BY golden_id").fetchall()
    finally:
        con.close()
    lookups, posts = sample_inputs(args.sources, args.requests, args.seed)
    print(f"database: {records:,} source records, {golden:,} golden records; "
          f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")

    port = free_port()
    mdm = Path(sys.executable).with_name("mdm")
    server = subprocess.Popen(
        [str(mdm), "serve", "--db", str(args.db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise SystemExit("mdm serve exited before it was ready")
            time.sleep(0.25)
        ready = time.perf_counter() - started
        print(f"server ready in {ready:.1f}s")
        headers = {"Authorization": f"Bearer {key}"}
        gets = [xref_get(k) for k in lookups]
        asyncio.run(load(port, headers, gets[:200], 4))  # warm up
        rows = [
            report("GET /xref (1 client)", *asyncio.run(load(port, headers, gets[:1000], 1)), 1),
            report("GET /xref", *asyncio.run(load(port, headers, gets, args.clients)), args.clients),
        ]
        bulk = bulk_lookups(lookups)
        asyncio.run(load(port, headers, bulk[-1:], 1))  # warm up: the first reads golden documents from disk
        rows.append(report(f"POST /xref:lookup, {BULK_KEYS:,} keys (1 client)",
                           *asyncio.run(load(port, headers, bulk, 1)), 1))
        feed = feed_pages(history_entries, random.Random(args.seed))
        asyncio.run(load(port, headers, feed[:5], 1))  # warm up
        rows.append(report(f"GET /changes, {FEED_PAGE} entries (1 client)",
                           *asyncio.run(load(port, headers, feed, 1)), 1))
        steward = {"Authorization": f"Bearer {steward_key}"}
        pages = [page_get(QUEUE_PAGES[i % len(QUEUE_PAGES)]) for i in range(QUEUE_REQUESTS)]
        asyncio.run(load(port, steward, pages[:len(QUEUE_PAGES)], 1))  # warm up
        queue_run = asyncio.run(load(port, steward, pages, 1))
        rows.append(report("GET /review-queue, 50 items (1 client)", *queue_run, 1))
        similar = [page_get(f"/golden-records/{g}/similar") for (g,) in sampled[:SIMILAR_REQUESTS]]
        asyncio.run(load(port, steward, similar[:5], 1))  # warm up
        rows.append(report("GET /golden-records/{id}/similar (1 client)",
                           *asyncio.run(load(port, steward, similar, 1)), 1))
        # Posts read and write blocks the lookups never touched (records, xref, queue): the
        # first ones after a start wait on them. The figures are for a warmed-up server.
        writes = [record_post(p) for p in posts]
        asyncio.run(load(port, headers, writes[:WARM_UP_POSTS], 1))
        previews = [record_match(p) for p in posts[-MATCH_REQUESTS:]]  # records not posted yet
        rows.append(report("POST /sources/{s}/records:match (1 client)",
                           *asyncio.run(load(port, headers, previews, 1)), 1))
        rest = writes[WARM_UP_POSTS:]
        rows += [
            report("POST /sources/{s}/records (1 client)",
                   *asyncio.run(load(port, headers, rest[:300], 1)), 1),
            report("POST /sources/{s}/records", *asyncio.run(load(port, headers, rest[300:], args.clients)),
                   args.clients),
        ]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    lines = [
        f"# Serving: {records:,} source records in {golden:,} golden records", "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; server ready in {ready:.1f}s",
        f"- command: `python bench/serve_latency.py --db DB --sources SOURCES --clients {args.clients}"
        f" --requests {args.requests} --seed {args.seed}`",
        f"- machine speed probe (bench/common.py; a fixed single-process workload, lower is faster): {probe_before:.1f} s"
        f" before, {speed_probe():.1f} s after",
        "- measured after warming up: 200 lookups, one bulk lookup, five feed pages, then"
        f" {WARM_UP_POSTS} posts (one client)", "",
        "| call | clients | requests | p50 ms | p95 ms | p99 ms | req/s | errors | load generator CPU ms/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r['call']} | {r['clients']} | {r['requests']:,} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']}"
        f" | {r['req_per_s']:,} | {r['errors']} | {r['client_cpu_ms']} |"
        for r in rows
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.out or RESULTS_DIR / f"serve-{records // 1000}k.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
