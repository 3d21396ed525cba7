"""Rebuilding golden records after their membership changed outside a batch run.

A posted record, a steward's match, split, merge or undo all come down to the same thing:
some records now belong to other golden records. This recomputes each touched golden record
by survivorship (with its document), retires one left empty (pointing to where its records
went) or restores one that gets members again, and records a history row for each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from matching_rules import AttributeSpec
from mdm import golden
from mdm.store import records
from mdm.store import stewardship as steward_sql


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
) -> dict[str, str]:
    """Recompute ``golden_ids`` from their current members (read, unless the caller already
    has them in ``members``, ordered by record key); returns golden id -> change."""
    rows, lineage, history = [], [], []
    changes: dict[str, str] = {}
    for gid in dict.fromkeys(golden_ids):
        members_of = (members or {}).get(gid)
        if members_of is None:
            members_of = records.member_rows(con, gid)
        old = records.golden_row(con, gid)
        created = old["created_at"] if old else at
        before = old["attributes"] if old else None
        if not members_of:
            if old is None or old["status"] == "retired":
                continue
            into = (retire_into or {}).get(gid)
            row = golden.golden_row(gid, [], attributes, created_at=created, updated_at=at, run_id=None,
                                    merged_into=into, retired_attributes=before)
            row_lineage: list[dict[str, Any]] = []
            change = "merged" if into else "retired"
        else:
            values, lin = golden.survive(attributes, members_of)
            row = golden.golden_row(gid, members_of, attributes, created_at=created, updated_at=at, run_id=None,
                                    values=values, lineage=lin)
            row_lineage = golden.lineage_rows(gid, lin)
            if old is None:
                change = "created"
            elif old["status"] == "retired":
                change = "restored"
            else:
                change = "changed"
        change = (change_as or {}).get(gid, change)
        rows.append(row)
        lineage.extend(row_lineage)
        changes[gid] = change
        history.append({
            "golden_id": gid, "changed_at": at, "change": change, "cause": cause, "cause_id": cause_id,
            "actor": actor, "members": len(members_of), "before": before,
            "after": row["attributes"] if members_of else None,
        })
    records.replace_golden(con, rows, lineage)
    steward_sql.add_history(con, history)
    return changes
