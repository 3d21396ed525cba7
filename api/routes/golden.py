from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api import presenters
from api.deps import Reader, ServiceDep
from api.schemas import GoldenRecordPublic, Page, SearchHit, XrefPublic
from mdm.errors import InvalidInputError, NotFoundError
from mdm.standardise.addresses import standardise_city
from mdm.standardise.emails import standardise_email
from mdm.standardise.names import standardise_name
from mdm.standardise.phones import standardise_phone
from mdm.store import serving

router = APIRouter(tags=["golden records"])


@router.get("/golden-records/{golden_id}", response_model=GoldenRecordPublic)
def get_golden_record(golden_id: str, principal: Reader, service: ServiceDep, request: Request) -> dict:
    """A golden record: attributes, lineage per attribute, member source records."""
    return presenters.golden_record(service.reader(), golden_id, principal, request.app.state.attribute_kinds)


@router.get("/xref/{source}/{source_id}", response_model=XrefPublic)
def get_xref(source: str, source_id: str, principal: Reader, service: ServiceDep, request: Request) -> dict:
    """The golden id and golden record of a source system's key."""
    con = service.reader()
    golden_id = serving.xref(con, source, source_id.strip())
    if golden_id is None:
        raise NotFoundError("source key", f"{source}/{source_id}")
    record = presenters.golden_record(con, golden_id, principal, request.app.state.attribute_kinds)
    return {"source": source, "source_id": source_id, "golden_id": golden_id, "golden_record": record}


@router.get("/golden-records", response_model=Page[SearchHit])
def search_golden_records(
    principal: Reader,
    service: ServiceDep,
    request: Request,
    name: Annotated[str | None, Query(max_length=200)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    phone: Annotated[str | None, Query(max_length=50)] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Search by name (any accents, case, word order, one typo), email, phone (any format) and
    city; every criterion given must match. Without criteria: all active golden records."""
    con = service.reader()
    kinds = request.app.state.attribute_kinds
    if not any((name, email, phone, city)):
        ids, total = serving.list_golden(con, limit=limit, offset=offset)
        hits = [(g, 1.0) for g in ids]
    else:
        criteria = _criteria(name, email, phone, city, request.app.state.settings.search_phone_region)
        hits, total = serving.search(con, **criteria, limit=limit, offset=offset)
    data = [
        {"score": round(score, 4), "golden_record": presenters.golden_record(con, g, principal, kinds)}
        for g, score in hits
    ]
    return {"data": data, "count": total, "limit": limit, "offset": offset}


def _criteria(name: str | None, email: str | None, phone: str | None, city: str | None, region: str) -> dict:
    out: dict[str, str | None] = {"name_key": None, "email_key": None, "phone": None, "city": None}
    if name:
        folded = standardise_name(name, None, None).folded
        if not folded:
            raise InvalidInputError("field 'name': no letters to search for")
        out["name_key"] = " ".join(sorted(folded.split()))
    if email:
        std = standardise_email(email)
        if std.match_key is None:
            raise InvalidInputError(f"field 'email': {email!r} is not a valid email address")
        out["email_key"] = std.match_key
    if phone:
        std_phone = standardise_phone(phone, region)
        if std_phone.e164 is None:
            raise InvalidInputError(f"field 'phone': {phone!r} is not a phone number")
        out["phone"] = std_phone.e164
    if city:
        out["city"] = standardise_city(city).canonical or city.casefold()
    return out
