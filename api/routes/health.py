from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.schemas import NotReadyPublic, ReadyPublic

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready", response_model=ReadyPublic,
            responses={503: {"model": NotReadyPublic, "description": "Not ready, and why."}})
def ready(service: ServiceDep) -> JSONResponse:
    """Readiness: the database is open and a trained model is loaded for real-time matching."""
    if service.ready:
        matcher = service.matcher
        assert matcher is not None
        return JSONResponse(
            {"status": "ready", "model_id": matcher.model.model_id, "records": len(matcher.index)}
        )
    return JSONResponse({"status": "not_ready", "detail": service.not_ready_reason}, status_code=503)
