"""Erasures made while a batch run computed, applied to its results as they publish.

A run reads its input, then computes for minutes. An erasure meanwhile deletes the customer's
records and values from the published state, and publishing the run's results as they are
would bring them back. So the publish takes them out again, inside its transaction: the records
an erasure deleted (``deleted_records`` names it) leave every table of the results, the golden
records it erased lose their values again, and a golden record of the results left with no
record is erased as well. Records the run put with an erased customer's that no erasure named
(a record the customer's systems sent after the erasure, say) become a golden record of their
own: the erased id stays gone. A Spark run's load does the same for the erasures made after its
input was exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from matching_rules import AttributeSpec
from mdm import golden, regroup
from mdm.store import erasure
from mdm.store import stewardship as steward_sql


@dataclass
class LateErasures:
    erasure_ids: list[str] = field(default_factory=list)
    record_keys: list[str] = field(default_factory=list)  # the erased records the results held
    moved: dict[str, str] = field(default_factory=dict)  # record key -> golden id, of the others


def erase_late(
    con: duckdb.DuckDBPyConnection, *, attributes: Mapping[str, AttributeSpec], at: dt.datetime, run_id: str
) -> LateErasures:
    """Take the erased records out of the results just published (by run ``run_id``, in the
    caller's transaction)."""
    held = erasure.erased_held(con)
    if not held:
        return LateErasures()
    erasure_of = {key: erasure_id for key, _s, _i, erasure_id in held}
    keys, erasure_ids = list(erasure_of), sorted(set(erasure_of.values()))
    in_results = steward_sql.golden_of(con, keys)
    values = erasure.match_values(con, keys)
    erasure.remove_records(con, [(key, source, source_id) for key, source, source_id, _e in held])
    erased = erasure.erased_golden_ids(con, erasure_ids)
    cause: dict[str, str] = {}  # golden id of the results -> the erasure of (the first of) its erased records
    for key, g in sorted(in_results.items()):
        cause.setdefault(g, erasure_of[key])
    left = steward_sql.member_keys(con, sorted(cause))
    emptied = {g: cause[g] for g in cause if not left[g] and g not in erased}
    moved: dict[str, str] = {}
    rebuilt: dict[str, str] = {}
    for g, members in left.items():
        if members and g in erased:
            new = golden.new_golden_id()
            moved.update(dict.fromkeys(members, new))
            rebuilt[new] = cause[g]
        elif members:
            rebuilt[g] = cause[g]
    steward_sql.set_golden_of(con, moved)
    # The run's entries for the erased golden records go: the erasure's ``erased`` stays their last.
    steward_sql.drop_run_history(con, run_id, sorted({*erased, *emptied}))
    erasure.forget_golden(con, emptied, at=at, actor=None)
    for g, erasure_id in rebuilt.items():
        regroup.rebuild(con, [g], attributes=attributes, at=at, cause="erasure", cause_id=erasure_id,
                        actor=None)
    erasure.forget_run_values(con, sorted(rebuilt), run_id=run_id, erasure_ids=sorted(set(rebuilt.values())))
    erasure.remove_values(con, sorted(erased))
    erasure.drop_unheld_frequencies(con, values)
    return LateErasures(erasure_ids, keys, moved)


def reissue_erased_ids(
    con: duckdb.DuckDBPyConnection, *, attributes: Mapping[str, AttributeSpec], at: dt.datetime, run_id: str
) -> dict[str, str]:
    """Records that results of run ``run_id`` put under an erased golden id get a golden id of
    their own (in the caller's transaction, before :func:`erasure.rescrub` removes the erased
    one again): a Spark run given an output from before the erasure (``--previous``) gives the
    id to the customer's records that came back. Returns record key -> new golden id."""
    held = erasure.erased_ids_held(con)
    if not held:
        return {}
    members = steward_sql.member_keys(con, held)
    fresh = {g: golden.new_golden_id() for g in held}
    moved = {key: fresh[g] for g in held for key in members[g]}
    steward_sql.set_golden_of(con, moved)
    steward_sql.drop_run_history(con, run_id, held)
    regroup.rebuild(con, list(fresh.values()), attributes=attributes, at=at, cause="run", cause_id=run_id,
                    actor=None)
    return moved
