"""Golden records: one per cluster, attributes by survivorship, ids carried across runs.

Downstream systems store golden ids, so a re-run must not reshuffle them: each new cluster
keeps the id of the previous golden record it overlaps most (ties: smaller id, then smaller
member key); a previous golden record that no cluster keeps is retired and points to the
cluster that took most of its records.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from matching_rules import AttributeSpec
from mdm.survivorship import Candidate, choose

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


def new_golden_id() -> str:
    return "G" + uuid.uuid4().hex[:15].upper()


@dataclass(frozen=True)
class PreviousGolden:
    golden_id: str
    attributes: str  # JSON text as stored
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass
class GoldenBuild:
    golden: list[dict[str, Any]]
    lineage: dict[str, list[Any]]  # columns of golden_lineage (millions of rows: no dict per row)
    xref: dict[str, list[Any]]  # columns of xref
    counts: dict[str, int]
    history: list[dict[str, Any]]  # one row per golden record the run created, changed or retired


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text or None


def candidates_for(field: str, rows: Sequence[Mapping[str, Any]]) -> list[Candidate]:
    value_col, key_col, valid_col = FIELD_COLUMNS[field]
    out = []
    for row in rows:
        value = _text(row.get(value_col))
        if value is None:
            continue
        key = _text(row.get(key_col)) or value.casefold()
        valid = bool(row.get(valid_col)) if valid_col else True
        out.append(
            Candidate(
                value=value,
                key=key,
                valid=valid,
                priority=int(row["priority"]),
                updated_at=row.get("updated_at"),
                source=row["source"],
                source_id=row["source_id"],
                record_key=row["record_key"],
            )
        )
    return out


def survive(
    attributes: Mapping[str, AttributeSpec], rows: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[tuple[str, int, str, str, str, str]]]:
    """Golden attributes for one cluster and their lineage (attribute, position, value, source, id, rule)."""
    values: dict[str, Any] = {}
    lineage = []
    for name, spec in attributes.items():
        assert spec.field is not None
        chosen = choose(spec, candidates_for(spec.field, rows))
        if "collect_all" in spec.rules:
            values[name] = [c.value for c in chosen]
        else:
            values[name] = chosen[0].value if chosen else None
        lineage.extend((name, i, c.value, c.source, c.source_id, c.rule) for i, c in enumerate(chosen))
    return values, lineage


def assign_ids(
    clusters: Mapping[int, Sequence[str]], previous_xref: Mapping[str, str]
) -> tuple[dict[int, str], dict[str, str | None]]:
    """New cluster -> golden id, and retired previous id -> the id it now lives on in (or None)."""
    overlap: dict[tuple[int, str], int] = Counter()
    for c, members in clusters.items():
        for key in members:
            g = previous_xref.get(key)
            if g is not None:
                overlap[(c, g)] += 1
    min_key = {c: min(members) for c, members in clusters.items()}
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for (c, g), _n in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], min_key[kv[0][0]])):
        if c in ids or g in taken:
            continue
        ids[c] = g
        taken.add(g)
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


def golden_row(
    golden_id: str,
    members: Sequence[Mapping[str, Any]],
    attributes: Mapping[str, AttributeSpec],
    *,
    created_at: dt.datetime,
    updated_at: dt.datetime,
    run_id: str | None,
    values: dict[str, Any] | None = None,
    merged_into: str | None = None,
    retired_attributes: str | None = None,
) -> dict[str, Any]:
    """A golden_records row: active when it has members, else retired. Its served documents are
    built in SQL once the row is stored (mdm/store/documents.py)."""
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
    row["attributes"] = json.dumps(attrs, ensure_ascii=False)
    return row


def lineage_rows(golden_id: str, lineage: Sequence[tuple[str, int, str, str, str, str]]) -> list[dict[str, Any]]:
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


def _by_cluster(std: pa.Table, clusters: list[int]) -> Iterator[list[dict[str, Any]]]:
    """The std rows of each cluster, a batch of rows at a time (never all of them as dicts)."""
    order = np.argsort(np.asarray(clusters, dtype=np.int64), kind="stable")
    ordered = std.take(pa.array(order)).append_column(
        "__cluster", pa.array(np.asarray(clusters, dtype=np.int64)[order]))
    rows = (row for batch in ordered.to_batches(max_chunksize=20_000) for row in batch.to_pylist())
    return consecutive_groups(rows, "__cluster")


def build_golden(
    std: pa.Table,
    assignment: Mapping[str, int],
    attributes: Mapping[str, AttributeSpec],
    *,
    run_id: str,
    now: dt.datetime,
    previous_xref: Mapping[str, str],
    previous: Mapping[str, PreviousGolden],
) -> GoldenBuild:
    """Golden records, lineage and xref for the clustered standardised records (std_records rows)."""
    keys = std["record_key"].to_pylist()
    clusters = [assignment[k] for k in keys]
    member_keys: dict[int, list[str]] = defaultdict(list)
    for key, c in zip(keys, clusters, strict=True):
        member_keys[c].append(key)
    ids, retired = assign_ids(member_keys, previous_xref)
    golden: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    lineage: dict[str, list[Any]] = {c: [] for c in ("golden_id", "attribute", "position", "value", "source",
                                                      "source_id", "rule")}
    xref: dict[str, list[Any]] = {c: [] for c in ("source", "source_id", "record_key", "golden_id", "run_id")}
    counts = Counter()

    def log(gid: str, change: str, n: int, before: str | None, after: str | None) -> None:
        counts[change] += 1
        if change != "unchanged":
            history.append({"golden_id": gid, "changed_at": now, "change": change, "cause": "run",
                            "cause_id": run_id, "actor": None, "members": n, "before": before, "after": after})

    for ms in _by_cluster(std, clusters):
        gid = ids[ms[0]["__cluster"]]
        values, lin = survive(attributes, ms)
        prev = previous.get(gid)
        if prev is None:
            # A new id for records that had one before: they were split off a golden record.
            change = "split" if any(r["record_key"] in previous_xref for r in ms) else "created"
            created_at = updated_at = now
        else:
            created_at = prev.created_at
            changed = json.loads(prev.attributes) != values
            change = "changed" if changed else "unchanged"
            updated_at = now if changed else prev.updated_at
        row = golden_row(gid, ms, attributes, created_at=created_at, updated_at=updated_at, run_id=run_id,
                         values=values)
        golden.append(row)
        log(gid, change, len(ms), prev.attributes if prev else None, row["attributes"])
        for entry in lin:
            for column, value in zip(lineage, (gid, *entry), strict=True):
                lineage[column].append(value)
        for r in ms:
            for column, value in zip(xref, (r["source"], r["source_id"], r["record_key"], gid, run_id), strict=True):
                xref[column].append(value)
    for gid, home in sorted(retired.items()):
        prev = previous.get(gid)
        golden.append(
            golden_row(gid, [], attributes, created_at=prev.created_at if prev else now, updated_at=now,
                       run_id=run_id, merged_into=home, retired_attributes=prev.attributes if prev else None)
        )
        log(gid, "merged" if home else "retired", 0, prev.attributes if prev else None, None)
    counts["active"] = len(member_keys)
    return GoldenBuild(golden, lineage, xref, dict(counts), history)
