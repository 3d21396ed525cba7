"""Standardising a batch run's records on every core.

Standardisation is pure Python and the longest stage of a large run. Records are independent,
so chunks go to worker processes (mdm/parallel.py). Forked workers read the records from the
parent's memory; workers of a run the service started, which come from a fork server, receive
their chunk's records pickled. Small runs stay in this process: starting workers costs more than
it saves there. Results come back in input order, so a run's output does not depend on the
number of workers. Each chunk comes back as Arrow columns, built in the worker: a million rows of
Python dicts would cost more to pickle and unpickle than to make.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from mdm.ingest import Accepted, raw_json
from mdm.parallel import forks, map_in_order
from mdm.standardise.record import standardise_record
from mdm.store.tables import SCHEMAS, to_arrow

logger = logging.getLogger(__name__)

# Below this many records one process is faster than starting workers.
PARALLEL_FROM = 20_000
_CHUNKS_PER_WORKER = 8
_SERIAL_CHUNK = 50_000

# The source_records columns a worker fills (the run id and load time are the caller's).
RAW_SCHEMA = pa.schema([SCHEMAS["source_records"].field(c) for c in ("record_key", "source", "source_id", "row_number", "raw")])


@dataclass(frozen=True)
class Chunk:
    """One chunk of records, standardised: ``std`` and ``raw`` hold the records that
    standardised, row for row; ``failed`` the (index, raw JSON, error) of those that did not."""

    std: pa.Table
    raw: pa.Table
    failed: list[tuple[int, str, str]]


@dataclass(frozen=True)
class _Range:
    """Records ``start`` to ``stop``: the range's own records where the worker cannot read the
    run's from the parent's memory, else None."""

    start: int
    stop: int
    today: dt.date
    records: Sequence[Accepted] | None = None


def _standardise_range(records: Sequence[Accepted], r: _Range) -> Chunk:
    today = r.today
    rows, failed = [], []
    raw: dict[str, list[object]] = {name: [] for name in RAW_SCHEMA.names}
    own = r.records
    for i in range(r.start, r.stop):
        rec = records[i] if own is None else own[i - r.start]
        raw_text = raw_json(rec.values)
        try:
            std = standardise_record(rec.source, rec.source_id, rec.values, today=today)
        except Exception as e:  # standardisers never raise by contract; if one does, keep the row
            logger.exception("standardising %s:%s failed", rec.source.name, rec.source_id)
            failed.append((i, raw_text, f"standardisation failed: {e}"))
            continue
        rows.append(std)
        for column, value in zip(raw, (std["record_key"], rec.source.name, rec.source_id, rec.row_number, raw_text),
                                 strict=True):
            raw[column].append(value)
    return Chunk(to_arrow("std_records", rows), pa.Table.from_pydict(raw, schema=RAW_SCHEMA), failed)


def standardise_chunks(
    records: Sequence[Accepted], today: dt.date, workers: int | None = None
) -> Iterator[Chunk]:
    """Every record standardised, in order, a chunk at a time."""
    workers = workers or os.cpu_count() or 1
    parallel = workers >= 2 and len(records) >= PARALLEL_FROM
    shared = not parallel or forks()
    n_chunks = workers * _CHUNKS_PER_WORKER if parallel else -(-len(records) // _SERIAL_CHUNK)
    size = max(1, -(-len(records) // max(n_chunks, 1)))
    ranges = [_Range(s, e, today, None if shared else records[s:e])
              for s, e in ((s, min(s + size, len(records))) for s in range(0, len(records), size))]
    yield from map_in_order(_standardise_range, records if shared else (), ranges, workers if parallel else 1)
