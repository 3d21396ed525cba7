from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Admin, ServiceDep
from api.errors import documented
from api.schemas import (
    AuditPage,
    BackupListed,
    BackupPublic,
    ErasedPublic,
    EraseRequest,
    IntegrityPublic,
    KeyCreate,
    KeyCreated,
    KeyPublic,
    Offset,
    Page,
    QueryMoment,
)
from mdm.errors import InvalidInputError
from mdm.store import audit, keys
from mdm.store.database import as_stored

router = APIRouter(tags=["admin"], responses=documented(403))


@router.post("/keys", response_model=KeyCreated, status_code=201)
def create_key(body: KeyCreate, principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """A new API key; the key is in this response only, and stored hashed."""
    row, key = service.create_key(name=body.name, role=body.role, pii=body.pii, actor=principal.name,
                                  expires_in_days=body.expires_in_days, sources=body.sources)
    return {**row, "key": key}


@router.get("/keys", response_model=Page[KeyPublic])
def list_keys(principal: Admin, service: ServiceDep) -> dict[str, Any]:
    data = keys.list_keys(service.reader())
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0}


@router.delete("/keys/{key_id}", status_code=204, responses=documented(404))
def revoke_key(key_id: str, principal: Admin, service: ServiceDep) -> None:
    service.revoke_key(key_id, actor=principal.name)


@router.get("/audit", response_model=AuditPage)
def list_audit(
    principal: Admin,
    service: ServiceDep,
    target: str | None = None,
    actor: str | None = None,
    action: Annotated[str | None, Query(pattern=r"^[a-z_]+\.([a-z_]+)?$")] = None,
    since: QueryMoment | None = None,
    until: QueryMoment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    before: Annotated[str | None, Query(max_length=64, description=(
        "The `audit_id` the last page ended with (its `next_before`). Paging by it neither repeats nor"
        " skips an entry while writes go on, as `offset` can."
    ))] = None,
) -> dict[str, Any]:
    """Every write: who, when, what, newest first. Filter by ``target`` (a golden id, a source
    key, a decision), ``actor`` (a key's name), ``action`` (``decision.merge``, or every
    ``decision.``), and a time range (``since`` inclusive, ``until`` exclusive, UTC). Page by
    ``before``; an export that goes on later asks ``since`` its last entry's time (entries of that
    very time come again)."""
    if before is not None and offset:
        raise InvalidInputError("field 'before': give 'before' or 'offset', not both")
    since, until = (as_stored(t) if t is not None else None for t in (since, until))
    data, total = audit.entries(service.reader(), target=target, actor=actor, action=action,
                                since=since, until=until, limit=limit + 1, offset=offset, before=before)
    next_before = data[limit - 1]["audit_id"] if len(data) > limit else None
    return {"data": data[:limit], "count": total, "limit": limit, "offset": offset,
            "next_before": next_before}


@router.post("/golden-records/{golden_id}/erase", response_model=ErasedPublic,
             responses=documented(404, 409, 503))
def erase_golden_record(
    golden_id: str, body: EraseRequest, principal: Admin, service: ServiceDep
) -> dict[str, Any]:
    """Erase a customer (their right to have their personal data deleted): every record of the
    golden record is deleted as its system would, and their values leave the golden record,
    the records merged into it, their lineage and history, the scored pairs, the quarantine
    and the term frequencies. The change feed says ``erased``; a lookup answers 404. Later
    batch runs leave the records' file rows out until a source posts the key again."""
    result = service.erase(golden_id, actor=principal.name, reason=body.reason)
    return {"erasure_id": result.erasure_id, "golden_id": result.golden_id, "golden_ids": result.golden_ids,
            "records": [{"source": s, "source_id": i} for s, i in result.records]}


@router.post("/backups", response_model=BackupPublic, status_code=201, responses=documented(409, 500))
def take_backup(principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """A copy of the database as of this moment, written to the service's backup folder while it
    goes on serving and taking writes; each table's rows are counted in the copy. To restore one,
    stop the service and run `mdm restore`. With `mdm serve --backup-keep N`, the oldest backups
    beyond N are then deleted (`pruned`). One at a time (409)."""
    started = time.perf_counter()
    copied, pruned = service.backup(actor=principal.name)
    return {"file": copied.path.name, "path": str(copied.path.resolve()), "bytes": copied.bytes,
            "tables": copied.tables, "rows": copied.rows, "seconds": round(time.perf_counter() - started, 3),
            "pruned": [b.file for b in pruned]}


@router.get("/backups", response_model=Page[BackupListed])
def list_backups(principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """The backups in the service's backup folder, newest first, each with the erasures made
    since it was taken: a backup that counts any still holds those customers' data."""
    data = [{**vars(b), "erasures_since": erasures} for b, erasures in service.list_backups()]
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0}


@router.delete("/backups/{file}", status_code=204, responses=documented(404, 409))
def delete_backup(file: str, principal: Admin, service: ServiceDep) -> None:
    """Delete a backup (one `GET /backups` lists): one past its keeping, or one taken before an
    erasure its customer's data must leave. Audited (`backup.delete`); 409 while a backup is
    being taken."""
    service.delete_backup(file, actor=principal.name)


@router.get("/integrity", response_model=IntegrityPublic)
def check_integrity(principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """Check that the database holds together (`mdm check` with the server stopped): what every
    write keeps true, on one snapshot, and every table read whole, which has DuckDB verify each
    block's checksum. Reads the whole database: seconds at a million records."""
    started = time.perf_counter()
    results = service.check_integrity()
    return {"ok": all(r.ok for r in results), "checks": [{**vars(r), "ok": r.ok} for r in results],
            "seconds": round(time.perf_counter() - started, 3)}
