"""Stewards' values for golden attributes (mdm/overrides.py): set, remove, list."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import Principal, Reader, ServiceDep, Steward
from api.routes.golden import documents_as_seen_by
from api.schemas import OverrideChangePublic, OverridePublic, OverrideSet, Page
from mdm.errors import NotFoundError
from mdm.store import overrides as overrides_sql
from mdm.store import records
from mdm.store.documents import mask_attributes

router = APIRouter(tags=["stewardship"])


def override_as_seen_by(
    principal: Principal, service: ServiceDep, override: dict[str, Any]
) -> dict[str, Any]:
    """An override with its e-mail or phone masked for a reader without ``pii``."""
    if principal.pii or override["value"] is None:
        return override
    masked = mask_attributes({override["attribute"]: override["value"]}, service.attribute_fields)
    return {**override, "value": masked[override["attribute"]]}


def _changed(principal: Principal, service: ServiceDep, result: dict[str, Any]) -> dict[str, Any]:
    change = result.pop("golden_change")
    docs = documents_as_seen_by(principal, service, [result["golden_id"]])
    doc = docs.get(result["golden_id"])
    return {"override": override_as_seen_by(principal, service, result), "golden_change": change,
            "golden_record": json.loads(doc) if doc else None}


@router.get("/golden-records/{golden_id}/overrides", response_model=Page[OverridePublic])
def list_overrides(
    golden_id: str, principal: Reader, service: ServiceDep, removed: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """The stewards' values this golden record holds, newest first; with ``removed``, also those
    removed or replaced (emails and phones masked for a reader without ``pii``)."""
    con = service.reader()
    if records.golden_row(con, golden_id) is None:
        raise NotFoundError("golden record", golden_id)
    held = overrides_sql.listed(con, golden_id, removed=removed)
    data = [override_as_seen_by(principal, service, o) for o in held]
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0}


@router.put("/golden-records/{golden_id}/overrides/{attribute}", response_model=OverrideChangePublic)
def set_override(
    golden_id: str,
    attribute: str,
    body: OverrideSet,
    request: Request,
    principal: Steward,
    service: ServiceDep,
) -> dict[str, Any]:
    """Set a golden attribute to a steward's value, or pin the one it has: it wins over the
    survivorship rules in every later run and post until removed, and its lineage says so (source
    `steward`, rule `steward_override`). Setting it again replaces it. A value a source's would be
    flagged unusable for (an invalid phone, a future birth date) gets 422 naming `value`."""
    region = body.region or request.app.state.settings.search_phone_region
    result = service.set_override(golden_id, attribute, body.value, reason=body.reason, region=region,
                                  actor=principal.name)
    return _changed(principal, service, result)


@router.delete("/golden-records/{golden_id}/overrides/{attribute}", response_model=OverrideChangePublic)
def remove_override(
    golden_id: str,
    attribute: str,
    principal: Steward,
    service: ServiceDep,
    reason: Annotated[str, Query(min_length=1, max_length=500)],
) -> dict[str, Any]:
    """End the steward's value of an attribute: the survivorship rules choose it again."""
    result = service.remove_override(golden_id, attribute, reason=reason, actor=principal.name)
    return _changed(principal, service, result)
