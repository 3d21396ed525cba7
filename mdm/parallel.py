"""Independent chunks of a batch run on every core, in worker processes.

On the main thread, workers are forked: they read the job's shared input from the parent's
memory instead of receiving it pickled. A batch run the service starts runs on a background
thread of a multi-threaded server, where forking is not safe (a lock another thread holds is
copied held). There the workers come from a fork server: a process started fresh, single
threaded, that forks them. They receive the shared input pickled once each, its large Arrow
tables as files they map, so the run uses every core in the service as on the command line.
Like every process multiprocessing starts that way, a worker imports the program's main module:
a program that runs batches on a thread other than its main one keeps what it does under
``if __name__ == "__main__":`` (the ``mdm`` command and uvicorn do).

Results come back in input order, so output never depends on the number of workers. The large
Arrow tables among them do not travel through the result pipe: a worker writes each to an Arrow
file and the parent maps the file into memory. Through the pipe, a 200 MB result was pickled,
copied through a 64 KB buffer while the worker waited, and unpickled by a parent thread
competing with the workers for the two cores.

Before a fork the parent's objects are frozen out of the cycle collector until the workers are
done. A forked worker that collected garbage the parent had left for its collector freed DuckDB
connections whose threads exist only in the parent, and crashed with a segfault. Freezing is
also what the ``gc`` documentation advises before a fork: the workers' collections no longer
write to the parent's pages, so fewer of them are copied. A worker serves one batch stage, whose
work makes no reference cycles (mdm/gc_pause.py), so its collector is off from its start, also
while it unpickles its tasks: a fork server's worker unpickling a chunk of 62,500 records
collected 0.2-0.8 s at a time, walking the standardisers' caches it had filled.

A cancelled run (mdm/cancel.py) is seen while the parent waits for a result; the tasks not yet
begun are dropped and the workers ended, a task under way too (a stop must end within an
orchestrator's grace period). Callers keep a task to about a second of work all the same: the
parent sees a cancel between results when it runs the tasks itself.
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
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

import pyarrow as pa

from mdm.cancel import Cancellation
from mdm.scratch import scratch_folder

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

# Tables smaller than this travel through the pipe: a file costs more than it saves.
_FILE_FROM_BYTES = 1 << 20

# How often a parent waiting for a worker's result looks whether its run was cancelled.
_POLL_SECONDS = 0.1

# What this worker's tasks share: set once when the worker starts.
_SHARED: Any = None


def forks() -> bool:
    """Whether workers started now are forked from this process (and share its memory)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.current_thread() is threading.main_thread()


def _mapped_shared(path: str) -> pa.Table:
    """A table of the shared input, read without copying; every worker maps the same file, which
    goes with the job's scratch folder."""
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def _mapped(path: str) -> pa.Table:
    """A table a worker wrote, read without copying; the file is removed at once (its pages stay
    mapped until the table is freed)."""
    table = _mapped_shared(path)
    os.unlink(path)
    return table


class _TablesToFiles(pickle.Pickler):
    """Pickles with the large tables written to Arrow files in ``folder``, to be read back by
    ``reader``."""

    def __init__(self, file: io.BytesIO, folder: str, reader: Callable[[str], pa.Table]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.folder = folder
        self.reader = reader

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, pa.Table) and obj.nbytes >= _FILE_FROM_BYTES:
            path = os.path.join(self.folder, f"{uuid.uuid4().hex}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, obj.schema) as writer:
                writer.write_table(obj)
            return self.reader, (path,)
        return NotImplemented


def _pickled(obj: Any, folder: str, reader: Callable[[str], pa.Table]) -> bytes:
    buffer = io.BytesIO()
    _TablesToFiles(buffer, folder, reader).dump(obj)
    return buffer.getvalue()


def _start_worker(shared: Any, pickled: bool) -> None:
    global _SHARED
    gc.disable()
    _SHARED = pickle.loads(shared) if pickled else shared


def _in_worker(fn: Callable[[Any, Any], Any], folder: str, item: Any) -> bytes:
    return _pickled(fn(_SHARED, item), folder, _mapped)


def _result(future: Future[bytes], cancellation: Cancellation) -> bytes:
    while True:
        cancellation.check()
        try:
            return future.result(timeout=_POLL_SECONDS)
        except TimeoutError:
            continue


def map_in_order(
    fn: Callable[[S, T], R], shared: S, items: Iterable[T], workers: int,
    cancellation: Cancellation | None = None,
) -> Iterator[R]:
    """``fn(shared, item)`` for each of ``items``, in ``workers`` processes (in this one when 1),
    in order; RunCancelledError once ``cancellation`` is cancelled."""
    cancellation = cancellation or Cancellation()
    if workers < 2:
        for item in items:
            cancellation.check()
            yield fn(shared, item)
        return
    fork = forks()
    if fork:
        gc.freeze()
    try:
        with scratch_folder("workers") as folder:
            if fork:
                context, init = multiprocessing.get_context("fork"), (shared, False)
            else:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([fn.__module__])  # no effect once the server runs
                init = (_pickled(shared, folder, _mapped_shared), True)
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                     initargs=init) as pool:
                task = functools.partial(_in_worker, fn, folder)
                futures = [pool.submit(task, item) for item in items]
                try:
                    for future in futures:
                        yield pickle.loads(_result(future, cancellation))
                except BaseException:  # stopped early (cancelled, failed): what is left is not wanted
                    _stop_workers(pool)
                    raise
    finally:
        if fork:
            gc.unfreeze()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers now, as a crashed worker ends a pool (Python 3.14's ``terminate_workers``):
    waited for, a fork server's workers still unpickling the job (264 MB for golden records at a
    million records: 8.7 s before the first result on a loaded machine) would hold a stop that long.
    The pool then fails the tasks left (BrokenProcessPool, which no one reads); cancelled first,
    they made its thread die of an InvalidStateError (Python 3.11)."""
    for process in list(pool._processes.values()):  # type: ignore[attr-defined]
        process.terminate()
