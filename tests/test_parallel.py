"""Forked workers: results in input order, large Arrow tables handed over through files that
are gone once the parent has them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
