from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Admin, Reader, ServiceDep
from api.errors import documented
from api.schemas import Offset, Page, RunCreate, RunPublic
from mdm.errors import NotFoundError
from mdm.service import Service
from mdm.store import runs

router = APIRouter(prefix="/runs", tags=["runs"])


@router.post("", response_model=RunPublic, status_code=202, responses=documented(403, 409))
def start_run(body: RunCreate, principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """Start a batch reconciliation in the background. Readers keep the previous state until
    the run's results are swapped in; posts made meanwhile are replayed on top."""
    run_id = service.start_run(sources_path=body.sources, retrain=body.retrain,
                               accept_removals=body.accept_removals, dry_run=body.dry_run,
                               actor=principal.name)
    run = runs.get_run(service.reader(), run_id)
    assert run is not None
    return run


@router.get("", response_model=Page[RunPublic])
def list_runs(
    principal: Reader,
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    con = service.reader()
    data = [_with_replay(run, service) for run in runs.list_runs(con, limit=limit, offset=offset)]
    return {"data": data, "count": runs.count_runs(con), "limit": limit, "offset": offset}


@router.get("/{run_id}", response_model=RunPublic, responses=documented(404))
def get_run(run_id: str, principal: Reader, service: ServiceDep) -> dict[str, Any]:
    run = runs.get_run(service.reader(), run_id)
    if run is None:
        raise NotFoundError("run", run_id)
    return _with_replay(run, service)


def _with_replay(run: dict[str, Any], service: Service) -> dict[str, Any]:
    replay = service.replaying
    if replay is None or replay.run_id != run["run_id"]:
        return run
    return {**run, "replaying": replay.counts()}
