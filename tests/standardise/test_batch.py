"""Standardising on several cores gives exactly what one process gives, in the same order."""

from __future__ import annotations

from itertools import chain

from mdm.ingest import ingest
from mdm.sources import load_sources
from mdm.standardise import batch
from tests.conftest import TODAY


def test_workers_give_the_same_rows_in_the_same_order(small_sample, monkeypatch):  # type: ignore[no-untyped-def]
    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    one = list(chain.from_iterable(batch.standardise_chunks(records, TODAY, workers=1)))
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    two = list(chain.from_iterable(batch.standardise_chunks(records, TODAY, workers=2)))
    assert [i for i, *_ in two] == list(range(len(records)))
    assert two == one
    assert all(error is None for *_, error in one)


def test_no_fork_outside_the_main_thread(small_sample, monkeypatch):  # type: ignore[no-untyped-def]
    """The service runs batches on a background thread of a multi-threaded server: no fork there."""
    import threading

    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)

    def no_pool(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("forked from a background thread")

    monkeypatch.setattr(batch, "ProcessPoolExecutor", no_pool)
    out: list = []
    thread = threading.Thread(
        target=lambda: out.append(list(chain.from_iterable(batch.standardise_chunks(records, TODAY, workers=2))))
    )
    thread.start()
    thread.join()
    assert len(out) == 1 and len(out[0]) == len(records)
