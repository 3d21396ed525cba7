"""Python's cyclic garbage collector, paused while a batch stage builds millions of objects.

The collector runs every few hundred allocations and, every so often, walks every live
container. A batch run keeps a million records, their standardised rows and the standardisers'
caches alive, so those walks cost a third of reading, standardising and clustering, and a
sixth of building golden records (measured at 1M records; BENCHMARKS.md). Those stages
make no reference cycles (checked: a collection after each finds nothing to free), so
reference counting frees everything they drop. Splink's stages do make cycles (its SQL
syntax trees) and keep the collector.

Only the main thread pauses it for a batch stage: the collector is per process, and a batch
started inside the service runs on a background thread for minutes next to the threads serving
requests. A pause of seconds may come from any thread (``any_thread``): the real-time matcher's
index, built after each run's publish on the run's thread, halves (31 s to 16 s at 1M records).
Worker processes (mdm/parallel.py) keep it off: they serve one batch stage only.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(*, any_thread: bool = False) -> Iterator[None]:
    main = threading.current_thread() is threading.main_thread()
    if not (main or any_thread) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
