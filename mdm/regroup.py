"""Rebuilding golden records after their membership changed outside a batch run.

A posted record, a steward's match, split, merge or undo all come down to the same thing:
some records now belong to other golden records. This recomputes each touched golden record
by survivorship (with its document), retires one left empty (pointing to where its records
went) or restores one that gets members again, and records a history row for each.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import duckdb

from matching_rules import AttributeSpec
from mdm import golden, lapsed_decisions
from mdm.store import documents, records
from mdm.store import overrides as overrides_sql
from mdm.store import stewardship as steward_sql
from mdm.survivorship import Override


def rebuild(
    con: duckdb.DuckDBPyConnection,
    golden_ids: Sequence[str],
    *,
    attributes: Mapping[str, AttributeSpec],
    at: dt.datetime,
    cause: str,
    cause_id: str | None,
    actor: str | None,
    retire_into: Mapping[str, str | None] | None = None,
    change_as: Mapping[str, str] | None = None,
    members: Mapping[str, list[dict[str, Any]]] | None = None,
    holders: set[str] | None = None,
    unchanged_since: Mapping[str, records.Served] | None = None,
    repoint: Mapping[str, str | None] | None = None,
    recorded: Collection[str] | None = None,
) -> dict[str, str]:
    """Recompute ``golden_ids`` from their current members (read, unless the caller already
    has them in ``members``, ordered by record key), with the stewards' overrides (a retired
    one's move to the record it is merged into); returns golden id -> change. ``holders``, the
    golden ids that may hold overrides (overrides_sql.holders), spares the real-time path reading
    them for the records that hold none (a query is about a millisecond); those the overrides move
    to join it. ``unchanged_since``: golden records as served before results computed without
    their overrides were published; one rebuilt to the same attributes and served as it was (its
    version, with the ``updated_at`` and run id it had) is unchanged: it gets no history entry. One
    whose document moved all the same (a member's values) is changed, as a batch run finds it
    (mdm/golden.py): a new version is never left out of the change feed. A rebuild
    caused by a run carries the run's id, as the records the run built do. ``repoint``: golden
    records retired already that redirect from now on to another (golden id -> that one's), as
    their records went there, or to none (None), as theirs left before an undo parted them.
    ``recorded``: of the golden ids without a row, those that may have a history (None: every
    one; a caller that drew an id new spares the look-up). A run's publish drops the row of one
    served while it computed (its records all posted meanwhile, or restored by an undo): it goes
    on from what its history last says, not ``created`` a second time, and one rebuilt to those
    values keeps its version."""
    run_id = cause_id if cause == "run" else None
    rows, lineage, history = [], [], []
    changes: dict[str, str] = {}
    gids = list(dict.fromkeys(golden_ids))
    given, repointed = members or {}, repoint or {}
    members_by = {gid: given[gid] if given.get(gid) is not None else records.member_rows(con, gid)
                  for gid in gids}
    olds = {gid: records.golden_row(con, gid) for gid in gids}
    from_history = [g for g in (gids if recorded is None else recorded) if g in olds and olds[g] is None]
    for gid in from_history:
        olds[gid] = steward_sql.last_recorded(con, gid)
    emptied = {gid: (retire_into or {}).get(gid) for gid in gids if not members_by[gid]}
    held: dict[str, list[Override]] = {}
    if holders is None or not holders.isdisjoint(gids):
        # A golden record coming back, or redirecting no more, takes back its overrides from the
        # one it was merged into.
        restored = [g for g in gids if (old := olds[g]) is not None and old["status"] == "retired"
                    and (members_by[g] or (g in repointed and repointed[g] is None))]
        for holder in overrides_sql.return_home(con, restored) if restored else ():
            if holder not in members_by:
                gids.append(holder)
                members_by[holder] = records.member_rows(con, holder)
                olds[holder] = records.golden_row(con, holder)
        if unmerged := [g for g in restored if not members_by[g]]:
            # Home again, held by a golden record that stays retired: they apply no more, as a
            # deletion's do (a post that takes the id back says they bind again).
            lapsed_decisions.note_overrides(con, retired=unmerged, actor=actor or f"{cause} {cause_id}",
                                            detail={cause: cause_id})
        holding = held_overrides(con, [*gids, *filter(None, emptied.values())])
        held, moves = golden.carry_overrides(holding, emptied)
        overrides_sql.move(con, moves)
        if holders is not None:
            holders.update(moves.values())
    for gid in gids:
        members_of = members_by[gid]
        old = olds[gid]
        created = old["created_at"] if old else at
        before = old["attributes"] if old else None
        if not members_of:
            if old is None or (old["status"] == "retired"
                               and (gid not in repointed or repointed[gid] == old["merged_into"])):
                continue
            into = repointed[gid] if gid in repointed else (retire_into or {}).get(gid)
            row = golden.golden_row(gid, [], attributes, created_at=created, updated_at=at, run_id=run_id,
                                    merged_into=into, retired_attributes=before)
            row_lineage: list[dict[str, Any]] = []
            change = "merged" if into else "retired"
        else:
            values, lin = golden.survive(attributes, members_of, held.get(gid, ()))
            was = (unchanged_since or {}).get(gid) or _as_recorded(gid, old, from_history, len(members_of))
            row = _as_it_was(gid, members_of, attributes, created, values, lin, was)
            row_lineage = golden.lineage_rows(gid, lin)
            if row is not None:
                change = "unchanged"
            else:
                row = golden.golden_row(gid, members_of, attributes, created_at=created, updated_at=at,
                                        run_id=run_id, values=values, lineage=lin)
                change = "created" if old is None else "restored" if old["status"] == "retired" else "changed"
        change = (change_as or {}).get(gid, change)
        rows.append(row)
        lineage.extend(row_lineage)
        changes[gid] = change
        if change == "unchanged":
            continue
        history.append({
            "golden_id": gid, "changed_at": at, "change": change, "cause": cause, "cause_id": cause_id,
            "actor": actor, "members": len(members_of), "before": before,
            "after": row["attributes"] if members_of else None, "merged_into": row["merged_into"],
        })
    records.replace_golden(con, rows, lineage)
    steward_sql.add_history(con, history)
    return changes


def _as_it_was(
    gid: str, members: list[dict[str, Any]], attributes: Mapping[str, AttributeSpec], created: dt.datetime,
    values: dict[str, Any], lineage: Any, served: records.Served | None,
) -> dict[str, Any] | None:
    """The golden record's row as it was ``served`` (its time and run id), where rebuilt to the same
    values it serves the same document; else None."""
    if served is None or json.loads(served.attributes) != values:
        return None
    row = golden.golden_row(gid, members, attributes, created_at=created, updated_at=served.updated_at,
                            run_id=served.run_id, values=values, lineage=lineage)
    return row if served.version in (None, documents.version(row["document"])) else None


def _as_recorded(
    gid: str, old: Mapping[str, Any] | None, from_history: Collection[str], members: int
) -> records.Served | None:
    """A golden record read ``from_history`` as its history last says it was served, where that was
    active with as many records (its version unknown: the values and records decide)."""
    if gid not in from_history or old is None or old["status"] != "active" or old["members"] != members:
        return None
    return records.Served(old["attributes"], old["updated_at"], old["run_id"], None)


def held_overrides(
    con: duckdb.DuckDBPyConnection, golden_ids: Sequence[str] | None = None
) -> dict[str, list[Override]]:
    """The overrides in force, by the golden id holding each (of these ids; of all for None)."""
    out: dict[str, list[Override]] = {}
    for r in overrides_sql.active(con, golden_ids):
        out.setdefault(r["golden_id"], []).append(
            Override(r["override_id"], r["attribute"], r["value"], r["created_at"]))
    return out


def reapply_overrides(
    con: duckdb.DuckDBPyConnection,
    golden_ids: Sequence[str],
    *,
    attributes: Mapping[str, AttributeSpec],
    at: dt.datetime,
    cause: str,
    cause_id: str | None,
    unchanged_since: Mapping[str, records.Served] | None = None,
) -> dict[str, str]:
    """Rebuild these golden records with their overrides, after results computed without them were
    published (a Spark run's, or a batch run's that read the overrides before a steward changed
    one). A retired one's overrides move to the active record it was merged into. For
    ``unchanged_since`` see :func:`rebuild`."""
    into: dict[str, str | None] = {}
    active: list[str] = []
    for gid in dict.fromkeys(golden_ids):
        row = records.golden_row(con, gid)
        if row is None:
            continue
        if row["status"] == "active":
            active.append(gid)
        elif row["merged_into"]:
            home = records.golden_row(con, row["merged_into"])
            if home is not None and home["status"] == "active":
                into[gid] = row["merged_into"]
    _, moves = golden.carry_overrides(held_overrides(con, [*into, *into.values()]), into)
    overrides_sql.move(con, moves)
    targets = [*active, *(g for g in into.values() if g)]
    if not targets:
        return {}
    return rebuild(con, targets, attributes=attributes, at=at, cause=cause, cause_id=cause_id, actor=None,
                   unchanged_since=unchanged_since)
