"""Stewards' values for golden attributes: a correction that outlasts every run.

Survivorship chooses among what the sources say. When every source is wrong or late (the
customer phoned in a new number no system holds yet; every system typed the birth date wrong),
a steward sets the value, or pins the one chosen now. It wins over the rules in every later
batch run and real-time post until it is removed: its lineage names the override (source
``steward``, rule ``steward_override``) and an attribute that collects every value of the same
field (``all_phones`` beside ``phone``) lists it first. A golden record merged into another
passes its overrides on (golden.carry_overrides). The value is standardised as a source's
would be, and refused, naming the field, where a source's would be flagged unusable.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import duckdb
from pydantic import ValidationError

from matching_rules import AttributeSpec
from mdm import golden, regroup
from mdm.errors import InvalidInputError, NotFoundError
from mdm.sources import SourceSpec
from mdm.standardise.phones import phone_country
from mdm.standardise.record import standardise_record
from mdm.store import audit, records, serving
from mdm.store import overrides as overrides_sql
from mdm.store.database import now
from mdm.survivorship import STEWARD

# Flags that make a source's value unusable; an override carrying one is refused.
_REFUSED = ("_invalid", "_unparseable", "_placeholder", "_future", "_impossible", "_multiple")
MAX_VALUE = 500


def settable(attributes: Mapping[str, AttributeSpec], attribute: str) -> AttributeSpec:
    """The spec of an attribute a steward may set: one the rules declare, that is not collected."""
    spec = attributes.get(attribute)
    if spec is None:
        raise InvalidInputError(f"field 'attribute': {attribute!r} is not a golden attribute"
                                f" (one of {', '.join(settable_attributes(attributes))})")
    if "collect_all" in spec.rules:
        fields = [a for a in settable_attributes(attributes) if attributes[a].field == spec.field]
        raise InvalidInputError(
            f"field 'attribute': {attribute!r} collects every source's value; set"
            f" {' or '.join(repr(f) for f in fields) or 'its single-valued attribute'} and it is listed first"
        )
    return spec


def settable_attributes(attributes: Mapping[str, AttributeSpec]) -> list[str]:
    """The attributes a steward may set: every one but those collecting all values."""
    return [a for a, spec in attributes.items() if "collect_all" not in spec.rules]


def standardised(
    field: str, text: str, *, region: str | None, today: dt.date, country: str | None = None
) -> tuple[str, str | None]:
    """``text`` as a source's value of ``field`` would be kept (a phone in E.164, a birth date in
    ISO), read in ``region`` as a record of ``country`` is, and as the search compares it
    (serving.SEARCHED_AS); InvalidInputError naming 'value' where it would be flagged unusable, or
    'region' for a region a source's config could not name either."""
    text = text.strip()
    if not text or len(text) > MAX_VALUE:
        raise InvalidInputError(f"field 'value': give 1 to {MAX_VALUE} characters, or null for no value")
    # A record leaves out only its own country's code before a tax id (a British "SC123456" keeps
    # its SC, the Seychelles' code), holds a national id to its country's check digits, and reads
    # a phone invalid in its region in its country: the override is read as its records are.
    fields, values = {field: "value"}, {"value": text}
    if country and field != "country":
        fields, values = fields | {"country": "country"}, values | {"country": country}
    try:
        spec = SourceSpec(name=STEWARD, path="-", format="jsonl", id_column="id", phone_region=region,
                          fields=fields)
    except ValidationError as e:
        (error,) = e.errors()  # the region: the rest is fixed here
        why = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(f"field 'region': {why}") from None
    std = standardise_record(spec, "override", values, today=today)
    value_col, _key, valid_col = golden.FIELD_COLUMNS[field]
    value = golden.text_of(std[value_col])
    refused = [f for f in std["dq_flags"] or () if f.endswith(_REFUSED)]
    if value is None or (valid_col is not None and std[valid_col] is False) or refused:
        why = f" ({', '.join(refused)})" if refused else ""
        if field == "phone" and region is not None and not text.startswith(("+", "00")):
            why += f"; read in region {region}: give its \"region\" if it is another's"
        raise InvalidInputError(f"field 'value': {text!r} is not a usable {field.replace('_', ' ')}{why}")
    return value, golden.text_of(std[serving.SEARCHED_AS.get(field, value_col)])


def set_override(
    con: duckdb.DuckDBPyConnection,
    attributes: Mapping[str, AttributeSpec],
    golden_id: str,
    attribute: str,
    value: str | None,
    *,
    reason: str,
    region: str | None,
    actor: str,
    today: dt.date,
) -> dict[str, Any]:
    """Set (or replace) the steward's value of one attribute of an active golden record, and
    rebuild the record with it. Returns the override and the golden record's change."""
    spec = settable(attributes, attribute)
    reason = _reason(reason)
    row = records.golden_row(con, golden_id)
    if row is None or row["status"] != "active":
        raise NotFoundError("active golden record", golden_id)
    assert spec.field is not None
    kept, key = (None, None) if value is None else standardised(
        spec.field, value, region=region, today=today, country=_country(attributes, row["attributes"]))
    at = now()
    override_id = "O" + uuid.uuid4().hex[:15].upper()
    replaced = overrides_sql.remove(con, golden_id, attribute, at=at, by=actor)
    overrides_sql.insert(con, {"override_id": override_id, "golden_id": golden_id, "attribute": attribute,
                               "value": kept, "search_key": key, "reason": reason, "actor": actor,
                               "created_at": at})
    change = regroup.rebuild(con, [golden_id], attributes=attributes, at=at, cause="override",
                             cause_id=override_id, actor=actor)[golden_id]
    audit.record(con, actor=actor, action="golden.override", target=golden_id,
                 detail={"override_id": override_id, "attribute": attribute, "reason": reason,
                         "replaced": replaced})
    return {**(overrides_sql.get(con, override_id) or {}), "golden_change": change}


def remove_override(
    con: duckdb.DuckDBPyConnection,
    attributes: Mapping[str, AttributeSpec],
    golden_id: str,
    attribute: str,
    *,
    reason: str,
    actor: str,
) -> dict[str, Any]:
    """End the override of one attribute; the rules choose it again. Returns the ended override
    and the golden record's change (None for a retired record, which holds it unused)."""
    reason = _reason(reason)
    at = now()
    removed = overrides_sql.remove(con, golden_id, attribute, at=at, by=actor)
    if not removed:
        raise NotFoundError("override", f"{golden_id}/{attribute}")
    (override_id,) = removed
    change = regroup.rebuild(con, [golden_id], attributes=attributes, at=at, cause="override",
                             cause_id=override_id, actor=actor).get(golden_id)
    audit.record(con, actor=actor, action="golden.override_remove", target=golden_id,
                 detail={"override_id": override_id, "attribute": attribute, "reason": reason})
    return {**(overrides_sql.get(con, override_id) or {}), "golden_change": change}


def key_unkeyed(
    con: duckdb.DuckDBPyConnection, attributes: Mapping[str, AttributeSpec], *, today: dt.date
) -> int:
    """Key for the search the overrides in force set before their search key was kept (schema
    26): their value is read again as it was kept, in its golden record's country. How many."""
    unkeyed = overrides_sql.unkeyed(con)
    keys = {}
    for o in unkeyed:
        spec = attributes.get(o["attribute"])
        if spec is None or spec.field is None:
            continue
        try:
            _value, key = standardised(spec.field, o["value"], region=None, today=today,
                                       country=_country(attributes, o["attributes"]))
            keys[o["override_id"]] = key or o["value"]
        except InvalidInputError:  # kept by a version that read it otherwise: compared as kept
            keys[o["override_id"]] = o["value"]
    overrides_sql.set_keys(con, keys)
    return len(keys)


def _country(attributes: Mapping[str, AttributeSpec], document: str) -> str | None:
    """The country a golden record is of, as a record is: its country, else its phone's."""
    held = {attributes[a].field: v for a, v in json.loads(document).items()
            if a in attributes and "collect_all" not in attributes[a].rules}
    country = held.get("country")
    if isinstance(country, str) and len(country) == 2:
        return country
    phone = held.get("phone")
    return phone_country(phone) if isinstance(phone, str) else None


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_VALUE:
        raise InvalidInputError(f"field 'reason': say why, in 1 to {MAX_VALUE} characters")
    return reason
