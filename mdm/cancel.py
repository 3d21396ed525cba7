"""Cancelling a batch run from another thread: the service, stopping, cancels the run it started.

The run checks between its stages and, within those that are Python (reading, standardising,
clustering, golden records, the real-time index; 5-60 s each at a million records), every
fraction of a second or between worker tasks of about a second; the DuckDB statements it runs
meanwhile are interrupted. So a stop ends within docker's 10 s grace period wherever the run
is. DuckDB drops an interrupt that reaches a connection between two statements, so the
canceller repeats it until the run has ended. Once the run publishes it is
not cancelled: the publish is one short transaction, and the replay of the posts made during
the run, which follows it, must not be cut off.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from mdm.errors import RunCancelledError, RunInterruptedError


class Cancellation:
    """One run's: ``cancel`` from any thread; the run calls ``check`` and ``watching``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._interrupted = False
        self._publishing = False
        self._watched: list[duckdb.DuckDBPyConnection] = []

    def cancel(self, reason: str, *, interrupted: bool = False) -> None:
        """Cancel the run, unless it publishes, and interrupt what its connections run now;
        ``interrupted``: by Ctrl-C, said as such."""
        with self._lock:
            if self._publishing:
                return
            self._reason, self._interrupted = reason, interrupted
            for con in self._watched:
                con.interrupt()

    def error(self) -> RunCancelledError | None:
        """The error that ends the run if it was cancelled, whatever an interrupted statement raised."""
        if self._reason is None:
            return None
        return (RunInterruptedError if self._interrupted else RunCancelledError)(self._reason)

    def check(self) -> None:
        if (error := self.error()) is not None:
            raise error

    @contextmanager
    def watching(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """``con``'s statements interrupted by a cancel while the block runs (not the run's
        bookkeeping after it: recording the run as cancelled)."""
        with self._lock:
            self._watched.append(con)
        try:
            self.check()
            yield
        finally:
            with self._lock:
                self._watched.remove(con)

    def publishing(self) -> None:
        """The run publishes now: raises if it was cancelled, else it is no longer cancelled."""
        with self._lock:
            self.check()
            self._publishing = True
