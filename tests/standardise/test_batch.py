"""Standardising on several cores gives exactly what one process gives, in the same order."""

from __future__ import annotations

import pyarrow as pa

from mdm.ingest import ingest
from mdm.sources import load_sources
from mdm.standardise import batch
from tests.conftest import TODAY


def test_workers_give_the_same_rows_in_the_same_order(small_sample, monkeypatch):  # type: ignore[no-untyped-def]
    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    one = list(batch.standardise_chunks(records, TODAY, workers=1))
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    two = list(batch.standardise_chunks(records, TODAY, workers=2))
    assert len(two) > 1  # the records were split between the workers
    std = pa.concat_tables([c.std for c in two])
    assert std["record_key"].to_pylist() == [f"{r.source.name}:{r.source_id}" for r in records]
    assert std.equals(pa.concat_tables([c.std for c in one]))
    assert pa.concat_tables([c.raw for c in two]).equals(pa.concat_tables([c.raw for c in one]))
    assert not [f for c in one for f in c.failed]


def test_outside_the_main_thread_workers_come_from_a_fork_server(  # type: ignore[no-untyped-def]
    small_sample, monkeypatch, pool_starts
):
    """The service runs batches on a background thread of a multi-threaded server: no fork from
    there, but workers all the same, from a fork server, with the rows one process gives."""
    import threading

    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    one = pa.concat_tables([c.std for c in batch.standardise_chunks(records, TODAY, workers=1)])
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    out: list = []
    thread = threading.Thread(
        target=lambda: out.append(list(batch.standardise_chunks(records, TODAY, workers=2))))
    thread.start()
    thread.join()
    assert pool_starts == ["forkserver"]
    assert len(out[0]) > 1
    assert pa.concat_tables([c.std for c in out[0]]).equals(one)


def test_a_record_whose_standardisation_raises_comes_back_failed_at_its_place(  # type: ignore[no-untyped-def]
    small_sample, monkeypatch
):
    """Standardisers never raise by contract; if one does, the record comes back failed with its
    index in the run (the caller quarantines it), whether a worker read the run's records from
    the parent's memory or received its own as lists of their fields."""
    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    broken = records[-3]
    real = batch.standardise_record

    def failing(source, source_id, values, today):  # type: ignore[no-untyped-def]
        if (source.name, source_id) == (broken.source.name, broken.source_id):
            raise ValueError("boom")
        return real(source, source_id, values, today=today)

    monkeypatch.setattr(batch, "standardise_record", failing)
    expected = [(len(records) - 3, "standardisation failed: boom")]
    start = len(records) - 10
    own = batch._Range(start, len(records), TODAY, batch._Columns.of(records[start:]))
    received = batch._standardise_range((), own)
    assert [(i, error) for i, _raw, error in received.failed] == expected
    assert received.std["record_key"].to_pylist() == [
        f"{r.source.name}:{r.source_id}" for r in records[start:] if r is not broken]
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    chunks = list(batch.standardise_chunks(records, TODAY, workers=2))  # forked: the patch goes along
    assert [(i, error) for c in chunks for i, _raw, error in c.failed] == expected
    assert sum(c.std.num_rows for c in chunks) == len(records) - 1
