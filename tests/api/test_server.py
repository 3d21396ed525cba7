"""A real ``mdm serve`` (uvicorn) over the network, with concurrent writers and readers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from mdm.store import database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """``mdm serve`` in its own process until the block ends; yields the base URL."""
    port = _free_port()
    mdm = Path(sys.executable).with_name("mdm")
    proc = subprocess.Popen(
        [str(mdm), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"mdm serve did not become ready:\n{out}")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_concurrent_posts_and_reads_over_the_network(served_db):  # type: ignore[no-untyped-def]
    db, made = served_db
    writer = {"Authorization": f"Bearer {made['writer']}"}
    reader = {"X-API-Key": made["reader"]}
    families = ["Âu", "Bế", "Cù", "Diệp", "Giáp", "Hứa", "Khúc", "La", "Mạc", "Ninh"]
    givens = ["Thục Anh", "Bảo Châu", "Gia Huy", "Khôi Nguyên", "Minh Triết", "Ngọc Diệp", "Quế Chi", "Tùng Lâm"]
    records = [
        {"crm_id": f"NET-{i:03d}", "first_name": givens[i % 8], "last_name": families[i // 8],
         "email": f"net{i * 7919 % 1000:03d}.{families[i // 8][0]}{i}@example.vn".lower(),
         "mobile": f"039{i % 10} {i * 37 % 1000:03d} {i * 53 % 1000:03d}", "city": ["Cần Thơ", "Huế"][i % 2]}
        for i in range(80)
    ]

    with serving(db) as base:

        def post(record):  # type: ignore[no-untyped-def]
            with httpx.Client(base_url=base, timeout=60) as client:
                r = client.post("/sources/sales/records", json=record, headers=writer)
                lookup = client.get(f"/xref/sales/{record['crm_id']}", headers=reader)
                return r.status_code, r.json(), lookup.status_code, lookup.json()

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(post, records))
        docs = httpx.get(f"{base}/docs")
        openapi = httpx.get(f"{base}/openapi.json").json()

    assert all(status == 200 for status, *_ in results)
    assert all(lookup_status == 200 for _s, _b, lookup_status, _l in results)
    assert all(body["golden_id"] == lookup["golden_id"] for _s, body, _ls, lookup in results)
    assert len({body["golden_id"] for _s, body, *_ in results}) == 80  # 80 different people
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/sources/{source}/records:batch" in openapi["paths"]

    # The server has stopped: every posted record is in the file, each with its golden record.
    con = database.connect(db, read_only=True)
    try:
        stored = con.execute(
            "SELECT count(*), count(DISTINCT x.golden_id) FROM xref x JOIN golden_records g USING (golden_id)"
            " WHERE x.source = 'sales' AND x.source_id LIKE 'NET-%' AND g.status = 'active'"
        ).fetchall()[0]
        posted = con.execute("SELECT count(*) FROM posted_records WHERE source_id LIKE 'NET-%'").fetchall()[0][0]
    finally:
        con.close()
    assert stored == (80, 80) and posted == 80
