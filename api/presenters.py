"""Golden records as the API shows them: lineage grouped by attribute, PII masked by key."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

from api.deps import Principal
from api.masking import mask_value
from matching_rules import RulesSpec
from mdm.errors import NotFoundError
from mdm.store import serving

_MEMBER_KINDS = {"email": "email", "phone": "phone"}


def attribute_kinds(rules: RulesSpec) -> dict[str, str]:
    """Golden attribute -> the standardised field it is drawn from (email, phone, ...)."""
    return {name: spec.field or name for name, spec in rules.attributes().items()}


def golden_record(
    con: duckdb.DuckDBPyConnection, golden_id: str, principal: Principal, kinds: dict[str, str]
) -> dict[str, Any]:
    row = serving.golden_record(con, golden_id)
    if row is None:
        raise NotFoundError("golden record", golden_id)
    lineage: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in serving.lineage(con, golden_id):
        lineage[entry["attribute"]].append(entry)
    members = serving.members(con, golden_id)
    if not principal.pii:
        row["attributes"] = {k: mask_value(kinds.get(k), v) for k, v in row["attributes"].items()}
        for attr, entries in lineage.items():
            for e in entries:
                e["value"] = mask_value(kinds.get(attr), e["value"])
        for m in members:
            for col, kind in _MEMBER_KINDS.items():
                m[col] = mask_value(kind, m[col])
    row["lineage"] = dict(lineage)
    row["members"] = members
    return row
