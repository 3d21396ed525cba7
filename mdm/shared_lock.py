"""A lock many threads may hold at once, or one alone.

The service's previews (``records:match``, similar records, links, a merge's preview) read the
live matcher and the database together, and only need them to agree: no write may commit and
update the matcher while one reads. Holding the writers' lock for that made previews wait for
every post's whole transaction and for each other. Previews hold this lock shared; a write
holds it alone only from its commit until the matcher follows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SharedLock:
    """Shared holders at once, or one exclusive holder. A thread waiting to hold it alone goes
    before threads that come later to share it, so that a stream of previews cannot hold a
    commit off. Not re-entrant: a holder must not take it again."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._sharing = 0
        self._exclusive = False
        self._waiting = 0  # threads waiting to hold it alone

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive and not self._waiting)
            self._sharing += 1
        try:
            yield
        finally:
            with self._changed:
                self._sharing -= 1
                if not self._sharing:
                    self._changed.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
            try:
                self._changed.wait_for(lambda: not self._exclusive and not self._sharing)
            finally:
                self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()
