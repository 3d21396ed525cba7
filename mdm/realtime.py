"""Real-time matching: one posted source record, decided against the live golden records.

The record is standardised by the batch's own code, its candidates are the records the
batch's blocking rules would pair it with, and each pair is scored with the stored model
exactly as the batch scores it. The decision follows the batch's rules: a link needs the
auto-link probability, names that agree, and no contradicting identifier in the golden
record it would join; an uncertain pair is queued for stewards.

The caller serialises calls (one writer) and runs each inside a transaction.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from matching_rules import MatchingSpec, RulesSpec
from mdm import golden, regroup
from mdm.cancel import Cancellation
from mdm.carry_decisions import Carried, carry, kept_together
from mdm.clustering import (
    DISAGREEING,
    JOINED_ANOTHER,
    KEPT_APART,
    SOURCE_STRUCTURE,
    Mailbox,
    SourceStructure,
    components,
    conflict_field,
    conflicting_identifier,
    guard_comparison,
    mailbox,
    match_weight,
    second_sign_up,
)
from mdm.errors import ConflictError, InvalidInputError, NotFoundError
from mdm.ingest import clean_id, control_in_id, raw_json
from mdm.linking.candidates import CandidateIndex, MatchRow, match_row
from mdm.linking.comparisons import agreement_guards, blocking_guard
from mdm.linking.model import Model, frequency_counts
from mdm.linking.scorer import PairScore, Scorer
from mdm.pipeline import review_item_id
from mdm.sources import SourcesConfig, SourceSpec
from mdm.sources.readers import flat_values, not_one_id, texts, typed_values, written_twice
from mdm.standardise.record import record_key, standardise_record
from mdm.store import erasure, records, runs, work
from mdm.store import overrides as overrides_sql
from mdm.store import stewardship as steward_sql
from mdm.store.database import now
from mdm.store.documents import timestamp_text
from mdm.store.tables import SCHEMAS

# How many scored candidates a response lists.
TOP_CANDIDATES = 5


@dataclass(frozen=True)
class ScoredCandidate:
    record_key: str
    source: str
    source_id: str
    golden_id: str
    match_weight: float
    match_probability: float
    explanation: dict[str, dict[str, Any]]


@dataclass
class MatchResult:
    source: str
    source_id: str
    golden_id: str
    outcome: str  # matched | review | new | unchanged | stale
    match_probability: float | None
    candidates: list[ScoredCandidate] = field(default_factory=list)
    dq_flags: list[str] = field(default_factory=list)
    previous_golden_id: str | None = None
    reason: str | None = None  # why a strong candidate was not linked, when one was not
    decisions_binding_again: list[str] = field(default_factory=list)  # lapsed ones it binds again
    restored: bool = False  # it took back a retired golden id, and the overrides that one holds
    overrides_binding_again: list[dict[str, Any]] = field(default_factory=list)  # those overrides


@dataclass(frozen=True)
class Preview:
    """What posting a record would do, computed without storing anything (RealtimeMatcher.match)."""

    source: str
    source_id: str | None  # None when the record came without its id
    golden_id: str | None  # the golden record it would join; None when it would get one of its own
    outcome: str  # matched | review | new, or unchanged | stale (a post would store nothing)
    match_probability: float | None
    candidates: list[ScoredCandidate]
    dq_flags: list[str]
    reason: str | None  # why a strong candidate would not be linked, when one would not
    current_golden_id: str | None  # the golden record its source key belongs to now, if held


@dataclass(frozen=True)
class Similar:
    """Another golden record's best pair with a golden record's members (RealtimeMatcher.similar)."""

    record_key: str  # the member of the golden record asked about
    candidate: ScoredCandidate  # the other golden record's record it scored with
    ruled_out: bool  # a steward decided the two records are not the same customer


@dataclass(frozen=True)
class DeleteResult:
    source: str
    source_id: str
    golden_id: str  # the golden record the deleted record belonged to
    golden_change: str  # changed (rebuilt from its other records) | retired (it had no other)
    decisions_carried: list[Carried] = field(default_factory=list)  # steward constraints carried to stand-ins
    kept_together: str | None = None  # the decision holding together what only the deleted record joined
    decisions_lapsed: list[str] = field(default_factory=list)  # those binding nothing once it left
    overrides_lapsed: list[dict[str, Any]] = field(default_factory=list)  # held by the one it retired


@dataclass(frozen=True)
class EraseResult:
    erasure_id: str
    golden_id: str
    golden_ids: list[str]  # it and the golden records merged into it, all erased
    records: list[tuple[str, str]]  # (source, source_id) of the records erased


def erase_golden(
    con: duckdb.DuckDBPyConnection, golden_id: str, *, actor: str
) -> tuple[EraseResult, list[str], list[tuple[str, str]]]:
    """Erase a customer: delete every record of the golden record as its systems would (later
    batch runs leave their file rows out until a source posts the key again), then remove what
    deleting keeps (see mdm/store/erasure.py). A golden record retired because its records all
    left (an account closed in every system: when erasure is asked for most) is erased too: its
    last values, its history's, and the keys that left it. Runs inside the caller's transaction,
    from the database alone: an erasure waits for no model (the real-time matcher follows it
    where there is one). Returns the result, the record keys erased, and the (column, value)
    term frequencies that left with them."""
    row = records.golden_row(con, golden_id)
    if row is None:
        raise NotFoundError("golden record", golden_id)
    if row["merged_into"]:
        raise ConflictError(f"golden record {golden_id} is retired into {row['merged_into']}: erase the"
                            " golden record that holds the customer's records")
    active = row["status"] == "active"
    members = erasure.members(con, golden_id) if active else erasure.departed(con, golden_id)
    keys = [key for key, _s, _i in members]
    values = erasure.match_values(con, keys)
    held = erasure.record_values(con, keys) if active else erasure.last_values(row["attributes"])
    at = now()
    erasure_id = "E" + uuid.uuid4().hex[:15].upper()
    for key, source, source_id in members:
        records.delete_record(con, key, source, source_id, at, actor, erasure_id=erasure_id)
        records.replace_open_items(con, key, [], replacing=True)
    golden_ids = [golden_id, *erasure.merged_into(con, golden_id)]
    erasure.scrub(con, golden_ids, members, at=at, erasure_id=erasure_id, actor=actor)
    erasure.forget_unheld_in_history(con, held)
    gone = erasure.drop_unheld_frequencies(con, values)
    return EraseResult(erasure_id, golden_id, golden_ids, [(s, i) for _k, s, i in members]), keys, gone


def _redirects_nowhere(con: duckdb.DuckDBPyConnection, golden_id: str) -> bool:
    """Whether ``golden_id``, holding no record, redirects nowhere (it has no row, or a retired one
    merged into none): a replayed post's golden id that the run's results lack."""
    row = records.golden_row(con, golden_id)
    return row is None or row["merged_into"] is None


def _same_values(stored_raw: str | None, values: dict[str, str | None]) -> bool:
    """Whether a post holds what is stored, as the reader reads values: the same text in NFC, a
    blank, a null and a missing key alike. Such a post is no change (none written)."""
    return stored_raw is not None and _as_read(orjson.loads(stored_raw)) == _as_read(values)


def _as_read(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record's values with its text in NFC, without its blank or null ones (a CSV's empty
    field is no value, and standardisation reads blank text as none)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value) if value.strip() else None
        if value is not None:
            out[unicodedata.normalize("NFC", key)] = value
    return out


def _older_than_stored(updated_at: dt.datetime | None, stored_at: dt.datetime | None) -> str | None:
    """Why a post is not stored, when it is older than the version stored: delivered out of order
    (a queue's retry), it would put older values back. Compared as a batch run compares a post
    with its file row (mdm.ingest.merge_posted). None when it is not older, or either has no time."""
    if stored_at is None or updated_at is None or updated_at >= stored_at:
        return None
    return (f"the version stored is newer (updated_at {timestamp_text(stored_at)});"
            " this older one is not stored")


def parse_values(spec: SourceSpec, payload: Mapping[str, Any]) -> tuple[str, dict[str, str | None]]:
    """A posted record's id and its values as text, as a reader would give them."""
    flat = flat_values(payload)
    values = texts(flat)
    _no_control_in_id(spec, values)
    source_id = clean_id(values.get(spec.id_column))
    if source_id is None:
        raise InvalidInputError(f"field {spec.id_column!r} (the id of source {spec.name!r}) is missing or blank")
    if problem := not_one_id(flat, spec.id_column):
        kind = "give text or a number, not a list, an object or true/false"
        said = problem if "not one id" not in problem else kind
        raise InvalidInputError(f"field {spec.id_column!r} (the id of source {spec.name!r}): {said}")
    _written_once(payload)
    return source_id, values


def _no_control_in_id(spec: SourceSpec, values: Mapping[str, str | None]) -> None:
    """Refuse an id holding a control character (NUL, ESC), as a file's row is quarantined."""
    if problem := control_in_id(spec.id_column, values.get(spec.id_column)):
        raise InvalidInputError(f"field {spec.id_column!r} (the id of source {spec.name!r}): {problem}")


def _written_once(payload: Mapping[str, Any]) -> None:
    """Refuse a record whose JSON wrote a key twice with different values (the API marks it as a
    reader does): storing the last would lose the other unseen, where a file's row is quarantined."""
    if problem := written_twice(payload):
        raise InvalidInputError(problem)


def _row_identifiers(row: Mapping[str, Any], fields: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for f in fields:
        value = row.get(f)
        out[f] = value.isoformat() if isinstance(value, dt.date) else str(value) if value else None
    return out


def identifiers(rows: list[Mapping[str, Any]], fields: list[str]) -> dict[str, set[str]]:
    """The identifiers (birth date, national id ...) a group of records holds, by field."""
    out: dict[str, set[str]] = {}
    for row in rows:
        for f, value in _row_identifiers(row, fields).items():
            if value:
                out.setdefault(f, set()).add(value)
    return out


@dataclass(frozen=True)
class RecordIndex:
    """The blocking-key index of every record and each record's golden id: the part of the live
    state that takes seconds to build at a million records. The service builds it from a run's
    results before they are published, so its write lock is held for the swap, not the build."""

    index: CandidateIndex
    golden_of: dict[str, str]
    shared: dict[str, frozenset[str]]  # match column -> the values no one's records hold alone

    @classmethod
    def build(
        cls, con: duckdb.DuckDBPyConnection, rules: RulesSpec, std: pa.Table | None = None,
        xref: pa.Table | None = None, cancellation: Cancellation | None = None,
    ) -> RecordIndex:
        """From the database, or from a run's unpublished ``std`` records and ``xref`` (the run's
        ``cancellation`` stops it: RunCancelledError)."""
        spec = rules.matching
        rule = spec.shared_values
        # The shared values, counted once: the index's rows leave out what this table holds.
        found = None
        if rule is not None:
            found = records.query_std(con, lambda table: work.shared_values_sql(table, rule), std)
        tables = {work.SHARED_TABLE: found} if found is not None else {}
        name = work.SHARED_TABLE if tables else None
        index = CandidateIndex(spec.blocking_rules())
        index.load(records.query_std(con, lambda table: work.match_rows_sql(table, rule, name), std, tables),
                   cancellation)
        xref = records.xref_table(con) if xref is None else xref
        golden_of = dict(zip(xref["record_key"].to_pylist(), xref["golden_id"].to_pylist(), strict=True))
        shared: dict[str, set[str]] = {}
        for row in found.to_pylist() if found is not None else []:
            shared.setdefault(row["column_name"], set()).add(row["value"])
        return cls(index, golden_of, {column: frozenset(values) for column, values in shared.items()})


class RealtimeMatcher:
    """Live matching state: the model's scorer and the blocking-key index of every record."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, sources: SourcesConfig, rules: RulesSpec, model: Model,
        built: RecordIndex | None = None,
    ) -> None:
        """``built``: the record index, built beforehand from what ``con`` holds; else (or when
        the blocking rules changed since) built here."""
        self.sources = sources
        self.rules = rules
        self.model = model
        spec = rules.matching
        self.term_frequencies = records.term_frequencies(con)
        self.scorer = Scorer(model.settings, self.term_frequencies)
        self.holders = _Holders(con, spec, self.term_frequencies)
        # The last write's index change (record key -> its match row and golden id, or None for a
        # deleted record), applied only once its transaction has committed.
        self._index_after_commit: list[tuple[str, tuple[dict[str, Any], str] | None]] = []
        self._frequencies_after_commit: list[tuple[str, str]] = []  # (column, value) an erasure removed
        # (kind, record_key_l, record_key_r) of the constraints a deletion added
        self._constraints_after_commit: list[tuple[str, str, str]] = []
        if built is None or built.index.rules != [tuple(rule.columns) for rule in spec.blocking_rules()]:
            built = RecordIndex.build(con, rules)
        self.index = built.index
        self.golden_of = built.golden_of
        self.shared = built.shared
        self.must: dict[str, set[str]] = {}
        self.cannot: dict[str, set[str]] = {}
        self.load_constraints(con)
        self.override_holders = overrides_sql.holders(con)  # golden ids regroup.rebuild reads overrides for
        self._guards = agreement_guards(spec)
        self.structure = _source_structure(con, rules)

    def close(self) -> None:
        """Release the scorer's cursors; the matcher scores nothing after this."""
        self.scorer.close()

    def source(self, name: str) -> SourceSpec:
        for spec in self.sources.sources:
            if spec.name == name:
                return spec
        raise NotFoundError("source", name)

    def check_source(self, name: str) -> None:
        """Refuse a request's ``source`` naming no source, saying which there are (a filter by it
        would find nothing, a split no record)."""
        names = [spec.name for spec in self.sources.sources]
        if name not in names:
            raise InvalidInputError(
                f"field 'source': {name!r} is not a source; the sources are {', '.join(names)}")

    def _blocking_guard(self, explanation: Mapping[str, Mapping[str, Any]]) -> str | None:
        """The comparison whose guard keeps a pair of this explanation from linking, if any
        (a comparison the explanation lacks counts as unknown: its null level)."""
        gammas = {c.name: -1 for c in self.rules.matching.comparisons}
        gammas.update({name: part["gamma"] for name, part in explanation.items()})
        return blocking_guard(self._guards, gammas)

    def why_queued(
        self,
        match_probability: float,
        explanation: Mapping[str, Mapping[str, Any]],
        held_back_by: str | None = None,
    ) -> tuple[str, str]:
        """Why a queued pair waits for a steward instead of linking, as (kind, sentence): its
        score is uncertain ("uncertain"); it scored to link and a guard held it back ("guard");
        or its golden records were kept apart ("clustering"), for what ``held_back_by`` says
        (the item's stored reason; None for items queued before it was stored). A guard's
        reason is stored too ("disagreeing name"), and read from the explanation for items
        queued before it was. A steward reads a 0.9999 pair differently once told which."""
        thresholds = self.rules.matching.thresholds
        if match_probability < thresholds.auto_link:
            besides = f", and {_held_back_sentence(held_back_by)}" if held_back_by else ""
            return "uncertain", (f"its score lies between the review threshold ({thresholds.review:g})"
                                 f" and the automatic link ({thresholds.auto_link:g}){besides}")
        if held_back_by is None:  # queued before reasons were stored
            guarded = self._blocking_guard(explanation)
        else:
            guarded = guard_comparison(held_back_by)
        if guarded is not None:
            return "guard", (f"scored to link, but {guarded} disagrees and nothing that lifts its guard"
                             " agrees (households share addresses, phones and e-mails)")
        return "clustering", f"scored to link, but {_held_back_sentence(held_back_by)}"

    def score(self, std: Mapping[str, Any]) -> list[ScoredCandidate]:
        """Every candidate of a standardised record, best first."""
        key = std["record_key"]
        return self._scored(key, match_row(std, self.shared))

    def _own(self, key: str, row: MatchRow) -> dict[str, float]:
        """The frequencies of the values of record ``key`` (``row``: as posted, or as held) that
        every live score reads, a post's, a similar record's or a pair of members': counting it and
        the records posted since the run among their holders, as a batch run counts every record it
        scores (_Holders). The run's alone held no frequency for a name first posted since."""
        return self.holders.frequencies(row, self.index.row(key) if key in self.golden_of else None)

    def _scored(self, key: str, row: MatchRow) -> list[ScoredCandidate]:
        keys = self.index.candidates(row, exclude=key)
        scores = self.scorer.score(row, [self.index.row(k) for k in keys], self._own(key, row))
        out = [
            ScoredCandidate(
                k, *k.split(":", 1), self.golden_of[k], s.match_weight, s.match_probability, s.explanation
            )
            for k, s in zip(keys, scores, strict=True)
        ]
        out.sort(key=lambda c: (-c.match_weight, c.record_key))
        return out

    def match(
        self, con: duckdb.DuckDBPyConnection, source: str, payload: Mapping[str, Any], *, today: dt.date
    ) -> Preview:
        """Score and decide a record as :meth:`upsert` would, storing nothing: "is this customer
        known?" before one is created. The id may be left out (a caller that has none yet)."""
        spec = self.source(source)
        _written_once(payload)
        values = typed_values(payload)
        _no_control_in_id(spec, values)
        source_id = clean_id(values.get(spec.id_column))
        std = standardise_record(spec, source_id or "", values, today=today)
        scored = self.score(std)
        current = self.golden_of.get(std["record_key"]) if source_id else None
        target, outcome, reason, _joined, _held_back = self._decide(con, std, scored, current)
        if current is not None:  # a post of a key the service holds may store nothing, as upsert says
            stored_raw, stored_at = records.stored_version(con, std["record_key"])
            if _same_values(stored_raw, values):
                target, outcome, reason = current, "unchanged", "the service holds this version already"
            elif (stale := _older_than_stored(std["updated_at"], stored_at)) is not None:
                target, outcome, reason = current, "stale", stale
        return Preview(source, source_id, target, outcome, scored[0].match_probability if scored else None,
                       scored[:TOP_CANDIDATES], list(std["dq_flags"]), reason, current)

    def similar(self, golden_id: str, member_keys: list[str], *, min_probability: float) -> list[Similar]:
        """Other golden records that may be the same customer: each member scored against every
        candidate its blocking gives, as a post is, and each other golden record's best pair kept,
        best first. Finds what no threshold linked or queued (a steward's search for missed
        duplicates); says which a steward already ruled out."""
        best: dict[str, Similar] = {}
        for key in member_keys:
            ruled_out = self.cannot.get(key, set())
            for c in self._scored(key, self.index.row(key)):
                if c.golden_id == golden_id or c.match_probability < min_probability:
                    continue
                if c.golden_id not in best or c.match_weight > best[c.golden_id].candidate.match_weight:
                    best[c.golden_id] = Similar(key, c, c.record_key in ruled_out)
        return sorted(best.values(), key=lambda s: (-s.candidate.match_weight, s.candidate.golden_id))

    def unweighed_labels(self, pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        """For stored pairs' explanations, whose gamma -1 alone cannot tell a value missing from
        values that are no evidence (a mobile against a landline): the live model's label of each
        comparison that weighs nothing for each pair (scored at once); none for a pair a record
        of which has left."""
        here = [(left, right) for left, right in pairs if left in self.golden_of and right in self.golden_of]
        scores = self.scorer.score_pairs([(self.index.row(left), self.index.row(right))
                                          for left, right in here])
        labels = {pair: {name: part["label"] for name, part in score.explanation.items()
                         if part["gamma"] == -1}
                  for pair, score in zip(here, scores, strict=True)}
        return [labels.get(pair, {}) for pair in pairs]

    def pairwise(self, member_keys: list[str]) -> list[tuple[str, str, PairScore]]:
        """Every pair of a golden record's members, scored by the live model as a post would be."""
        out = []
        for i, key in enumerate(member_keys):
            others, row = member_keys[i + 1:], self.index.row(key)
            scores = self.scorer.score(row, [self.index.row(o) for o in others], self._own(key, row))
            out.extend((key, other, s) for other, s in zip(others, scores, strict=True))
        return out

    def upsert(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        payload: Mapping[str, Any],
        *,
        actor: str,
        today: dt.date,
        golden_id_before: str | None = None,
        rejoin: bool = False,
        run_computing: bool = False,
    ) -> MatchResult:
        """Store and decide one posted record. Runs inside the caller's transaction.
        ``golden_id_before``: the golden id a replayed post had before a run's publish; a golden
        record of its own takes it back where no record holds it (its poster was given it), and
        one goes back into it where ``rejoin`` (a steward merged into it while the run computed:
        the publish put the other side there, mdm/late_decisions.py), though it match another
        (:meth:`_rejoins`). One that joins another golden record (the run's results hold records
        of the customer the post did not meet) leaves that id merged into it, where no record
        holds it: a redirect, not a 404. A key
        that left every golden record takes back the one that last held it, where that one was
        retired with nothing left (mdm.golden.returning_ids). A post holding what is stored
        writes nothing; but where ``run_computing`` (a batch run computes, the service's or a Spark
        run's after `mdm export posted`, whose input lacks the post) it is stored as posted, and
        nothing else: the replay onto the run's results posts it again, where an extract lacking
        the key would remove it, though the post is newer."""
        spec = self.source(source)
        source_id, values = parse_values(spec, payload)
        key = record_key(source, source_id)
        previous = self.golden_of.get(key)
        replacing = previous is not None  # a new key has no stored rows to replace
        stored_raw, stored_at = records.stored_version(con, key) if previous is not None else (None, None)
        # Compared as values: a record stored by an older version has its JSON spaced differently.
        if previous is not None and _same_values(stored_raw, values):
            if run_computing:
                records.save_posted(con, source, source_id, raw_json(values), now(), actor)
            return MatchResult(source, source_id, previous, "unchanged", None)

        raw = raw_json(values)
        std = standardise_record(spec, source_id, values, today=today)
        if (stale := _older_than_stored(std["updated_at"], stored_at)) is not None:
            return MatchResult(source, source_id, previous, "stale", None, dq_flags=list(std["dq_flags"]),
                               reason=stale)
        scored = self.score(std)
        thresholds = self.rules.matching.thresholds
        target, outcome, reason, joined, held_back = self._decide(con, std, scored, previous)
        at = now()
        if rejoin and golden_id_before is not None and self._rejoins(con, key, golden_id_before):
            target, outcome, joined = golden_id_before, "matched", None
            reason = "steward decision: merged while a run computed"
        if target is None:
            keep = next((g for g in (previous, golden_id_before)
                         if g is not None and records.member_count(con, g, besides=key) == 0), None)
            if keep is None and previous is None:  # a key that left may take back its golden id
                keep = golden.returning_ids({0: [key]}, records.departed_to(con, key)).get(0)
            target = keep or golden.new_golden_id()
        records.save_posted(con, source, source_id, raw, at, actor)
        records.upsert_record(
            con,
            {"record_key": key, "source": source, "source_id": source_id, "row_number": None, "raw": raw,
             "run_id": None, "loaded_at": at},
            std,
            target,
            run_id=None,
            replacing=replacing,
        )
        left = golden_id_before if golden_id_before not in (None, target, previous) else None
        # The one it was in before the run's publish, holding others still: the publish took it out
        # unsaid (the replay puts it back), and it went elsewhere: that one changed as a move's would.
        # Holding none, and redirecting nowhere, its id follows the post (repointed below).
        moved_from = None
        if left is not None and records.member_count(con, left, besides=key):
            moved_from, left = left, None
        elif left is not None and not _redirects_nowhere(con, left):
            left = None
        affected = [target, *(g for g in (previous, left, moved_from) if g not in (None, target))]
        # The golden record it joined: the members the decision read, and this record as stored.
        known = {target: sorted([*joined, std], key=lambda m: m["record_key"])} if joined is not None else None
        changes = regroup.rebuild(
            con, affected, attributes=self.rules.attributes(), at=at, cause="record", cause_id=key,
            actor=actor, retire_into={g: target for g in (previous, left) if g is not None},
            repoint={left: target} if left else None,
            members=known, holders=self.override_holders,
            recorded=[g for g in (target, left) if g is not None and g == golden_id_before != previous],
            change_as={moved_from: "changed"} if moved_from else None,
        )
        kept_apart = self.cannot.get(key, set())
        items = [
            _queue_item(key, c, at, held_back.get(c.record_key))
            for c in scored
            if c.golden_id != target and c.match_probability >= thresholds.review and c.record_key not in kept_apart
        ]
        records.replace_open_items(con, key, items, replacing=replacing)
        if items and outcome == "new":
            outcome = "review"
        best = scored[0].match_probability if scored else None
        self._index_after_commit = [(key, (match_row(std, self.shared), target))]
        return MatchResult(
            source, source_id, target, outcome, best, scored[:TOP_CANDIDATES], list(std["dq_flags"]),
            previous, reason, restored=changes.get(target) == "restored",
        )

    def delete(
        self, con: duckdb.DuckDBPyConnection, source: str, source_id: str, *, actor: str
    ) -> DeleteResult:
        """Delete one source record, as its system did: its golden record is rebuilt from its
        other records by survivorship, or retired when it had none. Its open queue items go;
        steward decisions about it stay (they hold again if the source posts it once more) and
        are carried to another record of its golden record, so that they still bind the customer
        (mdm/carry_decisions.py). What the deleted record showed stays true: records that only
        it joined stay together, by a decision of their own (``_keep_together``). Runs inside the
        caller's transaction."""
        self.source(source)
        source_id = clean_id(source_id) or ""
        key = record_key(source, source_id)
        previous = self.golden_of.get(key)
        if previous is None:
            raise NotFoundError("source record", f"{source}/{source_id}")
        at = now()
        others = [k for k in steward_sql.member_keys(con, [previous])[previous] if k != key]
        carried = self._carry_decisions(con, key, previous, others)
        records.delete_record(con, key, source, source_id, at, actor)
        records.replace_open_items(con, key, [], replacing=True)
        kept = self._keep_together(con, key, previous, others, at=at, actor=actor)
        changes = regroup.rebuild(
            con, [previous], attributes=self.rules.attributes(), at=at, cause="record_deleted", cause_id=key,
            actor=actor, holders=self.override_holders,
        )
        self._index_after_commit = [(key, None)]
        self._constraints_after_commit = [*((c.kind, c.record_key_l, c.record_key_r) for c in carried),
                                          *(("must_link", left, right) for left, right in kept[1])]
        return DeleteResult(source, source_id, previous, changes[previous], carried, kept[0])

    def _keep_together(
        self, con: duckdb.DuckDBPyConnection, key: str, golden_id: str, others: list[str], *, at: dt.datetime,
        actor: str,
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """Where the deleted record ``key`` alone joined the other records of its golden record,
        a decision in the deleter's name keeping them together (mdm/carry_decisions.py), which
        later batch runs would otherwise split. Returns the decision's id and its must-links."""
        kept = kept_together(golden_id, self.held_together(con, others), key, actor)
        if kept is None:
            return None, []
        steward_sql.insert_kept_together(con, [kept.as_dict()], at)
        return kept.decision_id, kept.links

    def held_together(self, con: duckdb.DuckDBPyConnection, members: list[str]) -> list[list[str]]:
        """The groups a golden record's records fall into, largest first, once a record left it or
        a kept_together holding them was undone (Stewardship.undo). Two records are held together
        while the last batch run linked them, a steward's must-link binds them, or they score now at
        the review threshold or above with no guard holding them back (what a batch run's kept
        links would hold)."""
        if len(members) < 2:
            return [members] if members else []
        groups: dict[str, list[str]] = {}
        for k, root in components(members, self.held_links(con, members)).items():
            groups.setdefault(root, []).append(k)
        return sorted(groups.values(), key=lambda g: (-len(g), min(g)))

    def held_links(self, con: duckdb.DuckDBPyConnection, members: list[str]) -> list[tuple[str, str]]:
        """The pairs of these records that hold them together (see :meth:`held_together`)."""
        links = [(left, right)
                 for (left, right), (_run, outcome) in steward_sql.stored_pairs(con, members).items()
                 if outcome != "review"]
        links += [(left, right) for kind, left, right, _d in steward_sql.constraints_between(con, members)
                  if kind == "must_link"]
        review = self.rules.matching.thresholds.review
        links += [(left, right) for left, right, s in self.pairwise(members)
                  if s.match_probability >= review and self._blocking_guard(s.explanation) is None]
        return links

    def _carry_decisions(
        self, con: duckdb.DuckDBPyConnection, key: str, golden_id: str, others: list[str]
    ) -> list[Carried]:
        """Carry the steward constraints naming ``key``, about to be deleted, to stand-ins among
        ``others``, the other records of its golden record, and store them."""
        naming = steward_sql.constraints_naming(con, key)
        if not naming:
            return []
        partners = {k for _kind, left, right, _d in naming for k in (left, right)} - {key}
        known = [*naming, *steward_sql.constraints_between(con, [*others, *partners])]
        carried = carry(
            known, gone={key},
            golden_of={k: g for k in {key, *partners} if (g := self.golden_of.get(k)) is not None},
            members_of=lambda g: others if g == golden_id else [],
            sides=steward_sql.decision_sides(con, [d for *_x, d in naming]),
        )
        steward_sql.add_carried(con, [c.constraint for c in carried])
        return carried

    def erase(self, con: duckdb.DuckDBPyConnection, golden_id: str, *, actor: str) -> EraseResult:
        """Erase a customer (:func:`erase_golden`); the index and term frequencies follow once the
        caller's transaction commits."""
        result, keys, gone = erase_golden(con, golden_id, actor=actor)
        self._frequencies_after_commit = gone
        self._index_after_commit = [(key, None) for key in keys]
        return result

    def _rejoins(self, con: duckdb.DuckDBPyConnection, key: str, golden_id: str) -> bool:
        """Whether a replayed post goes back into ``golden_id``, which a steward merged another
        into while the run computed: the merge was of every record it held, this one too, even
        where the run's results hold another golden record it matches (it is queued beside it),
        unless a decision naming the record binds it elsewhere, or apart from those records."""
        if any(partner in self.golden_of for partner in self.must.get(key, ())):
            return False  # _decide joined the partner's
        return not self.cannot.get(key, set()) & set(steward_sql.member_keys(con, [golden_id])[golden_id])

    def constrained(self, key: str) -> bool:
        """Whether a decision not undone (lapsed or not, carried constraints too) names record ``key``:
        a dictionary look-up where asking the database took 1.5 ms at 20,000 constraints."""
        return key in self.must or key in self.cannot

    def load_constraints(self, con: duckdb.DuckDBPyConnection) -> None:
        """Steward decisions as must-link / cannot-link partners of each record key."""
        must: dict[str, set[str]] = {}
        cannot: dict[str, set[str]] = {}
        for kind, left, right, _decision in steward_sql.active_constraints(con):
            target = must if kind == "must_link" else cannot
            target.setdefault(left, set()).add(right)
            target.setdefault(right, set()).add(left)
        self.must, self.cannot = must, cannot

    def apply_moves(self, moves: Mapping[str, str]) -> None:
        """Record keys that a committed steward decision moved to other golden records."""
        self.golden_of.update(moves)

    def commit_index(self) -> None:
        """Apply the last write to the in-memory index; called once its transaction committed."""
        for key, stored in self._index_after_commit:
            if key in self.golden_of:
                self.holders.count(self.index.row(key), -1)
            if stored is not None:
                self.holders.count(stored[0], 1)
            if stored is None:
                self.index.remove(key)
                self.golden_of.pop(key, None)
            else:
                self.index.add(key, stored[0])
                self.golden_of[key] = stored[1]
        self._index_after_commit = []
        for column, value in self._frequencies_after_commit:
            self.term_frequencies.get(column, {}).pop(value, None)
        self._frequencies_after_commit = []
        for kind, left, right in self._constraints_after_commit:
            target = self.must if kind == "must_link" else self.cannot
            target.setdefault(left, set()).add(right)
            target.setdefault(right, set()).add(left)
        self._constraints_after_commit = []

    def discard_pending(self) -> None:
        self._index_after_commit, self._frequencies_after_commit, self._constraints_after_commit = [], [], []

    def _decide(
        self,
        con: duckdb.DuckDBPyConnection,
        std: Mapping[str, Any],
        scored: list[ScoredCandidate],
        previous: str | None,
    ) -> tuple[str | None, str, str | None, list[dict[str, Any]] | None, dict[str, str]]:
        """(golden id to join or None for a golden record of its own, outcome, reason, the
        other members of the golden record joined when the decision read them, and what held
        back each candidate that scored to link and was not joined, as the clustering says it)."""
        key = std["record_key"]
        thresholds = self.rules.matching.thresholds
        held_back: dict[str, str] = {}
        for partner in sorted(self.must.get(key, ())):
            if partner in self.golden_of:
                target = self.golden_of[partner]
                held_back = _joined_another(scored, target, thresholds.auto_link)
                return target, "matched", f"steward decision: same customer as {partner}", None, held_back
        fields = list(self.rules.matching.clustering.cannot_link_when_different)
        min_weight = self.rules.matching.clustering.seen_conflict_min_weight
        mine, my_ids, my_mailbox = identifiers([std], fields), _row_identifiers(std, fields), _mailbox(std)
        kept_apart = self.cannot.get(key, set())
        structure = self.structure
        reason = None
        for i, c in enumerate(scored):
            if c.match_probability < (thresholds.review if structure else thresholds.auto_link):
                break
            if c.record_key in kept_apart:
                reason = reason or f"a steward decided it is not {c.record_key}"
                held_back[c.record_key] = KEPT_APART
                continue
            if guard := self._blocking_guard(c.explanation):
                reason = reason or f"{guard} disagrees with {c.record_key}"
                if c.match_probability >= thresholds.auto_link:
                    held_back[c.record_key] = f"{DISAGREEING}{guard}"
                continue
            members = [m for m in records.member_rows(con, c.golden_id) if m["record_key"] != key]
            if kept_apart & {m["record_key"] for m in members}:
                reason = reason or f"a steward kept it apart from golden record {c.golden_id}"
                held_back[c.record_key] = KEPT_APART
                continue
            if structure is not None:
                overlap = any(m["source"] == std["source"] for m in members)
                sign_up = second_sign_up(my_mailbox, _mailbox(self.index.row(c.record_key)))
                if c.match_weight + structure.weight(overlap, sign_up=sign_up) < structure.link_weight:
                    if c.match_probability >= thresholds.auto_link:
                        reason = reason or f"golden record {c.golden_id} already holds a {std['source']} record"
                        held_back[c.record_key] = SOURCE_STRUCTURE
                    continue
            seen = None
            if min_weight is not None and c.match_weight >= min_weight:
                partner = next((m for m in members if m["record_key"] == c.record_key), {})
                seen = (my_ids, _row_identifiers(partner, fields))
            conflict = conflicting_identifier(mine, identifiers(members, fields), fields, seen)
            if conflict:
                reason = reason or f"{conflict} than golden record {c.golden_id}"
                held_back[c.record_key] = conflict
                continue
            held_back.update(_joined_another(scored[i + 1:], c.golden_id, thresholds.auto_link))
            return c.golden_id, "matched", None, members, held_back
        if scored and scored[0].match_probability >= thresholds.review:
            return None, "review", reason, None, held_back
        return None, "new", reason, None, held_back


class _Holders:
    """How many records hold each value of the columns whose term frequency is its other
    holders' share, (n - 1) / N (times the share of them that are other people): at the last
    batch run, whose frequencies the service reads, and now. A posted record's value is then
    weighed as a batch run holding it and the records posted since would weigh it: its
    frequency times (n - 1) / (n_run - 1), each n at least two. The share of other people stays
    the run's, which a larger n only raises: the estimate errs towards the stronger evidence.
    Read as the run left them, a post's own value was missing from its holders, and so were
    those of the records posted since: each namesake posted met the stored ones at the odds
    the first met them at. A value no record held at the run (a name first posted since) is
    weighed as the run weighed a value as many records held (the least such frequency; for a
    number of holders it saw none held, scaled up from the next fewer): unweighed, the 31st
    posted namesake of a new name scored 7 bits above what the next run gave its name, as if
    the name were no commoner than the average one."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, spec: MatchingSpec, stored: Mapping[str, Mapping[str, float]]
    ) -> None:
        columns = [c for c, how in frequency_counts(spec).items()
                   if how in _HOLDERS_COUNTED and c in SCHEMAS["std_records"].names]
        # column -> value -> (at the run, now); a value it lacks: one record of the run holds it
        # if the run gave it a frequency, else none
        self.counts = records.value_holders(con, columns)
        self.stored = stored
        # column -> (n, the least frequency the run gave a value n records held), by n; one record's
        # value is held as by two
        self.by_holders: dict[str, list[tuple[int, float]]] = {}
        for column in columns:
            if not stored.get(column):
                continue
            least = {2: min(stored[column].values())}
            for value, (at_run, _now) in self.counts[column].items():
                if at_run > 2 and (frequency := stored[column].get(value)) is not None:
                    least[at_run] = min(frequency, least.get(at_run, frequency))
            self.by_holders[column] = sorted(least.items())

    def _held(self, column: str, value: Any) -> tuple[int, int]:
        """(at the run, now) holders of ``value`` in ``column``."""
        return self.counts[column].get(value, _ONE_AT_RUN if value in self.stored.get(column, {}) else (0, 0))

    def count(self, row: Mapping[str, Any], change: int) -> None:
        """A record of ``row``'s values stored (``change`` 1) or gone (-1)."""
        for column, counts in self.counts.items():
            if (value := row.get(column)) is not None:
                at_run, now = self._held(column, value)
                counts[value] = (at_run, now + change)

    def frequencies(self, row: Mapping[str, Any], held: Mapping[str, Any] | None) -> dict[str, float]:
        """The frequencies of ``row``'s values counting it among their holders (``held``: the
        match row of the version stored, whose values are counted already)."""
        out: dict[str, float] = {}
        for column in self.counts:
            if (value := row.get(column)) is None:
                continue
            at_run, now = self._held(column, value)
            now += held is None or held.get(column) != value
            frequency = self.stored.get(column, {}).get(value)
            if frequency is None and column in self.by_holders:  # a value no record held at the run
                table = self.by_holders[column]
                at_run, frequency = table[max(bisect.bisect_right(table, (now, math.inf)) - 1, 0)]
            if frequency is not None:
                out[column] = frequency * (max(now, 2) - 1) / (max(at_run, 2) - 1)
        return out


# The frequency counts _Holders follows; not those counted among namesakes (pairs, not holders)
# nor at the odds of their holders' pairs (the same whatever their number).
_HOLDERS_COUNTED = frozenset({"records", "other_people"})
_ONE_AT_RUN = (1, 1)


def _held_back_sentence(held_back_by: str | None) -> str:
    """What kept a pair that scored to link in two golden records, said for a steward."""
    if held_back_by == KEPT_APART:
        return ("a steward decided that these records, or records of their golden records, are different"
                " customers")
    if held_back_by == SOURCE_STRUCTURE:
        return ("joining the two golden records would give one source system two records of the customer,"
                " which is far more often two customers")
    if held_back_by == JOINED_ANOTHER:
        return "the record, posted in real time, joined another golden record it scored to link with"
    if field := conflict_field(held_back_by):
        field = field.replace("_", " ")
        return f"the two golden records each hold a {field} and they disagree (not one typo apart)"
    return ("the two golden records stay apart until a steward joins them: joining them would bring together"
            " identifiers that differ, go against a steward's decision or put two records of one source"
            " system together, or a record posted in real time already joined another golden record")


def _joined_another(scored: list[ScoredCandidate], target: str, auto_link: float) -> dict[str, str]:
    """The candidates of other golden records than ``target`` that scored to link: the record
    joined ``target``, and they wait for a steward (two golden records are not merged on one
    posted record)."""
    return {c.record_key: JOINED_ANOTHER for c in scored
            if c.match_probability >= auto_link and c.golden_id != target}


def _mailbox(row: Mapping[str, Any]) -> Mailbox | None:
    return mailbox(row.get("email_key"), row.get("email_local_digits"), row.get("family"))


def _source_structure(con: duckdb.DuckDBPyConnection, rules: RulesSpec) -> SourceStructure | None:
    """The source structure the last batch run measured, when the rules weigh joins by it: a
    posted record joins a golden record as the batch would have joined it."""
    if not rules.matching.clustering.source_structure:
        return None
    run = runs.latest_successful_run(con)
    measured = ((run or {}).get("report") or {}).get("source_structure")
    if not measured:
        return None
    return SourceStructure(
        measured["overlap_among_matches"], measured["overlap_among_others"],
        match_weight(rules.matching.thresholds.auto_link),
    )


def _queue_item(key: str, c: ScoredCandidate, at: dt.datetime, held_back_by: str | None) -> dict[str, Any]:
    left, right = sorted((key, c.record_key))
    return {
        "item_id": review_item_id(left, right),
        "run_id": None,
        "record_key_l": left,
        "record_key_r": right,
        "match_weight": c.match_weight,
        "match_probability": c.match_probability,
        "explanation": json.dumps({k: {"gamma": v["gamma"], "match_weight": v["match_weight"]}
                                   for k, v in c.explanation.items()}),
        "status": "open",
        "created_at": at,
        "held_back_by": held_back_by,
    }
