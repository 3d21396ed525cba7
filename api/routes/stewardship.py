from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import review
from api.deps import Principal, Reader, ServiceDep, Steward
from api.errors import batch_body, documented
from api.routes.golden import as_seen_by, followed
from api.schemas import (
    HELD_BACK_BY_PATTERN,
    BatchPublic,
    DecisionCreate,
    DecisionPublic,
    DecisionsCreate,
    FollowedPage,
    GoldenChangePublic,
    HistoryEntryPublic,
    LinkPublic,
    MergeCreate,
    MergePreviewPublic,
    Offset,
    Page,
    ReviewItemPublic,
    SimilarPublic,
    SplitCreate,
)
from mdm.errors import NotFoundError
from mdm.realtime import Similar
from mdm.store import stewardship as steward_sql
from mdm.store.documents import mask_attributes

router = APIRouter(tags=["stewardship"])


@router.get("/review-queue", response_model=Page[ReviewItemPublic], responses=documented(403))
def list_review_queue(
    principal: Steward,
    service: ServiceDep,
    status: Annotated[str | None, Query(pattern="^(open|decided)$")] = "open",
    source: str | None = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    claimed_by: str | None = None,
    held_back_by: Annotated[str | None, Query(pattern=HELD_BACK_BY_PATTERN)] = None,
    order: Annotated[str, Query(pattern=f"^({'|'.join(steward_sql.QUEUE_ORDERS)})$")] = "impact",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Uncertain pairs, most impactful first (uncertainty times the records a decision moves),
    each with both records and the explanation of its score. ``held_back_by``: only the pairs
    the clustering or a real-time post held back for that reason (``min_score`` at the
    automatic-link threshold gives every pair that scored to link). ``order=score`` lists the
    strongest first (those held back lead; by impact they come last), ``weakest`` the weakest
    first (the pairs most likely not a match), ``newest`` the newest.
    A ``source`` that is none of the sources is a 422 naming them (it listed nothing)."""
    if source is not None and service.matcher is not None:
        service.matcher.check_source(source)
    items, total = steward_sql.list_items(
        service.reader(), status=status, source=source, min_score=min_score, max_score=max_score,
        claimed_by=claimed_by, limit=limit, offset=offset, held_back_by=held_back_by, order=order,
    )
    return {"data": review.present(service, items, pii=principal.pii), "count": total, "limit": limit,
            "offset": offset}


@router.get("/review-queue/{item_id}", response_model=ReviewItemPublic, responses=documented(403, 404))
def get_review_item(item_id: str, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    item = steward_sql.get_item(service.reader(), item_id)
    if item is None:
        raise NotFoundError("review item", item_id)
    return review.present(service, [item], pii=principal.pii)[0]


@router.post("/review-queue/{item_id}/claim", response_model=ReviewItemPublic,
             responses=documented(403, 404, 409, 503))
def claim_review_item(item_id: str, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """Claim an item: until its steward releases it, another steward's decision on it, claim or
    release is a 409 (an admin's is not)."""
    service.steward_write(lambda s, con: s.claim(con, item_id, actor=principal.name, release=False))
    return get_review_item(item_id, principal, service)


@router.post("/review-queue/{item_id}/release", response_model=ReviewItemPublic,
             responses=documented(403, 404, 409, 503))
def release_review_item(item_id: str, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    service.steward_write(
        lambda s, con: s.claim(con, item_id, actor=principal.name, release=True, admin=principal.admin))
    return get_review_item(item_id, principal, service)


@router.post("/review-queue/{item_id}/decision", response_model=DecisionPublic,
             responses=documented(403, 404, 409, 503))
def decide_review_item(item_id: str, body: DecisionCreate, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """``match`` joins the two records' golden records; ``not_a_match`` keeps them apart. The
    decision lasts: later runs and real-time matching honour it until it is undone. A ``match``
    between golden records that earlier decisions keep apart is a 409 naming them (undo them first)."""
    outcome = service.steward(
        lambda s, con: s.decide_item(con, item_id, body.decision, actor=principal.name, comment=body.comment,
                                     admin=principal.admin)
    )
    return outcome.decision


@router.post("/review-queue:decide", response_model=BatchPublic[DecisionPublic],
             responses=documented(403, 503))
def decide_review_items(body: DecisionsCreate, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """Up to 1,000 items decided alike (a steward who checked a page of them), in the order given,
    each its own decision, undone on its own, with a result of its own: an item that an earlier
    one settled (its two records already joined or kept apart) is that item's 409."""
    outcomes = service.decide_items(body.item_ids, body.decision, actor=principal.name, comment=body.comment,
                                    admin=principal.admin)
    return batch_body(outcomes, lambda outcome: outcome.decision)


@router.post("/golden-records/merge", response_model=GoldenChangePublic,
             responses=documented(403, 404, 409, 503))
def merge_golden_records(body: MergeCreate, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """Merge golden records by hand; the largest keeps its id, the others redirect to it. 409 naming
    the steward decisions that keep records of theirs apart (undo them first)."""
    outcome = service.steward(lambda s, con: s.merge(con, body.golden_ids, actor=principal.name, comment=body.comment))
    return {"golden_id": outcome.decision["result_golden_id"], "decision": outcome.decision}


@router.post("/golden-records/merge:preview", response_model=MergePreviewPublic,
             responses=documented(403, 404, 503))
def preview_merge(body: MergeCreate, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """What merging would make, changing nothing: the surviving golden record with every member
    (and the stewards' values it would hold), the identifiers on which two of the golden records
    disagree (a batch run would never have joined them), and the steward decisions that keep records of
    theirs apart (the merge is refused until they are undone)."""
    return merge_preview_public(service, principal, body.golden_ids)


def merge_preview_public(service: ServiceDep, principal: Principal, golden_ids: list[str]) -> dict[str, Any]:
    """The merge preview as ``principal`` may see it, its pairs kept apart named by source key:
    as the API answers it and the steward page shows it before a merge is confirmed."""
    preview = service.merge_preview(golden_ids)
    document = as_seen_by(principal, service, preview["golden_record"]["document"])
    ruled_out = [{"left": _source_key(r["record_key_l"]), "right": _source_key(r["record_key_r"]),
                  "decision_id": r["decision_id"]} for r in preview["ruled_out"]]
    return {**preview, "golden_record": json.loads(document), "ruled_out": ruled_out}


@router.post("/golden-records/{golden_id}/split", response_model=GoldenChangePublic,
             responses=documented(403, 404, 409, 503))
def split_golden_record(golden_id: str, body: SplitCreate, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """Take a source record out of its golden record into a new one (returned)."""
    outcome = service.steward(
        lambda s, con: s.split(con, golden_id, body.source, body.source_id, actor=principal.name,
                               comment=body.comment)
    )
    return {"golden_id": outcome.decision["result_golden_id"], "decision": outcome.decision}


def _source_key(record_key: str) -> dict[str, str]:
    source, source_id = record_key.split(":", 1)
    return {"source": source, "source_id": source_id}


def similar_public(found: list[Similar]) -> list[dict[str, Any]]:
    return [{"golden_id": f.candidate.golden_id, "match_probability": f.candidate.match_probability,
             "match_weight": f.candidate.match_weight, "record": _source_key(f.record_key),
             "other": _source_key(f.candidate.record_key), "ruled_out": f.ruled_out,
             "explanation": f.candidate.explanation} for f in found]


@router.get("/golden-records/{golden_id}/similar", response_model=FollowedPage[SimilarPublic],
            responses=documented(403, 404, 503))
def similar_golden_records(
    golden_id: str,
    principal: Steward,
    service: ServiceDep,
    min_probability: Annotated[float, Query(ge=0, le=1)] = 0.05,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Other golden records that may be the same customer, best first: each member scored as a
    post would be against every candidate its blocking gives, and each other golden record's best
    pair kept. It finds what scored below the review queue, for a steward looking for missed
    duplicates (merge them with `POST /golden-records/merge`); `ruled_out` marks a pair a steward
    already said is two customers. For an id merged away, its survivor's."""
    golden_id, _doc, via = followed(service, golden_id)
    data = similar_public(service.similar_golden(golden_id, min_probability=min_probability, limit=limit))
    return {"data": data, "count": len(data), "limit": limit, "offset": 0, "redirected_from": via}


def links_public(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**link, "left": _source_key(link["left"]), "right": _source_key(link["right"])}
            for link in links]


@router.get("/golden-records/{golden_id}/links", response_model=FollowedPage[LinkPublic],
            responses=documented(404, 503))
def golden_record_links(golden_id: str, principal: Reader, service: ServiceDep) -> dict[str, Any]:
    """Why the golden record's source records are together: every pair of them, strongest first,
    scored now by the live model with each comparison's part, beside what the last batch run did
    with the pair and any steward decision between the two. Records are held together through
    others, so a pair that scores low may still belong: its records each link to a third. For an
    id merged away, its survivor's."""
    golden_id, _doc, via = followed(service, golden_id)
    data = links_public(service.links(golden_id))
    return {"data": data, "count": len(data), "limit": len(data), "offset": 0, "redirected_from": via}


@router.get("/golden-records/{golden_id}/history", response_model=Page[HistoryEntryPublic],
            responses=documented(404))
def golden_record_history(
    golden_id: str,
    principal: Reader,
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Its versions, oldest first, a page at a time (a record a daily run touches has thousands):
    which run, decision or posted record changed it, when, and by whom; the attributes before and
    after, with emails and phones masked for a reader without ``pii``. The latest are at
    ``offset`` = ``count`` - ``limit``. For an id merged away, its own, ending with its merge: unlike a
    lookup it does not follow to the survivor, whose versions hold none of these (the steward's audit
    of what the record was and who merged it), and a page does not change list under a client paging it."""
    entries, total = steward_sql.history(service.reader(), golden_id, limit=limit, offset=offset)
    if not total:
        raise NotFoundError("golden record", golden_id)
    if not principal.pii:
        for entry in entries:
            for version in ("before", "after"):
                if entry[version] is not None:
                    entry[version] = mask_attributes(entry[version], service.attribute_fields)
    return {"data": entries, "count": total, "limit": limit, "offset": offset}


@router.get("/decisions", response_model=Page[DecisionPublic], responses=documented(403))
def list_decisions(
    principal: Steward,
    service: ServiceDep,
    golden_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Decisions, newest first; with ``golden_id``, those that moved records of that golden record
    (merged, split, made or took it over, an undo's new id too)."""
    data, total = steward_sql.list_decisions(service.reader(), limit=limit, offset=offset, golden_id=golden_id)
    return {"data": data, "count": total, "limit": limit, "offset": offset}


@router.get("/decisions/{decision_id}", response_model=DecisionPublic, responses=documented(403, 404))
def get_decision(decision_id: str, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    decision = steward_sql.get_decision(service.reader(), decision_id)
    if decision is None:
        raise NotFoundError("decision", decision_id)
    return decision


@router.post("/decisions/{decision_id}/undo", response_model=DecisionPublic,
             responses=documented(403, 404, 409, 503))
def undo_decision(decision_id: str, principal: Steward, service: ServiceDep) -> dict[str, Any]:
    """Lift the decision's constraints and restore the golden records it changed (409 when a
    later decision on the same golden records must be undone first). A ``kept_together``'s records
    part at once into the groups that hold together without it, as the next batch run parts them.
    Where a later batch run merged a golden record the decision left into another, what the
    decision joined parts in that one, the side the run's records hold to staying there."""
    return service.steward(lambda s, con: s.undo(con, decision_id, actor=principal.name)).decision
