"""Pushing the change feed to downstream systems that subscribed to it.

A subscription names a URL. The service posts the feed's entries to it in commit order, a page at
a time, as the same JSON ``GET /changes`` answers (with ``subscription_id`` and ``delivery_id``),
and moves the subscription's cursor on only when the URL answers 2xx: delivery is at least once,
and a receiver drops an entry whose ``seq`` it has seen. A URL that fails (an error status, a
redirect, no answer within the timeout) is tried again later and later, up to ``max_backoff``
seconds apart, with the same entries: the feed waits for it, so nothing is lost while it is down.

Each delivery is signed: ``X-MDM-Signature: sha256=`` the HMAC-SHA256, keyed by the
subscription's secret, of the ``X-MDM-Timestamp`` header, a dot and the body. A receiver
recomputes it and refuses a stale timestamp, so a captured delivery cannot be replayed.

One thread dispatches, woken by every committed write, by a delivery ending and by the next
retry falling due. It hands each subscription that is behind and due its next page on a pool
of ``CONCURRENT`` delivering threads, one delivery per subscription at a time: a URL that is slow
or down holds up its own subscription only. Cursor moves are writes of their own, through the
service's one writer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import duckdb

from mdm import changes
from mdm.errors import InvalidInputError
from mdm.store import stewardship as steward_sql
from mdm.store import subscriptions as subscriptions_sql
from mdm.store.database import now

logger = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[Callable[[duckdb.DuckDBPyConnection], T]], T]

PAGE = 100  # entries a delivery carries at most
CONCURRENT = 8  # deliveries under way at once, each to another subscription
USER_AGENT = "mdm-delivery/1"


def new_subscription(
    *, name: str, url: str, pii: bool, after_seq: int, actor: str,
) -> tuple[dict[str, Any], str]:
    """A subscription's row, and its secret (shown to its creator once, kept to sign)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"field 'url': {url!r} is not an http or https URL")
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = {"subscription_id": "S" + uuid.uuid4().hex[:15].upper(), "name": name, "url": url, "secret": secret,
           "pii": pii, "created_at": now(), "created_by": actor, "after_seq": after_seq}
    return row, secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-MDM-Signature`` of a delivery: what a receiver recomputes to trust it."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the entries must reach the URL that was subscribed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class Deliveries:
    """The delivering threads of one service. ``reader`` gives the calling thread's read cursor,
    ``write`` runs a function as one write of the service."""

    def __init__(
        self,
        reader: Callable[[], duckdb.DuckDBPyConnection],
        write: Write[Any],
        attribute_fields: Mapping[str, str],
        page: Callable[[int, int, Mapping[str, str] | None], changes.FeedPage],
        *,
        held: Callable[[], bool] = lambda: False,
        backoff: float = 5.0,
        max_backoff: float = 600.0,
        timeout: float = 10.0,
    ) -> None:
        self._reader = reader
        self._write = write
        self._fields = attribute_fields
        # The feed as the service shows it, and whether it holds entries back (a replay going,
        # Service.change_page): then nothing is sent, and the replay's end wakes it.
        self._page, self._held = page, held
        self.backoff, self.max_backoff, self.timeout = backoff, max_backoff, timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._under_way: set[str] = set()  # subscriptions with a delivery in a pool thread
        self._lock = threading.Lock()
        self.active = False  # some subscription is in force: the service keeps it so (set_active)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mdm-deliveries", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the deliveries under way (at most ``timeout`` seconds); those waiting for a
        delivering thread are not begun (their cursors have not moved: the next start sends them)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def notify(self) -> None:
        """Something was committed: deliver it (a post costs nothing more while nobody subscribed)."""
        if self.active:
            self._wake.set()

    def set_active(self, con: duckdb.DuckDBPyConnection) -> None:
        """Whether any subscription is in force, after one was made or ended."""
        self.active = bool(subscriptions_sql.listed(con, revoked=False))
        self.notify()

    def _run(self) -> None:
        pool = ThreadPoolExecutor(CONCURRENT, thread_name_prefix="mdm-delivery")
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    wait = self._dispatch(pool)
                except Exception:  # a broken database must not end the thread: it tries again
                    logger.exception("delivering the change feed failed")
                    wait = self.backoff
                self._wake.wait(wait)
        finally:
            pool.shutdown(cancel_futures=True)

    def _dispatch(self, pool: ThreadPoolExecutor) -> float | None:
        """Start the next delivery of each subscription that is behind, due and has none under
        way; returns the seconds until the next retry falls due (None: none waits)."""
        if self.active and not self._held():
            # Taken before reading which are due: a delivery that ends after this committed its
            # cursor first, so none is read stale and sent twice.
            with self._lock:
                under_way = set(self._under_way)
            con = self._reader()
            for sub in subscriptions_sql.due(con, now(), steward_sql.last_change(con)):
                sid = sub["subscription_id"]
                if sid in under_way:
                    continue
                with self._lock:
                    self._under_way.add(sid)
                delivery = pool.submit(self._deliver, sub)
                delivery.add_done_callback(lambda done, sid=sid: self._ended(sid, done))
        return self._until_next_retry()

    def _ended(self, sid: str, done: Future[None]) -> None:
        error = None if done.cancelled() else done.exception()
        if error is not None:
            logger.error("delivering to subscription %s failed", sid, exc_info=error)
        with self._lock:
            self._under_way.discard(sid)
        self._wake.set()  # its next page, if it is still behind

    def deliver_due(self) -> float | None:
        """Deliver to every subscription that is behind and due, a page each, on this thread,
        until none is; returns the seconds until the next retry falls due (None: none waits)."""
        while self.active and not self._stop.is_set() and not self._held():
            con = self._reader()
            due = subscriptions_sql.due(con, now(), steward_sql.last_change(con))
            if not due:
                break
            for sub in due:
                if self._stop.is_set():
                    break
                self._deliver(sub)
        return self._until_next_retry()

    def _until_next_retry(self) -> float | None:
        """Seconds until the earliest retry of a failing subscription falls due (None: none waits)."""
        retry_at = subscriptions_sql.next_attempt(self._reader())
        return None if retry_at is None else max((retry_at - now()).total_seconds(), 0.0)

    def _deliver(self, sub: dict[str, Any]) -> None:
        masked = None if sub["pii"] else self._fields
        feed = self._page(sub["after_seq"], PAGE, masked)
        sid = sub["subscription_id"]
        if not feed.seqs:  # the entries after its cursor were erased, or are held back (a replay going)
            if feed.head > sub["after_seq"]:
                self._write(lambda con: subscriptions_sql.delivered(con, sid, feed.head, now()))
            return
        body = feed.body(subscription_id=sub["subscription_id"],
                         delivery_id="V" + uuid.uuid4().hex[:15].upper())
        error = self._post(sub, body.encode())
        if error is None:
            self._write(lambda con: subscriptions_sql.delivered(con, sid, feed.next_after, now()))
            return
        delay = min(self.backoff * 2 ** sub["failures"], self.max_backoff)
        retry_at = now() + dt.timedelta(seconds=delay)
        logger.warning("delivery to subscription %s (%s) failed: %s; next attempt in %.0f s",
                       sid, sub["name"], error, delay)
        self._write(lambda con: subscriptions_sql.failed(con, sid, error, retry_at))

    def _post(self, sub: dict[str, Any], body: bytes) -> str | None:
        """Post one delivery; the reason it failed, or None."""
        timestamp = str(int(time.time()))
        request = urllib.request.Request(sub["url"], data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-MDM-Subscription": sub["subscription_id"], "X-MDM-Timestamp": timestamp,
            "X-MDM-Signature": signature(sub["secret"], timestamp, body),
        })
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                response.read()
                return None
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            return f"no answer: {reason}"[:500]
