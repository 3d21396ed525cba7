"""Start a real ``mdm serve`` for a test, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path, log: Path | None = None, stop: signal.Signals = signal.SIGINT) -> Iterator[str]:
    """``mdm serve`` in its own process until the block ends, then sent ``stop``; yields the base
    URL. ``log``: a file to write its output to (its access log, say)."""
    port = _free_port()
    mdm = Path(sys.executable).with_name("mdm")
    sink = log.open("wb") if log else None
    proc = subprocess.Popen(
        [str(mdm), "serve", "--db", str(db), "--port", str(port)],
        stdout=sink or subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def output() -> str:
        if log is not None:
            return log.read_text(errors="replace")
        return proc.stdout.read().decode() if proc.stdout else ""

    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = output()
                raise AssertionError(f"mdm serve did not become ready:\n{out}")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if sink is not None:
            sink.close()
    # Reached only when the block passed: an orderly stop ends with exit status 0, and says nothing
    # an operator would read as a fault (DuckDB's bindings reporting "leaked" objects at exit).
    out = output()
    if proc.returncode != 0 or "leaked" in out:
        raise AssertionError(f"mdm serve exited with {proc.returncode} after {stop.name}:\n{out[-3000:]}")
