"""The steward web page: server-rendered, keyboard-usable, no external assets.

Logging in stores the steward's API key in an HttpOnly, SameSite=Strict cookie scoped to
/steward, so every page and form is authorised exactly as the JSON API is. SameSite does not tell
origins of one site apart (another port of the host, a sibling subdomain), so a form posted from
another origin is refused. The message a page shows after a form comes in its address signed with
the steward's key, so a link cannot put words of its own in the page's alert.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Callable, Collection, Coroutine, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import duckdb
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api import review
from api.deps import Principal, ServiceDep, allows, principal_for
from api.errors import problems, status_for
from api.routes.golden import (
    documents_as_seen_by,
    golden_record_household,
    search_criteria,
    searched_region,
    versioned_document,
)
from api.routes.overrides import override_as_seen_by
from api.routes.stewardship import links_public, merge_preview_public, similar_public
from api.schemas import MAX_COMMENT, MAX_OFFSET, MAX_SEARCH_REGION, SEARCH_MAX_LENGTHS
from mdm.errors import ChangedSinceError, InvalidInputError, MDMError, NotFoundError
from mdm.linking.labels import plain_label
from mdm.service import unchanged_since
from mdm.stewardship import Outcome, Stewardship
from mdm.store import overrides as overrides_sql
from mdm.store import stewardship as steward_sql

COOKIE = "mdm_steward_key"
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.globals["held_back_label"] = review.held_back_label
templates.env.globals["verdict"] = review.verdict
templates.env.globals["search_max_lengths"] = SEARCH_MAX_LENGTHS
templates.env.globals["max_search_region"] = MAX_SEARCH_REGION
templates.env.globals["max_comment"] = MAX_COMMENT


def _when(moment: dt.datetime | str | None) -> str:
    """A time as a steward reads it: to the second, and said to be UTC, as every stored time is
    (a document's is ISO text, a row's a datetime)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


templates.env.filters["when"] = _when


async def _same_origin(request: Request) -> None:
    """Refuse a form posted from a page of another origin: by the browser's Sec-Fetch-Site, or
    where it sends none, by its Origin against the Host asked for."""
    if request.method != "POST":
        return
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        foreign = site not in ("same-origin", "none")
    else:
        foreign = origin is not None and urlsplit(origin).netloc != request.headers.get("host")
    if foreign:
        raise HTTPException(403, f"a form posted from another origin ({origin or site}) is refused")


async def _said(request: Request, flash: str = "", error: str = "", said: str = "") -> None:
    """The flash and error messages a redirect here carries, kept for the page (``request.state``)
    if the server said them (see ``_say``). Every page's query parameters, so the API's check of
    those (api/deps.py) takes them."""
    signature = _signature(request, flash, error)
    trusted = signature is not None and hmac.compare_digest(said.encode(), signature.encode())
    request.state.said = (flash, error) if trusted else ("", "")


def _signature(request: Request, flash: str, error: str) -> str | None:
    key = request.cookies.get(COOKIE)
    return hmac.new(key.encode(), f"{flash}\0{error}".encode(), "sha256").hexdigest() if key else None


class _PageRoute(APIRoute):
    """A steward page's route: a request it cannot take (a query parameter no page takes, refused
    by api/deps.py) is said on a page, as the API's 422 says it, not in the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as e:
                return _refused(request, e)

        return page


def _logged_in(request: Request) -> Principal | None:
    """The steward the cookie names, for a page answered before the route's dependencies ran (and
    read a message): the page has the steward's header where they are logged in."""
    key = request.cookies.get(COOKIE)
    principal = principal_for(request.app.state.service, key) if key else None
    request.state.said = ("", "")
    return principal if principal and allows(principal, "steward") else None


def _refused(request: Request, error: RequestValidationError) -> HTMLResponse:
    """The page saying why a request was refused. A query parameter the page does not take is said
    as that alone: the API's words list those the page takes, which are the message a redirect
    carries (flash, error, said) as much as the steward's own (a filter, a page's offset)."""
    extra = [e for e in error.errors() if e["type"] == "extra_forbidden"]
    said = [f"{e['loc'][-1]!r} is not a parameter this page takes" for e in extra]
    if others := [e for e in error.errors() if e not in extra]:
        said.append(problems(request, RequestValidationError(others)))
    return _render(request, "refused.html", _logged_in(request), status_code=422, error="; ".join(said),
                   path=request.url.path, method=request.method)


def no_page(request: Request, status_code: int) -> HTMLResponse:
    """The 404 page for an address under /steward no page has (``/steward/items``, a pair's cut
    short; ``/steward/golden/``, with no id), and the 405 for one asked by a method it does not
    take (``GET /steward/logout``, a form's address typed), read in a browser: not the JSON API's."""
    return _render(request, "no_page.html", _logged_in(request), status_code=status_code,
                   path=request.url.path, method=request.method, status=status_code)


router = APIRouter(prefix="/steward", include_in_schema=False, route_class=_PageRoute,
                   dependencies=[Depends(_same_origin), Depends(_said)])


class LoginRequired(Exception):
    pass


async def _page_principal(request: Request, service: ServiceDep) -> Principal:
    key = request.cookies.get(COOKIE)
    principal = principal_for(service, key) if key else None
    if principal is None or not allows(principal, "steward"):
        raise LoginRequired
    return principal


PageSteward = Annotated[Principal, Depends(_page_principal)]


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/steward/login", status_code=303)


def _render(request: Request, name: str, principal: Principal | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    flash, error = request.state.said
    context.update(principal=principal, flash=flash, error=context.get("error") or error)
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    # Customers' records: not kept by the browser, so Back after logging out does not show them.
    response.headers["Cache-Control"] = "no-store"
    # Shown in no frame: a page of the same site (whose frame gets the cookie) could otherwise lay
    # its own content over the page's buttons and have the steward click them (clickjacking).
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _back(path: str, **params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _say(request: Request, path: str, *, flash: str = "", error: str = "", **params: str) -> RedirectResponse:
    """Back to ``path`` saying ``flash`` and ``error``, signed with the steward's key: a page shows
    only what the server said, not a message a link put in its address."""
    return _back(path, **params, flash=flash, error=error, said=_signature(request, flash, error) or "")


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _render(request, "login.html", None)


@router.post("/login")
def login(request: Request, service: ServiceDep, key: Annotated[str, Form()] = "") -> Response:
    """None or empty, a key is refused on the login page, as an unknown one is."""
    principal = principal_for(service, key.strip()) if key.strip() else None
    if principal is None or not allows(principal, "steward"):
        return _render(request, "login.html", None, status_code=401,
                       error="That key is unknown, revoked, or lacks the steward role.")
    response = _back("/steward")
    # The cookie is the key itself: served over HTTPS, the browser never sends it over plain HTTP.
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", path="/steward",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout() -> Response:
    response = _back("/steward/login")
    response.delete_cookie(COOKIE, path="/steward")
    return response


QUEUE_PAGE = 100


def _offset(text: str) -> int:
    """A page's ``offset`` from its address: how many to skip; the first page for one typed that
    is not a count the store can skip."""
    return int(text) if text.isdecimal() and int(text) <= MAX_OFFSET else 0


@router.get("/")
def queue_as_typed() -> RedirectResponse:
    """``/steward/`` as a steward may type it, sent to the queue: the app redirects no other path
    ending in '/' (api/main.py)."""
    return RedirectResponse("/steward", status_code=308)


@router.get("")
def queue(
    request: Request,
    principal: PageSteward,
    service: ServiceDep,
    status: str = "open",
    source: str | None = None,
    min_score: str = "",  # the form sends "" when the box is left empty
    held_back_by: str | None = None,
    order: str = "impact",
    offset: str = "0",
) -> HTMLResponse:
    return _queue_page(request, principal, service, status=status, source=source, min_score=min_score,
                       held_back_by=held_back_by, order=order, offset=offset)


def _queue_page(
    request: Request, principal: Principal, service: ServiceDep, *, status: str = "open",
    source: str | None = None, min_score: str = "", held_back_by: str | None = None, order: str = "impact",
    offset: str = "0", status_code: int = 200, error: str | None = None,
) -> HTMLResponse:
    """The review queue, a page at a time; its filters and page kept by its forms and links."""
    status = status if status in ("open", "decided") else "open"
    order = order if order in steward_sql.QUEUE_ORDERS else "impact"
    score, refused = _score(min_score)
    reasons = review.held_back_reasons(service)
    held_back_by = held_back_by if held_back_by in reasons else None
    start = _offset(offset)
    matcher = service.matcher
    sources = [s.name for s in matcher.sources.sources] if matcher else []
    if source and matcher:
        try:
            matcher.check_source(source)
        except InvalidInputError as e:  # the API's 422, not an empty queue that looks like none to review
            source, status_code = None, 422
            refused = "; ".join(filter(None, (refused, f"{e}: showing every source")))
    items, total = steward_sql.list_items(
        service.reader(), status=status, source=source or None, min_score=score, max_score=None,
        claimed_by=None, limit=QUEUE_PAGE, offset=start, held_back_by=held_back_by, order=order,
    )
    # Which way each decided pair went: its own decision, or the one that settled it by the way.
    decisions = steward_sql.get_decisions(service.reader(), {d for i in items if (d := i["decision_id"])})
    filters = {"status": status, "source": source or "", "min_score": min_score,
               "held_back_by": held_back_by or "",
               "order": order, "offset": str(start or "")}
    shown = review.present(service, items, pii=principal.pii, in_full=False)
    return _render(request, "queue.html", principal, status_code=status_code, items=shown, count=total,
                   status=status, source=source, min_score=score, sources=sources, held_back_by=held_back_by,
                   held_back_reasons=reasons, order=order, error=error or refused, filters=filters,
                   offset=start, page_size=QUEUE_PAGE, decisions=decisions)


@router.post("/decide")
async def decide_many(request: Request, principal: PageSteward, service: ServiceDep) -> Response:
    """Decide every pair ticked on the queue page alike; back to the queue as it was filtered,
    saying how many were decided and why any was not."""
    form = await request.form()
    ids = [str(i) for i in form.getlist("item_ids")]
    decision = str(form.get("decision") or "")
    filters = {k[2:]: str(v) for k, v in form.items() if k.startswith("q_")}
    if not ids:
        return _say(request, "/steward", **filters, error="tick the pairs to decide first")
    try:
        comment = _comment(str(form.get("comment") or ""))
        outcomes = await run_in_threadpool(
            service.decide_items, ids, decision, actor=principal.name, comment=comment,
            admin=principal.admin)
    except MDMError as e:
        return _say(request, "/steward", **filters, error=str(e))
    failed = [f"{item_id}: {o}" for item_id, o in zip(ids, outcomes, strict=True) if isinstance(o, MDMError)]
    label = "match" if decision == "match" else "not a match"
    done = f"{len(ids) - len(failed)} of {len(ids)} decided: {label}"
    if len(failed) == len(ids):  # said as a refusal, not in the status box that reports what was done
        return _say(request, "/steward", **filters, error=f"{done}; " + "; ".join(failed))
    return _say(request, "/steward", **filters, flash=done, error="; ".join(failed))


def _comment(text: str) -> str | None:
    """A decision's comment from a form: none when empty; as long as the JSON API takes, its lines
    ended as there (a browser ends a box's lines with CR LF)."""
    return _at_most("comment", text.strip().replace("\r\n", "\n"), MAX_COMMENT) or None


def _at_most(field: str, text: str, limit: int) -> str:
    """``text`` typed into ``field``, refused when longer than the JSON API takes."""
    if len(text) > limit:
        raise InvalidInputError(f"field {field!r}: at most {limit} characters, got {len(text)}")
    return text


def _score(text: str) -> tuple[float | None, str | None]:
    """The filter form's minimum score: none when empty; a value that is not a probability is
    ignored, and the page says so."""
    if not text.strip():
        return None, None
    try:
        score = float(text)
    except ValueError:
        score = -1.0
    if not 0 <= score <= 1:
        return None, f"min. score {text!r} is not a number from 0 to 1: showing every score"
    return score, None


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str, principal: PageSteward, service: ServiceDep) -> HTMLResponse:
    """The pair's page; for an unknown pair, a 404 saying so above the queue as it is."""
    item = steward_sql.get_item(service.reader(), item_id)
    if item is None:
        return _queue_page(request, principal, service, status_code=404,
                           error=str(NotFoundError("review item", item_id)))
    decided = item["decision_id"]
    decision = steward_sql.get_decision(service.reader(), decided) if decided else None
    presented = review.present(service, [item], pii=principal.pii)[0]
    return _render(request, "item.html", principal, item=presented, fields=review.FIELDS, decision=decision,
                   weighed=review.fields_weighed(service, presented))


@router.post("/items/{item_id}/decision")
def decide(
    request: Request,
    item_id: str,
    principal: PageSteward,
    service: ServiceDep,
    decision: Annotated[str, Form()] = "",  # none or empty: the service's refusal, shown on the pair's page
    comment: Annotated[str, Form()] = "",
) -> Response:
    try:
        said = _comment(comment)
        outcome = service.steward(
            lambda s, con: s.decide_item(con, item_id, decision, actor=principal.name, comment=said,
                                         admin=principal.admin)
        )
    except MDMError as e:
        return _say(request, f"/steward/items/{item_id}", error=str(e))
    label = "match" if decision == "match" else "not a match"
    return _say(request, "/steward", flash=f"{item_id}: {label} ({outcome.decision['decision_id']})")


@router.post("/items/{item_id}/claim")
def claim(request: Request, item_id: str, principal: PageSteward, service: ServiceDep) -> Response:
    return _claim(request, item_id, principal, service, release=False)


@router.post("/items/{item_id}/release")
def release(request: Request, item_id: str, principal: PageSteward, service: ServiceDep) -> Response:
    """The claim given up, as POST /review-queue/{id}/release gives it up."""
    return _claim(request, item_id, principal, service, release=True)


def _claim(
    request: Request, item_id: str, principal: Principal, service: ServiceDep, *, release: bool
) -> Response:
    try:
        service.steward_write(lambda s, con: s.claim(con, item_id, actor=principal.name, release=release,
                                                     admin=principal.admin))
    except MDMError as e:
        return _say(request, f"/steward/items/{item_id}", error=str(e))
    return _say(request, f"/steward/items/{item_id}", flash="Released." if release else "Claimed.")


HISTORY_PAGE = 50


@router.get("/golden/{golden_id}")
def golden_page(
    request: Request, golden_id: str, principal: PageSteward, service: ServiceDep, offset: str = "0"
) -> HTMLResponse:
    """``offset``: the page of its history to show, newest first."""
    return _golden_page(request, golden_id, principal, service, history_offset=_offset(offset))


def _golden_page(
    request: Request, golden_id: str, principal: Principal, service: ServiceDep, *, status_code: int = 200,
    error: str | None = None, typed: dict[str, str] | None = None, history_offset: int = 0,
) -> HTMLResponse:
    """The golden record's page; ``typed``: what the steward typed in the stewards' value form,
    refused for ``error`` and shown again to correct. Its history a page at a time from
    ``history_offset``, newest first: a steward looks for the latest change, not the first run's."""
    try:
        document, version = versioned_document(service, golden_id, principal)
        record = json.loads(document)
    except MDMError as e:
        return _render(request, "search.html", principal, status_code=404, q={}, hits=None, count=0, error=str(e))
    con = service.reader()
    history, history_count = steward_sql.history(con, record["golden_id"], limit=HISTORY_PAGE,
                                                 offset=history_offset, newest_first=True)
    held = [override_as_seen_by(principal, service, o)
            for o in overrides_sql.listed(con, record["golden_id"], removed=False)]
    active = record["status"] == "active"
    household = []
    if active:
        household = golden_record_household(record["golden_id"], principal, service, limit=20)["data"]
    similar = links = None  # not offered while real-time matching is not ready, nor for a retired record
    if service.ready and active:
        links = links_public(service.links(record["golden_id"])) if record["record_count"] > 1 else []
        specs = review.comparisons(service)
        for link in links:  # the three comparisons that weigh most for the pair
            parts = sorted(link["explanation"].items(), key=lambda part: -part[1]["match_weight"])
            link["evidence"] = [plain_label(part["label"], name, specs.get(name))
                                for name, part in parts[:3] if part["match_weight"] > 0]
        similar = similar_public(service.similar_golden(record["golden_id"], min_probability=0.05, limit=10))
        others = [c["golden_id"] for c in similar]
        docs = documents_as_seen_by(principal, service, others)
        # What a batch run would never join: said before the steward merges them.
        conflicts = service.conflicts_with(record["golden_id"], others)
        for c in similar:
            c["attributes"] = json.loads(docs[c["golden_id"]])["attributes"] if c["golden_id"] in docs else {}
            c["conflicts"] = [f"{x['conflict']} ({' / '.join(', '.join(v) for v in x['values'].values())})"
                              for x in conflicts[c["golden_id"]]]
    return _render(request, "golden.html", principal, status_code=status_code, error=error, typed=typed or {},
                   record=record, history=history, history_count=history_count, history_offset=history_offset,
                   history_page=HISTORY_PAGE, overrides=held, settable=service.settable_attributes,
                   similar=similar, links=links, household=household, version=version)


@router.post("/golden/{golden_id}/overrides")
def set_override(
    request: Request,
    golden_id: str,
    principal: PageSteward,
    service: ServiceDep,
    attribute: Annotated[str, Form()] = "",  # none or empty: the service's refusal, shown on the page
    reason: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
) -> Response:
    """The form's empty value box sets "no value" (no source's value is right). A value refused is
    answered with the page itself, the form as typed: not a redirect, whose address would carry it.
    ``version``: the golden record's as the page showed it; changed since, the page shows it anew
    (a 412) with the form as typed, to set again on what it holds now. ``region``: the country a
    phone without its country code is written in, checked as the search's Region box is."""
    try:
        # The region box emptied: the service's region, as on the search page.
        read_in = searched_region(request, _at_most("region", region, MAX_SEARCH_REGION) or None)
        service.set_override(golden_id, attribute, value.strip() or None, reason=reason, region=read_in,
                             actor=principal.name, if_match=[version] if version else None)
    except MDMError as e:
        return _golden_page(request, golden_id, principal, service, status_code=status_for(e), error=str(e),
                            typed={"attribute": attribute, "value": value, "reason": reason,
                                   "region": region})
    return _say(request, f"/steward/golden/{golden_id}", flash=f"{attribute} set by a steward")


@router.post("/golden/{golden_id}/overrides/{attribute}/remove")
def remove_override(
    request: Request,
    golden_id: str,
    attribute: str,
    principal: PageSteward,
    service: ServiceDep,
    reason: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.remove_override(golden_id, attribute, reason=reason, actor=principal.name,
                                if_match=[version] if version else None)
    except MDMError as e:
        return _say(request, f"/steward/golden/{golden_id}", error=str(e))
    return _say(request, f"/steward/golden/{golden_id}", flash=f"{attribute}: the rules choose it again")


@router.post("/golden/{golden_id}/split")
def split(
    request: Request,
    golden_id: str,
    principal: PageSteward,
    service: ServiceDep,
    source: Annotated[str, Form()] = "",  # none or empty: the service's refusal, shown on the page
    source_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        outcome = service.steward(
            lambda s, con: s.split(con, golden_id, source, source_id, actor=principal.name, comment=None)
        )
    except MDMError as e:
        return _say(request, f"/steward/golden/{golden_id}", error=str(e))
    new_id = outcome.decision["result_golden_id"]
    return _say(request, f"/steward/golden/{new_id}", flash=f"{source}:{source_id} split off {golden_id}")


SEARCH_PAGE = 50


@router.get("/search")
def search(
    request: Request,
    principal: PageSteward,
    service: ServiceDep,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    city: str | None = None,
    national_id: str | None = None,
    tax_id: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    region: str | None = None,
    offset: str = "0",
    ticked: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """``region``: the country the phone and ids are written in, as GET /golden-records takes it.
    ``ticked``: the golden records ticked to merge when the steward left for the merge's
    preview, ticked again when they cancel it."""
    q = {"name": name, "email": email, "phone": phone, "city": city, "national_id": national_id,
         "tax_id": tax_id, "address": address, "postcode": postcode, "region": region}
    return _search_page(request, principal, service, q, offset, ticked=ticked or ())


def _search_page(
    request: Request, principal: Principal, service: ServiceDep, q: Mapping[str, str | None], offset: str, *,
    status_code: int = 200, error: str | None = None, ticked: Collection[str] = (), comment: str = "",
) -> HTMLResponse:
    """The search page; ``ticked`` and ``comment``: a merge of the results refused for ``error``,
    shown again as the steward left it."""
    if not any(q.get(field) for field in SEARCH_MAX_LENGTHS):
        return _render(request, "search.html", principal, q=q, hits=None, count=0)
    try:
        for field, limit in (*SEARCH_MAX_LENGTHS.items(), ("region", MAX_SEARCH_REGION)):
            _at_most(field, q.get(field) or "", limit)
        # The form's region box emptied: the service's region, as a search naming none.
        criteria = search_criteria(q, searched_region(request, q.get("region") or None), pii=principal.pii)
    except MDMError as e:
        return _render(request, "search.html", principal, status_code=422, q=q, hits=None, count=0, error=str(e))
    start = _offset(offset)
    found, total = service.search(criteria, limit=SEARCH_PAGE, offset=start)
    docs = documents_as_seen_by(principal, service, (g for g, _s in found))
    hits = [{"score": score, "golden_record": json.loads(docs[g])} for g, score in found]
    return _render(request, "search.html", principal, status_code=status_code, error=error, q=q, hits=hits,
                   count=total, offset=start, page_size=SEARCH_PAGE, ticked=ticked, comment=comment)


def _merge_asked(form: Any) -> tuple[list[str], str, str]:
    """The golden ids a merge form names (each once, in order), its page to go back to, and the
    comment as typed."""
    ids = list(dict.fromkeys(str(g) for g in form.getlist("golden_ids")))
    return ids, str(form.get("back") or ""), str(form.get("comment") or "")


async def _merge_refused(request: Request, principal: Principal, service: ServiceDep, form: Any,
                         error: MDMError) -> Response:
    """A merge (or its preview) refused, said on the page it was asked from: a golden record's, or
    the search results as the steward left them, ticks and comment (a redirect's address would
    carry only the search)."""
    ids, back, typed = _merge_asked(form)
    if back.startswith("/steward/golden/"):  # merged from a golden record's page
        return _say(request, back, error=str(error))
    q = {field: str(form.get(f"q_{field}") or "") for field in (*SEARCH_MAX_LENGTHS, "region")}
    return await run_in_threadpool(
        _search_page, request, principal, service, q, str(form.get("offset") or "0"),
        status_code=status_for(error), error=str(error), ticked=ids, comment=typed)


@router.post("/merge/preview")
async def merge_preview(request: Request, principal: PageSteward, service: ServiceDep) -> Response:
    """What merging the golden records ticked in the search results (or a golden record and one
    its page lists) would make, as POST /golden-records/merge:preview says it, to confirm or
    cancel; nothing is merged here. The confirm form carries each record's version as read
    before the preview: one changed since, the merge is refused, not made on what was not shown."""
    form = await request.form()
    ids, back, typed = _merge_asked(form)
    try:
        _comment(typed)
        # Each record read once: the values shown are of the version the confirm carries.
        read = {g: versioned_document(service, g, principal) for g in ids}
        preview = await run_in_threadpool(merge_preview_public, service, principal, ids)
    except MDMError as e:
        return await _merge_refused(request, principal, service, form, e)
    versions = [version for _doc, version in read.values()]
    held = {g: json.loads(doc)["attributes"] for g, (doc, _version) in read.items()}
    merged = preview["golden_record"]["attributes"]
    differing = [(name, {g: held[g].get(name) for g in held}, value) for name, value in merged.items()
                 if len({json.dumps(a.get(name), sort_keys=True) for a in held.values()} - {"null"}) > 1]
    q = {k[2:]: str(v) for k, v in form.items() if k.startswith("q_") and v}
    offset = str(form.get("offset") or "")
    # Cancel goes back to the search as the steward left it, the same records ticked; not the
    # comment, free text kept out of an address (the browser's history keeps it).
    cancel = back if back.startswith("/steward/golden/") else "/steward/search?" + urlencode(
        [*q.items(), *([("offset", offset)] if offset else []), *(("ticked", g) for g in ids)])
    return _render(request, "merge.html", principal, ids=ids, versions=versions, preview=preview,
                   differing=differing, back=back, q=q, offset=offset, comment=typed, cancel=cancel)


@router.post("/merge")
async def merge(request: Request, principal: PageSteward, service: ServiceDep) -> Response:
    """Merge as the steward confirmed it on its preview. Refused where a golden record changed
    since that preview was read (a run, a post, another steward): the steward would have merged
    what they had not seen. Refused, said on the page the merge was asked from."""
    form = await request.form()
    ids, _back, typed = _merge_asked(form)
    seen = [str(v) for v in form.getlist("versions")]

    def as_previewed(s: Stewardship, con: duckdb.DuckDBPyConnection) -> Outcome:
        if len(seen) != len(ids):
            raise InvalidInputError("a merge is confirmed on its preview: ask for the preview first")
        for golden_id, version in zip(ids, seen, strict=True):
            try:
                unchanged_since(con, golden_id, [version])
            except ChangedSinceError:
                raise ChangedSinceError(
                    f"not merged: golden record {golden_id} has changed since the preview (a run, a post or"
                    " another steward's change); look at the merge's preview again") from None
        return s.merge(con, ids, actor=principal.name, comment=comment)

    try:
        comment = _comment(typed)
        outcome = await run_in_threadpool(service.steward, as_previewed)
    except MDMError as e:
        return await _merge_refused(request, principal, service, form, e)
    survivor = outcome.decision["result_golden_id"]
    merged = ", ".join(g for g in ids if g != survivor)
    return _say(request, f"/steward/golden/{survivor}", flash=f"merged {merged} into {survivor}")


DECISIONS_PAGE = 200


@router.get("/decisions")
def decisions(
    request: Request, principal: PageSteward, service: ServiceDep, offset: str = "0", golden_id: str = ""
) -> HTMLResponse:
    """The decisions, newest first, a page at a time; with ``golden_id``, those that moved records
    of that golden record, as GET /decisions?golden_id= lists them."""
    start, wanted = _offset(offset), golden_id.strip()
    data, total = steward_sql.list_decisions(service.reader(), limit=DECISIONS_PAGE, offset=start,
                                             golden_id=wanted or None)
    return _render(request, "decisions.html", principal, decisions=data, count=total, offset=start,
                   page_size=DECISIONS_PAGE, golden_id=wanted)


@router.get("/decisions/{decision_id}")
def decision_page(
    request: Request, decision_id: str, principal: PageSteward, service: ServiceDep
) -> HTMLResponse:
    """One decision, as the decisions page lists it (a decided pair's page links here: on the
    decisions page, an older one is pages away); for an unknown one, a 404 saying so."""
    found = steward_sql.get_decision(service.reader(), decision_id)
    if found is None:
        unknown = str(NotFoundError("decision", decision_id))
        return _render(request, "decisions.html", principal, status_code=404, decisions=[], count=0, offset=0,
                       page_size=DECISIONS_PAGE, golden_id="", error=unknown)
    return _render(request, "decisions.html", principal, decisions=[found], count=1, offset=0,
                   page_size=DECISIONS_PAGE, golden_id="", one=found["decision_id"])


@router.post("/decisions/{decision_id}/undo")
def undo(request: Request, decision_id: str, principal: PageSteward, service: ServiceDep) -> Response:
    try:
        service.steward(lambda s, con: s.undo(con, decision_id, actor=principal.name))
    except MDMError as e:
        return _say(request, "/steward/decisions", error=str(e))
    return _say(request, "/steward/decisions", flash=f"{decision_id} undone")
