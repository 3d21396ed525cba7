"""Steward decisions made while a batch run computed, applied to its results as they publish.

A run reads the decisions in force when it clusters. One a steward makes after that is not in
its results, and publishing them would undo it: two records the steward matched, apart again
until the next run. So the publish applies such decisions to the results, inside its
transaction: a must-link between records of two golden records brings those golden records
together (under the id the steward was given, where the run kept it; else the larger's), and a
cannot-link between records of one golden record takes out the record the decision took out,
as a golden record of its own (again under the id the steward was given, where free). A decision the run
read in force and a steward undid meanwhile is undone again: its records go back where they
were before it, as the undo put them. A Spark run's load applies the decisions its input did
not hold.

A merge into a golden record posted while the run computed finds that one's records missing from
the results: the replay of the posts brings them after. The other side goes into it at the
publish all the same, under the id the steward was given, and the replay's posts go back into it.
The run's report keeps those ids (``merged_late``): a replay that a restart finishes, or `mdm
load`'s, which opens a service of its own, reads them there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

import duckdb

from matching_rules import AttributeSpec
from mdm import golden, regroup
from mdm.store import stewardship as steward_sql


def apply_late(
    con: duckdb.DuckDBPyConnection,
    decisions: list[dict[str, Any]],
    *,
    attributes: Mapping[str, AttributeSpec],
    at: dt.datetime,
) -> tuple[dict[str, str], list[str], set[str]]:
    """Apply ``decisions`` (of steward_sql.decisions_in_force, oldest first) where the published
    results break them; returns the records moved (record key -> golden id), the ids of the
    decisions applied, and the golden ids merged into that the results lacked (the replay's
    posts that were in one go back into it)."""
    moved: dict[str, str] = {}
    applied = []
    awaiting: set[str] = set()
    for decision in decisions:
        touched: set[str] = set()
        moves: dict[str, str] = {}
        retire_into: dict[str, str | None] = {}
        change_as: dict[str, str] = {}
        result = decision["result_golden_id"]
        taken_out = set(decision["after"].get(result or "", []))
        for kind, left, right in decision["constraints"]:
            found = steward_sql.golden_of(con, [left, right])
            g_left, g_right = found.get(left), found.get(right)
            missing = {left, right} - found.keys()
            if (kind == "must_link" and result and len(missing) == 1 and missing <= taken_out
                    and _posted_meanwhile(con, result, awaiting)):
                # The survivor's records were posted meanwhile: the replay brings them back into it.
                g_left, g_right = g_left or result, g_right or result
                awaiting.add(result)
            if g_left is None or g_right is None:
                continue
            if kind == "must_link" and g_left != g_right:
                members = steward_sql.member_keys(con, [g_left, g_right])
                # The id the steward was given survives, where the run kept it.
                survivor = result if result in (g_left, g_right) else sorted(
                    [g_left, g_right], key=lambda g: (-len(members[g]), g))[0]
                loser = g_right if survivor == g_left else g_left
                step = dict.fromkeys(members[loser], survivor)
                retire_into[loser] = survivor
            elif kind == "cannot_link" and g_left == g_right:
                mover = left if left in taken_out else right
                # The record taken out gets back the id the steward was given, unless in use.
                reuse = mover in taken_out and result and not steward_sql.member_keys(con, [result])[result]
                new = result if reuse else golden.new_golden_id()
                step = {mover: new}
                change_as[new] = "split"
            else:
                continue
            steward_sql.set_golden_of(con, step)
            touched |= {g_left, g_right, *step.values()}
            moves.update(step)
        if moves:
            regroup.rebuild(con, sorted(touched), attributes=attributes, at=at, cause="decision",
                            cause_id=decision["decision_id"], actor=None, retire_into=retire_into,
                            change_as=change_as)
            moved.update(moves)
            applied.append(decision["decision_id"])
    return moved, applied, awaiting


def _posted_meanwhile(con: duckdb.DuckDBPyConnection, golden_id: str, awaiting: set[str]) -> bool:
    """Whether the results hold no record of ``golden_id``, but for those a late merge put in."""
    return golden_id in awaiting or not steward_sql.member_keys(con, [golden_id])[golden_id]


def undo_late(
    con: duckdb.DuckDBPyConnection,
    decisions: list[dict[str, Any]],
    *,
    attributes: Mapping[str, AttributeSpec],
    at: dt.datetime,
) -> tuple[dict[str, str], list[str]]:
    """Undo again ``decisions`` (of steward_sql.undone_among), which the published results
    applied: each one's records go back to the golden records they had before it. Returns the
    records moved and the ids of the decisions undone again."""
    moved: dict[str, str] = {}
    undone = []
    for decision in decisions:
        before = decision["before"]
        now_in = steward_sql.golden_of(con, [k for keys in before.values() for k in keys])
        moves = {k: g for g, keys in before.items() for k in keys if now_in.get(k) not in (None, g)}
        if not moves:
            continue
        steward_sql.set_golden_of(con, moves)
        touched = sorted({*moves.values(), *(now_in[k] for k in moves)})
        # As an undo does: a golden record it empties is merged into the one most of them went to.
        most = Counter(moves.values()).most_common(1)[0][0]
        regroup.rebuild(con, touched, attributes=attributes, at=at, cause="undo",
                        cause_id=decision["decision_id"], actor=None,
                        retire_into=dict.fromkeys(touched, most))
        moved.update(moves)
        undone.append(decision["decision_id"])
    return moved, undone
