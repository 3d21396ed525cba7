"""Golden-record documents: the JSON the API serves, built whenever golden records change.

A lookup then costs one primary-key read of ready text instead of three queries and a render.
Only the full document is stored: an API key without the ``pii`` permission gets it masked
when it is served (``n***@gmail.com``, ``+84 *** *** 678``), tens of microseconds a document,
where storing a masked copy of every golden record cost a batch run as much again to write.

There are two builders, on purpose. :func:`render` builds a document in Python from what
survivorship has just chosen: a batch run's, in its golden stage (on every core, with the
survivorship), and the one or two a real-time post touches, in microseconds where DuckDB would
spend ~30 ms planning a statement. :func:`insert_golden` builds them set-based in SQL from the
stored tables, for a Spark run's output, which is loaded without them. A test holds the two
equal on every golden record of a reconciled sample.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import orjson
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

_CODES = {n: sorted(str(c) for c in COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == n) for n in (1, 2, 3)}

# Every timestamp is stored in UTC without an offset, and sent with one (``Z``): RFC 3339, which
# OpenAPI's date-time is, requires it, and a client would otherwise read the time as its own zone.
_TS = "strftime({x}, '%Y-%m-%dT%H:%M:%S.%fZ')"
MEMBER_COLUMNS = (
    "full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country", "company",
    "tax_id", "national_id", "updated_at", "dq_flags",
)


def _member() -> str:
    parts = ["'source': s.source", "'source_id': s.source_id"]
    for c in MEMBER_COLUMNS:
        expr = f"s.{c}"
        if c == "date_of_birth":
            expr = "strftime(s.date_of_birth, '%Y-%m-%d')"
        elif c == "updated_at":
            expr = _TS.format(x="s.updated_at")
        parts.append(f"'{c}': {expr}")
    return "{" + ", ".join(parts) + "}"


_DOCUMENT = (
    "CAST(json_object("
    "'golden_id', g.golden_id, 'status', g.status, 'merged_into', g.merged_into,"
    " 'attributes', coalesce(g.attributes, '{}'::JSON),"
    " 'lineage', coalesce(lin.lineage, '{}'::JSON),"
    " 'members', coalesce(mem.members, '[]'::JSON),"
    " 'record_count', g.record_count, 'sources', g.sources,"
    f" 'created_at', {_TS.format(x='g.created_at')}, 'updated_at', {_TS.format(x='g.updated_at')},"
    " 'run_id', g.run_id) AS VARCHAR)"
)


def insert_golden(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Insert the golden records of ``table`` (a Spark run's staged ones) into ``golden_records``,
    each with its document, built from the live lineage, xref and standardised records.

    Called while the run is published, after those tables were replaced: the documents are built
    in the same pass that copies the rows in, not by updating a million rows afterwards.
    """
    # A slice of the golden records at a time: building every document in one statement holds
    # all of them (and their lineage and members) in memory at once, gigabytes at a million.
    (total,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    slices = max(1, -(-int(total) // _SLICE))
    sql = _insert_sql(table)
    for i in range(slices):
        con.execute(sql, {"slices": slices, "slice": i})


_SLICE = 100_000  # golden records per statement


def _insert_sql(table: str) -> str:
    in_slice = "hash({id}) % $slices = $slice"
    return f"""
    WITH lin_entries AS (
        SELECT l.golden_id, l.attribute,
            to_json(list({{'value': l.value, 'source': l.source, 'source_id': l.source_id, 'rule': l.rule}}
                         ORDER BY l.position)) AS entries
        FROM golden_lineage l
        WHERE {in_slice.format(id="l.golden_id")}
        GROUP BY l.golden_id, l.attribute
    ),
    lin AS (
        -- Attributes in name order, as documents.render writes them: the same text, the same ETag.
        SELECT golden_id, to_json(map(list(attribute ORDER BY attribute), list(entries ORDER BY attribute)))
            AS lineage
        FROM lin_entries GROUP BY golden_id
    ),
    mem AS (
        SELECT x.golden_id, to_json(list({_member()} ORDER BY s.source, s.source_id)) AS members
        FROM xref x JOIN std_records s ON s.record_key = x.record_key
        WHERE {in_slice.format(id="x.golden_id")}
        GROUP BY x.golden_id
    )
    INSERT INTO golden_records BY NAME
    SELECT g.* REPLACE ({_DOCUMENT} AS document)
    FROM {table} g
    LEFT JOIN lin ON lin.golden_id = g.golden_id LEFT JOIN mem ON mem.golden_id = g.golden_id
    WHERE {in_slice.format(id="g.golden_id")}
    """


# -- the same documents, built in Python for real-time posts ---------------------------------


# An address's local part, in text that may hold several ("a@x.vn; b@y.vn", a JSON list).
_LOCAL_PART = re.compile(r"[^\s@\"',;:<>()\[\]{}]*@")


def mask_email(value: str) -> str:
    """``n***@gmail.com``; in a source's raw text holding several addresses, each one so."""
    local, at, domain = value.partition("@")
    if not at:
        return "***"
    if "@" in domain:
        return _LOCAL_PART.sub(lambda m: f"{m.group()[:1]}***@" if len(m.group()) > 1 else "***@", value)
    return f"{local[:1]}***@{domain}"


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


def timestamp_text(value: dt.datetime | None) -> str | None:
    """A stored (UTC, naive) timestamp as the API and its files send it: ``…T07:53:16.390531Z``."""
    return f"{value.isoformat(timespec='microseconds')}Z" if value is not None else None


def member_document(m: Mapping[str, Any]) -> dict[str, Any]:
    """A member as documents show it: its source key and standardised values, dates as ISO text."""
    out = {"source": m["source"], "source_id": m["source_id"]}
    for c in MEMBER_COLUMNS:
        value = m.get(c)
        if c == "date_of_birth":
            value = value.isoformat() if value is not None else None
        elif c == "updated_at":
            value = timestamp_text(value)
        elif c == "dq_flags":
            value = list(value) if value is not None else None
        out[c] = value
    return out


def _dumps(doc: Mapping[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def attributes_json(values: Mapping[str, Any]) -> str:
    """A golden record's attributes as stored (golden_records.attributes, its history)."""
    return _dumps(values)


def render(
    golden: Mapping[str, Any],
    attributes: Mapping[str, Any],
    lineage: Sequence[Sequence[Any]],
    members: Sequence[Mapping[str, Any]],
) -> str:
    """The document of one golden_records row, its attributes, its lineage (attribute,
    position, value, source, source_id, rule) and its members' standardised rows; equal to what
    :func:`insert_golden` builds."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for attribute, _position, value, source, source_id, rule in sorted(lineage, key=lambda e: (e[0], e[1])):
        grouped.setdefault(attribute, []).append(
            {"value": value, "source": source, "source_id": source_id, "rule": rule}
        )
    return _dumps({
        "golden_id": golden["golden_id"], "status": golden["status"], "merged_into": golden["merged_into"],
        "attributes": attributes, "lineage": grouped,
        "members": [member_document(m) for m in sorted(members, key=lambda m: (m["source"], m["source_id"]))],
        "record_count": golden["record_count"], "sources": list(golden["sources"]),
        "created_at": timestamp_text(golden["created_at"]),
        "updated_at": timestamp_text(golden["updated_at"]),
        "run_id": golden["run_id"],
    })


def mask_document(document: str, attribute_fields: Mapping[str, str]) -> str:
    """``document`` with its emails and phones masked, for a reader without the ``pii`` permission.

    ``attribute_fields`` maps each golden attribute to the standardised field it comes from,
    so a collected ``all_emails`` is masked like ``email``.
    """
    doc = orjson.loads(document)
    doc["attributes"] = mask_attributes(doc["attributes"], attribute_fields)
    for attribute, entries in doc["lineage"].items():
        kind = attribute_fields.get(attribute)
        for entry in entries:
            entry["value"] = _masked(kind, entry["value"])
    for member in doc["members"]:
        member["email"], member["phone"] = _masked("email", member["email"]), _masked("phone", member["phone"])
    return _dumps(doc)


def mask_attributes(attributes: Mapping[str, Any], attribute_fields: Mapping[str, str]) -> dict[str, Any]:
    """Golden attributes (a document's, or a version's in the history) with emails and phones masked."""
    return {k: _masked(attribute_fields.get(k), v) for k, v in attributes.items()}


def version(document: str) -> str:
    """A golden record's version, for HTTP's ETag and If-Match: a digest of its stored document,
    so it changes with anything a reader could see change (masked or not)."""
    return hashlib.sha256(document.encode()).hexdigest()[:32]


# :func:`version` in SQL, of the column ``{x}``: a run reads every published version so, not the
# documents themselves (gigabytes at a million golden records).
VERSION_SQL = "left(sha256({x}), 32)"
