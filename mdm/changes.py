"""The change feed as downstream systems read it: pulled (``GET /changes``) or pushed to a
subscription's URL (mdm/delivery.py), the same entries either way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from mdm.errors import InvalidInputError
from mdm.store import serving
from mdm.store import stewardship as steward_sql
from mdm.store.documents import mask_document, timestamp_text


@dataclass(frozen=True)
class FeedPage:
    data: str  # the entries as a JSON array, each with its golden record as it is now
    seqs: list[int]  # each entry's seq, in order
    next_after: int  # ask again after this
    more: bool  # more entries are already waiting
    head: int  # the last entry committed

    def body(self, **first: Any) -> str:
        """The page as a JSON object (``first``'s fields before it)."""
        lead = "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in first.items())
        return (f'{{{lead}"data": {self.data}, "next_after": {self.next_after},'
                f' "more": {json.dumps(self.more)},'
                f' "head": {self.head}}}')


def page(
    con: duckdb.DuckDBPyConnection, after: int, limit: int, *, masked_fields: Mapping[str, str] | None,
    upto: int | None = None,
) -> FeedPage:
    """Up to ``limit`` changes committed after entry ``after``, in commit order; with
    ``masked_fields`` (a golden attribute -> its field) the e-mails and phones masked. An
    ``after`` beyond the last entry is refused (check_cursor). ``upto``: the last entry shown,
    those after it held back (a run's, until the replay onto its results ends: Service.change_page)."""
    head = steward_sql.last_change(con)
    check_cursor(after, head)
    if upto is not None:
        head = max(min(head, upto), after)
    entries = [e for e in steward_sql.changes_after(con, after, limit + 1) if e["seq"] <= head]
    more = len(entries) > limit
    entries = entries[:limit]
    docs = serving.documents(con, sorted({e["golden_id"] for e in entries}))
    if masked_fields is not None:
        docs = {g: mask_document(doc, masked_fields) for g, doc in docs.items()}
    data = ", ".join(_entry_json(e, docs.get(e["golden_id"], "null")) for e in entries)
    return FeedPage(f"[{data}]", [e["seq"] for e in entries], entries[-1]["seq"] if entries else after, more,
                    max(head, entries[-1]["seq"] if entries else head))


def check_cursor(after: int, head: int) -> None:
    """Refuse a cursor beyond ``head``, the last entry so far: no entry was ever there, so it is
    a corrupted one, and reading on from it would skip every change up to it unseen."""
    if after > head:
        raise InvalidInputError(f"field 'after': {after} is beyond the last change so far ({head})")


def _entry_json(entry: dict[str, Any], document: str) -> str:
    head = json.dumps({**entry, "changed_at": timestamp_text(entry["changed_at"])}, ensure_ascii=False)
    return f'{head[:-1]}, "golden_record": {document}}}'
