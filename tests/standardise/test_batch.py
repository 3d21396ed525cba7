"""Standardising on several cores gives exactly what one process gives, in the same order."""

from __future__ import annotations

from mdm.ingest import ingest
from mdm.sources import load_sources
from mdm.standardise import batch
from tests.conftest import TODAY


def test_workers_give_the_same_rows_in_the_same_order(small_sample, monkeypatch):  # type: ignore[no-untyped-def]
    records = ingest(load_sources(small_sample / "sources.yaml").sources).accepted
    one = batch.standardise_all(records, TODAY, workers=1)
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    two = batch.standardise_all(records, TODAY, workers=2)
    assert [i for i, *_ in two] == list(range(len(records)))
    assert two == one
    assert all(error is None for *_, error in one)
