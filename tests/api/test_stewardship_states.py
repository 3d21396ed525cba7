"""Steward decisions, undos, posts and deletions in any order leave one consistent state: every
source key's golden record is active and lists it, no active golden record lists a record the
xref gives to another (or draws a value from one), and the decisions in force hold."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from api.main import create_app
from api.settings import ApiSettings

from .conftest import Api, make_keys

# A stranger's values: a post of them takes a record out of its golden record.
STRANGER = {"account_holder": "ZEBULON QUARTERMAINE", "phone": "0977 111 222", "dob": "09/09/1999",
            "city": "HUE"}


def _inconsistencies(con) -> list[tuple[str, list[tuple]]]:  # type: ignore[no-untyped-def]
    checks = {
        "xref to a golden record not active": """SELECT x.record_key, x.golden_id FROM xref x
            LEFT JOIN golden_records g USING (golden_id) WHERE g.status IS DISTINCT FROM 'active'""",
        "active golden record whose count is not its xref's": """SELECT g.golden_id FROM golden_records g
            LEFT JOIN xref x USING (golden_id) WHERE g.status = 'active'
            GROUP BY g.golden_id, g.record_count HAVING g.record_count <> count(x.record_key)""",
        "lineage from a record not a member": """SELECT l.golden_id, l.source, l.source_id
            FROM golden_lineage l JOIN golden_records g USING (golden_id)
            WHERE g.status = 'active' AND l.source <> 'steward'
            AND NOT EXISTS (SELECT 1 FROM xref x WHERE x.golden_id = l.golden_id AND x.source = l.source
                            AND x.source_id = l.source_id)""",
        "decision in force broken": """SELECT c.decision_id, c.kind FROM constraints c
            JOIN decisions d USING (decision_id) JOIN xref a ON a.record_key = c.record_key_l
            JOIN xref b ON b.record_key = c.record_key_r WHERE d.undone_at IS NULL
            AND (c.kind = 'must_link') <> (a.golden_id = b.golden_id)""",
        "open review item within one golden record": """SELECT q.item_id FROM review_queue q
            JOIN xref a ON a.record_key = q.record_key_l JOIN xref b ON b.record_key = q.record_key_r
            WHERE q.status = 'open' AND a.golden_id = b.golden_id""",
        "open review item naming a record that is gone": """SELECT q.item_id FROM review_queue q
            WHERE q.status = 'open' AND (q.record_key_l NOT IN (SELECT record_key FROM xref)
                                         OR q.record_key_r NOT IN (SELECT record_key FROM xref))""",
    }
    return [(name, rows) for name, query in checks.items() if (rows := con.execute(query).fetchall())]


class StewardWork(RuleBasedStateMachine):
    reconciled: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="mdm-states-"))
        db = self.dir / "served.duckdb"
        shutil.copy(self.reconciled, db)
        made = make_keys(db)
        self.client = TestClient(create_app(ApiSettings(db_path=db)))
        self.client.__enter__()
        self.api = Api(self.client, db, made)
        self.decided: list[str] = []  # golden records decisions made: where the next steps look first

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _query(self, sql: str) -> list[tuple]:  # type: ignore[type-arg]
        return self.api.client.app.state.service.reader().execute(sql).fetchall()

    def _golden_ids(self) -> list[str]:
        """Active golden records by their first record, an order the random ids do not change."""
        rows = self._query("SELECT golden_id, min(record_key) k FROM xref GROUP BY 1 ORDER BY k")
        return [g for g, _k in rows]

    def _members(self, source: str | None = None) -> list[tuple[str, str, str]]:
        """(golden id, source, source id) of the records of golden records a decision made, if any
        is left, else of every golden record of more than one record."""
        rows = self._query("SELECT golden_id, source, source_id FROM xref WHERE golden_id IN"
                           " (SELECT golden_id FROM xref GROUP BY 1 HAVING count(*) > 1)"
                           " ORDER BY source, source_id")
        rows = [r for r in rows if source in (None, r[1])]
        return [r for r in rows if r[0] in self.decided] or rows

    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        ids = self._golden_ids()
        pair = data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        r = self.api.post("/golden-records/merge", who="steward", json={"golden_ids": pair})
        assert r.status_code in (200, 409), r.json()
        if r.status_code == 200:
            self.decided.append(r.json()["golden_id"])

    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        golden_id, source, source_id = data.draw(st.sampled_from(self._members()))
        r = self.api.post(f"/golden-records/{golden_id}/split", who="steward",
                          json={"source": source, "source_id": source_id})
        assert r.status_code in (200, 409), r.json()

    @rule(data=st.data(), decision=st.sampled_from(["match", "not_a_match"]))
    def decide(self, data: st.DataObject, decision: str) -> None:
        items = self._query("SELECT item_id FROM review_queue WHERE status = 'open'"
                            " ORDER BY record_key_l, record_key_r")
        if items:
            (item_id,) = data.draw(st.sampled_from(items))
            r = self.api.post(f"/review-queue/{item_id}/decision", who="steward", json={"decision": decision})
            assert r.status_code in (200, 409), r.json()
            if r.status_code == 200 and r.json()["result_golden_id"]:
                self.decided.append(r.json()["result_golden_id"])

    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        live = self._query("SELECT decision_id FROM decisions WHERE undone_at IS NULL ORDER BY created_at")
        if live:
            (decision_id,) = data.draw(st.sampled_from(live))
            assert self.api.post(f"/decisions/{decision_id}/undo", who="steward").status_code in (200, 409)

    @rule(data=st.data())
    def post_a_stranger(self, data: st.DataObject) -> None:
        _golden_id, _source, key = data.draw(st.sampled_from(self._members("billing")))
        posted = self.api.post("/sources/billing/records", json={"account_no": key, **STRANGER})
        assert posted.status_code == 200, posted.json()

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        _golden_id, _source, key = data.draw(st.sampled_from(self._members("billing")))
        assert self.api.client.delete(f"/sources/billing/records/{key}",
                                      headers=self.api.headers("writer")).status_code == 200

    @invariant()
    def consistent(self) -> None:
        assert _inconsistencies(self.api.client.app.state.service.reader()) == []


def test_steward_work_in_any_order_stays_consistent(reconciled) -> None:  # type: ignore[no-untyped-def]
    StewardWork.reconciled = reconciled[0]
    StewardWork.TestCase.settings = settings(
        max_examples=4, stateful_step_count=12, derandomize=True, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    StewardWork.TestCase().runTest()
