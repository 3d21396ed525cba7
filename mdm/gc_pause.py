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
requests, whose short-lived cycles it must still free. There the stage holds back only the full
collections, which walk every live container: the run's millions of records and rows, holding
every thread a second or more each time. The young generations are still collected, and what
requests leave in cycles dies there. Worker processes (mdm/parallel.py) keep it off: they serve
one batch stage only.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_NEVER = 2**31 - 1  # a full collection's threshold no count reaches
_held = 0  # the threads holding back full collections (_full_collections_held)
_held_lock = threading.Lock()
_full_threshold = 10  # the threshold they restore


@contextmanager
def gc_paused() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        with _full_collections_held():
            yield
        return
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def _full_collections_held() -> Iterator[None]:
    """The oldest generation's threshold out of reach while it holds, from whichever threads."""
    global _held, _full_threshold
    with _held_lock:
        if _held == 0:
            young, middle, _full_threshold = gc.get_threshold()
            gc.set_threshold(young, middle, _NEVER)
        _held += 1
    try:
        yield
    finally:
        with _held_lock:
            _held -= 1
            if _held == 0:
                young, middle, _never = gc.get_threshold()
                gc.set_threshold(young, middle, _full_threshold)
