"""Request and response bodies (``XCreate`` in, ``XPublic`` out, lists as ``{data, count}``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from mdm.clustering import DIFFERENT, DISAGREEING, HELD_BACK_REASONS
from mdm.sources.readers import as_text

T = TypeVar("T")


def _in_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# Every time the API sends: the store keeps UTC without a zone, and RFC 3339 (OpenAPI's
# date-time) requires an offset, so it is sent with ``Z``; a client would read it as its own zone.
Timestamp = Annotated[dt.datetime, AfterValidator(_in_utc)]


def _not_a_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError("a date (2026-06-30) or a date and time (2026-06-30T09:00:00Z), not a number")
    return value


# A moment a query names: a date-time as the document says, or a date; never a number, which
# pydantic reads as seconds since 1970 (since=2026 was 1970-01-01T00:33:46, so an export asking
# for this year's entries silently took every one).
QueryMoment = Annotated[dt.datetime, BeforeValidator(_not_a_number)]


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int
    limit: int
    offset: int


class FollowedPage(Page[T], Generic[T]):
    """A golden record's list (its links, household, similar), read for an id merged away as a
    lookup reads it: the survivor's, saying so."""

    redirected_from: dict[str, str | None] | None = Field(
        description="The id asked for and the one it was merged into, when it was merged into the golden"
        " record listed (as `GET /golden-records/{id}` says it); null otherwise.")


# A listing's ``offset``, bounded as its ``limit`` is: the store binds it as a BIGINT, so a larger
# one would fail there (a 500) rather than be the invalid input it is (a 422 naming it).
MAX_OFFSET = 2**63 - 1
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many to skip.")]


def true_or_false(value: object) -> bool:
    """A yes/no query parameter's text as a bool: ``true`` or ``false`` only, in any case (Python's
    requests sends ``True``). Pydantic's lax bool also read "yes", "on", "1" as true and "off", "0"
    as false, a guess a body's StrictBool no longer makes; a query string is text, so it is read here."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bool_parsing", "Input should be true or false")


QueryBool = Annotated[bool, BeforeValidator(true_or_false), Query()]

# The longest value of each search criterion (GET /golden-records and the steward's search page):
# a longer one is no customer's, and standardising and comparing it would only hold the search up.
SEARCH_MAX_LENGTHS = {"name": 200, "email": 320, "phone": 50, "city": 100, "national_id": 40, "tax_id": 40,
                      "address": 300, "postcode": 20}
# The longest region a search names (its phone and ids written in): an ISO code, or a word to refuse.
MAX_SEARCH_REGION = 20

# The longest comment a steward's decision takes (here and on the steward's page).
MAX_COMMENT = 2000


# The longest text any field of a request body takes where the field sets no bound of its own.
MAX_TEXT = 100_000


class RequestBody(BaseModel):
    """What every request body shares: a field it does not name is refused, and so is text no UTF-8
    holds (JSON may escape half a surrogate pair, ``"\\ud800"``), a 422 naming its field. Pydantic
    reads a text's characters only to bound its length, so a field without a bound took such text
    on to DuckDB, which refused to store it (a 500): here every text has a bound. Its yes/no fields
    are ``StrictBool``: pydantic's lax bool reads "false", "off", 0 as false and "yes", 1 as true,
    so a client's mistake ("false" sent as text for a dry run) was a silent reading, not a 422."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT)


class ErrorPublic(BaseModel):
    """Every error's body (api/errors.py), and a batch item's error."""

    error: str = Field(description="A stable code: `not_found`, `conflict`, `invalid_request`,"
                       " `invalid_input`, `precondition_failed`, `unauthorized`, `forbidden`, ...")
    detail: str = Field(description="What is wrong, for a person; an invalid field is named in it.")


class ReadyPublic(BaseModel):
    status: Literal["ready"]
    model_id: str = Field(description="The trained model real-time matching scores with.")
    records: int = Field(description="Source records in the real-time index.")


class NotReadyPublic(BaseModel):
    status: Literal["not_ready"]
    detail: str | None = Field(description="Why: no trained model yet, say.")


class LineageEntry(BaseModel):
    value: str | None
    source: str
    source_id: str
    rule: str


class MemberPublic(BaseModel):
    source: str
    source_id: str
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: dt.date | None = None
    address: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    company: str | None = None
    tax_id: str | None = None
    national_id: str | None = None
    updated_at: Timestamp | None = None
    dq_flags: list[str] = []


class GoldenRecordPublic(BaseModel):
    golden_id: str
    status: Literal["active", "retired"]
    merged_into: str | None = None
    attributes: dict[str, Any]
    lineage: dict[str, list[LineageEntry]]
    members: list[MemberPublic]
    record_count: int
    sources: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    run_id: str | None = None
    redirected_from: dict[str, str | None] | None = Field(
        default=None, description="Present when the requested id was merged into this golden record.")


class XrefPublic(BaseModel):
    source: str
    source_id: str = Field(description="The key looked up: as asked, trimmed of whitespace at either end.")
    golden_id: str
    golden_record: GoldenRecordPublic


def _number_as_text(value: Any) -> Any:
    return as_text(value) if type(value) in (int, float) else value


# A source key as a post takes its id: text, or a JSON number read as the same text (1017 and
# 1017.0 are "1017"), so a key posted as a number is looked up as one; true/false stays refused.
KeyText = Annotated[str, BeforeValidator(_number_as_text), WithJsonSchema(
    {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]})]


class SourceKey(RequestBody):
    source: str = Field(min_length=1)
    source_id: KeyText = Field(min_length=1)


class XrefLookup(RequestBody):
    keys: list[SourceKey] = Field(min_length=1, max_length=1000)
    include_records: StrictBool = Field(default=False,
                                        description="Give each found key's golden record too.")


class XrefFound(BaseModel):
    source: str
    source_id: str = Field(description="The key looked up: as asked, trimmed of whitespace at either end.")
    golden_id: str | None = Field(description="None for a key the service does not hold.")
    golden_record: GoldenRecordPublic | None = None


class XrefLookupPublic(BaseModel):
    data: list[XrefFound] = Field(description="One per key asked for, in the order asked.")
    count: int
    found: int


class SearchHit(BaseModel):
    score: float
    golden_record: GoldenRecordPublic


class SearchPage(Page[SearchHit]):
    next_after: str | None = Field(
        description="Listing without criteria: `after` for the next page (this page's last golden id), null"
        " on the last page; always null for a search, whose results page by `offset`."
    )


class CandidatePublic(BaseModel):
    source: str
    source_id: str
    golden_id: str
    match_probability: float
    match_weight: float
    explanation: dict[str, dict[str, Any]]


class OverrideHeld(BaseModel):
    """A steward override a retired golden record holds (or held until it came back)."""

    override_id: str
    golden_id: str
    attribute: str


class MatchResultPublic(BaseModel):
    source: str
    source_id: str
    golden_id: str
    outcome: Literal["matched", "review", "new", "unchanged", "stale"]
    match_probability: float | None
    previous_golden_id: str | None = None
    reason: str | None = None
    dq_flags: list[str] = []
    candidates: list[CandidatePublic] = []
    decisions_binding_again: list[str] = Field(
        default=[], description="The lapsed steward decisions this record, held again, binds again (their"
        " lapse cleared, `decision.binding_again` in the audit log).")
    overrides_binding_again: list[OverrideHeld] = Field(
        default=[], description="The steward overrides held by the retired golden record this record took"
        " back (its id, as a run restores one), which apply again (`golden.override_binding_again` in the"
        " audit log).")


class MatchPreviewPublic(BaseModel):
    source: str
    source_id: str | None = Field(description="The record's id, null when it came without one.")
    outcome: Literal["matched", "review", "new", "unchanged", "stale"] = Field(
        description="What a post would answer: `matched` (it would join `golden_id`), `review` (a steward"
        " would decide), `new`; for a source key the service holds, `unchanged` (it holds these values"
        " already) or `stale` (the version it holds has a later update time): a post would store nothing."
    )
    golden_id: str | None = Field(
        description="The golden record it would join, or (`unchanged`, `stale`) the one that holds its key;"
        " null otherwise.")
    golden_record: GoldenRecordPublic | None = Field(description="That golden record, as a lookup gives it.")
    current_golden_id: str | None = Field(
        description="The golden record the record's source key belongs to now, if the service holds the key."
    )
    match_probability: float | None
    reason: str | None = None
    dq_flags: list[str] = []
    candidates: list[CandidatePublic] = []


class QuarantinedRowPublic(BaseModel):
    run_id: str | None
    row_number: int | None
    reason: str


class SourceRecordPublic(BaseModel):
    source: str
    source_id: str
    golden_id: str
    raw: dict[str, Any] = Field(description="The record in its source's own columns, as last read or posted.")
    standardised: MemberPublic = Field(
        description="What standardisation made of it, with its data-quality flags.")
    posted_at: Timestamp | None = Field(description="When its system last posted it; null for a file row.")
    posted_by: str | None
    quarantined: list[QuarantinedRowPublic] = Field(
        description="Rows of the same key the last run quarantined (a repeated id's other rows, say)."
    )


class SimilarPublic(BaseModel):
    golden_id: str = Field(description="The other golden record.")
    match_probability: float = Field(description="Its best pair's, with this golden record's members.")
    match_weight: float
    record: SourceKey = Field(description="This golden record's member in that pair.")
    other: SourceKey = Field(description="The other golden record's member in it.")
    ruled_out: bool = Field(description="A steward decided the pair's two records are not one customer.")
    explanation: dict[str, dict[str, Any]]


class LinkPublic(BaseModel):
    left: SourceKey
    right: SourceKey
    match_probability: float = Field(description="The pair scored now by the live model, as a post would be.")
    match_weight: float
    explanation: dict[str, dict[str, Any]]
    batch_outcome: Literal["auto_link", "kept_link", "source_link", "review"] | None = Field(
        description="What the last batch run did with the pair: linked it (`auto_link`), kept a link the"
        " published results held (`kept_link`), linked it by the source structure (`source_link`), or queued"
        " it (`review`); null when the run did not score it (the records are held together through others,"
        " or joined by a post or a decision since)."
    )
    run_id: str | None
    decision: Literal["must_link", "cannot_link"] | None = Field(
        description="A steward's decision in force between the two records."
    )
    decision_id: str | None


class HouseholdMemberPublic(BaseModel):
    golden_id: str
    shared_address: str | None = Field(
        description="The address with a house number it shares, as it holds it.")
    shared_landline: str | None = Field(description="The landline it shares (masked without `pii`).")
    golden_record: GoldenRecordPublic


class DeletedPublic(BaseModel):
    source: str
    source_id: str
    golden_id: str = Field(description="The golden record the deleted record belonged to.")
    golden_change: Literal["changed", "retired"] = Field(
        description="`changed`: rebuilt from its other records; `retired`: it had no other (a lookup of"
        " its id answers with `status: retired`)."
    )
    kept_together: str | None = Field(
        default=None,
        description="Where the deleted record alone joined the others, the decision (kind `kept_together`)"
        " that keeps them together in later batch runs; undo it to let them be weighed apart.",
    )
    decisions_lapsed: list[str] = Field(
        default=[], description="The steward decisions that bind nothing with the record gone, marked lapsed"
        " at once (`lapsed_at` in GET /decisions/{id}, `decision.lapsed` in the audit log); posting the"
        " record again makes them bind again.")
    overrides_lapsed: list[OverrideHeld] = Field(
        default=[], description="With `golden_change: retired`, the steward overrides the retired golden"
        " record holds, unused (`golden.override_lapsed` in the audit log); the record posted again takes its"
        " golden id back, and they apply again.")


class BatchCreate(RequestBody):
    # Each record's text unbounded, as a single post's: half a surrogate pair in a column's name
    # or value is replaced, not the whole batch refused.
    model_config = ConfigDict(str_max_length=None)

    records: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchDelete(RequestBody):
    source_ids: list[KeyText] = Field(min_length=1, max_length=1000)


class BatchItemPublic(BaseModel, Generic[T]):
    index: int
    status: Literal["ok", "error"]
    result: T | None = None
    error: ErrorPublic | None = None


class BatchPublic(BaseModel, Generic[T]):
    data: list[BatchItemPublic[T]]
    count: int
    errors: int


class RunCreate(RequestBody):
    sources: str | None = Field(default=None, description="Sources YAML on the server; default: the last run's.")
    retrain: StrictBool = False
    accept_removals: StrictBool = Field(
        default=False, description="Publish even where an extract lacks more of its source's published"
        " records than the source's max_removed_share allows (by default such a run fails, publishing"
        " nothing).")
    dry_run: StrictBool = Field(
        default=False, description="Compute everything and publish nothing: the run, recorded as previewed,"
        " reports what it would change (and, in report.removals_refused, why a real run would stop), the"
        " steward decisions and overrides it would leave binding nothing (report.decisions_lapsed,"
        " overrides_lapsed) and those it would bind again (decisions_binding_again, overrides_binding_again),"
        " marking none.")


class ReplayPublic(BaseModel):
    posts: int = Field(description="Records posted through the API while the run computed, to replay.")
    deletions: int = Field(description="Records deleted through the API meanwhile, to replay.")
    replayed: int
    skipped: int = Field(description="Left: the key was posted again or deleted since (the newer change"
                         " stands), or a deletion the run's results already took.")


class RunPublic(BaseModel):
    run_id: str
    kind: str
    status: Literal["running", "succeeded", "previewed", "failed", "cancelled"] = Field(
        description="`previewed`: a dry run, which published nothing. `cancelled`: stopped on purpose (the"
        " service stopping, Ctrl-C), not a fault; it published nothing either, as a failed run.")
    started_at: Timestamp
    finished_at: Timestamp | None = None
    sources_path: str | None = None
    model_id: str | None = None
    retrained: bool | None = None
    counts: dict[str, Any] | None = Field(
        default=None, description="What it read and made. `sources`: per source, its rows read, accepted,"
        " flagged deleted (`deletions`) and quarantined, and more; `undecodable`, those holding bytes its"
        " `encoding:` could not decode; `deleted_column_rows`, those holding its `deleted:` column (null: it"
        " names none): 0 with rows accepted is a change feed's quiet day or a typo in `deleted.column`, which"
        " deletes nothing. The service logs a warning of each, naming the run, as `mdm reconcile` prints.")
    stage_seconds: dict[str, float] | None = None
    error: str | None = None
    report: dict[str, Any] | None = Field(
        default=None, description="Changes against the previous run: golden records created, changed, merged,"
        " split, retired; steward decisions applied; conflicts between decisions and new evidence;"
        " `replayed`: the changes made through the API while it computed, replayed onto its results.")
    replaying: ReplayPublic | None = Field(
        default=None, description="A published run whose replay still goes: how far it has got. Until it"
        " ends a new run is refused (409).")


class KeyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["reader", "writer", "steward", "admin"]
    pii: StrictBool = False
    expires_in_days: int | None = Field(default=None, ge=1, le=3650,
                                       description="Days until the key stops working; null: never.")
    sources: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, min_length=1, max_length=100,
        description="A writer key's only sources (post and delete their records); null: every source.")


class KeyPublic(BaseModel):
    key_id: str
    name: str
    role: str
    pii: bool
    sources: list[str] | None = Field(default=None, description="The only sources it may write to.")
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    expires_at: Timestamp | None = None


class KeyCreated(KeyPublic):
    key: str = Field(description="Shown once: store it now.")


class SubscriptionCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000,
                     description="Where each change is posted (http or https).")
    pii: StrictBool = Field(default=False, description="E-mails and phones unmasked in its deliveries.")
    after: int | None = Field(default=None, ge=0, description="Deliver the changes after this entry of the"
                              " feed (0: every golden record as it is now); default: from now on.")


class SubscriptionPublic(BaseModel):
    subscription_id: str
    name: str
    url: str
    pii: bool
    created_at: Timestamp
    created_by: str
    after_seq: int = Field(description="The last entry of the feed its URL acknowledged.")
    lag: int = Field(description="Entries committed since, not yet acknowledged.")
    delivered_at: Timestamp | None = None
    failures: int = Field(description="Failed attempts since the last delivery.")
    next_attempt_at: Timestamp | None = Field(
        default=None, description="When a failing URL is tried again.")
    last_error: str | None = None
    revoked_at: Timestamp | None = None
    revoked_by: str | None = None


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Shown once: the key of each delivery's X-MDM-Signature.")


class AuditEntryPublic(BaseModel):
    audit_id: str
    occurred_at: Timestamp
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None


class AuditPage(Page[AuditEntryPublic]):
    next_before: str | None = Field(
        description="`before` for the next page (this page's last `audit_id`), null on the last page."
    )


class ComparisonExplained(BaseModel):
    comparison: str
    level: str
    gamma: int
    match_weight: float


class ReviewRecord(BaseModel):
    source: str
    source_id: str
    golden_id: str | None
    golden_record_count: int
    fields: dict[str, Any]


# The reasons a review item can be held back for (``QueuedBecause.held_back_by``).
HELD_BACK_BY_PATTERN = rf"^(({DIFFERENT}|{DISAGREEING})[a-z_]+|{'|'.join(HELD_BACK_REASONS)})$"


class HeldValues(BaseModel):
    field: str
    left: list[str] = Field(description="The values of `field` the left record's golden record holds.")
    right: list[str] = Field(description="The values of `field` the right record's golden record holds.")


class QueuedBecause(BaseModel):
    kind: Literal["uncertain", "guard", "clustering"]
    detail: str
    held_back_by: str | None = Field(
        default=None,
        description="What held back a pair that scored to link, as stored with the item:"
        " `disagreeing <comparison>` (a guard: the name disagrees and nothing that lifts its guard"
        " agrees), `different <field>` (an identifier that differs), `cannot_link` (a steward's"
        " decision), `source_structure` or `joined_another`; null when nothing held it back (an"
        " uncertain score) or it was queued before reasons were stored.",
    )
    conflict: HeldValues | None = Field(
        default=None, description="For `different <field>`: the values of it each golden record holds."
    )


class ReviewItemPublic(BaseModel):
    item_id: str
    status: str
    match_probability: float
    match_weight: float
    prior_match_weight: float | None
    queued_because: QueuedBecause | None = None  # None while no model is loaded
    explanation: list[ComparisonExplained]
    left: ReviewRecord
    right: ReviewRecord
    impact: float | None = None
    claimed_by: str | None = None
    claimed_at: Timestamp | None = None
    decision_id: str | None = None
    created_at: Timestamp


class DecisionCreate(RequestBody):
    decision: Literal["match", "not_a_match"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class DecisionsCreate(RequestBody):
    item_ids: list[str] = Field(min_length=1, max_length=1000)
    decision: Literal["match", "not_a_match"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class SplitCreate(RequestBody):
    source: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class MergeCreate(RequestBody):
    golden_ids: list[str] = Field(min_length=2, max_length=100)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class MergeConflictPublic(BaseModel):
    golden_ids: list[str]
    conflict: str = Field(description="`different date_of_birth`, `different national_id`, ...")
    values: dict[str, list[str]] = Field(description="The values each of the two golden records holds.")


class RuledOutPublic(BaseModel):
    left: SourceKey
    right: SourceKey
    decision_id: str = Field(
        description="The steward decision (not the same customer) that keeps them apart: the merge is"
        " refused (409) until it is undone.")


class MergePreviewPublic(BaseModel):
    golden_id: str = Field(description="The golden record that would keep its id.")
    golden_record: GoldenRecordPublic = Field(description="It as the merge would make it.")
    conflicts: list[MergeConflictPublic] = Field(
        description="Identifiers on which two of the golden records disagree: a batch run would never join"
        " them."
    )
    ruled_out: list[RuledOutPublic]


class DecisionPublic(BaseModel):
    decision_id: str
    kind: str
    item_id: str | None
    golden_ids: list[str]
    result_golden_id: str | None
    comment: str | None
    actor: str
    created_at: Timestamp
    undone_at: Timestamp | None
    undone_by: str | None
    lapsed_in: str | None = Field(
        default=None, description="The batch run that found none of the records it names left (their source"
        " renamed or removed, or each gone from its extract): it binds nothing since, and the audit log's"
        " `decision.lapsed` entry says why. Null while it binds: a run that has its records again clears it."
        " Null too for one lapsed by a deletion through the API (`lapsed_at`, `lapsed_by`).")
    lapsed_at: Timestamp | None = Field(
        default=None, description="When it lapsed, binding nothing since: a run marked it (`lapsed_in`), or"
        " the deletion or erasure through the API of the last records it bound did, at once. Null while it"
        " binds: a post of one of its records back, or a run that has them again, clears it.")
    lapsed_by: str | None = Field(
        default=None, description="Who made it lapse: `run <run id>`, or the API caller whose deletion or"
        " erasure did (the audit log's `decision.lapsed` entry names the records and says why).")
    before: dict[str, list[str]]
    after: dict[str, list[str]]


class GoldenChangePublic(BaseModel):
    golden_id: str = Field(description="The golden record the steward action leaves the records in.")
    decision: DecisionPublic


class _HistoryEntry(BaseModel):
    """One version of a golden record: what changed it, when and by whom."""

    changed_at: Timestamp
    change: str = Field(
        description="`created`, `changed`, `merged` (into the entry's `merged_into`), `split`, `retired`,"
        " `restored` (active again: an undone merge, or records that had all left came back) or `erased`"
        " (drop your copy: the record is gone)."
    )
    cause: str = Field(
        description="`run`, `decision`, `record` (posted), `record_deleted`, `override` (a steward's"
        " value set or removed) or `erasure`; `cause_id` names which."
    )
    cause_id: str | None
    actor: str | None
    members: int | None
    merged_into: str | None = Field(
        default=None, description="For a `merged` entry, the golden record it was merged into (where the"
        " record pointed then: a later entry may move it); null otherwise, and for a merge recorded before"
        " this field existed whose survivor is no longer known.")


class HistoryEntryPublic(_HistoryEntry):
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ChangePublic(_HistoryEntry):
    seq: int = Field(description="The entry's place in commit order.")
    golden_id: str
    golden_record: GoldenRecordPublic | None = Field(
        description="The golden record as it is now, not as of this change: a consumer that applies it is"
        " current whichever of a record's entries it reads last."
    )


class ChangesPublic(BaseModel):
    data: list[ChangePublic]
    next_after: int = Field(
        description="`after` for the next call: the last entry's `seq`, or this call's `after` when none"
        " came."
    )
    more: bool = Field(description="Whether entries beyond this page are already committed.")
    head: int = Field(
        description="The last entry committed so far. A new consumer reads from `after=0` (every golden"
        " record appears, as it is now); one that holds a copy made otherwise (`mdm export golden`) notes"
        " `head` before making it, then reads from there: changes made meanwhile come again."
    )


class OverrideSet(RequestBody):
    value: str | None = Field(
        max_length=500,
        description="The value, written as a source would (standardised like one: a phone to E.164, a"
        " birth date to ISO); null when no source's value is right and the attribute should be empty.",
    )
    reason: str = Field(min_length=1, max_length=500, description="Why (the customer called, say); audited.")
    region: str | None = Field(
        default=None, max_length=MAX_SEARCH_REGION,
        description="Region (ISO 3166 alpha-2, as a search's `region`) of a phone number written without its"
        " country code (default: the service's search region).",
    )


class OverridePublic(BaseModel):
    override_id: str
    golden_id: str = Field(description="The golden record holding it now: it moves with a merge.")
    set_on: str = Field(
        description="The golden record it was set on; it returns there if that one comes back.")
    attribute: str
    value: str | None
    reason: str
    actor: str
    created_at: Timestamp
    removed_at: Timestamp | None
    removed_by: str | None


class OverrideChangePublic(BaseModel):
    override: OverridePublic
    golden_change: str | None = Field(
        description="What the change did to the golden record (`changed`); null for a retired one, which"
        " holds the override unused."
    )
    golden_record: GoldenRecordPublic | None = Field(description="The golden record as it is now.")


class EraseRequest(RequestBody):
    reason: str = Field(
        min_length=1, max_length=500, description="Why (a request's reference, say); audited."
    )


class ErasedPublic(BaseModel):
    erasure_id: str
    golden_id: str
    golden_ids: list[str] = Field(description="The golden record and those merged into it, all erased.")
    records: list[SourceKey] = Field(description="The source records erased (deleted as by their systems).")


class BackupPublic(BaseModel):
    file: str = Field(description="The backup's file name in the service's backup folder.")
    path: str = Field(description="Its path on the server.")
    bytes: int
    tables: int
    rows: int = Field(description="Rows copied, counted table by table in the copy.")
    seconds: float
    pruned: list[str] = Field(
        description="The oldest backups deleted to keep `mdm serve --backup-keep` of them.")


class CheckPublic(BaseModel):
    name: str
    means: str = Field(description="What holds when the check passes.")
    ok: bool
    violations: int
    examples: list[str] = Field(description="Up to five of what fails it.")


class IntegrityPublic(BaseModel):
    ok: bool = Field(description="Every check passed.")
    checks: list[CheckPublic]
    seconds: float


class BackupListed(BaseModel):
    file: str
    bytes: int
    taken_at: Timestamp = Field(description="When the backup's snapshot was taken.")
    erasures_since: int = Field(
        description="Erasures made since the backup was taken: it still holds those customers' data. Delete"
        " it (or let it age out) as your erasure policy says.")
