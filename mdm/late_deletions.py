"""Records deleted through the API while a batch run computed, taken out as its results publish.

A run reads its input, then computes for minutes. A record its system deletes meanwhile leaves
the published state at once, but the run's results still hold it. Published as they are, they
brought it back until the replay of API changes deleted it again: the change feed showed its
golden record restored and retired again (or changed twice), and readers saw it back between.
So the publish takes such records out inside its transaction, and each golden record they were
in is rebuilt by survivorship from the records left, against the golden record as published
before the swap (:func:`keep_before`, under the writer's lock; a Spark run's ``mdm load``
likewise, for the records deleted after its ``--posted`` export): the run's entry in the change
feed then says what the run changed, not what the deletion had changed already, and a golden
record the run left as the deletion left it keeps its version (ETag).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb

from matching_rules import AttributeSpec
from mdm import regroup
from mdm.store import late_deletions as late_sql
from mdm.store import stewardship as steward_sql


def keep_before(con: duckdb.DuckDBPyConnection, xref: str, since: dt.datetime | None) -> None:
    """Under the writer's lock, before the results are swapped in: keep the published golden
    records that the results (their staged ``xref``, a table) put the records deleted from
    ``since`` on in (every deletion for None: a Spark run given no ``--posted``)."""
    late_sql.keep_before(con, xref, since)


def delete_late(
    con: duckdb.DuckDBPyConnection, *, attributes: Mapping[str, AttributeSpec], at: dt.datetime, run_id: str
) -> list[str]:
    """Take the records deleted meanwhile out of the results just published by run ``run_id``
    (in the caller's transaction); returns their keys."""
    keys = late_sql.held(con)
    kept = late_sql.before(con)
    if keys:
        holders = sorted(set(steward_sql.golden_of(con, keys).values()))
        late_sql.take_out(con, keys, at)
        members = steward_sql.member_keys(con, holders)
        for golden_id in holders:
            _rebuild(con, golden_id, kept, members[golden_id], attributes=attributes, at=at, run_id=run_id)
    late_sql.forget(con)
    return keys


def _rebuild(
    con: duckdb.DuckDBPyConnection, golden_id: str, kept: Mapping[str, late_sql.Before | None],
    members: list[str], *, attributes: Mapping[str, AttributeSpec], at: dt.datetime, run_id: str,
) -> None:
    """One golden record the results put a deleted record in, rebuilt from the others. The run's
    entry for it goes; where the golden record as published before was kept (a steward's decision
    made meanwhile can move a record to one that was not), it is compared with that instead."""
    run_change = steward_sql.drop_run_history(con, run_id, [golden_id])
    if golden_id not in kept:
        regroup.rebuild(con, [golden_id], attributes=attributes, at=at, cause="run", cause_id=run_id,
                        actor=None)
        return
    before = kept[golden_id]
    late_sql.put_back(con, golden_id)
    unchanged_since = None
    if before is not None and before.status == "active" and before.members == frozenset(members):
        unchanged_since = {golden_id: before.served}
    regroup.rebuild(
        con, [golden_id], attributes=attributes, at=at, cause="run", cause_id=run_id, actor=None,
        unchanged_since=unchanged_since,
        # A golden id new in the run: created, or split off another (the run's own word for it).
        change_as={golden_id: run_change[0]} if before is None and run_change else None,
    )
