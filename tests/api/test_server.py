"""A real ``mdm serve`` (uvicorn) over the network, with concurrent writers and readers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from mdm.store import database
from tests.api.server import serving


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


def test_the_access_log_hides_what_a_search_asked(served_db, tmp_path):  # type: ignore[no-untyped-def]
    """A search's criteria are a customer's personal data: uvicorn's access log names the
    parameters, not their values."""
    db, made = served_db
    log = tmp_path / "serve.log"
    asked = {"name": "Lương Thảo Vy", "phone": "0389 111 222", "email": "vy.luong.rt1@example.vn",
             "national_id": "079191001234"}
    with serving(db, log) as base:
        r = httpx.get(f"{base}/golden-records", params=asked, headers={"X-API-Key": made["reader"]})
        assert r.status_code == 200, r.json()
    written = log.read_text()
    assert "GET /golden-records?name=***&phone=***&email=***&national_id=*** HTTP/1.1" in written, written
    # (not a bare "389": DuckDB's exit warnings name memory addresses, 0x565210389410)
    for value in ("0389", "111+222", "111%20222", "example.vn", "079191001234", "Thảo", "Th%E1%BA%A3o",
                  "L%C6%B0%C6%A1ng"):
        assert value not in written, value


def test_a_body_larger_than_the_limit_is_a_413_before_it_is_read(served_db):  # type: ignore[no-untyped-def]
    """One record with a name of 50 MB took the server to 1.5 GB and was stored: a body over 8 MiB
    is refused, with its length declared or sent in chunks, and a usual one still taken."""
    db, made = served_db
    writer = {"X-API-Key": made["writer"], "Content-Type": "application/json"}
    body = json.dumps({"crm_id": "BIG-1", "first_name": "A" * 9_000_000}).encode()
    with serving(db) as base:
        declared = httpx.post(f"{base}/sources/sales/records", content=body, headers=writer, timeout=60)
        chunked = httpx.post(f"{base}/sources/sales/records", headers=writer, timeout=60,
                             content=(body[i:i + 2**20] for i in range(0, len(body), 2**20)))
        usual = httpx.post(f"{base}/sources/sales/records", headers=writer, timeout=60,
                           json={"crm_id": "BIG-2", "first_name": "An", "last_name": "Lê"})
        stored = httpx.get(f"{base}/sources/sales/records/BIG-1", headers=writer)
    for refused in (declared, chunked):
        assert refused.status_code == 413, refused.text
        assert refused.json() == {"error": "payload_too_large",
                                  "detail": "the request body is larger than 8,388,608 bytes"}
    assert usual.status_code == 200 and stored.status_code == 404


_MDM = "import sys; from mdm.cli import main; sys.argv = ['mdm'] + sys.argv[1:]; main()"
_HOLD = "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"


def test_serve_refuses_in_one_line_what_it_cannot_open(tmp_path):  # type: ignore[no-untyped-def]
    """A database another process holds (a running `mdm reconcile`), or a mistyped --rules: the
    server's startup failed with 80 lines of traceback from uvicorn."""
    db = tmp_path / "mdm.duckdb"
    database.connect(db).close()
    serve = [sys.executable, "-c", _MDM, "serve", "--db", str(db), "--port", "0"]
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        held = subprocess.run(serve, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "COLUMNS": "300"})
    finally:
        holder.communicate("")
    assert held.returncode == 1, held.stderr
    said = " ".join(held.stderr.split())
    assert f"cannot open the database: another process holds it (PID {holder.pid})" in said, said
    assert "while `mdm serve` holds it, go through the service" in said
    assert "POST /backups takes a backup, GET /integrity checks it" in said  # mdm backup, mdm check
    assert "Traceback" not in held.stdout + held.stderr
    typo = subprocess.run([*serve, "--rules", str(tmp_path / "rules.yml")], capture_output=True, text=True,
                          timeout=60)
    assert typo.returncode == 2 and "cannot read the rules file" in typo.stderr, typo.stderr
    assert "Traceback" not in typo.stdout + typo.stderr
