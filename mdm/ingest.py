"""Reading every source and accounting for every row: accepted, a deletion (its system deleted
the key's record) or quarantined with a reason."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace

import orjson

from mdm.cancel import Cancellation
from mdm.sources import SourceSpec, read_source
from mdm.sources.missing import MISSING_VALUES
from mdm.sources.readers import REPLACEMENT_CHARACTER
from mdm.standardise.record import update_time
from mdm.standardise.text import whole_number


@dataclass(frozen=True, slots=True)
class Accepted:
    source: SourceSpec
    source_id: str
    row_number: int | None  # None for a record posted through the API, or carried (carry_forward)
    values: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Deletion:
    """A file row flagged deleted (the source's ``deleted:``): the run leaves its key's record out."""

    source: SourceSpec
    source_id: str
    row_number: int
    values: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Quarantined:
    source: str
    row_number: int | None
    source_id: str | None
    reason: str
    raw: str | None


@dataclass
class SourceCounts:
    read: int = 0  # file rows: accepted + deletions + quarantined
    accepted: int = 0  # file rows accepted
    deletions: int = 0  # file rows flagged deleted (`deleted:`): their key's record is left out
    quarantined: int = 0  # file rows quarantined, each with a reason
    posted: int = 0  # records posted through the API to the source
    superseded: int = 0  # accepted file rows replaced by a posted version of the same key
    outdated: int = 0  # posted records left out, their key's file row later (updated_at); publish drops them
    deleted: int = 0  # accepted file rows left out: their system deleted the key through the API
    undecodable: int = 0  # file rows holding bytes the source's encoding could not decode
    flagged: int = 0  # the run's records of the source carrying at least one data-quality flag
    removed: int = 0  # the source's published records the run does not have (mdm/removals.py)
    carried: int = 0  # records of an `extract: changes` source kept as stored: its extract has no newer row
    # Accepted and flagged file rows holding the `deleted:` column (None: the source names none). A
    # JSON row may lack it (a change feed's quiet day): in none, a typo in its name deletes nothing.
    deleted_column_rows: int | None = None


def source_warnings(sources: dict[str, SourceCounts]) -> list[str]:
    """What a run's counts warn of, each naming its source: ``mdm reconcile``'s summary prints them,
    and the service logs them for a run it starts, which has no console. One list for both, so that
    a warning added here reaches both."""
    said = []
    for name, c in sources.items():
        if c.undecodable:
            rows = "row holds" if c.undecodable == 1 else "rows hold"
            said.append(f"{name}: {c.undecodable:,} {rows} bytes its encoding could not decode (kept,"
                        " shown as \ufffd): set the source's `encoding:` (a Windows export is often"
                        " cp1252, or cp1258 for Vietnamese)")
        if c.deleted_column_rows == 0 and c.accepted:  # a JSON row may lack it: in none, nothing was deleted
            said.append(f"{name}: none of its {c.accepted:,} rows holds its `deleted:` column, so none was"
                        " deleted (a change feed's quiet day, or a typo in `deleted.column`)")
    return said


@dataclass
class Ingested:
    accepted: list[Accepted] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    counts: dict[str, SourceCounts] = field(default_factory=dict)
    # Posts left out (source, source_id, raw JSON): a later file row outdated them (merge_posted).
    outdated: list[tuple[str, str, str]] = field(default_factory=list)


def undecodable(item: Accepted | Deletion | Quarantined) -> bool:
    """Whether a row holds text its encoding could not decode."""
    if not isinstance(item, Quarantined):
        return any(v is not None and REPLACEMENT_CHARACTER in v for v in item.values.values())
    return item.raw is not None and REPLACEMENT_CHARACTER in item.raw


def clean_id(value: str | None) -> str | None:
    """Source keys are compared as trimmed text, a float's ``.0`` left out (``123.0`` is ``123``, as
    a JSON 123.0 is); a blank key, or an export's marker for no value (``NULL``, ``\\N``: a dump's
    missing key), is no key."""
    if value is None:
        return None
    value = whole_number(value.strip())
    return value if value and value not in MISSING_VALUES else None


# Control characters (Unicode's Cc) but the tab and line breaks a CSV's quoted field may hold in a
# key, and invisible format characters (Cf: a zero-width space U+200B, a byte order mark U+FEFF, a
# bidi override U+202E that shows "CRM1\u202e23" as "CRM132"). No system writes them into a key on
# purpose: a key holding one is a corrupt export or a bad client (a key pasted from a web page), it
# looks like another key it is not, cleaning it could make it another record's key ("CRM\x002024",
# "CRM\x1f" stripped as whitespace to "CRM"), and NUL ends text in C and is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A space other than U+0020 inside a key (a no-break space U+00A0 from a spreadsheet or web page,
# U+202F, U+3000) looks like the key with a plain space, another key, for the same reasons; at
# either end it is trimmed, as a plain space is.
_SPACES = frozenset(("Zs", "Zl", "Zp"))


def control_in_id(id_column: str, value: str | None) -> str | None:
    """Why an id as read (before :func:`clean_id`) is no key where it holds a control or an invisible
    format character, or a space other than U+0020 inside it."""
    if value is None or value.isprintable():  # the usual key, at once
        return None
    if found := _CONTROL.search(value):
        kind, char = "a control", found[0]
    elif char := next((ch for ch in value if unicodedata.category(ch) == "Cf"), ""):
        kind = "an invisible"
    elif char := next((ch for ch in value.strip() if ch != " " and unicodedata.category(ch) in _SPACES), ""):
        kind = "a non-ASCII space"
    else:
        return None
    return f"the id column {id_column!r} holds {kind} character (U+{ord(char):04X}), which no key holds"


def missing_id(id_column: str, value: str | None) -> str:
    """Why a row has no key: its id column is blank, or holds a marker for no value."""
    marker = (value or "").strip()
    return f"missing id (column {id_column!r} {f'holds {marker!r}' if marker else 'is blank'})"


def raw_json(values: dict[str, str | None]) -> str:
    return orjson.dumps(values).decode()


def _rows(spec: SourceSpec) -> Iterator[Accepted | Deletion | Quarantined]:
    first_seen: dict[str, int] = {}
    for row in read_source(spec):
        if row.values is None:
            yield Quarantined(spec.name, row.row_number, None, row.error or "unreadable row", row.text)
            continue
        if row.error is not None:  # parsed, but its id is no key
            yield Quarantined(spec.name, row.row_number, None, row.error, raw_json(row.values))
            continue
        if problem := control_in_id(spec.id_column, row.values.get(spec.id_column)):
            yield Quarantined(spec.name, row.row_number, None, problem, raw_json(row.values))
            continue
        source_id = clean_id(row.values.get(spec.id_column))
        if source_id is None:
            reason = missing_id(spec.id_column, row.values.get(spec.id_column))
            yield Quarantined(spec.name, row.row_number, None, reason, raw_json(row.values))
            continue
        if source_id in first_seen:
            yield Quarantined(
                spec.name,
                row.row_number,
                source_id,
                f"duplicate id {source_id!r} (first seen in data row {first_seen[source_id]})",
                raw_json(row.values),
            )
            continue
        first_seen[source_id] = row.row_number
        if spec.deleted is not None and spec.deleted.says_deleted(row.values):
            yield Deletion(spec, source_id, row.row_number, row.values)
        else:
            yield Accepted(spec, source_id, row.row_number, row.values)


# Rows read between two looks at whether the run was cancelled: a fraction of a second.
_CHECK_EVERY = 50_000


def ingest(sources: list[SourceSpec], cancellation: Cancellation | None = None) -> Ingested:
    """Read all sources. Config problems (missing columns) raise before anything is written. A
    cancelled run stops within a fraction of a second (the stage: 5-9 s at 1M records)."""
    check = (cancellation or Cancellation()).check
    out = Ingested()
    for spec in sources:
        counts = out.counts[spec.name] = SourceCounts()
        flag = spec.deleted.column if spec.deleted is not None else None
        holding = 0
        for item in _rows(spec):
            if counts.read % _CHECK_EVERY == 0:
                check()
            counts.read += 1
            counts.undecodable += undecodable(item)
            if isinstance(item, Quarantined):
                counts.quarantined += 1
                out.quarantined.append(item)
                continue
            holding += flag in item.values
            if isinstance(item, Accepted):
                counts.accepted += 1
                out.accepted.append(item)
            else:
                counts.deletions += 1
                out.deletions.append(item)
        counts.deleted_column_rows = holding if flag is not None else None
    return out


def carry_forward(
    ingested: Ingested, sources: list[SourceSpec], stored: Iterable[tuple[str, str, str]],
    posted: Collection[tuple[str, str]],
) -> None:
    """Add to a run's input the stored records (source, source_id, raw JSON) of its sources whose
    extract holds only the records new or changed since the last (``extract: changes``), where the
    extract has no row of the key: the record stays as the database holds it. Keys posted through
    the API are left to :func:`merge_posted`; a key deleted through it is stored no more, and one
    its extract flags deleted is left out."""
    by_name = {s.name: s for s in sources if s.extract == "changes"}
    in_file = {(a.source.name, a.source_id) for a in [*ingested.accepted, *ingested.deletions]
               if a.source.name in by_name}
    for source, source_id, raw in stored:
        spec = by_name.get(source)
        if spec is None or (source, source_id) in in_file or (source, source_id) in posted:
            continue
        ingested.counts[source].carried += 1
        ingested.accepted.append(Accepted(spec, source_id, None, orjson.loads(raw)))


WITHHELD = " (row withheld: its key was deleted through the API)"


def withheld(q: Quarantined) -> Quarantined:
    """A quarantined file row of a deleted (or erased) key: still counted, with its reason, but
    without the values its system deleted."""
    return replace(q, reason=q.reason + WITHHELD, raw=None)


def merge_posted(
    ingested: Ingested, sources: list[SourceSpec], posted: list[tuple[str, str, str]],
    deleted: list[tuple[str, str]], *, today: dt.date,
) -> int:
    """Add records posted through the API (source, source_id, raw JSON) to a run's input, and
    leave out the file rows of keys deleted through it (source, source_id).

    Of a key's file row and its post, the one with the later ``updated_at`` is its version: an
    extract made after the post holds what its system changed since. Where either has no time,
    or both the same, the post is (the file may be older than it, it cannot be newer); a file row
    flagged deleted is weighed so, the post standing or left out. A deletion through the API
    leaves the file row out; a deleted key's quarantined rows keep their reason, not their
    values. Posts to a source the config no longer lists are left out (and counted in the
    return value) but stay stored. An outdated post goes into ``ingested.outdated``, for the
    publish to drop: kept, it would come back in a later run whose extract lacks its key.
    """
    by_name = {s.name: s for s in sources}
    index = {(a.source.name, a.source_id): i for i, a in enumerate(ingested.accepted)}
    flagged = {(d.source.name, d.source_id): d.values for d in ingested.deletions}
    replaced: set[int] = set()
    for key in deleted:
        i = index.get(key)
        if i is not None:
            ingested.counts[key[0]].deleted += 1
            replaced.add(i)
    gone = set(deleted)
    ingested.quarantined = [
        withheld(q) if (q.source, q.source_id) in gone else q for q in ingested.quarantined
    ]
    extra: list[Accepted] = []
    unknown = 0
    for source, source_id, raw in posted:
        spec = by_name.get(source)
        if spec is None:
            unknown += 1
            continue
        counts = ingested.counts.setdefault(source, SourceCounts())
        counts.posted += 1
        values = orjson.loads(raw)
        i = index.get((source, source_id))
        row = ingested.accepted[i].values if i is not None else flagged.get((source, source_id))
        if row is not None:
            in_file = update_time(spec, row, today=today)
            in_post = update_time(spec, values, today=today)
            if in_file is not None and in_post is not None and in_file > in_post:
                counts.outdated += 1
                ingested.outdated.append((source, source_id, raw))
                continue
        if i is not None:
            counts.superseded += 1
            replaced.add(i)
        extra.append(Accepted(spec, source_id, None, values))
    ingested.accepted = [a for i, a in enumerate(ingested.accepted) if i not in replaced] + extra
    return unknown
