"""Stopping a real ``mdm serve`` as an orchestrator does: SIGTERM, then SIGKILL after a grace
period (docker stop 10 s, Kubernetes 30 s). It stops in good order within seconds, with status 0."""

from __future__ import annotations

import signal

from tests.api.server import serving


def test_sigterm_stops_the_server_with_status_0(served_db):  # type: ignore[no-untyped-def]
    """uvicorn stopped in good order, then raised SIGTERM again: the process ended by the signal
    (status 143), which docker and Kubernetes report as an error."""
    with serving(served_db[0], stop=signal.SIGTERM):  # the helper asserts the status
        pass
