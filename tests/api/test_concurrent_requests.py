"""Writes and previews from many threads at once: none fails, and the live matcher ends as the
database does (mdm/shared_lock.py: previews share a lock a write holds only to commit). Without
that lock a preview fails in every run of this test (KeyError: a record the database has and the
live index has not yet)."""

from __future__ import annotations

import json
import threading
import time

from mdm.errors import MDMError
from mdm.realtime import RecordIndex

# Each kind runs until it has done this many (at least three seconds): a count, not a time, so a
# loaded machine takes longer rather than testing less. The deadline only ends a hang.
AT_LEAST, MIN_SECONDS, DEADLINE = 20, 3.0, 300.0


def test_writes_and_previews_at_once_leave_the_matcher_as_the_database(api):  # type: ignore[no-untyped-def]
    service = api.client.app.state.service
    con = service.reader()
    people = [json.loads(raw) for (raw,) in con.execute(
        "SELECT CAST(raw AS VARCHAR) FROM source_records WHERE source = 'sales' ORDER BY record_key LIMIT 40"
    ).fetchall()]
    golden = [g for (g,) in con.execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count > 1"
        " ORDER BY 1 LIMIT 20").fetchall()]
    items = [i for (i,) in con.execute(
        "SELECT item_id FROM review_queue WHERE status = 'open' ORDER BY 1 LIMIT 20").fetchall()]
    stop, errors, done = threading.Event(), [], {"writes": 0, "previews": 0}

    def loop(kind, step):  # type: ignore[no-untyped-def]
        i = 0
        while not stop.is_set():
            try:
                step(i)
                done["writes" if kind == "write" else "previews"] += 1
            except MDMError:  # an answer the client gets as a 4xx: a key deleted already, an item decided
                pass
            except Exception as e:  # a 500
                errors.append(f"{kind}: {type(e).__name__}: {e}")
            i += 1

    def post(i):  # type: ignore[no-untyped-def]
        person = people[i % len(people)]
        service.post_record("sales", {**person, "crm_id": f"CC-{i % 60}", "email": f"cc{i}@example.vn"},
                            actor="test")

    def delete(i):  # type: ignore[no-untyped-def]
        service.delete_record("sales", f"CC-{(i * 7) % 60}", actor="test")
        time.sleep(0.01)

    def decide(i):  # type: ignore[no-untyped-def]
        if i < len(items):
            service.decide_items([items[i]], "match" if i % 2 else "not_a_match", actor="test", comment=None)
        time.sleep(0.02)

    def preview(i):  # type: ignore[no-untyped-def]
        person = people[(i * 3) % len(people)]
        service.match_record("sales", {**person, "crm_id": None})
        gid = golden[i % len(golden)]
        service.links(gid)
        service.similar_golden(gid, min_probability=0.5, limit=5)
        service.merge_preview([gid, golden[(i + 1) % len(golden)]])

    threads = [threading.Thread(target=loop, args=(kind, step)) for kind, step in
               [("write", post), ("write", post), ("write", delete), ("write", decide),
                ("preview", preview), ("preview", preview), ("preview", preview)]]
    for t in threads:
        t.start()
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE and not (
        time.monotonic() - started >= MIN_SECONDS and min(done.values()) > AT_LEAST
    ):
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(60)
    assert errors == []
    assert done["writes"] > AT_LEAST and done["previews"] > AT_LEAST, done
    live = service.matcher
    published = RecordIndex.build(service.reader(), service._rules())
    assert live.golden_of == published.golden_of
    assert live.index.rows == published.index.rows
    assert live.index._blocks == published.index._blocks
