"""Golden-record documents: the JSON the API serves, built whenever golden records change.

A lookup then costs one primary-key read of ready text instead of three queries and a render.
Two variants are kept: full, and with emails and phones masked for API keys without the
``pii`` permission (``n***@gmail.com``, ``+84 *** *** 678``).

There are two builders, on purpose: :func:`insert_golden` builds a batch run's documents
set-based while it publishes the golden records (seconds for 100,000 of them), and :func:`render` builds the one or two
documents a real-time post touches in microseconds, where DuckDB would spend ~30 ms planning
the statement. A test holds the two equal on every golden record of a reconciled sample.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

_CODES = {n: sorted(str(c) for c in COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == n) for n in (1, 2, 3)}

# {x} is a column or expression holding an email / E.164 phone (our own SQL, never user input).
_MASK_EMAIL = "CASE WHEN {x} IS NULL THEN NULL WHEN position('@' IN {x}) = 0 THEN '***'" \
    " ELSE left(left({x}, position('@' IN {x}) - 1), 1) || '***@' || substr({x}, position('@' IN {x}) + 1) END"
_DIGITS = "regexp_replace({x}, '[^0-9]', '', 'g')"
# Country calling codes are prefix-free, so the first known 1-, 2- or 3-digit prefix is the code.
_COUNTRY = (
    "CASE WHEN list_contains($cc1, left({d}, 1)) THEN left({d}, 1)"
    " WHEN list_contains($cc2, left({d}, 2)) THEN left({d}, 2)"
    " WHEN list_contains($cc3, left({d}, 3)) THEN left({d}, 3) END"
)
_MASK_PHONE = (
    "CASE WHEN {x} IS NULL THEN NULL WHEN length({d}) < 6 THEN '***'"
    " ELSE (CASE WHEN {x} LIKE '+%' THEN coalesce('+' || ({c}) || ' ', '') ELSE '' END) || '*** *** ' || right({d}, 3)"
    " END"
)


def mask_email_sql(x: str) -> str:
    return _MASK_EMAIL.format(x=x)


def mask_phone_sql(x: str) -> str:
    d = _DIGITS.format(x=x)
    return _MASK_PHONE.format(x=x, d=d, c=_COUNTRY.format(d=d))


def _mask(kind: str, x: str) -> str:
    return mask_email_sql(x) if kind == "email" else mask_phone_sql(x)


_TS = "strftime({x}, '%Y-%m-%dT%H:%M:%S.%f')"
_MEMBER_COLUMNS = (
    "full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country", "company",
    "tax_id", "national_id", "updated_at", "dq_flags",
)


def _member(masked: bool) -> str:
    parts = ["'source': s.source", "'source_id': s.source_id"]
    for c in _MEMBER_COLUMNS:
        expr = f"s.{c}"
        if c == "date_of_birth":
            expr = "strftime(s.date_of_birth, '%Y-%m-%d')"
        elif c == "updated_at":
            expr = _TS.format(x="s.updated_at")
        elif masked and c in ("email", "phone"):
            expr = _mask(c, f"s.{c}")
        parts.append(f"'{c}': {expr}")
    return "{" + ", ".join(parts) + "}"


def _lineage_value(masked: bool) -> str:
    if not masked:
        return "l.value"
    return (
        f"CASE WHEN list_contains($email_attrs, l.attribute) THEN {mask_email_sql('l.value')}"
        f" WHEN list_contains($phone_attrs, l.attribute) THEN {mask_phone_sql('l.value')} ELSE l.value END"
    )


def _masked_attributes(kinds: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """A json_merge_patch of the masked email and phone attributes, and its parameters."""
    patches, params = [], {}
    for i, (attribute, kind) in enumerate(sorted(kinds.items())):
        if kind not in ("email", "phone"):
            continue
        params[f"a{i}"], params[f"p{i}"] = attribute, f"$.{attribute}"
        value = f"json_extract(g.attributes, $p{i})"
        scalar = _mask(kind, f"json_extract_string(g.attributes, $p{i})")
        listed = f"to_json(list_transform(CAST({value} AS VARCHAR[]), lambda v: {_mask(kind, 'v')}))"
        # A null in a merge patch deletes the key (RFC 7396): patch only values that are there.
        patches.append(
            f"CASE WHEN coalesce(json_type({value}), 'NULL') = 'NULL' THEN '{{}}'::JSON"
            f" ELSE json_object($a{i}, CASE WHEN json_type({value}) = 'ARRAY' THEN {listed} ELSE to_json({scalar}) END) END"
        )
    expr = "g.attributes"
    for patch in patches:
        expr = f"json_merge_patch({expr}, {patch})"
    return expr, params


def _document(masked: bool, attributes: str) -> str:
    variant = "masked" if masked else "plain"
    lineage, members = f"lin.{variant}", f"mem.{variant}"
    return (
        "CAST(json_object("
        "'golden_id', g.golden_id, 'status', g.status, 'merged_into', g.merged_into,"
        f" 'attributes', coalesce({attributes}, '{{}}'::JSON),"
        f" 'lineage', coalesce({lineage}, '{{}}'::JSON),"
        f" 'members', coalesce({members}, '[]'::JSON),"
        " 'record_count', g.record_count, 'sources', g.sources,"
        f" 'created_at', {_TS.format(x='g.created_at')}, 'updated_at', {_TS.format(x='g.updated_at')},"
        " 'run_id', g.run_id) AS VARCHAR)"
    )


def insert_golden(con: duckdb.DuckDBPyConnection, table: str, attribute_fields: Mapping[str, str]) -> None:
    """Insert the golden records of ``table`` (a run's staged ones) into ``golden_records``, each
    with its documents, built from the live lineage, xref and standardised records.

    Called while a run is published, after those tables were replaced: the documents are built
    in the same pass that copies the rows in, not by updating a million rows afterwards.
    ``attribute_fields`` maps each golden attribute to the standardised field it comes from,
    so a collected ``all_emails`` is masked like ``email``.
    """
    masked_attributes, params = _masked_attributes(attribute_fields)
    params.update({"cc1": _CODES[1], "cc2": _CODES[2], "cc3": _CODES[3],
                   "email_attrs": [a for a, k in attribute_fields.items() if k == "email"],
                   "phone_attrs": [a for a, k in attribute_fields.items() if k == "phone"]})
    # A slice of the golden records at a time: building every document in one statement holds
    # all of them (and their lineage and members) in memory at once, gigabytes at a million.
    (total,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    slices = max(1, -(-int(total) // _SLICE))
    sql = _insert_sql(masked_attributes, table)
    for i in range(slices):
        con.execute(sql, {**params, "slices": slices, "slice": i})


_SLICE = 100_000  # golden records per statement


def _insert_sql(masked_attributes: str, table: str) -> str:
    in_slice = "hash({id}) % $slices = $slice"
    return f"""
    WITH lin_entries AS (
        SELECT l.golden_id, l.attribute,
            to_json(list({{'value': {_lineage_value(False)}, 'source': l.source, 'source_id': l.source_id,
                          'rule': l.rule}} ORDER BY l.position)) AS plain,
            to_json(list({{'value': {_lineage_value(True)}, 'source': l.source, 'source_id': l.source_id,
                          'rule': l.rule}} ORDER BY l.position)) AS masked
        FROM golden_lineage l
        WHERE {in_slice.format(id="l.golden_id")}
        GROUP BY l.golden_id, l.attribute
    ),
    lin AS (
        SELECT golden_id, json_group_object(attribute, plain) AS plain, json_group_object(attribute, masked) AS masked
        FROM lin_entries GROUP BY golden_id
    ),
    mem AS (
        SELECT x.golden_id,
            to_json(list({_member(False)} ORDER BY s.source, s.source_id)) AS plain,
            to_json(list({_member(True)} ORDER BY s.source, s.source_id)) AS masked
        FROM xref x JOIN std_records s ON s.record_key = x.record_key
        WHERE {in_slice.format(id="x.golden_id")}
        GROUP BY x.golden_id
    )
    INSERT INTO golden_records BY NAME
    SELECT g.* REPLACE ({_document(False, 'g.attributes')} AS document,
                        {_document(True, masked_attributes)} AS document_masked)
    FROM {table} g
    LEFT JOIN lin ON lin.golden_id = g.golden_id LEFT JOIN mem ON mem.golden_id = g.golden_id
    WHERE {in_slice.format(id="g.golden_id")}
    """


# -- the same documents, built in Python for real-time posts ---------------------------------


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def mask_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) < 6:
        return "***"
    country = ""
    if value.startswith("+"):
        code = next((digits[:n] for n in (1, 2, 3) if digits[:n] in _CODES[n]), None)
        country = f"+{code} " if code else ""
    return f"{country}*** *** {digits[-3:]}"


_MASKS = {"email": mask_email, "phone": mask_phone}


def _masked(kind: str | None, value: Any) -> Any:
    mask = _MASKS.get(kind or "")
    if mask is None or value is None:
        return value
    if isinstance(value, list):
        return [mask(v) for v in value]
    return mask(value)


def _ts(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value is not None else None


def _member_dict(m: Mapping[str, Any], masked: bool) -> dict[str, Any]:
    out = {"source": m["source"], "source_id": m["source_id"]}
    for c in _MEMBER_COLUMNS:
        value = m.get(c)
        if c == "date_of_birth":
            value = value.strftime("%Y-%m-%d") if value is not None else None
        elif c == "updated_at":
            value = _ts(value)
        elif masked and c in ("email", "phone"):
            value = _masked(c, value)
        elif c == "dq_flags":
            value = list(value) if value is not None else None
        out[c] = value
    return out


def render(
    golden: Mapping[str, Any],
    lineage: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]],
    attribute_fields: Mapping[str, str],
) -> tuple[str, str]:
    """(document, masked document) of one golden_records row (``attributes`` as JSON text),
    its lineage rows and its members' standardised rows; equal to what :func:`insert_golden` builds."""
    attributes = json.loads(golden["attributes"]) if golden["attributes"] else {}
    ordered = sorted(members, key=lambda m: (m["source"], m["source_id"]))
    docs = []
    for masked in (False, True):
        grouped: dict[str, list[dict[str, Any]]] = {}
        for entry in sorted(lineage, key=lambda e: (e["attribute"], e["position"])):
            kind = attribute_fields.get(entry["attribute"]) if masked else None
            grouped.setdefault(entry["attribute"], []).append(
                {"value": _masked(kind, entry["value"]), "source": entry["source"],
                 "source_id": entry["source_id"], "rule": entry["rule"]}
            )
        attrs = {k: _masked(attribute_fields.get(k), v) for k, v in attributes.items()} if masked else attributes
        doc = {
            "golden_id": golden["golden_id"], "status": golden["status"], "merged_into": golden["merged_into"],
            "attributes": attrs, "lineage": grouped,
            "members": [_member_dict(m, masked) for m in ordered],
            "record_count": golden["record_count"], "sources": list(golden["sources"]),
            "created_at": _ts(golden["created_at"]), "updated_at": _ts(golden["updated_at"]),
            "run_id": golden["run_id"],
        }
        docs.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    return docs[0], docs[1]
