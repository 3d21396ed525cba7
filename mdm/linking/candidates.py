"""Candidate records for real-time matching: an in-memory index of the blocking keys.

The batch scores exactly the pairs its blocking rules produce (records equal on every column
of some rule, none of them null). This index answers the same question for one new record in
microseconds, so real-time matching sees the candidates the batch would have seen.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import pyarrow as pa

from matching_rules import MATCH_COLUMNS, BlockingRuleSpec
from mdm.cancel import Cancellation
from mdm.gc_pause import gc_paused

MatchRow = dict[str, Any]


_DERIVED = ("date_of_birth", "birth_year", "phone_head", "phone_gap", "phone_tail", "email_alone")


def match_row(std: Mapping[str, Any], shared: Mapping[str, AbstractSet[str]] | None = None) -> MatchRow:
    """A standardised record's match columns, derived as :func:`mdm.store.work.match_select` does,
    without the values ``shared`` (match column -> values) makes nobody's, as
    :func:`mdm.store.work.without_shared_sql` leaves them out."""
    hidden = {c: None for c, values in (shared or {}).items() if std.get(c) in values}
    if hidden:
        std = {**std, **hidden}
    row = {c: std.get(c) for c in MATCH_COLUMNS if c not in _DERIVED}
    dob = std.get("date_of_birth")
    if isinstance(dob, dt.date):
        row["date_of_birth"], row["birth_year"] = dob.strftime("%Y-%m-%d"), str(dob.year)
    else:
        row["date_of_birth"] = row["birth_year"] = None
    phone = std.get("phone")
    split = isinstance(phone, str) and len(phone) >= 9
    row["phone_head"] = phone[:-3] if split else None
    row["phone_gap"] = phone[:-6] + phone[-3:] if split else None
    row["phone_tail"] = phone[-6:] if split else None
    row["email_alone"] = std.get("email_key")
    return row


def _intern(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


_SLICE = 50_000


def _values(column: pa.ChunkedArray) -> Iterator[Any]:
    """A column's values, converted a slice at a time: converting a million at once held every
    other thread up to 3 s (the service builds an index on a run's thread while it serves)."""
    for start in range(0, len(column), _SLICE):
        yield from column.slice(start, _SLICE).to_pylist()


# A block's members: one record key alone, or a sorted tuple of two or more. Most blocks hold one
# record (3.3 of 5.8 million at a million records): an empty set costs 216 bytes, and 0.7 GB of
# the index's 3 GB went to sets of one. Neither a string nor a tuple of strings is a container
# the cycle collector keeps walking (it stops tracking such a tuple the first time it meets it);
# the 2.5 million sets of two or more that blocks were before cost every full collection 1.1 s
# at a million records, every thread waiting.
Block = str | tuple[str, ...]


def _members(block: Block | None) -> Iterable[str]:
    return () if block is None else (block,) if isinstance(block, str) else block


def _size(block: Block) -> int:
    return 1 if isinstance(block, str) else len(block)


def _with(block: Block | None, key: str) -> Block:
    """``block`` with ``key`` added, its members kept in order."""
    if block is None or block == key:
        return key
    if isinstance(block, str):
        return (block, key) if block < key else (key, block)
    i = bisect.bisect_left(block, key)
    if i < len(block) and block[i] == key:
        return block
    return (*block[:i], key, *block[i:])


def _without(block: Block, key: str) -> Block | None:
    """``block`` without ``key``: None once no member is left, a lone key once one is."""
    if isinstance(block, str):
        return None if block == key else block
    rest = tuple(k for k in block if k != key)
    return rest[0] if len(rest) == 1 else rest


class CandidateIndex:
    """Match rows by record key, and record keys by each blocking rule's key."""

    def __init__(self, blocking: Sequence[BlockingRuleSpec]) -> None:
        self.rules = [tuple(rule.columns) for rule in blocking]
        self.max_sizes = [rule.max_block_size for rule in blocking]
        self.rows: dict[str, tuple[Any, ...]] = {}
        self._blocks: list[dict[tuple[Any, ...], Block]] = [{} for _ in self.rules]

    def __len__(self) -> int:
        return len(self.rows)

    def _keys(self, row: Mapping[str, Any]) -> Iterable[tuple[int, tuple[Any, ...]]]:
        for i, rule in enumerate(self.rules):
            key = tuple(row.get(c) for c in rule)
            if all(v is not None for v in key):
                yield i, key

    def load(self, table: pa.Table, cancellation: Cancellation | None = None) -> None:
        """Add every record of a table of match rows (``record_key`` and the match columns) to an
        empty index, a column at a time: a million records take seconds, where adding them one
        at a time took 40. A cancelled run stops within a slice of records (RunCancelledError)."""
        assert not self.rows, "load fills an empty index"
        check = (cancellation or Cancellation()).check
        with gc_paused():  # millions of lists and tuples, none in a cycle
            keys = [sys.intern(k) for k in _values(table["record_key"])]
            columns = {}
            for c in MATCH_COLUMNS:
                check()
                columns[c] = [_intern(v) for v in _values(table[c])]
            rows = zip(keys, zip(*columns.values(), strict=True), strict=True)
            while batch := list(itertools.islice(rows, _SLICE)):  # a million at once held others 1.3 s
                check()
                self.rows.update(batch)
            for rule, blocks in zip(self.rules, self._blocks, strict=True):
                # A block of three or more is a list until the end.
                growing: dict[tuple[Any, ...], Any] = blocks
                lists = []
                for i, (key, *values) in enumerate(zip(keys, *(columns[c] for c in rule), strict=True)):
                    if i % _SLICE == 0:
                        check()
                    if None not in values:
                        block_key = tuple(values)
                        block = growing.get(block_key)
                        if block is None:
                            growing[block_key] = key
                        elif isinstance(block, str):
                            growing[block_key] = _with(block, key)
                        elif isinstance(block, tuple):
                            growing[block_key] = [*block, key]
                            lists.append(block_key)
                        else:
                            block.append(key)
                for block_key in lists:
                    growing[block_key] = tuple(sorted(growing[block_key]))

    def release(self, batch: int = 20_000) -> None:
        """Empty the index ``batch`` entries at a time, letting other threads run in between:
        freed at once, a million records' blocks held every thread 1.2 s (the GIL)."""
        for entries in (*self._blocks, self.rows):
            while entries:
                for _ in range(min(batch, len(entries))):
                    entries.popitem()
                time.sleep(0)

    def add(self, record_key: str, row: Mapping[str, Any]) -> None:
        """Add or replace a record."""
        self.remove(record_key)
        self.rows[record_key] = tuple(_intern(row.get(c)) for c in MATCH_COLUMNS)
        for i, key in self._keys(row):
            block_key = tuple(_intern(v) for v in key)
            self._blocks[i][block_key] = _with(self._blocks[i].get(block_key), record_key)

    def remove(self, record_key: str) -> None:
        old = self.rows.pop(record_key, None)
        if old is None:
            return
        for i, key in self._keys(dict(zip(MATCH_COLUMNS, old, strict=True))):
            block = self._blocks[i].get(key)
            rest = None if block is None else _without(block, record_key)
            if rest is None:
                self._blocks[i].pop(key, None)
            else:
                self._blocks[i][key] = rest

    def row(self, record_key: str) -> MatchRow:
        return dict(zip(MATCH_COLUMNS, self.rows[record_key], strict=True))

    def candidates(self, row: Mapping[str, Any], *, exclude: str | None = None) -> list[str]:
        """Record keys sharing at least one blocking key with ``row``, in a stable order."""
        found: set[str] = set()
        for i, key in self._keys(row):
            block = self._blocks[i].get(key)
            if block is None:
                continue
            limit = self.max_sizes[i]
            # As in the batch, a block over the rule's size limit pairs nobody; the record
            # itself counts as one of its members.
            if limit is None or _size(block) + (exclude not in _members(block)) <= limit:
                found.update(_members(block))
        found.discard(exclude)  # type: ignore[arg-type]
        return sorted(found)
