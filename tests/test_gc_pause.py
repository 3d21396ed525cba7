"""The batch stages that run with the garbage collector paused must not make reference cycles:
with the collector off, cycles would only be freed after the stage."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from pathlib import Path

import duckdb

from matching_rules import load_rules
from mdm import golden
from mdm.cancel import Cancellation
from mdm.gc_pause import gc_paused
from mdm.ingest import ingest
from mdm.pipeline import _standardise, cluster_pairs
from mdm.sources import load_sources
from tests.conftest import TODAY


def test_paused_in_the_main_thread_full_collections_held_in_others_and_restored() -> None:
    seen: list[bool] = []
    thresholds = gc.get_threshold()
    held: list[tuple[int, int, int]] = []

    def in_thread() -> None:
        with gc_paused():
            with gc_paused():
                pass
            seen.append(gc.isenabled())
            held.append(gc.get_threshold())

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the outer pause still holds after the inner one ends
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    # A thread beside the ones serving requests: collected, but not the oldest generation.
    assert seen == [True]
    assert held[0][:2] == thresholds[:2] and held[0][2] > 10**9
    assert gc.get_threshold() == thresholds



def _stages(sources: Path, pairs: object) -> None:
    ingested = ingest(load_sources(sources).sources)
    std, _ = _standardise(ingested, TODAY, "r", Cancellation())
    rules = load_rules()
    clustered = cluster_pairs(std, pairs, rules.matching, [], "r")  # type: ignore[arg-type]
    golden.build_golden(std, clustered.result.assignment, rules.attributes(), run_id="r",
                        now=dt.datetime(2026, 6, 30), previous_xref={}, previous={})


def test_read_standardise_cluster_and_golden_make_no_reference_cycles(
    small_sample: Path, reconciled: tuple[Path, object]
) -> None:
    db, _ = reconciled
    con = duckdb.connect(str(db), read_only=True)
    pairs = con.sql("SELECT * FROM pairs").to_arrow_table()
    con.close()
    _stages(small_sample / "sources.yaml", pairs)  # first use imports and fills caches
    gc.collect()
    with gc_paused():
        _stages(small_sample / "sources.yaml", pairs)
        assert gc.collect() == 0
