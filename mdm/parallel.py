"""Independent chunks of a batch run on every core, in forked worker processes.

Workers are forked so that they read their input from the parent's memory (set in a module
global just before the fork) instead of receiving it pickled; only results travel back, as
Arrow where they are large. Results come back in input order, so output never depends on
the number of workers. No fork from a thread other than the main one: the service runs
batches on a background thread of a multi-threaded server, where forking is not safe.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.current_thread() is threading.main_thread()


def map_in_order(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``fn`` over ``items`` in ``workers`` forked processes (in this one when 1), in order."""
    if workers < 2:
        yield from map(fn, items)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, items)
