"""Independent chunks of a batch run on every core, in forked worker processes.

Workers are forked so that they read their input from the parent's memory (set in a module
global just before the fork) instead of receiving it pickled. Results come back in input order,
so output never depends on the number of workers. The large Arrow tables among them do not
travel through the result pipe: a worker writes each to an Arrow file and the parent maps the
file into memory. Through the pipe, a 200 MB result was pickled, copied through a 64 KB buffer
while the worker waited, and unpickled by a parent thread competing with the workers for the two
cores. No fork from a thread other than the main one: the service runs batches on a background
thread of a multi-threaded server, where forking is not safe.

The parent's objects are frozen out of the cycle collector while workers are forked and run. A
worker that collected garbage the parent had left for its collector freed DuckDB connections
whose threads exist only in the parent, and crashed with a segfault. Freezing is also what the
``gc`` documentation advises before a fork: the workers' collections no longer write to the
parent's pages, so fewer of them are copied.
"""

from __future__ import annotations

import functools
import gc
import io
import multiprocessing
import os
import pickle
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import pyarrow as pa

from mdm.scratch import scratch_folder

T = TypeVar("T")
R = TypeVar("R")

# Tables smaller than this travel through the pipe: a file costs more than it saves.
_FILE_FROM_BYTES = 1 << 20


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.current_thread() is threading.main_thread()


def _mapped(path: str) -> pa.Table:
    """A table a worker wrote, read without copying; the file is removed at once (its pages stay
    mapped until the table is freed)."""
    table = pa.ipc.open_file(pa.memory_map(path)).read_all()
    os.unlink(path)
    return table


class _TablesToFiles(pickle.Pickler):
    """Pickles a worker's result with its large tables written to Arrow files in ``folder``."""

    def __init__(self, file: io.BytesIO, folder: str) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.folder = folder

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, pa.Table) and obj.nbytes >= _FILE_FROM_BYTES:
            path = os.path.join(self.folder, f"{uuid.uuid4().hex}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, obj.schema) as writer:
                writer.write_table(obj)
            return _mapped, (path,)
        return NotImplemented


def _in_worker(fn: Callable[[Any], Any], folder: str, item: Any) -> bytes:
    buffer = io.BytesIO()
    _TablesToFiles(buffer, folder).dump(fn(item))
    return buffer.getvalue()


def map_in_order(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fn`` over ``items`` in ``workers`` forked processes (in this one when 1), in order."""
    if workers < 2:
        yield from map(fn, items)
        return
    gc.freeze()
    try:
        with scratch_folder("workers") as folder, \
                ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(functools.partial(_in_worker, fn, folder), items):
                yield pickle.loads(result)
    finally:
        gc.unfreeze()
