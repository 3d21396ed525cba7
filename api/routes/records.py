from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from api.bodies import read_body_again, records_at
from api.deps import Reader, ServiceDep, Writer
from api.errors import batch_body, documented
from api.paths import SOURCE_ID
from api.routes.golden import documents_as_seen_by
from api.schemas import (
    BatchCreate,
    BatchDelete,
    BatchPublic,
    DeletedPublic,
    MatchPreviewPublic,
    MatchResultPublic,
    SourceRecordPublic,
)
from mdm.realtime import MatchResult, Preview
from mdm.sources.readers import Repeated, marked
from mdm.store.documents import mask_email, mask_phone, member_document

router = APIRouter(prefix="/sources/{source}", tags=["source records"])


def _public(result: MatchResult | Preview) -> dict[str, Any]:
    """The decision and scored candidates: keys, ids and scores only, so no PII to mask."""
    candidates = [
        {"source": c.source, "source_id": c.source_id, "golden_id": c.golden_id,
         "match_probability": c.match_probability, "match_weight": c.match_weight, "explanation": c.explanation}
        for c in result.candidates
    ]
    return {**vars(result), "candidates": candidates}


def _counted(request: Request, source: str, results: list[Any]) -> None:
    """Real-time outcomes per source, for /metrics (a match rate falling shows a source changed)."""
    posts = request.app.state.metrics.posts
    for r in results:
        if isinstance(r, MatchResult):
            posts.labels(source, r.outcome).inc()


ReadAgain = Depends(read_body_again)


def _as_read(record: dict[str, Any], again: Any) -> dict[str, Any]:
    """``record`` marked as a reader marks a row that writes a key twice with different values
    (``again``: its text read again, or None), which the service then refuses naming the key."""
    names = getattr(marked(again), "repeated", ()) if again is not None else ()
    return Repeated.of(record, names) if names else record


@router.post("/records", response_model=MatchResultPublic, responses=documented(403, 404, 503))
@records_at("")
def post_record(
    source: str,
    request: Request,
    principal: Writer,
    service: ServiceDep,
    record: dict[str, Any] = Body(description="One record in the source's own column names."),  # noqa: B008
    again: Any = ReadAgain,
) -> dict[str, Any]:
    """Upsert one source record and match it in real time: ``matched``, ``review``, ``new``,
    or ``unchanged`` when the same record was already stored."""
    result = service.post_record(source, _as_read(record, again), actor=principal.name)
    _counted(request, source, [result])
    return _public(result)


@router.post("/records:match", response_model=MatchPreviewPublic, responses=documented(404, 503))
@records_at("")
def match_record(
    source: str,
    principal: Reader,
    service: ServiceDep,
    record: dict[str, Any] = Body(  # noqa: B008
        description="One record in the source's own column names; the id may be left out."),
    again: Any = ReadAgain,
) -> dict[str, Any]:
    """Match a record without storing it: what a post would answer (the golden record it would
    join, or that it would be queued or new) and its scored candidates. For a caller asking "is
    this customer known?" before creating one; nothing is written, queued or audited."""
    preview = service.match_record(source, _as_read(record, again))
    docs = documents_as_seen_by(principal, service, [preview.golden_id] if preview.golden_id else [])
    doc = docs.get(preview.golden_id) if preview.golden_id else None
    return {**_public(preview), "golden_record": json.loads(doc) if doc else None}


@router.post("/records:batch", response_model=BatchPublic[MatchResultPublic],
             responses=documented(403, 404, 503))
@records_at("records.")
def post_records(
    source: str, body: BatchCreate, request: Request, principal: Writer, service: ServiceDep,
    again: Any = ReadAgain,
) -> dict[str, Any]:
    """Up to 1,000 records, each with the semantics of a single post and a result of its own."""
    read = again["records"] if again is not None else [None] * len(body.records)
    records = [_as_read(r, a) for r, a in zip(body.records, read, strict=True)]
    results = service.post_records(source, records, actor=principal.name)
    _counted(request, source, results)
    return batch_body(results, _public)


@router.post("/records:delete", response_model=BatchPublic[DeletedPublic],
             responses=documented(403, 404, 503))
def delete_records(source: str, body: BatchDelete, principal: Writer, service: ServiceDep) -> dict[str, Any]:
    """Up to 1,000 source keys, each deleted as by a single delete, with a result of its own (an
    unknown key is that item's 404)."""
    return batch_body(service.delete_records(source, body.source_ids, actor=principal.name), vars)


@router.get(f"/records/{SOURCE_ID}", response_model=SourceRecordPublic, responses=documented(404))
def get_source_record(source: str, source_id: str, principal: Reader, service: ServiceDep) -> dict[str, Any]:
    """One source record as the service holds it: its raw columns, what standardisation made of
    them (with the data-quality flags), its golden id, and the rows of the same key the last run
    quarantined. The 404 of a key deleted through the API says so. E-mail and phone columns are
    masked for a reader without ``pii``."""
    spec, row = service.source_record(source, source_id)
    raw, standardised = json.loads(row["raw"]), member_document(row)
    if not principal.pii:
        for field, mask in (("email", mask_email), ("phone", mask_phone)):
            for column in spec.columns_for(field):
                _mask_column(raw, column, mask)
            if standardised[field] is not None:
                standardised[field] = mask(standardised[field])
    return {"source": source, "source_id": row["source_id"], "golden_id": row["golden_id"], "raw": raw,
            "standardised": standardised, "posted_at": row["posted_at"], "posted_by": row["posted_by"],
            "quarantined": row["quarantined"]}


def _mask_column(raw: dict[str, Any], column: str, mask: Callable[[str], str]) -> None:
    """Mask ``column`` of a raw row, and its value inside the JSON text of the objects holding it:
    a nested ``contact.email`` is in the row as ``contact.email`` and within ``contact`` too."""
    if isinstance(raw.get(column), str):
        raw[column] = mask(raw[column])
    parts = column.split(".")
    for i in range(1, len(parts)):
        outer = ".".join(parts[:i])
        if isinstance(raw.get(outer), str):
            raw[outer] = _masked_within(raw[outer], parts[i:], mask)


def _masked_within(text: str, path: list[str], mask: Callable[[str], str]) -> str:
    """``text``, an object's JSON, with the value at ``path`` masked (every item of a list)."""
    try:
        outer = node = json.loads(text)
    except ValueError:
        return mask(text)
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or node.get(path[-1]) is None:
        return text
    value = node[path[-1]]
    node[path[-1]] = [mask(str(v)) for v in value] if isinstance(value, list) else mask(str(value))
    return json.dumps(outer, ensure_ascii=False)


@router.delete(f"/records/{SOURCE_ID}", response_model=DeletedPublic, responses=documented(403, 404, 503))
def delete_record(source: str, source_id: str, principal: Writer, service: ServiceDep) -> dict[str, Any]:
    """Delete one source record, as its system did: its golden record is rebuilt from its other
    records, or retired when it had none. Later batch runs leave the key's file rows out until
    the source posts the key again. 404 for a key the service does not hold."""
    return vars(service.delete_record(source, source_id, actor=principal.name))
