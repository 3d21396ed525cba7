"""Downstream systems' subscriptions to the change feed, pushed to their URLs (mdm/delivery.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, ServiceDep
from api.errors import documented
from api.schemas import Page, QueryBool, SubscriptionCreate, SubscriptionCreated, SubscriptionPublic

router = APIRouter(prefix="/subscriptions", tags=["admin"], responses=documented(403))


@router.post("", response_model=SubscriptionCreated, status_code=201)
def create_subscription(body: SubscriptionCreate, principal: Admin, service: ServiceDep) -> dict[str, Any]:
    """Push every change to a golden record to ``url``, in commit order, as ``GET /changes``
    answers it (with ``subscription_id`` and ``delivery_id``), signed with the secret in this
    response only (``X-MDM-Signature: sha256=`` HMAC-SHA256 of ``X-MDM-Timestamp`` + "." + the
    body). The cursor moves on when the URL answers 2xx; a failing URL is tried again later and
    later with the same entries, so it misses none."""
    row, secret = service.create_subscription(name=body.name, url=body.url, pii=body.pii, after=body.after,
                                              actor=principal.name)
    return {**row, "secret": secret}


@router.get("", response_model=Page[SubscriptionPublic])
def list_subscriptions(principal: Admin, service: ServiceDep, revoked: QueryBool = False) -> dict[str, Any]:
    """Subscriptions with how far behind each is (``lag``) and its last failure, if failing."""
    data = service.subscriptions(revoked=revoked)
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0}


@router.get("/{subscription_id}", response_model=SubscriptionPublic, responses=documented(404))
def get_subscription(subscription_id: str, principal: Admin, service: ServiceDep) -> dict[str, Any]:
    return service.subscription(subscription_id)


@router.delete("/{subscription_id}", status_code=204, responses=documented(404))
def revoke_subscription(subscription_id: str, principal: Admin, service: ServiceDep) -> None:
    """Stop pushing to it (a delivery under way finishes)."""
    service.revoke_subscription(subscription_id, actor=principal.name)
