"""Worker processes: results in input order, large Arrow tables handed over through files that
are gone once the parent has them, forked on the main thread and from a fork server elsewhere."""

from __future__ import annotations

import gc
import os
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from mdm import parallel
from mdm.cancel import Cancellation
from mdm.errors import RunCancelledError

pytestmark = pytest.mark.skipif(not parallel.forks(), reason="needs fork")


def _tables(shared: pa.Table, n: int) -> tuple[int, pa.Table, pa.Table]:
    big = pa.table({"i": pa.array(range(n * 300_000), pa.int64()), "s": [f"row {n}"] * (n * 300_000)})
    return n, big, shared.slice(n, 1)


def _shared() -> pa.Table:
    # Large: it goes to a fork server's workers as a file.
    return pa.table({"n": pa.array(range(500_000), pa.int64())})


def test_results_come_back_in_order_equal_to_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    items = [3, 1, 2, 1]
    forked = list(parallel.map_in_order(_tables, _shared(), items, 2))
    here = [_tables(_shared(), n) for n in items]
    assert [n for n, _, _ in forked] == items
    for (_, big, small), (_, big_here, small_here) in zip(forked, here, strict=True):
        assert big.nbytes >= parallel._FILE_FROM_BYTES  # this one went through a file
        assert big.equals(big_here) and small.equals(small_here)
    assert os.listdir(tmp_path) == []  # files removed once mapped, the folder once done


class _Holder:
    """Holds a DuckDB connection in a reference cycle, so only the cycle collector frees it."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("SELECT sum(range) FROM range(1000000)").fetchall()  # its threads have run
        self.me = self


def _collect(shared: None, n: int) -> int:
    gc.collect()
    return n


def test_a_worker_never_collects_what_the_parent_left_for_its_collector() -> None:
    """DuckDB connections the parent no longer reaches but has not yet collected must not be freed
    in a worker: there they crashed it (a segfault in the collector, a CI failure)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            _Holder()
        assert list(parallel.map_in_order(_collect, None, [1, 2, 3, 4], 2)) == [1, 2, 3, 4]
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


def test_off_the_main_thread_workers_come_from_a_fork_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_starts: list[str]
) -> None:
    """A run the service starts is on a background thread: its workers are not forked from the
    server, and give what forked workers give, shared tables and results included."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    items = [2, 1, 3]
    out: list[list[tuple[int, pa.Table, pa.Table]]] = []
    thread = threading.Thread(
        target=lambda: out.append(list(parallel.map_in_order(_tables, _shared(), items, 2))))
    thread.start()
    thread.join()
    assert pool_starts == ["forkserver"]
    here = [_tables(_shared(), n) for n in items]
    assert [n for n, _, _ in out[0]] == items
    for (_, big, row), (_, big_here, row_here) in zip(out[0], here, strict=True):
        assert big.equals(big_here) and row.equals(row_here)
    # The shared table's file went with the job's folder (multiprocessing keeps its own folder).
    assert [name for name in os.listdir(tmp_path) if not name.startswith("pymp-")] == []


def _marked(folder: str, n: int) -> int:
    Path(folder, str(n)).touch()
    time.sleep(0.05)
    return n


def test_a_cancelled_run_drops_the_tasks_not_begun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool sees its run's cancellation itself, where only its caller could check, between
    results: the run ends at the cancel, its workers ended, the tasks not begun never run, and
    the pool's own thread ends without an error."""
    failed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failed.append(args.exc_value))
    cancellation = Cancellation()
    items = list(range(200))
    results = parallel.map_in_order(_marked, str(tmp_path), items, 2, cancellation)
    assert next(results) == 0
    cancellation.cancel("cancelled: the service was stopped")
    with pytest.raises(RunCancelledError):
        next(results)
    assert 0 < len(os.listdir(tmp_path)) < len(items)
    assert failed == []
