"""Stewards' values for golden attributes (mdm/overrides.py): set, remove, list."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from api.deps import Principal, Reader, ServiceDep, Steward
from api.errors import documented
from api.etags import ETAG, etag, versions
from api.routes.golden import as_seen_by, searched_region
from api.schemas import OverrideChangePublic, OverridePublic, OverrideSet, Page, QueryBool
from mdm.errors import NotFoundError
from mdm.store import overrides as overrides_sql
from mdm.store import records, serving
from mdm.store.documents import mask_attributes, version

router = APIRouter(tags=["stewardship"])

# A steward's edit on condition that the golden record is still as they read it.
IfMatch = Annotated[str | None, Header(description="The golden record's ETag as read: a 412 if it has changed"
                                                   " since (another steward's edit, a post, a run).")]


def override_as_seen_by(
    principal: Principal, service: ServiceDep, override: dict[str, Any]
) -> dict[str, Any]:
    """An override with its e-mail or phone masked for a reader without ``pii``."""
    if principal.pii or override["value"] is None:
        return override
    masked = mask_attributes({override["attribute"]: override["value"]}, service.attribute_fields)
    return {**override, "value": masked[override["attribute"]]}


def _changed(
    principal: Principal, service: ServiceDep, result: dict[str, Any], response: Response
) -> dict[str, Any]:
    """The change, with the golden record as it is now and its new ETag (for the next If-Match)."""
    change = result.pop("golden_change")
    stored = serving.documents(service.reader(), [result["golden_id"]]).get(result["golden_id"])
    if stored is not None:
        response.headers["ETag"] = etag(version(stored))
    return {"override": override_as_seen_by(principal, service, result), "golden_change": change,
            "golden_record": json.loads(as_seen_by(principal, service, stored)) if stored else None}


@router.get("/golden-records/{golden_id}/overrides", response_model=Page[OverridePublic],
            responses=documented(404))
def list_overrides(
    golden_id: str, principal: Reader, service: ServiceDep, removed: QueryBool = False
) -> dict[str, Any]:
    """The stewards' values this golden record holds, newest first; with ``removed``, also those
    removed or replaced (emails and phones masked for a reader without ``pii``)."""
    con = service.reader()
    if records.golden_row(con, golden_id) is None:
        raise NotFoundError("golden record", golden_id)
    held = overrides_sql.listed(con, golden_id, removed=removed)
    data = [override_as_seen_by(principal, service, o) for o in held]
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0}


# A steward's edit answers with the golden record's new ETag, for the next If-Match.
EDIT_RESPONSES = {200: {"headers": ETAG}, **documented(403, 404, 412)}


@router.put("/golden-records/{golden_id}/overrides/{attribute}", response_model=OverrideChangePublic,
            responses=EDIT_RESPONSES)
def set_override(
    golden_id: str,
    attribute: str,
    body: OverrideSet,
    request: Request,
    response: Response,
    principal: Steward,
    service: ServiceDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Set a golden attribute to a steward's value, or pin the one it has: it wins over the
    survivorship rules in every later run and post until removed, and its lineage says so (source
    `steward`, rule `steward_override`). Setting it again replaces it. A value a source's would be
    flagged unusable for (an invalid phone, a future birth date) gets 422 naming `value`."""
    result = service.set_override(golden_id, attribute, body.value, reason=body.reason,
                                  region=searched_region(request, body.region),
                                  actor=principal.name, if_match=versions(if_match))
    return _changed(principal, service, result, response)


@router.delete("/golden-records/{golden_id}/overrides/{attribute}", response_model=OverrideChangePublic,
               responses=EDIT_RESPONSES)
def remove_override(
    golden_id: str,
    attribute: str,
    response: Response,
    principal: Steward,
    service: ServiceDep,
    reason: Annotated[str, Query(min_length=1, max_length=500)],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """End the steward's value of an attribute: the survivorship rules choose it again."""
    result = service.remove_override(golden_id, attribute, reason=reason, actor=principal.name,
                                     if_match=versions(if_match))
    return _changed(principal, service, result, response)
