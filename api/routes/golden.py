"""Lookups and search. Golden records are served from their stored documents: one primary-key
read per record, no re-rendering; masked for a reader without pii (see mdm/store/documents.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import Principal, Reader, ServiceDep
from api.errors import documented
from api.etags import ETAG, etag, not_modified
from api.paths import SOURCE_ID
from api.schemas import (
    MAX_SEARCH_REGION,
    SEARCH_MAX_LENGTHS,
    ChangesPublic,
    FollowedPage,
    GoldenRecordPublic,
    HouseholdMemberPublic,
    Offset,
    SearchPage,
    XrefLookup,
    XrefLookupPublic,
    XrefPublic,
)
from mdm.errors import InvalidInputError, NotFoundError
from mdm.ingest import clean_id
from mdm.sources.config import known_region
from mdm.standardise.addresses import standardise_address, standardise_postcode
from mdm.standardise.cities import address_city, city_readings, standardise_city
from mdm.standardise.emails import standardise_email
from mdm.standardise.identifiers import code_country, standardise_national_id, standardise_tax_id
from mdm.standardise.names import standardise_name
from mdm.standardise.phones import e164_start, standardise_phone
from mdm.store import records, serving
from mdm.store.documents import mask_document, mask_phone, version

router = APIRouter(tags=["golden records"])

JSON = "application/json"


# The shortest start of an e-mail searched for, and of a phone's digits with its country code ("0901 23"
# in VN: +84 90123): a shorter one would list a good share of every customer.
MIN_EMAIL_START, MIN_PHONE_DIGITS = 3, 7

# Merges chain (A into B, later B into C); a retired id is followed this far at most.
_MAX_REDIRECTS = 50


def as_seen_by(principal: Principal, service: ServiceDep, document: str) -> str:
    """``document`` as ``principal`` may see it: emails and phones masked without ``pii``."""
    return document if principal.pii else mask_document(document, service.attribute_fields)


def documents_as_seen_by(
    principal: Principal, service: ServiceDep, golden_ids: Iterable[str]
) -> dict[str, str]:
    """Golden id -> document, as ``principal`` may see it, of those of ``golden_ids`` that exist."""
    docs = serving.documents(service.reader(), sorted(set(golden_ids)))
    return {g: as_seen_by(principal, service, doc) for g, doc in docs.items()}


def followed(service: ServiceDep, golden_id: str) -> tuple[str, str | None, dict[str, str] | None]:
    """The golden record ``golden_id`` stands for: for one merged away, its survivor. Its id, its
    stored document (None, and ``golden_id`` as given, for an id no record holds) and, for one
    merged away, ``redirected_from`` as a lookup answers it: every read of the id is of the customer."""
    requested, hops, first_hop = golden_id, 0, None
    while True:
        found = serving.document(service.reader(), golden_id)
        if found is None:
            return requested, None, None
        status, merged_into, doc = found
        if status != "retired" or merged_into is None or hops >= _MAX_REDIRECTS:
            break
        first_hop = first_hop or merged_into
        golden_id, hops = merged_into, hops + 1
    return golden_id, doc, {"golden_id": requested, "merged_into": first_hop} if hops else None


def versioned_document(service: ServiceDep, golden_id: str, principal: Principal) -> tuple[str, str]:
    """The golden record's document as ``principal`` may see it (for one merged away, its
    survivor's, with where it came from), and the version of the record it shows (its ETag)."""
    _survivor, doc, via = followed(service, golden_id)
    if doc is None:
        raise NotFoundError("golden record", golden_id)
    tag = version(doc)
    doc = as_seen_by(principal, service, doc)
    if via is None:
        return doc, tag
    return f'{doc[:-1]},"redirected_from":{json.dumps(via)}}}', tag


# The two lookups are async: they do one in-memory dict read and one primary-key read of
# ready text (well under a millisecond), so a hop to the thread pool would cost more than it saves.
# They read If-None-Match from the request, not as a Header() parameter: FastAPI spends ~40 µs
# solving each (api/deps.py); the document names it all the same.
LOOKUP: dict[str, Any] = {
    "responses": {200: {"headers": ETAG}, **documented(404),
                  304: {"description": "Not modified: the record is still the version If-None-Match names.",
                        "headers": ETAG}},
    "openapi_extra": {"parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                                      "description": "An ETag the client holds: a 304 while it is current.",
                                      "schema": {"type": "string"}}]},
}


@router.get("/golden-records/{golden_id}", response_model=GoldenRecordPublic, **LOOKUP)
async def get_golden_record(
    golden_id: str, request: Request, principal: Reader, service: ServiceDep
) -> Response:
    """A golden record: attributes, lineage per attribute, member source records. For an id
    merged into another, the surviving golden record, with ``redirected_from``. Its ``ETag``
    changes with the record: send it back in ``If-None-Match`` for a 304 while it has not, or in
    ``If-Match`` with a steward's edit (a 412 if it has)."""
    if service.replaying is not None:  # posts into it during a run, the replay not there yet: it may wait
        await run_in_threadpool(service.replay_golden, golden_id)  # for the writer (made by them, or joined)
    doc, tag = versioned_document(service, golden_id, principal)
    cached = not_modified(request.headers.get("if-none-match"), tag)
    return cached or Response(doc, media_type=JSON, headers={"ETag": etag(tag)})


@router.get(f"/xref/{{source}}/{SOURCE_ID}", response_model=XrefPublic, **LOOKUP)
async def get_xref(
    source: str, source_id: str, request: Request, principal: Reader, service: ServiceDep
) -> Response:
    """The golden id and golden record of a source system's key, compared (and answered) trimmed
    of whitespace at either end, as the service stores every key. Its ``ETag`` is the golden
    record's (which lists the key among its members), for ``If-None-Match``."""
    source_id = clean_id(source_id) or source_id
    golden_id = service.golden_id_for(source, source_id)
    if service.replaying is not None:  # it may wait for the writer: off the event loop
        golden_id = await run_in_threadpool(service.lookup_golden_id, source, source_id)
    if golden_id is None:
        raise NotFoundError("source key", f"{source}/{source_id}")
    doc, tag = versioned_document(service, golden_id, principal)
    cached = not_modified(request.headers.get("if-none-match"), tag)
    if cached:
        return cached
    head = json.dumps({"source": source, "source_id": source_id, "golden_id": golden_id}, ensure_ascii=False)
    return Response(f'{head[:-1]}, "golden_record": {doc}}}', media_type=JSON, headers={"ETag": etag(tag)})


@router.post("/xref:lookup", response_model=XrefLookupPublic)
def lookup_xref(body: XrefLookup, principal: Reader, service: ServiceDep) -> Response:
    """Up to 1,000 source keys at once, each with its golden id (null for a key the service
    does not hold) and, with ``include_records``, its golden record: a downstream system
    resolving its own keys needs one call per thousand, not one per key. Each key is compared, and
    answered, trimmed of whitespace at either end, as ``GET /xref`` does."""
    keys = [(k.source, clean_id(k.source_id) or k.source_id) for k in body.keys]
    found = [service.lookup_golden_id(source, source_id) for source, source_id in keys]
    seen = documents_as_seen_by(principal, service, (g for g in found if g)) if body.include_records else {}
    items = []
    for (source, source_id), golden_id in zip(keys, found, strict=True):
        head = json.dumps({"source": source, "source_id": source_id, "golden_id": golden_id},
                          ensure_ascii=False)
        items.append(f'{head[:-1]}, "golden_record": {seen[golden_id]}}}' if golden_id in seen else head)
    hits = sum(g is not None for g in found)
    body = f'{{"data": [{", ".join(items)}], "count": {len(items)}, "found": {hits}}}'
    return Response(body, media_type=JSON)


@router.get("/golden-records", response_model=SearchPage)
def search_golden_records(
    principal: Reader,
    service: ServiceDep,
    request: Request,
    name: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["name"])] = None,
    email: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["email"])] = None,
    phone: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["phone"])] = None,
    city: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["city"])] = None,
    national_id: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["national_id"])] = None,
    tax_id: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["tax_id"])] = None,
    address: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["address"])] = None,
    postcode: Annotated[str | None, Query(max_length=SEARCH_MAX_LENGTHS["postcode"])] = None,
    region: Annotated[str | None, Query(max_length=MAX_SEARCH_REGION, description=(
        "The country (ISO 3166 alpha-2, `BR`) the phone, ids and address are written in: a phone without"
        " its country code, a CPF rather than a Vietnamese id missing its zero, unit 5 of house 12 in"
        " `AU`'s `5/12 High St`. Default: the service's `--phone-region`. A phone or tax id written"
        " with its country code (`DE123456789`) is read as that country's."
    ))] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
    after: Annotated[str | None, Query(max_length=64, description=(
        "Listing without criteria: the golden id the last page ended with (its `next_after`). Paging by"
        " it neither repeats nor skips a record while others are created or retired, as `offset` can."
    ))] = None,
) -> Response:
    """Search by name (any accents, case, word order, one typo), email, phone (any format; of
    either, the start a steward has: ``taro@``, ``0901 23``),
    city, national id and tax id (any separators; a Vietnamese id's lost leading zero
    restored), address (its words among the record's, abbreviations and accents as standardised:
    a street without its ward and district) and postcode; every criterion given must match. A phone
    and ids are read in ``region`` (a CPF and "(11) 91234-5678" in ``BR``), else the service's. A
    criterion is met by a value a source record of the golden record holds or a steward set on it.
    Without criteria: all active golden records in golden-id order, paged by ``after``."""
    con = service.reader()
    given = {"name": name, "email": email, "phone": phone, "city": city, "national_id": national_id,
             "tax_id": tax_id, "address": address, "postcode": postcode}
    read_in = searched_region(request, region)
    next_after = None
    # An empty criterion (a client's unset variable, "?name=") is no search: listing every record
    # for it would hand the caller someone else's golden record as the first hit.
    empty = next((field for field, value in given.items() if value == ""), None)
    if empty is not None:
        raise InvalidInputError(f"field '{empty}': empty; give a value to search by, or leave the"
                                " parameter out to list every golden record")
    if not any(given.values()):
        if after is not None and offset:
            raise InvalidInputError("field 'after': give 'after' or 'offset', not both")
        ids, total = serving.list_golden(con, limit=limit + 1, offset=offset, after=after)
        if len(ids) > limit:
            ids = ids[:limit]
            next_after = ids[-1]
        hits = [(g, 1.0) for g in ids]
    else:
        if after is not None:
            raise InvalidInputError("field 'after': pages the listing without criteria; a search pages by"
                                    " 'offset'")
        criteria = search_criteria(given, read_in, pii=principal.pii)
        hits, total = service.search(criteria, limit=limit, offset=offset)
    docs = documents_as_seen_by(principal, service, (g for g, _s in hits))
    data = ", ".join(f'{{"score": {round(score, 4)}, "golden_record": {docs[g]}}}' for g, score in hits)
    return Response(
        f'{{"data": [{data}], "count": {total}, "limit": {limit}, "offset": {offset},'
        f' "next_after": {json.dumps(next_after)}}}', media_type=JSON
    )


@router.get("/golden-records/{golden_id}/household", response_model=FollowedPage[HouseholdMemberPublic],
            responses=documented(404))
def golden_record_household(
    golden_id: str,
    principal: Reader,
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Other customers who share an address with a house number, or a landline, with this golden
    record's records: its household, which matching keeps apart on purpose (a shared home or
    phone is not the same person). Those sharing both come first. Where a building's address
    carries no flat number its neighbours are listed too. For an id merged away, its survivor's."""
    golden_id, _doc, via = followed(service, golden_id)
    con = service.reader()
    found = records.golden_row(con, golden_id)
    if found is None or found["status"] != "active":
        raise NotFoundError("active golden record", golden_id)
    shared = serving.household(con, golden_id, limit)
    docs = documents_as_seen_by(principal, service, [g for g, _s in shared])
    data = []
    for gid, values in shared:
        landline = values.get("landline")
        if landline is not None and not principal.pii:
            landline = mask_phone(landline)
        data.append({"golden_id": gid, "shared_address": values.get("address"), "shared_landline": landline,
                     "golden_record": json.loads(docs[gid])})
    return {"data": data, "count": len(data), "limit": limit, "offset": 0, "redirected_from": via}


@router.get("/changes", response_model=ChangesPublic)
def list_changes(
    principal: Reader,
    service: ServiceDep,
    after: Annotated[int, Query(ge=0, description="The `seq` of the last entry read; 0 for all.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """The change feed: every change to a golden record committed after entry ``after``, in
    commit order, each with the golden record as it is now. A downstream system keeps
    ``next_after`` and asks again: it sees every change once, including batch runs'. A new
    consumer reads from 0: every golden record appears in it. An ``after`` beyond the last entry
    (a corrupted cursor, which would skip changes unseen) is a 422."""
    masked = None if principal.pii else service.attribute_fields
    return Response(service.change_page(after, limit, masked).body(), media_type=JSON)


def searched_region(request: Request, written: str | None) -> str:
    """The region a request's phone and ids are read in: the one it names (``region``), checked as a
    source's ``phone_region`` is (an unknown code would read them in none, finding nothing with no
    word why), else the service's ``--phone-region``."""
    if written is None:
        return request.app.state.settings.search_phone_region
    try:
        return known_region(written)
    except ValueError as e:
        raise InvalidInputError(f"field 'region': {e}") from e


def search_criteria(
    given: Mapping[str, str | None], region: str, *, pii: bool
) -> dict[str, str | list[str] | None]:
    """What ``serving.search`` compares, standardised as the records were; a value that cannot
    be searched for is a 422 naming its field. The start of an e-mail or phone is searched for a
    reader with ``pii`` only: one without would read a masked address a letter at a time."""
    name, email, phone, city = (given.get(k) for k in ("name", "email", "phone", "city"))
    out: dict[str, str | list[str] | None] = dict.fromkeys((
        "name_key", "email_key", "email_start", "phone", "phone_start", "cities", "national_id", "tax_ids",
        "address_norm", "postcode"))
    if name:
        folded = standardise_name(name, None, None).folded
        if not folded:
            raise InvalidInputError("field 'name': no letters to search for")
        out["name_key"] = " ".join(sorted(folded.split()))
    if email:
        std = standardise_email(email)
        if "email_placeholder" in std.flags:
            raise InvalidInputError(f"field 'email': {email!r} is a placeholder, no one's address")
        out["email_key"] = std.match_key
        if std.match_key is None:  # the start a steward has ("taro@"): the addresses starting with it
            out["email_start"] = start = email.strip().casefold() if pii else None
            if not start or len(start) < MIN_EMAIL_START or start[0] == "@" or start.split() != [start]:
                raise InvalidInputError(f"field 'email': {email!r} is not an email address, nor the start"
                                        f" of one ({_least(pii, f'{MIN_EMAIL_START} characters')})")
    if phone:
        std_phone = standardise_phone(phone, region)
        out["phone"] = std_phone.e164
        if not std_phone.is_valid:  # "0901 23": the numbers starting with it (and the number as read)
            start = e164_start(phone, region) if pii else None
            out["phone_start"] = start if start and len(start) > MIN_PHONE_DIGITS else None  # "+" and digits
            if std_phone.e164 is None and out["phone_start"] is None:
                least = _least(pii, f"{MIN_PHONE_DIGITS} digits with its country code")
                raise InvalidInputError(f"field 'phone': {phone!r} is not a phone number, nor the start of"
                                        f" one ({least})")
    if city:
        if not any(ch.isalnum() for ch in city):
            raise InvalidInputError("field 'city': no letters to search for")
        # "SG" finds a Singaporean record's Singapore and a Vietnamese record's "SG" alike.
        out["cities"] = city_readings(city) or [city.casefold()]
    if given.get("address"):
        # The known city it ends with, read as a record's is: the record of "10 Downing St, London"
        # without a city, or with London, holds "10 downing street" and London; another city given
        # leaves the address whole.
        written = address_city(given["address"], city)
        if written and written.address:
            out["cities"] = [standardise_city(written.city).canonical]
        out["address_norm"] = standardise_address(written.address if written and written.address
                                                  else given["address"], region).normalised
        if out["address_norm"] is None:
            raise InvalidInputError(f"field 'address': {given['address']!r} is not an address")
    if given.get("postcode"):
        out["postcode"] = standardise_postcode(given["postcode"])
        if out["postcode"] is None:
            raise InvalidInputError(f"field 'postcode': {given['postcode']!r} is not a postcode")
    if given.get("national_id"):
        out["national_id"] = _identifier("national_id", given["national_id"], [region])[0]
    if given.get("tax_id"):
        # Written with a country's code (DE123456789) it is read as a record of that country holds it
        # ("123456789"), and as one of ``region`` does: a British record's company number "SC123456"
        # keeps its SC, which is also the Seychelles' code.
        out["tax_ids"] = _identifier("tax_id", given["tax_id"], [code_country(given["tax_id"]), region])
    return out


def _least(pii: bool, least: str) -> str:
    """What the start of a value searched for needs, said in a 422 (see :func:`search_criteria`)."""
    return f"{least} or more" if pii else "searched for a key with pii only"


def _identifier(field: str, written: str, countries: list[str | None]) -> list[str]:
    """The values an id has as records of ``countries`` hold it; a 422 naming ``field`` for none."""
    read = standardise_national_id if field == "national_id" else standardise_tax_id
    values = list(dict.fromkeys(v for c in countries if c and (v := read(written, c).value)))
    if not values:
        raise InvalidInputError(f"field {field!r}: {written!r} is not an identifier")
    return values
