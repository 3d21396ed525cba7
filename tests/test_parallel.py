"""Forked workers: results in input order, large Arrow tables handed over through files that
are gone once the parent has them."""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from mdm import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")


def _tables(n: int) -> tuple[int, pa.Table, pa.Table]:
    big = pa.table({"i": pa.array(range(n * 300_000), pa.int64()), "s": [f"row {n}"] * (n * 300_000)})
    return n, big, pa.table({"n": [n]})


def test_results_come_back_in_order_equal_to_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    items = [3, 1, 2, 1]
    forked = list(parallel.map_in_order(_tables, items, 2))
    here = list(map(_tables, items))
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


def _collect(n: int) -> int:
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
        assert list(parallel.map_in_order(_collect, [1, 2, 3, 4], 2)) == [1, 2, 3, 4]
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()
