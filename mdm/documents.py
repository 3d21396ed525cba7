"""Golden-record documents: what the API serves, built once when a golden record is written.

A lookup then costs one primary-key read of ready JSON instead of three queries and a
render. Two variants are kept: full, and with emails and phones masked for keys without
the ``pii`` permission.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mdm.masking import mask_value

MEMBER_COLUMNS = (
    "full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country", "company",
    "tax_id", "national_id", "updated_at", "dq_flags",
)
# Member columns holding personal contact data, and the mask for each.
_MEMBER_PII = {"email": "email", "phone": "phone"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def build(
    golden: Mapping[str, Any],
    lineage: Iterable[tuple[str, int, Any, str, str, str]],
    members: Sequence[Mapping[str, Any]],
    attribute_fields: Mapping[str, str],
) -> tuple[str, str]:
    """(document JSON, masked document JSON) for one golden record.

    ``golden`` is a golden_records row with ``attributes`` as a dict; ``lineage`` holds
    (attribute, position, value, source, source_id, rule); ``attribute_fields`` maps each
    attribute to the standardised field it comes from (so ``all_emails`` is masked as email).
    """
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attribute, _pos, value, source, source_id, rule in lineage:
        grouped[attribute].append({"value": value, "source": source, "source_id": source_id, "rule": rule})
    doc = {
        "golden_id": golden["golden_id"],
        "status": golden["status"],
        "merged_into": golden["merged_into"],
        "attributes": golden["attributes"],
        "lineage": dict(grouped),
        "members": [
            {"source": m["source"], "source_id": m["source_id"], **{c: _plain(m.get(c)) for c in MEMBER_COLUMNS}}
            for m in sorted(members, key=lambda m: (m["source"], m["source_id"]))
        ],
        "record_count": golden["record_count"],
        "sources": golden["sources"],
        "created_at": _plain(golden["created_at"]),
        "updated_at": _plain(golden["updated_at"]),
        "run_id": golden["run_id"],
    }
    masked = {
        **doc,
        "attributes": {k: mask_value(attribute_fields.get(k), v) for k, v in doc["attributes"].items()},
        "lineage": {
            a: [{**e, "value": mask_value(attribute_fields.get(a), e["value"])} for e in entries]
            for a, entries in doc["lineage"].items()
        },
        "members": [{**m, **{c: mask_value(k, m[c]) for c, k in _MEMBER_PII.items()}} for m in doc["members"]],
    }
    return json.dumps(doc, ensure_ascii=False), json.dumps(masked, ensure_ascii=False)
