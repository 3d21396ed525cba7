"""Standardising a batch run's records on every core.

Standardisation is pure Python and the longest stage of a large run. Records are independent,
so chunks go to worker processes (mdm/parallel.py). Forked workers read the records from the
parent's memory; workers of a run the service started, which come from a fork server, receive
their chunk's records pickled, as lists of their fields (_Columns). Small runs stay in this
process: starting workers costs more than it saves there. Results come back in input order, so
a run's output does not depend on the number of workers. Each chunk comes back as Arrow
columns, built in the worker: a million rows of Python dicts would cost more to pickle and
unpickle than to make.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from mdm.cancel import Cancellation
from mdm.ingest import Accepted, raw_json
from mdm.parallel import forks, map_in_order
from mdm.sources import SourceSpec
from mdm.standardise.record import standardise_record
from mdm.store.tables import SCHEMAS, to_arrow

logger = logging.getLogger(__name__)

# Below this many records one process is faster than starting workers.
PARALLEL_FROM = 20_000
_CHUNKS_PER_WORKER = 8
# At most about a second of a worker's time: what a cancelled run waits for (mdm/parallel.py).
# Chunks of 62,500 records took 5 s each at a million records.
_MAX_CHUNK = 12_500

# The source_records columns a worker fills (the run id and load time are the caller's).
RAW_SCHEMA = pa.schema([SCHEMAS["source_records"].field(c) for c in ("record_key", "source", "source_id", "row_number", "raw")])


@dataclass(frozen=True)
class Chunk:
    """One chunk of records, standardised: ``std`` and ``raw`` hold the records that
    standardised, row for row; ``failed`` the (index, raw JSON, error) of those that did not."""

    std: pa.Table
    raw: pa.Table
    failed: list[tuple[int, str, str]]


# A record's fields: its source, id, row number and values.
Fields = tuple[SourceSpec, str, int | None, dict[str, str | None]]


@dataclass(frozen=True)
class _Columns:
    """Records as lists of their fields, to pickle. A million ``Accepted`` records pickled one
    object at a time (a frozen dataclass's state goes through Python code each way) took 6.0 s to
    pickle and 10.0 s to unpickle; as these lists 2.0 s and 1.4 s, on the run's critical path
    on two cores."""

    sources: list[SourceSpec]
    source_ids: list[str]
    row_numbers: list[int | None]
    values: list[dict[str, str | None]]

    @classmethod
    def of(cls, records: Sequence[Accepted]) -> _Columns:
        return cls([r.source for r in records], [r.source_id for r in records],
                   [r.row_number for r in records], [r.values for r in records])


@dataclass(frozen=True)
class _Range:
    """Records ``start`` to ``stop``: the range's own records where the worker cannot read the
    run's from the parent's memory, else None."""

    start: int
    stop: int
    today: dt.date
    records: _Columns | None = None

    def fields(self, run: Sequence[Accepted]) -> Iterable[Fields]:
        if self.records is None:
            return ((r.source, r.source_id, r.row_number, r.values) for r in run[self.start:self.stop])
        own = self.records
        return zip(own.sources, own.source_ids, own.row_numbers, own.values, strict=True)


def _standardise_range(records: Sequence[Accepted], r: _Range) -> Chunk:
    today = r.today
    rows, failed = [], []
    raw: dict[str, list[object]] = {name: [] for name in RAW_SCHEMA.names}
    for i, (source, source_id, row_number, values) in enumerate(r.fields(records), start=r.start):
        raw_text = raw_json(values)
        try:
            std = standardise_record(source, source_id, values, today=today)
        except Exception as e:  # standardisers never raise by contract; if one does, keep the row
            logger.exception("standardising %s:%s failed", source.name, source_id)
            failed.append((i, raw_text, f"standardisation failed: {e}"))
            continue
        rows.append(std)
        fields = (std["record_key"], source.name, source_id, row_number, raw_text)
        for column, value in zip(raw, fields, strict=True):
            raw[column].append(value)
    return Chunk(to_arrow("std_records", rows), pa.Table.from_pydict(raw, schema=RAW_SCHEMA), failed)


def standardise_chunks(
    records: Sequence[Accepted], today: dt.date, workers: int | None = None,
    cancellation: Cancellation | None = None,
) -> Iterator[Chunk]:
    """Every record standardised, in order, a chunk at a time (RunCancelledError once
    ``cancellation`` is cancelled)."""
    workers = workers or os.cpu_count() or 1
    parallel = workers >= 2 and len(records) >= PARALLEL_FROM
    shared = not parallel or forks()
    n_chunks = max(workers * _CHUNKS_PER_WORKER if parallel else 1, -(-len(records) // _MAX_CHUNK))
    size = max(1, -(-len(records) // max(n_chunks, 1)))
    ranges = [_Range(s, e, today, None if shared else _Columns.of(records[s:e]))
              for s, e in ((s, min(s + size, len(records))) for s in range(0, len(records), size))]
    yield from map_in_order(_standardise_range, records if shared else (), ranges, workers if parallel else 1,
                            cancellation)
