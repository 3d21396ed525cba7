"""The real-time matcher weighs a join by the source systems as the batch clustering does."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.sources import load_sources
from mdm.store import database


def test_a_posted_record_stays_where_the_batch_linked_it_from_the_review_band(served_db) -> None:  # type: ignore[no-untyped-def]
    """The real-time matcher weighs a join by the sources as the batch did: a record the batch
    linked from the review band, posted again by its source, stays in its golden record."""
    db, made = served_db
    con = database.connect(db, read_only=True)
    try:
        run = con.execute("SELECT sources_path FROM runs ORDER BY started_at LIMIT 1").fetchone()
        sources = {s.name: s for s in load_sources(run[0]).sources}
        candidates = con.execute(
            """
            SELECT r.record_key, r.source, r.raw, x.golden_id FROM pairs p
            JOIN source_records r ON r.record_key IN (p.record_key_l, p.record_key_r)
            JOIN xref x ON x.record_key = r.record_key
            WHERE p.outcome = 'source_link'
              -- no stronger pair ties it to its golden record, and it is its source's only record there
              AND NOT EXISTS (SELECT 1 FROM pairs q JOIN xref y ON y.record_key IN (q.record_key_l, q.record_key_r)
                              WHERE r.record_key IN (q.record_key_l, q.record_key_r) AND y.record_key <> r.record_key
                                AND y.golden_id = x.golden_id AND q.match_probability >= 0.85)
              AND NOT EXISTS (SELECT 1 FROM xref z WHERE z.golden_id = x.golden_id AND z.source = r.source
                                AND z.record_key <> r.record_key)
            ORDER BY r.record_key
            """
        ).fetchall()
    finally:
        con.close()
    assert candidates
    key, source, raw, golden_id = candidates[0]
    values = json.loads(raw)
    column = sources[source].fields["updated_at"]
    values[column] = "2026-06-01"  # nothing the model compares
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        body = client.post(
            f"/sources/{source}/records", json=values, headers={"Authorization": f"Bearer {made['writer']}"}
        ).json()
    assert body["outcome"] == "matched", body
    assert body["golden_id"] == golden_id
    assert body["match_probability"] < 0.85  # the model alone would have queued it


def test_a_second_sign_up_with_a_personal_mailbox_joins_the_first(served_db) -> None:  # type: ignore[no-untyped-def]
    """A subscriber who signs up again, without a name, with the same personal mailbox (digits
    in its local part) joins the golden record that holds the first sign-up, as the batch would
    join them; with a name-only mailbox (namesakes share those) the join waits for a steward."""
    db, made = served_db
    con = database.connect(db, read_only=True)
    try:
        found = {
            digits: con.execute(
                "SELECT s.email, s.city, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
                " WHERE s.source = 'marketing' AND s.email_local_digits = ? AND s.city IS NOT NULL"
                " AND (SELECT count(*) FROM std_records t WHERE t.email_key = s.email_key) = 1"
                " AND (SELECT count(*) FROM xref y WHERE y.golden_id = x.golden_id) > 1"
                " ORDER BY s.record_key",
                [digits],
            ).fetchall()
            for digits in (True, False)
        }
    finally:
        con.close()
    outcomes, held = {}, []
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        for digits, rows in found.items():
            for i, (email, city, golden_id) in enumerate(rows):
                body = client.post(
                    "/sources/marketing/records",
                    json={"subscriber_id": f"again-{digits}-{i}", "email": email, "city": city},
                    headers={"Authorization": f"Bearer {made['writer']}"},
                ).json()
                if body["match_probability"] >= 0.85:  # would link on the model alone
                    outcomes.setdefault(digits, []).append((body["outcome"], body["golden_id"] == golden_id))
                if not digits and body["outcome"] == "review" and body["match_probability"] >= 0.85:
                    held.append(f"again-{digits}-{i}")
        # The steward is told the pair scored to link and the clustering held it back.
        items = client.get("/review-queue", params={"limit": 200, "source": "marketing"},
                           headers={"Authorization": f"Bearer {made['steward']}"}).json()["data"]
        why = {side["source_id"]: (i["queued_because"]["kind"], i["queued_because"]["held_back_by"])
               for i in items for side in (i["left"], i["right"])
               if side["source_id"] in held and i["match_probability"] >= 0.85}
    assert outcomes[True] and set(outcomes[True]) == {("matched", True)}
    assert ("review", False) in outcomes[False]
    assert held and set(why) == set(held) and set(why.values()) == {("clustering", "source_structure")}
