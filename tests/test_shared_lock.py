"""The lock previews share and a write's commit holds alone (mdm/shared_lock.py)."""

from __future__ import annotations

import threading

from mdm.shared_lock import SharedLock

WAIT = 10.0  # seconds a thread is given to get somewhere it should get to at once
BRIEF = 0.3  # seconds a thread that must stay blocked is watched for


def _holding(enter, release: threading.Event, entered: threading.Event,  # type: ignore[no-untyped-def]
             order: list[str] | None = None, name: str = "") -> threading.Thread:
    def hold() -> None:
        with enter():
            if order is not None:
                order.append(name)
            entered.set()
            release.wait(WAIT)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def test_shared_holders_hold_it_together() -> None:
    lock, release = SharedLock(), threading.Event()
    first, second = threading.Event(), threading.Event()
    threads = [_holding(lock.shared, release, first), _holding(lock.shared, release, second)]
    assert first.wait(WAIT) and second.wait(WAIT)  # both inside at once
    release.set()
    for t in threads:
        t.join(WAIT)


def test_an_exclusive_holder_waits_for_the_shared_ones_and_keeps_others_out() -> None:
    lock = SharedLock()
    release_shared, release_exclusive = threading.Event(), threading.Event()
    shared, exclusive, other = threading.Event(), threading.Event(), threading.Event()
    threads = [_holding(lock.shared, release_shared, shared)]
    assert shared.wait(WAIT)
    threads.append(_holding(lock.exclusive, release_exclusive, exclusive))
    assert not exclusive.wait(BRIEF)
    release_shared.set()
    assert exclusive.wait(WAIT)
    threads.append(_holding(lock.exclusive, release_exclusive, other))
    assert not other.wait(BRIEF)  # one exclusive holder at a time
    release_exclusive.set()
    assert other.wait(WAIT)
    for t in threads:
        t.join(WAIT)


def test_a_waiting_exclusive_holder_goes_before_later_shared_ones() -> None:
    """A stream of previews cannot hold a commit off."""
    lock, order = SharedLock(), []
    release_first, release = threading.Event(), threading.Event()
    first, exclusive, later = threading.Event(), threading.Event(), threading.Event()
    threads = [_holding(lock.shared, release_first, first, order, "first shared")]
    assert first.wait(WAIT)
    threads.append(_holding(lock.exclusive, release, exclusive, order, "exclusive"))
    while not lock._waiting:  # the exclusive holder is queued
        threading.Event().wait(0.01)
    threads.append(_holding(lock.shared, release, later, order, "later shared"))
    assert not later.wait(BRIEF)
    release_first.set()
    release.set()
    assert later.wait(WAIT)
    for t in threads:
        t.join(WAIT)
    assert order == ["first shared", "exclusive", "later shared"]
