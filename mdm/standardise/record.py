"""Standardise one source record into the columns the linker, survivorship and API use.

The same function serves the batch run and real-time posts, so both see identical values.
Value-level standardisers are pure; they are memoised here because names, cities, domains and
dates repeat heavily across millions of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from mdm.sources.config import FirstOf, SourceSpec
from mdm.sources.missing import MISSING_VALUES
from mdm.sources.readers import REPLACEMENT_CHARACTER, as_text, load_json
from mdm.standardise.addresses import (
    standardise_address,
    standardise_country,
    standardise_postcode,
)
from mdm.standardise.cities import CITY_ABBREVIATIONS, address_city, standardise_city, written_country
from mdm.standardise.companies import standardise_company
from mdm.standardise.dates import standardise_birth_date, standardise_timestamp
from mdm.standardise.emails import standardise_email
from mdm.standardise.identifiers import standardise_national_id, standardise_tax_id
from mdm.standardise.names import name_from_email, spacing_key, standardise_name, word_parts, written_given
from mdm.standardise.phones import phone_country, standardise_phone
from mdm.standardise.skeletons import name_skeleton
from mdm.standardise.text import nfc_clean, whole_number

_CACHE = 1 << 18

_name = lru_cache(_CACHE)(standardise_name)
_phone = lru_cache(_CACHE)(standardise_phone)
_email = lru_cache(_CACHE)(standardise_email)
_address = lru_cache(_CACHE)(standardise_address)
_city = lru_cache(_CACHE)(standardise_city)
_address_city = lru_cache(_CACHE)(address_city)
_country = lru_cache(4096)(standardise_country)
_postcode = lru_cache(_CACHE)(standardise_postcode)
_company = lru_cache(_CACHE)(standardise_company)
_national_id = lru_cache(_CACHE)(standardise_national_id)
_tax_id = lru_cache(_CACHE)(standardise_tax_id)
_timestamp = lru_cache(_CACHE)(standardise_timestamp)
# How far past the run's day an update time may be: a day of time zones and clocks a little fast.
_CLOCK_SLACK = dt.timedelta(days=1)


@lru_cache(_CACHE)
def _birth_date(value: str, today: dt.date, day_first: bool, zone: str) -> Any:
    return standardise_birth_date(value, today=today, day_first=day_first, zone=zone)


STD_COLUMNS: tuple[str, ...] = (
    "record_key",
    "source",
    "source_id",
    "priority",
    "updated_at",
    "full_name",
    "name_folded",
    "name_key",
    "name_nospace",
    "family",
    "given",
    "middles",
    "email",
    "email_key",
    "email_local_digits",
    "email_valid",
    "phone",
    "phone_type",
    "phone_valid",
    "date_of_birth",
    "address",
    "address_norm",
    "house_number",
    "street",
    "city",
    "city_norm",
    "postcode",
    "country",
    "company",
    "company_key",
    "tax_id",
    "national_id",
    "dq_flags",
    "name_parts",
    "email_others",
    "phone_others",
    "given_accented",
    "phone_extension",
    "name_skeleton",
)


def record_key(source: str, source_id: str) -> str:
    """Source names cannot contain ':', so the first ':' always separates the two parts."""
    return f"{source}:{source_id}"


def mapped_text(spec: SourceSpec, values: dict[str, str | None]) -> tuple[dict[str, str], list[str]]:
    """The text of every canonical field the source maps and the record fills (its column, its
    columns joined with a space, or the first of its ``first_of`` columns holding a value), and the
    flags of values that were a JSON list or object (see :func:`_one_value`). Read once per record,
    so each field lookup is a dict get."""
    out: dict[str, str] = {}
    flags: list[str] = []
    for field, ref in spec.fields.items():
        if isinstance(ref, FirstOf):  # read no further than the column holding a value: its flags alone
            text = next((v for c in ref.first_of if (v := _one_value(field, values.get(c), flags))), "")
        else:
            parts = [_one_value(field, values.get(c), flags) for c in spec.columns_for(field)]
            if len(parts) > 1:  # a column joined to others: "Calle Mayor" and a house number column's 34.0
                parts = [whole_number(p) if p else p for p in parts]
            text = " ".join(p for p in parts if p)
        if text:
            out[field] = text
    return out, flags


def _first_of_rest(spec: SourceSpec, values: dict[str, str | None], field: str) -> list[str]:
    """The values of a ``first_of`` field's columns after the one it is read from: a source's
    mobile and home phone, or its two e-mails, are both the customer's (their flags unread)."""
    ref = spec.fields.get(field)
    if not isinstance(ref, FirstOf):
        return []
    return [v for c in ref.first_of if (v := _one_value(field, values.get(c), []))][1:]


def _others(field: str, own: str | None, values: Iterable[str | None]) -> list[str] | None:
    """A record's other values of ``field`` (``phone_others``, ``email_others``), each once, in
    order, none the one it is matched on: compared as :func:`other_value` compares them."""
    seen = {other_value(field, own)[0]} if own else set()
    out = []
    for value in values:
        if value and (key := other_value(field, value)[0]) not in seen:
            seen.add(key)
            out.append(value)
    return out or None


def _one_value(field: str, value: str | None, flags: list[str]) -> str | None:
    """A column's value, trimmed. A JSONL array or a Parquet list where one value belongs (read as
    JSON text, ``["an@x.vn", "an@y.vn"]``) gives its first value (flagged ``<field>_several_values``
    when it holds more; a list inside it is read in its place), and an empty one none; an object
    (``{"first": "An"}``: a nested key is mapped with a dot, ``name.first``) is no value, flagged
    ``<field>_not_a_value``. A missing-value marker (:data:`MISSING_VALUES`) is no value, as an
    empty cell is."""
    if value is None:
        return None
    text = value.strip()
    if text in MISSING_VALUES:
        return None
    if not (text[:1] in "[{" and text[-1:] in "]}"):
        return text
    try:
        parsed = load_json(text)
    except ValueError:
        return text  # "[No name]": text that only looks like JSON
    if isinstance(parsed, dict):
        if parsed:
            flags.append(f"{field}_not_a_value")
        return None
    if not isinstance(parsed, list):
        return text
    leaves = _in_order(parsed)
    items = [t for v in leaves if not isinstance(v, dict)
             and (t := (as_text(v) or "").strip()) and t not in MISSING_VALUES]
    if any(isinstance(v, dict) for v in leaves):
        flags.append(f"{field}_not_a_value")
    if len(set(items)) > 1:
        flags.append(f"{field}_several_values")
    return items[0] if items else None


_END = object()  # what an exhausted iterator gives


def _in_order(values: list[Any]) -> list[Any]:
    """A list's values, with those of each list inside it in its place: ``addresses.lines`` of a list
    of addresses, ``[["12 Main St", "Apt 3"], ...]``, is read as any list is (iteratively, as JSON
    nests up to about a thousand levels)."""
    out: list[Any] = []
    stack = [iter(values)]
    while stack:
        value = next(stack[-1], _END)
        if value is _END:
            stack.pop()
        elif isinstance(value, list):
            stack.append(iter(value))
        else:
            out.append(value)
    return out


def other_value(field: str, value: str) -> tuple[str, bool]:
    """(comparable form, valid) of a value of ``email_others`` or ``phone_others``, as the record's
    own columns hold them for the value it is matched on: what survivorship compares."""
    if field == "email":
        email = _email(value)
        return email.match_key or value, email.is_valid
    return value, _phone(value, None).is_valid


def _update_time(text: str | None, spec: SourceSpec, today: dt.date) -> tuple[dt.datetime | None, str | None]:
    """An update time as naive UTC, or None with the flag saying why it is not used."""
    if not text:
        return None, None
    at = _timestamp(text, spec.timezone, spec.date_order == "day_first")
    if at is None:
        return None, "updated_at_unparseable"
    if at.date() > today + _CLOCK_SLACK:
        # A time after the run (a typo, a clock set wrong) would win ``most_recent`` against
        # every real update from then on: kept in the raw record and flagged, not used.
        return None, "updated_at_future"
    return at, None


def update_time(spec: SourceSpec, values: dict[str, str | None], *, today: dt.date) -> dt.datetime | None:
    """The ``updated_at`` :func:`standardise_record` gives a record, alone: to compare two
    versions of one key without standardising the older again."""
    text, _flags = mapped_text(spec, values)
    return _update_time(text.get("updated_at"), spec, today)[0]


# The flag of a record none of whose mapped fields but its update time holds a value (blank, or an
# export's marker for none): a golden record of its key alone, flagged so its source's owners see it.
NO_MAPPED_VALUE = "no_mapped_value"


def _record_country(spec: SourceSpec, country: str | None, phone: str | None) -> str | None:
    """The country a record is of, as far as it says: its country column, else its phone number's
    country, else its source's phone region."""
    if country and len(country) == 2:
        return country
    return phone_country(_phone(phone, spec.phone_region, None).e164) or spec.phone_region


def standardise_record(
    spec: SourceSpec, source_id: str, values: dict[str, str | None], *, today: dt.date
) -> dict[str, Any]:
    """All standardised columns (see STD_COLUMNS) for one accepted source record."""
    text, flags = mapped_text(spec, values)
    if not text.keys() - {"updated_at"}:  # its key alone: no customer to match, nothing to show
        flags.append(NO_MAPPED_VALUE)
    get = text.get
    # A value its file's encoding could not decode is kept, and flagged.
    if any(REPLACEMENT_CHARACTER in v for v in text.values()):
        flags.append("undecodable_text")
    name = _name(get("full_name"), get("first_name"), get("last_name"))
    # A record without a city often writes it at the end of its address: the city and a postcode
    # beside it are read from there, and the address is matched without them, as another source's
    # address beside its city column is. One with a city that its address ends with again
    # ("…, HO CHI MINH" in Ho Chi Minh) is matched without it too. The address is shown as written.
    written_address, own_city = get("address"), get("city")
    in_address = _address_city(written_address, own_city) if written_address else None
    city_text = own_city or (in_address.city if in_address else None)
    city = _city(city_text)
    country = _country(get("country"))
    region = _record_country(spec, country, get("phone"))
    if city.canonical in CITY_ABBREVIATIONS:  # "HP": Hải Phòng, where the record is Vietnamese
        city = _city(city_text, region)
    postcode = get("postcode")
    if in_address and not own_city:
        flags.append("city_from_address")
        if postcode is None and in_address.postcode:
            postcode = in_address.postcode
            flags.append("postcode_from_address")
    # The city's country, or its state's or province's: "St. Petersburg, FL" (or an address ending so) is
    # no Russian's, whose number "706 542 3000" would be read in Russia.
    city_as_written = own_city or (written_address if in_address else None)
    home = country if country and len(country) == 2 else written_country(city_as_written, city.canonical)
    phone = _phone(get("phone"), spec.phone_region, home)
    email = _email(get("email"))
    more_phones = [_phone(v, spec.phone_region, home) for v in _first_of_rest(spec, values, "phone")]
    more_emails = [_email(v) for v in _first_of_rest(spec, values, "email")]
    # The name as matched: completed by its e-mail where it left a name out or cut one to an initial.
    matched = name_from_email(name, email.match_key if email.is_valid else None)
    raw_dob = get("date_of_birth")
    dob = _birth_date(raw_dob, today, spec.date_order == "day_first", spec.timezone) if raw_dob else None
    # "5/12 High St" is unit 5 of house 12 in an Australian or New Zealand record, house 5/12 elsewhere.
    address = _address(in_address.address or None if in_address else written_address, region)
    company = _company(get("company"))
    if company.display is None and "name_is_company" in name.flags:
        company = _company(name.original)
    tax_id = _tax_id(get("tax_id"), spec.phone_region, region)
    national_id = _national_id(get("national_id"), spec.phone_region, region)
    updated_at, flag = _update_time(get("updated_at"), spec, today)
    if flag is not None:
        flags.append(flag)
    for part in (matched, phone, email, dob, address, city, company, tax_id, national_id):
        if part is not None:
            flags.extend(part.flags)

    tokens = matched.folded.split() if matched.folded else []
    return {
        "record_key": record_key(spec.name, source_id),
        "source": spec.name,
        "source_id": source_id,
        "priority": spec.priority,
        "updated_at": updated_at,
        "full_name": name.display,
        "name_folded": name.folded,
        "name_key": " ".join(sorted(tokens)) or None,
        "name_nospace": spacing_key(matched),
        "name_parts": word_parts(matched),
        "family": matched.family,
        "given": matched.given,
        "middles": matched.middles,
        "given_accented": written_given(matched),
        "name_skeleton": name_skeleton(matched.family, matched.given),
        "email": email.normalised or nfc_clean(email.original),
        "email_key": email.match_key,
        "email_local_digits": email.local_has_digits if email.is_valid else None,
        "email_valid": email.is_valid if email.original else None,
        "phone": phone.e164,
        "phone_type": phone.line_type,
        "phone_valid": phone.is_valid if phone.original else None,
        "phone_extension": phone.extension,
        "date_of_birth": dob.value if dob else None,
        "address": nfc_clean(written_address),
        "address_norm": address.normalised,
        "house_number": address.house_number,
        "street": address.street,
        "city": nfc_clean(city.original),
        "city_norm": city.canonical,
        "postcode": _postcode(postcode),
        "country": country,
        "company": company.display,
        "company_key": company.match_key,
        "tax_id": tax_id.value,
        "national_id": national_id.value,
        "dq_flags": sorted(set(flags)),
        # The field's other addresses and numbers: only collect_all reads them (mdm.golden).
        "email_others": _others("email", email.normalised, (
            *email.others, *(v for e in more_emails for v in (e.normalised, *e.others)))),
        "phone_others": _others("phone", phone.e164, (
            *phone.others, *(v for p in more_phones for v in (p.e164, *p.others)))),
    }
