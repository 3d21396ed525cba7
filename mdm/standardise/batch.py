"""Standardising a batch run's records on every core.

Standardisation is pure Python and the longest stage of a large run. Records are independent,
so chunks go to worker processes, forked so that they read the records from the parent's memory
instead of receiving them pickled. Small runs stay in this process: forking costs more than it
saves there, and so does a run started inside the service: forking a process that serves
requests on many threads is not safe. Results come back in input order, so a run's output does
not depend on the number of workers.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from mdm.ingest import Accepted, raw_json
from mdm.standardise.record import standardise_record

logger = logging.getLogger(__name__)

# Below this many records one process is faster than starting workers.
PARALLEL_FROM = 20_000
_CHUNKS_PER_WORKER = 8
_SERIAL_CHUNK = 50_000

# What forked workers read: set by the parent just before it forks, cleared after.
_RECORDS: Sequence[Accepted] = ()

Standardised = tuple[int, dict[str, Any] | None, str, str | None]  # index, row or None, raw JSON, error


def _standardise_range(bounds: tuple[int, int, dt.date]) -> list[Standardised]:
    start, stop, today = bounds
    out: list[Standardised] = []
    for i in range(start, stop):
        rec = _RECORDS[i]
        raw = raw_json(rec.values)
        try:
            out.append((i, standardise_record(rec.source, rec.source_id, rec.values, today=today), raw, None))
        except Exception as e:  # standardisers never raise by contract; if one does, keep the row
            logger.exception("standardising %s:%s failed", rec.source.name, rec.source_id)
            out.append((i, None, raw, f"standardisation failed: {e}"))
    return out


def standardise_chunks(
    records: Sequence[Accepted], today: dt.date, workers: int | None = None
) -> Iterator[list[Standardised]]:
    """(index, standardised row or None, raw JSON, error or None) for every record, in order,
    a chunk at a time: the caller turns each chunk into columns and lets its dicts go."""
    global _RECORDS
    workers = workers or os.cpu_count() or 1
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.current_thread() is threading.main_thread()
    parallel = workers >= 2 and len(records) >= PARALLEL_FROM and forkable
    n_chunks = workers * _CHUNKS_PER_WORKER if parallel else -(-len(records) // _SERIAL_CHUNK)
    size = max(1, -(-len(records) // max(n_chunks, 1)))
    bounds = [(s, min(s + size, len(records)), today) for s in range(0, len(records), size)]
    _RECORDS = records
    try:
        if not parallel:
            for b in bounds:
                yield _standardise_range(b)
            return
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_standardise_range, bounds)
    finally:
        _RECORDS = ()
