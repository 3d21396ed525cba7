"""Golden records: one per cluster, attributes by survivorship, ids carried across runs.

Downstream systems store golden ids, so a re-run must not reshuffle them: each new cluster
keeps the id of the previous golden record it overlaps most (ties: smaller id, then smaller
member key); a previous golden record that no cluster keeps is retired and points to the
cluster that took most of its records. One retired because its records all left is given back
when they return.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from matching_rules import AttributeSpec
from mdm.cancel import Cancellation
from mdm.parallel import map_in_order
from mdm.standardise.record import other_value
from mdm.store import documents
from mdm.store.tables import OTHER_COLUMNS, SCHEMAS, to_arrow
from mdm.survivorship import STEWARD, STEWARD_RULE, Candidate, Override, choose, sole_rule

# golden field -> (std column with the display value, std column with the comparable form, validity column)
FIELD_COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "full_name": ("full_name", "name_folded", None),
    "email": ("email", "email_key", "email_valid"),
    "phone": ("phone", "phone", "phone_valid"),
    "date_of_birth": ("date_of_birth", "date_of_birth", None),
    "address": ("address", "address_norm", None),
    "city": ("city", "city_norm", None),
    "postcode": ("postcode", "postcode", None),
    "country": ("country", "country", None),
    "company": ("company", "company_key", None),
    "tax_id": ("tax_id", "tax_id", None),
    "national_id": ("national_id", "national_id", None),
}

# What survivorship and the documents read of each member: a third of the standardised columns
# (the blocking keys) are left out of the rows made for the clusters.
_READ_COLUMNS = tuple(dict.fromkeys((
    "record_key", "source", "source_id", "priority", "updated_at",
    *(c for columns in FIELD_COLUMNS.values() for c in columns if c), *OTHER_COLUMNS.values(),
    *documents.MEMBER_COLUMNS, "phone_extension",
)))


def new_golden_id() -> str:
    """An opaque id: 60 random bits (a run makes one per new cluster, a million at 1M records:
    from os.urandom directly, a third of the cost of a uuid4)."""
    return "G" + os.urandom(8).hex()[:15].upper()


@dataclass(frozen=True)
class PreviousGolden:
    golden_id: str
    attributes: str  # JSON text as stored
    created_at: dt.datetime
    updated_at: dt.datetime
    retired: bool = False  # retired with nothing left: its records' keys may bring it back
    run_id: str | None = None  # the run that last built it (None: a real-time write did)
    version: str | None = None  # its served document's (documents.version): the ETag readers hold


@dataclass
class GoldenBuild:
    golden: pa.Table  # golden_records rows
    lineage: pa.Table  # golden_lineage rows
    xref: pa.Table
    counts: dict[str, int]
    history: pa.Table  # one golden_history row per golden record the run created, changed or retired
    override_moves: dict[str, str]  # override id -> the golden record it moved to (carry_overrides)


def text_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text or None


def candidates_for(field: str, rows: Sequence[Mapping[str, Any]], *, others: bool = False) -> list[Candidate]:
    """The members' values of ``field``; with ``others``, the other values their fields held too
    (:data:`OTHER_COLUMNS`: collect_all shows every value the members hold; the other rules choose
    among the values matched on), after the values matched on."""
    value_col, key_col, valid_col = FIELD_COLUMNS[field]
    out = []
    for row in rows:
        value = text_of(row.get(value_col))
        if value is None:
            continue
        key = text_of(row.get(key_col)) or value.casefold()
        out.append(_candidate(row, value, key, bool(row.get(valid_col)) if valid_col else True))
    if others and field in OTHER_COLUMNS:
        for row in rows:
            for value in row.get(OTHER_COLUMNS[field]) or ():
                out.append(_candidate(row, value, *other_value(field, value), other=True))
    return out


def _candidate(
    row: Mapping[str, Any], value: str, key: str, valid: bool, *, other: bool = False
) -> Candidate:
    return Candidate(
        value=value,
        key=key,
        valid=valid,
        priority=int(row["priority"]),
        updated_at=row.get("updated_at"),
        source=row["source"],
        source_id=row["source_id"],
        record_key=row["record_key"],
        other=other,
    )


# (attribute, position, value, source, source_id, rule): one golden_lineage row without the golden id
Lineage = tuple[str, int, str, str, str, str]


def survive(
    attributes: Mapping[str, AttributeSpec],
    rows: Sequence[Mapping[str, Any]],
    overrides: Sequence[Override] = (),
) -> tuple[dict[str, Any], list[Lineage]]:
    """Golden attributes for one cluster and their lineage (attribute, position, value, source, id, rule);
    a steward's ``overrides`` win over the rules."""
    values, lineage = _survive(attributes, rows)
    if overrides:
        values, lineage = with_overrides(attributes, values, lineage, overrides)
    _add_extensions(attributes, rows, values, lineage)
    return values, lineage


def _add_extensions(
    attributes: Mapping[str, AttributeSpec], rows: Sequence[Mapping[str, Any]],
    values: dict[str, Any], lineage: list[Lineage],
) -> None:
    """``<attribute>_extension`` beside each phone attribute whose number came from a record that
    wrote an extension with it ("Durchwahl 12"), with that record's lineage: the phone stays the
    E.164 its consumers read, and the extension needs no parsing out of it. Left out where there
    is none, so golden records without one read as they did."""
    for name, spec in attributes.items():
        if spec.field != "phone" or "collect_all" in spec.rules:
            continue
        winner = next(((src, sid, rule) for a, pos, _v, src, sid, rule in lineage
                       if a == name and pos == 0), None)
        if winner is None:
            continue
        row = next((r for r in rows if (r["source"], r["source_id"]) == winner[:2]), None)
        extension = row.get("phone_extension") if row is not None else None
        if extension:
            values[f"{name}_extension"] = extension
            lineage.append((f"{name}_extension", 0, extension, *winner))


def with_overrides(
    attributes: Mapping[str, AttributeSpec], values: dict[str, Any], lineage: list[Lineage],
    overrides: Sequence[Override],
) -> tuple[dict[str, Any], list[Lineage]]:
    """Each override's value replaces its attribute's; an attribute that collects every value of the
    same field (all_phones beside phone) gets it first. An override of an attribute the rules no
    longer declare, or now collect, is left out."""
    for o in overrides:
        spec = attributes.get(o.attribute)
        if spec is None or "collect_all" in spec.rules:
            continue
        values[o.attribute] = o.value
        lineage = [e for e in lineage if e[0] != o.attribute]
        if o.value is None:
            continue
        lineage.append((o.attribute, 0, o.value, STEWARD, o.override_id, STEWARD_RULE))
        for name, other in attributes.items():
            if other.field == spec.field and "collect_all" in other.rules and o.value not in values[name]:
                values[name] = [o.value, *values[name]]
                lineage = [(a, pos + 1 if a == name else pos, *rest) for a, pos, *rest in lineage]
                lineage.append((name, 0, o.value, STEWARD, o.override_id, STEWARD_RULE))
    return values, lineage


def _survive(
    attributes: Mapping[str, AttributeSpec], rows: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[Lineage]]:
    if len(rows) == 1:
        return _survive_alone(attributes, rows[0])
    values: dict[str, Any] = {}
    lineage = []
    # Two attributes of one field (email and all_emails) read the same candidates.
    by_field: dict[tuple[str, bool], list[Candidate]] = {}
    for name, spec in attributes.items():
        assert spec.field is not None
        collect = "collect_all" in spec.rules
        candidates = by_field.get((spec.field, collect))
        if candidates is None:
            candidates = by_field[spec.field, collect] = candidates_for(spec.field, rows, others=collect)
        _keep(name, spec, candidates, values, lineage)
    return values, lineage


def _keep(
    name: str, spec: AttributeSpec, candidates: Sequence[Candidate],
    values: dict[str, Any], lineage: list[Lineage],
) -> None:
    """Set attribute ``name`` to what its rules choose among ``candidates``, with its lineage."""
    chosen = choose(spec, candidates)
    if "collect_all" in spec.rules:
        values[name] = [c.value for c in chosen]
    else:
        values[name] = chosen[0].value if chosen else None
    lineage.extend((name, i, c.value, c.source, c.source_id, c.rule) for i, c in enumerate(chosen))


def _survive_alone(attributes: Mapping[str, AttributeSpec], row: Mapping[str, Any]) -> tuple[dict[str, Any], list[Lineage]]:
    """:func:`survive` for a cluster of one record (half the clusters of a large run), without
    building candidates: each attribute is the record's value, under the rule choose() records."""
    values: dict[str, Any] = {}
    lineage = []
    for name, spec in attributes.items():
        assert spec.field is not None
        collect = "collect_all" in spec.rules
        if collect and row.get(OTHER_COLUMNS.get(spec.field, "")):  # more than one value: choose
            _keep(name, spec, candidates_for(spec.field, [row], others=True), values, lineage)
            continue
        value_col, _, valid_col = FIELD_COLUMNS[spec.field]
        value = text_of(row.get(value_col))
        rule = None if value is None else sole_rule(spec.rules, bool(row.get(valid_col)) if valid_col else True)
        if rule is None:
            values[name] = [] if collect else None
        else:
            values[name] = [value] if collect else value
            lineage.append((name, 0, value, row["source"], row["source_id"], rule))
    return values, lineage


def _by_overlap(
    clusters: Mapping[int, Sequence[str]], held: Mapping[str, str]
) -> tuple[dict[int, str], Counter[tuple[int, str]]]:
    """Cluster -> the id of ``held`` (record key -> golden id) holding most of its keys (ties: the
    smaller id), each id to one cluster (the one with most of its keys, then the smallest member
    key); and the overlap counts (cluster, id) -> keys."""
    overlap: Counter[tuple[int, str]] = Counter()
    for c, members in clusters.items():
        for key in members:
            g = held.get(key)
            if g is not None:
                overlap[(c, g)] += 1
    min_key = {c: min(clusters[c]) for c, _g in overlap}
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for (c, g), _n in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], min_key[kv[0][0]])):
        if c in ids or g in taken:
            continue
        ids[c] = g
        taken.add(g)
    return ids, overlap


def returning_ids(clusters: Mapping[int, Sequence[str]], returning: Mapping[str, str]) -> dict[int, str]:
    """Cluster -> the retired golden id it takes back: ``returning`` maps record keys that left
    every golden record to the id that last held them, where that id was retired with nothing
    left (not merged into another, not erased: mdm.store.records.departed_to). A customer whose
    records come back keeps the id downstream systems stored. Among several such ids a cluster
    takes the one most of its keys last held, then the smallest; an id goes to one cluster, the
    one holding most of its keys, then the one with the smallest member key. The batch run,
    the Spark engine and a record posted in real time all decide with this function."""
    return _by_overlap(clusters, returning)[0]


def members_changed(
    golden_id: str, keys: Sequence[str], previous_xref: Mapping[str, str], previous_sizes: Mapping[str, int]
) -> bool:
    """Whether a record joined or left the golden record: that changes it (its members, the
    xref) whatever its values. ``previous_sizes``: golden id -> how many records it held."""
    return (len(keys) != previous_sizes.get(golden_id, 0)
            or any(previous_xref.get(k) != golden_id for k in keys))


def assign_ids(
    clusters: Mapping[int, Sequence[str]], previous_xref: Mapping[str, str],
    returning: Mapping[str, str] | None = None,
) -> tuple[dict[int, str], dict[str, str | None]]:
    """New cluster -> golden id, and retired previous id -> the id it now lives on in (or None).
    A cluster no previous id is kept for takes back a retired id its keys return to
    (:func:`returning_ids`), else gets a new one."""
    ids, overlap = _by_overlap(clusters, previous_xref)
    taken = set(ids.values())
    if returning:
        ids.update(returning_ids({c: m for c, m in clusters.items() if c not in ids}, returning))
    min_key = {c: min(members) for c, members in clusters.items()}
    for c in sorted(clusters, key=lambda c: min_key[c]):
        if c not in ids:
            ids[c] = new_golden_id()
    best_home: dict[str, tuple[int, str]] = {}
    for (c, g), n in overlap.items():
        if g not in taken and (g not in best_home or (n, ids[c]) > (best_home[g][0], best_home[g][1])):
            best_home[g] = (n, ids[c])
    retired: dict[str, str | None] = {g: home for g, (_n, home) in best_home.items()}
    for g in set(previous_xref.values()) - taken - set(retired):
        retired[g] = None
    return ids, retired


def carry_overrides(
    by_owner: Mapping[str, Sequence[Override]], retired: Mapping[str, str | None]
) -> tuple[dict[str, list[Override]], dict[str, str]]:
    """The overrides each golden record holds once ``retired`` ones (id -> the id it was merged
    into, or None) are gone: a merged record's overrides move to the one it was merged into, for
    the attributes that one has no override of (its own stay first, then the newest). Returns
    them by golden id, and override id -> new golden id for those that moved."""
    held = {g: list(os) for g, os in by_owner.items() if g not in retired}
    moving = sorted(
        ((into, o) for g, into in retired.items() if into for o in by_owner.get(g, ())),
        key=lambda e: e[1].created_at, reverse=True,
    )
    moves: dict[str, str] = {}
    for into, o in moving:
        mine = held.setdefault(into, [])
        if all(h.attribute != o.attribute for h in mine):
            mine.append(o)
            moves[o.override_id] = into
    return held, moves


def golden_row(
    golden_id: str,
    members: Sequence[Mapping[str, Any]],
    attributes: Mapping[str, AttributeSpec],
    *,
    created_at: dt.datetime,
    updated_at: dt.datetime,
    run_id: str | None,
    values: dict[str, Any] | None = None,
    lineage: Sequence[Lineage] = (),
    merged_into: str | None = None,
    retired_attributes: str | None = None,
) -> dict[str, Any]:
    """A golden_records row, with its served document: active when it has members, else retired.
    ``values`` and ``lineage`` are what :func:`survive` chose for the members."""
    active = bool(members)
    attrs = values if active else (json.loads(retired_attributes) if retired_attributes else {})
    row = {
        "golden_id": golden_id,
        "status": "active" if active else "retired",
        "merged_into": None if active else merged_into,
        "attributes": attrs,
        "record_count": len(members),
        "sources": sorted({r["source"] for r in members}),
        "created_at": created_at,
        "updated_at": updated_at,
        "run_id": run_id,
    }
    row["attributes"] = documents.attributes_json(attrs)
    row["document"] = documents.render(row, attrs, lineage, members)
    return row


def lineage_rows(golden_id: str, lineage: Sequence[Lineage]) -> list[dict[str, Any]]:
    return [
        {"golden_id": golden_id, "attribute": a, "position": pos, "value": v, "source": s, "source_id": sid,
         "rule": rule}
        for a, pos, v, s, sid, rule in lineage
    ]


def consecutive_groups(rows: Iterable[dict[str, Any]], key: str) -> Iterator[list[dict[str, Any]]]:
    """Runs of rows with the same ``key`` (rows sorted by it): each cluster's members, streamed."""
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and row[key] != group[0][key]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


# Below this many records one process builds the golden records: starting workers costs more.
PARALLEL_FROM = 20_000
# Rows of a slice: about a second of a worker's time, what a cancelled run waits for (mdm/parallel.py).
_SLICE_ROWS = 25_000


@dataclass(frozen=True)
class _Job:
    """What every worker reads (mdm/parallel.py)."""

    ordered: pa.Table  # std rows sorted by cluster, with the cluster number in "__cluster"
    ids: Mapping[int, str]
    attributes: Mapping[str, AttributeSpec]
    run_id: str
    now: dt.datetime
    previous_xref: Mapping[str, str]
    previous: Mapping[str, PreviousGolden]
    overrides: Mapping[str, Sequence[Override]]
    previous_sizes: Mapping[str, int]  # golden id -> how many records it held before


@dataclass(frozen=True)
class _Part:
    golden: pa.Table
    lineage: pa.Table
    xref: pa.Table
    history: pa.Table
    counts: Counter[str]


def _build_slice(job: _Job, bounds: tuple[int, int]) -> _Part:
    """The golden records of the clusters in rows ``bounds`` of the job's ordered table."""
    start, stop = bounds
    part = job.ordered.slice(start, stop - start)
    rows = (row for batch in part.to_batches(max_chunksize=20_000) for row in batch.to_pylist())
    golden: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    lineage: list[tuple[Any, ...]] = []
    counts: Counter[str] = Counter()
    for ms in consecutive_groups(rows, "__cluster"):
        gid = job.ids[ms[0]["__cluster"]]
        values, lin = survive(job.attributes, ms, job.overrides.get(gid, ()))
        prev = job.previous.get(gid)
        if prev is None:
            # A new id for records that had one before: they were split off a golden record.
            change = "split" if any(r["record_key"] in job.previous_xref for r in ms) else "created"
            created_at = updated_at = job.now
        elif prev.retired:
            change, created_at, updated_at = "restored", prev.created_at, job.now
        else:
            created_at = prev.created_at
            moved = members_changed(gid, [r["record_key"] for r in ms], job.previous_xref, job.previous_sizes)
            changed = moved or json.loads(prev.attributes) != values
            change = "changed" if changed else "unchanged"
            updated_at = job.now if changed else prev.updated_at
        # Unchanged, it stays as it was, the run that built it too: its version (ETag) is kept.
        row = golden_row(gid, ms, job.attributes, created_at=created_at, updated_at=updated_at,
                         run_id=prev.run_id if prev is not None and change == "unchanged" else job.run_id,
                         values=values, lineage=lin)
        if change == "unchanged" and prev is not None and documents.version(row["document"]) != prev.version:
            # The same values and records, but what it serves moved (a value's lineage now names
            # another record, a member's standardised values): a new ETag, so the feed says so.
            change = "changed"
            row = golden_row(gid, ms, job.attributes, created_at=created_at, updated_at=job.now,
                             run_id=job.run_id, values=values, lineage=lin)
        golden.append(row)
        _log(history, counts, gid, change, len(ms), prev.attributes if prev else None, row["attributes"],
             job.run_id, job.now)
        lineage.extend((gid, *entry) for entry in lin)
    gids = [job.ids[c] for c in part["__cluster"].to_pylist()]
    xref = pa.table([part["source"], part["source_id"], part["record_key"], pa.array(gids, pa.string()),
                     pa.array([job.run_id] * part.num_rows, pa.string())], schema=SCHEMAS["xref"])
    lineage_schema = SCHEMAS["golden_lineage"]
    return _Part(
        to_arrow("golden_records", golden),
        # Column lists by comprehension: zip(*rows) and arrays from tuples are several times slower.
        pa.table([pa.array([e[i] for e in lineage], f.type) for i, f in enumerate(lineage_schema)],
                 schema=lineage_schema),
        xref,
        to_arrow("golden_history", history),
        counts,
    )


def _log(history: list[dict[str, Any]], counts: Counter[str], gid: str, change: str, n: int,
         before: str | None, after: str | None, run_id: str, now: dt.datetime, *,
         into: str | None = None) -> None:
    counts[change] += 1
    if change != "unchanged":
        history.append({"golden_id": gid, "changed_at": now, "change": change, "cause": "run",
                        "cause_id": run_id, "actor": None, "members": n, "before": before, "after": after,
                        "merged_into": into})


def _slices(sorted_clusters: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """About ``parts`` row ranges of equal size that never cut a cluster."""
    n = len(sorted_clusters)
    starts = np.flatnonzero(np.diff(sorted_clusters)) + 1  # where a new cluster begins
    cuts = sorted({int(starts[i]) for i in np.searchsorted(starts, [n * k // parts for k in range(1, parts)])
                   if i < len(starts)})
    edges = [0, *cuts, n]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def build_golden(
    std: pa.Table,
    assignment: Mapping[str, int],
    attributes: Mapping[str, AttributeSpec],
    *,
    run_id: str,
    now: dt.datetime,
    previous_xref: Mapping[str, str],
    previous: Mapping[str, PreviousGolden],
    returning: Mapping[str, str] | None = None,
    overrides: Mapping[str, Sequence[Override]] | None = None,
    workers: int | None = None,
    cancellation: Cancellation | None = None,
) -> GoldenBuild:
    """Golden records, lineage and xref for the clustered standardised records (std_records
    rows), with the stewards' ``overrides`` (by the golden id they were held by). ``returning``:
    keys that left every golden record -> the retired id they may take back (:func:`assign_ids`),
    whose rows ``previous`` holds too. Survivorship is
    independent per cluster: large runs split the clusters between worker processes
    (mdm/parallel.py), with the same result as one process. RunCancelledError once
    ``cancellation`` is cancelled."""
    cancellation = cancellation or Cancellation()
    keys = std["record_key"].to_pylist()
    clusters = np.asarray([assignment[k] for k in keys], dtype=np.int64)
    member_keys: dict[int, list[str]] = defaultdict(list)
    for key, c in zip(keys, clusters.tolist(), strict=True):
        member_keys[c].append(key)
    cancellation.check()  # each step before the workers' takes about a second at a million records
    ids, retired = assign_ids(member_keys, previous_xref, returning)
    held, override_moves = carry_overrides(overrides or {}, retired)
    cancellation.check()
    order = np.argsort(clusters, kind="stable")
    ordered = std.select(_READ_COLUMNS).take(pa.array(order)).append_column("__cluster", pa.array(clusters[order]))
    workers = workers or os.cpu_count() or 1
    parallel = workers >= 2 and std.num_rows >= PARALLEL_FROM
    job = _Job(ordered, ids, attributes, run_id, now, previous_xref, previous, held,
               Counter(previous_xref.values()))
    slices = _slices(clusters[order], max(workers * 4 if parallel else 1, -(-len(order) // _SLICE_ROWS)))
    parts = list(map_in_order(_build_slice, job, slices, workers if parallel else 1, cancellation))
    counts: Counter[str] = Counter()
    for part in parts:
        counts.update(part.counts)
    retired_rows: list[dict[str, Any]] = []
    retired_history: list[dict[str, Any]] = []
    for gid, home in sorted(retired.items()):
        prev = previous.get(gid)
        retired_rows.append(
            golden_row(gid, [], attributes, created_at=prev.created_at if prev else now, updated_at=now,
                       run_id=run_id, merged_into=home, retired_attributes=prev.attributes if prev else None)
        )
        _log(retired_history, counts, gid, "merged" if home else "retired", 0, prev.attributes if prev else None,
             None, run_id, now, into=home)
    counts["active"] = len(member_keys)

    def concat(name: str, tables: list[pa.Table]) -> pa.Table:
        return pa.concat_tables(tables) if tables else SCHEMAS[name].empty_table()

    return GoldenBuild(
        golden=concat("golden_records", [p.golden for p in parts] + [to_arrow("golden_records", retired_rows)]),
        lineage=concat("golden_lineage", [p.lineage for p in parts]),
        xref=concat("xref", [p.xref for p in parts]),
        counts=dict(counts),
        history=concat("golden_history", [p.history for p in parts] + [to_arrow("golden_history", retired_history)]),
        override_moves=override_moves,
    )
