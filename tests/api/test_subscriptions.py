"""Subscriptions: the change feed pushed to a downstream system's URL, here a real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.delivery import CONCURRENT, signature
from mdm.store import database
from tests.api.conftest import Api
from tests.api.test_metrics import _samples

VY = {"crm_id": "SUB-1", "first_name": "Thảo Vy", "last_name": "Lương", "email": "vy.luong.sub@example.vn",
      "mobile": "0389 111 999", "city": "Đà Nẵng"}


class Receiver:
    """A downstream system's endpoint: it keeps every delivery and answers with ``answers`` in
    turn (200 once they run out)."""

    def __init__(self) -> None:
        self.received: list[tuple[Message, bytes]] = []
        self.answers: list[int] = []
        self.hold: threading.Event | None = None  # when given, each answer waits for it (a slow URL)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append((self.headers, body))  # names in any case
                    status = receiver.answers.pop(0) if receiver.answers else 200
                if receiver.hold is not None:
                    receiver.hold.wait(8)  # under the service's 10 s timeout
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/mdm-changes"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout: float = 15.0) -> list[tuple[Message, bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= n:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.received)} deliveries arrived, waited for {n}")

    def entries(self) -> list[dict]:  # type: ignore[type-arg]
        return [e for _h, body in self.received for e in json.loads(body)["data"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def api(served_db) -> Iterator[Api]:  # type: ignore[no-untyped-def]
    """The served sample, with failing URLs tried again after 50 ms (doubled each time)."""
    db, made = served_db
    with TestClient(create_app(ApiSettings(db_path=db, delivery_backoff=0.05))) as client:
        yield Api(client, db, made)


def _subscribe(api: Api, url: str, **body: object) -> dict:  # type: ignore[type-arg]
    r = api.post("/subscriptions", who="admin", json={"name": "billing-sync", "url": url, **body})
    assert r.status_code == 201, r.json()
    return r.json()


def _subscription(api: Api, sid: str) -> dict:  # type: ignore[type-arg]
    return api.get(f"/subscriptions/{sid}", who="admin").json()


def _settled(api: Api, sid: str, done: Callable[[dict], bool]) -> dict:  # type: ignore[type-arg]
    """The subscription once ``done`` holds for it (the deliveries run in their own thread)."""
    deadline = time.monotonic() + 10
    while not done(state := _subscription(api, sid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


def test_each_change_is_pushed_signed_and_acknowledged(api: Api, receiver: Receiver) -> None:
    made = _subscribe(api, receiver.url)
    secret, sid, start = made["secret"], made["subscription_id"], made["after_seq"]
    assert start == api.get("/changes", params={"limit": 1}).json()["head"]  # from now on
    listed = api.get("/subscriptions", who="admin").json()["data"]
    assert [s["subscription_id"] for s in listed] == [sid] and "secret" not in listed[0]

    golden_id = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    ((headers, body),) = receiver.wait_for(1)
    # Checked as the README tells a receiver to, not with the service's own function.
    stamp = headers["X-MDM-Timestamp"]
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-MDM-Signature"], "sha256=" + mac)
    assert not hmac.compare_digest(headers["X-MDM-Signature"], signature("another secret", stamp, body))
    assert abs(int(headers["X-MDM-Timestamp"]) - time.time()) < 60
    assert headers["X-MDM-Subscription"] == sid and headers["Content-Type"] == "application/json"
    sent = json.loads(body)
    assert sent["subscription_id"] == sid and sent["delivery_id"].startswith("V")
    ((entry),) = sent["data"]
    assert (entry["seq"], entry["golden_id"], entry["change"], entry["cause"]) == (
        start + 1, golden_id, "created", "record")
    # As the feed serves it to a key without pii: masked.
    assert entry["golden_record"]["attributes"]["phone"] == "+84 *** *** 999"
    assert sent["next_after"] == sent["head"] == start + 1 and sent["more"] is False
    pulled = api.get("/changes", params={"after": start}).json()["data"]
    assert pulled == sent["data"]  # pushed and pulled alike

    state = _settled(api, sid, lambda s: s["after_seq"] == start + 1)
    assert (state["after_seq"], state["lag"], state["failures"], state["last_error"]) == (
        start + 1, 0, 0, None)
    assert state["delivered_at"] is not None
    actions = [e["action"] for e in api.get("/audit", who="admin", params={"target": sid}).json()["data"]]
    assert actions == ["subscription.create"]


def test_a_failing_url_gets_the_same_entries_again_until_it_takes_them(api: Api, receiver: Receiver) -> None:
    receiver.answers = [500, 503, 302]  # two errors, then a redirect (to a URL nobody subscribed)
    sid = _subscribe(api, receiver.url, pii=True)["subscription_id"]
    api.post("/sources/sales/records", json=VY)
    deliveries = receiver.wait_for(4)
    sent = [json.loads(body) for _h, body in deliveries]
    assert len({s["delivery_id"] for s in sent}) == 4  # each attempt is its own delivery ...
    assert {json.dumps(s["data"]) for s in sent} == {json.dumps(sent[0]["data"])}  # ... of the same entries
    assert sent[0]["data"][0]["golden_record"]["attributes"]["phone"] == "+84389111999"  # pii: unmasked
    state = _settled(api, sid, lambda s: s["lag"] == 0)
    assert (state["lag"], state["failures"], state["last_error"], state["next_attempt_at"]) == (
        0, 0, None, None)


def test_a_failure_is_shown_and_retried_later(api: Api, receiver: Receiver) -> None:
    receiver.answers = [500]
    service = api.client.app.state.service
    service.deliveries.backoff = 3600.0  # the retry falls due at the cap, ten minutes on: the failure stays
    sid = _subscribe(api, receiver.url)["subscription_id"]
    api.post("/sources/sales/records", json=VY)
    receiver.wait_for(1)
    state = _settled(api, sid, lambda s: s["failures"] > 0)
    assert (state["failures"], state["last_error"], state["lag"]) == (1, "HTTP 500", 1)
    assert state["next_attempt_at"] is not None
    assert 590 < service.deliveries.deliver_due() <= 600  # not due: nothing sent, ten minutes to wait
    assert len(receiver.received) == 1
    samples = _samples(api)  # what an operator alerts on
    labels = (("name", "billing-sync"), ("subscription", sid))
    assert samples[("mdm_subscription_lag", labels)] == samples[("mdm_subscription_failures", labels)] == 1


def test_a_slow_url_holds_up_only_its_own_subscription(api: Api, receiver: Receiver) -> None:
    slow = Receiver()
    slow.hold = threading.Event()
    try:
        _subscribe(api, slow.url)
        _subscribe(api, receiver.url)
        api.post("/sources/sales/records", json=VY)
        slow.wait_for(1)  # its first delivery hangs ...
        api.post("/sources/sales/records", json={**VY, "city": "Huế"})
        receiver.wait_for(2, timeout=5)  # ... while the other subscription gets both changes
        assert len(slow.received) == 1
        cities = [e["golden_record"]["attributes"]["city"] for e in receiver.entries()]
        assert cities == ["Đà Nẵng", "Huế"]
        slow.hold.set()
        slow.wait_for(2)  # and the slow one gets the second once its URL answers the first
        assert [e["golden_record"]["attributes"]["city"] for e in slow.entries()] == ["Đà Nẵng", "Huế"]
    finally:
        slow.hold.set()
        slow.server.shutdown()


def test_a_new_subscriber_reads_from_the_start_page_by_page(api: Api, receiver: Receiver) -> None:
    head = api.get("/changes", params={"limit": 1}).json()["head"]
    assert head > 100  # more than one page
    _subscribe(api, receiver.url, after=0)
    pages = (head + 99) // 100
    receiver.wait_for(pages)
    assert [e["seq"] for e in receiver.entries()] == list(range(1, head + 1))  # each once, in order
    assert [json.loads(b)["more"] for _h, b in receiver.received] == [True] * (pages - 1) + [False]


def test_an_unreachable_url_and_a_revoked_subscription(api: Api, receiver: Receiver) -> None:
    closed = _subscribe(api, "http://127.0.0.1:9/nobody-listens")["subscription_id"]
    sid = _subscribe(api, receiver.url)["subscription_id"]
    api.post("/sources/sales/records", json=VY)
    receiver.wait_for(1)
    assert _settled(api, closed, lambda s: s["failures"] > 0)["last_error"].startswith("no answer")

    assert api.client.delete(f"/subscriptions/{sid}", headers=api.headers("admin")).status_code == 204
    assert api.client.delete(f"/subscriptions/{sid}", headers=api.headers("admin")).status_code == 404
    api.post("/sources/sales/records", json={**VY, "city": "Huế"})
    api.client.app.state.service.deliveries.deliver_due()
    assert len(receiver.received) == 1  # nothing more to a revoked subscription
    assert api.get("/subscriptions", who="admin").json()["data"][0]["subscription_id"] == closed
    revoked = api.get("/subscriptions", who="admin", params={"revoked": True}).json()["data"]
    assert {s["subscription_id"]: s["revoked_by"] for s in revoked}[sid] == "test-admin"


def test_subscriptions_refuse_what_they_cannot_do(api: Api, receiver: Receiver) -> None:
    head = api.get("/changes", params={"limit": 1}).json()["head"]
    for body, field in (({"name": "x", "url": "ftp://example.com/feed"}, "url"),
                        ({"name": "x", "url": "http:///no-host"}, "url"),
                        ({"name": "x", "url": receiver.url, "after": head + 1}, "after"),
                        ({"name": "x", "url": receiver.url, "after": -1}, "after"),
                        ({"name": "", "url": receiver.url}, "name"),
                        ({"name": "x", "url": receiver.url, "secret": "mine"}, "secret")):
        r = api.post("/subscriptions", who="admin", json=body)
        assert r.status_code == 422 and field in r.json()["detail"], (body, r.json())
    assert api.post("/subscriptions", who="steward",
                    json={"name": "x", "url": receiver.url}).status_code == 403
    assert api.get("/subscriptions/SNOPE", who="admin").status_code == 404
    assert api.get("/subscriptions", who="admin").json()["data"] == []


def test_a_subscription_outlives_a_restart(served_db, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    db, made = served_db
    settings = ApiSettings(db_path=db, delivery_backoff=0.05)
    with TestClient(create_app(settings)) as client:
        api = Api(client, db, made)
        sid = _subscribe(api, receiver.url)["subscription_id"]
    with TestClient(create_app(settings)) as client:  # the service started again
        api = Api(client, db, made)
        api.post("/sources/sales/records", json=VY)
        ((_headers, body),) = receiver.wait_for(1)
        assert json.loads(body)["subscription_id"] == sid


def test_a_stop_begins_no_delivery_it_had_not_begun(served_db) -> None:  # type: ignore[no-untyped-def]
    """A delivery waits up to 10 s for its URL. With more subscriptions behind than deliver at
    once, the stop (SIGTERM) waited for those under way, then began the others and waited for
    them too (20 s with twelve hanging URLs). Those not begun keep their cursor, for the next start."""
    db, made = served_db
    slow = Receiver()
    slow.hold = threading.Event()
    try:
        with TestClient(create_app(ApiSettings(db_path=db))) as client:
            api = Api(client, db, made)
            waiting = [_subscribe(api, slow.url, after=0)["subscription_id"] for _ in range(CONCURRENT + 1)]
            slow.wait_for(CONCURRENT)
            threading.Timer(0.5, slow.hold.set).start()  # the URL answers once the stop has begun
    finally:
        slow.hold.set()
        slow.server.shutdown()
    assert len(slow.received) == CONCURRENT
    con = database.connect(db, read_only=True)
    try:
        cursors = dict(con.execute("SELECT subscription_id, after_seq FROM subscriptions").fetchall())
    finally:
        con.close()
    begun = {json.loads(body)["subscription_id"] for _h, body in slow.received}
    assert all(cursors[sid] > 0 for sid in begun)  # answered: their cursors moved
    assert [cursors[sid] for sid in waiting if sid not in begun] == [0]


def test_a_command_with_the_server_stopped_leaves_the_push_to_its_next_start(  # type: ignore[no-untyped-def]
    served_db, receiver: Receiver, caplog
) -> None:
    """`mdm erase` (as `mdm load`'s replay) opens the service for one command: it tried to post
    what it changed to each subscription, warned of every URL that did not answer and counted a
    failure against it, though the entries are in the feed and each subscription's cursor is
    stored. It posts nothing now, and the server, started again, sends them."""
    from typer.testing import CliRunner

    from mdm.cli import app

    db, made = served_db
    settings = ApiSettings(db_path=db, delivery_backoff=0.05)
    with TestClient(create_app(settings)) as client:
        api = Api(client, db, made)
        closed = _subscribe(api, "http://127.0.0.1:9/nobody-listens")["subscription_id"]
        sid = _subscribe(api, receiver.url)["subscription_id"]
        gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
        receiver.wait_for(1)
        _settled(api, closed, lambda s: s["failures"] > 0)
    con = database.connect(db)
    try:  # the URL that did not answer is due now, as at any start
        con.execute("UPDATE subscriptions SET failures = 0, next_attempt_at = NULL, last_error = NULL")
    finally:
        con.close()
    delivered = len(receiver.received)
    caplog.clear()
    with caplog.at_level("WARNING", logger="mdm.delivery"):
        done = CliRunner().invoke(app, ["erase", "--db", str(db), "--golden-id", gid, "--reason", "DSR-9"])
    assert done.exit_code == 0, done.output
    assert [r.getMessage() for r in caplog.records] == []  # warned "delivery ... failed: no answer"
    assert len(receiver.received) == delivered  # the command posted nothing
    con = database.connect(db, read_only=True)
    try:
        assert con.execute("SELECT failures FROM subscriptions WHERE subscription_id = ?",
                           [closed]).fetchone() == (0,)
    finally:
        con.close()
    with TestClient(create_app(settings)) as client:  # the server started again sends them
        api = Api(client, db, made)
        receiver.wait_for(delivered + 1)
        assert gid in {e["golden_id"] for e in receiver.entries()[-5:] if e["change"] == "erased"}
        assert _settled(api, sid, lambda s: s["after_seq"] == api.get("/changes").json()["head"])
