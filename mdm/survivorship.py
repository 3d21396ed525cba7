"""Survivorship: choose each golden attribute from the cluster's source values, with lineage.

Each attribute has an ordered list of rules (matching_rules). Rules narrow the candidate
source values one after another; the first rule that leaves a single distinct value decides,
and is recorded as the lineage's ``rule``. ``collect_all`` keeps every remaining distinct value.
Ties that no rule breaks fall to the smallest record key, recorded as ``tie_break``, so the
result never depends on input order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matching_rules import AttributeSpec
from mdm.standardise.addresses import zip_of_zip_plus_4

ONLY_VALUE = "only_value"
TIE_BREAK = "tie_break"
# A steward's value: its lineage names this source, the override's id and this rule.
STEWARD = "steward"
STEWARD_RULE = "steward_override"


@dataclass(frozen=True, slots=True)
class Override:
    """A steward's value for one golden attribute (None: no source's value is right)."""

    override_id: str
    attribute: str
    value: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Candidate:
    """One source record's value for one attribute."""

    value: str
    key: str  # comparable form: values with the same key are the same value
    valid: bool
    priority: int
    updated_at: dt.datetime | None
    source: str
    source_id: str
    record_key: str
    other: bool = False  # a value its field held beside the one matched on (collect_all's alone)


@dataclass(frozen=True, slots=True)
class Chosen:
    value: str
    source: str
    source_id: str
    rule: str


def _accented(text: str) -> int:
    return sum(1 for ch in text if ord(ch) > 127)


def _keep_best(cands: list[Candidate], score: Callable[[Candidate], Any]) -> list[Candidate]:
    best = max(score(c) for c in cands)
    return [c for c in cands if score(c) == best]


def _most_frequent(cands: list[Candidate]) -> list[Candidate]:
    counts = Counter(c.key for c in cands)
    return _keep_best(cands, lambda c: counts[c.key])


def _most_recent(cands: list[Candidate]) -> list[Candidate]:
    dated = [c for c in cands if c.updated_at is not None]
    return _keep_best(dated, lambda c: c.updated_at) if dated else cands


def _most_specific(cands: list[Candidate]) -> list[Candidate]:
    """Without a 5-digit ZIP whose own ZIP+4 another record wrote ("20500" beside "20500-0003"):
    the same place, said less precisely. Any other ZIP stays (a move is for the next rules)."""
    extended = {zip_of_zip_plus_4(c.value) for c in cands}
    return [c for c in cands if c.value not in extended]


RANKERS: dict[str, Callable[[list[Candidate]], list[Candidate]]] = {
    "source_priority": lambda cs: _keep_best(cs, lambda c: -c.priority),
    "most_recent": _most_recent,
    "most_frequent": _most_frequent,
    # Longest value; among equally long ones the one with more accented letters, since
    # diacritics carry information that upper-case bank-style text has lost.
    "most_complete": lambda cs: _keep_best(cs, lambda c: (len(c.value), _accented(c.value))),
    "prefer_valid": lambda cs: _keep_best(cs, lambda c: c.valid),
    "most_specific": _most_specific,
}


def _trust(order: Sequence[str]) -> Callable[[Candidate], tuple[int, int]]:
    """An attribute's own order of the sources first, then the rest by their config priority."""
    rank = {source: i for i, source in enumerate(order)}
    return lambda c: (0, -rank[c.source]) if c.source in rank else (-1, -c.priority)


def unknown_sources(attributes: Mapping[str, AttributeSpec], sources: Collection[str]) -> str | None:
    """Where the rules' ``source_order`` names a source the run does not read (a misspelt one
    would silently rank last), as the rules file's errors say it (its key, then why); else None."""
    for name, spec in attributes.items():
        for source in spec.source_order or ():
            if source not in sources:
                known = ", ".join(sorted(sources))
                return (f"key 'survivorship.{name}.source_order': {source!r} is not a source"
                        f" (the sources: {known})")
    return None


def _distinct_values(cands: Sequence[Candidate]) -> int:
    return len({c.value for c in cands})


def _first(cands: Sequence[Candidate]) -> Candidate:
    return min(cands, key=lambda c: c.record_key)


def sole_rule(rules: Sequence[str], valid: bool) -> str | None:
    """The rule recorded for a single candidate (None: it is dropped), as the loop in
    :func:`choose` would decide it: the first rule leaves the one value, unless valid_only drops it.
    Half the clusters of a large run have one member, so this skips the loop for them."""
    if "valid_only" not in rules and "collect_all" not in rules:
        return ONLY_VALUE
    if rules[0] == "valid_only" and not valid:
        return None
    return rules[0]


def choose(spec: AttributeSpec, candidates: Sequence[Candidate]) -> list[Chosen]:
    """Apply one attribute's rules; one Chosen, or one per distinct value for collect_all."""
    if len(candidates) == 1:
        (c,) = candidates
        rule = sole_rule(spec.rules, c.valid)
        return [Chosen(c.value, c.source, c.source_id, rule)] if rule is not None else []
    cands = list(candidates)
    if not cands:
        return []
    if _distinct_values(cands) == 1 and "valid_only" not in spec.rules and "collect_all" not in spec.rules:
        c = _first(cands)
        return [Chosen(c.value, c.source, c.source_id, ONLY_VALUE)]
    for rule in spec.rules:
        if rule == "collect_all":
            return _collect_all(cands)
        if rule == "valid_only":
            cands = [c for c in cands if c.valid]
            if not cands:
                return []
        elif rule == "source_priority" and spec.source_order:
            cands = _keep_best(cands, _trust(spec.source_order))
        else:
            cands = RANKERS[rule](cands)
        if _distinct_values(cands) == 1:
            c = _first(cands)
            return [Chosen(c.value, c.source, c.source_id, rule)]
    c = _first(cands)
    return [Chosen(c.value, c.source, c.source_id, TIE_BREAK)]


def _collect_all(cands: list[Candidate]) -> list[Chosen]:
    """Every distinct value, most frequent first, then most recent, then one matched on before one
    only held beside it ("0912 345 678 / 028 3822 1234" gives 0912 345 678 first), then by key."""
    groups: dict[str, list[Candidate]] = {}
    for c in cands:
        groups.setdefault(c.key, []).append(c)
    oldest = dt.datetime.min

    def order(key: str) -> tuple[Any, ...]:
        members = groups[key]
        newest = max((m.updated_at or oldest for m in members), default=oldest)
        recency = -newest.timestamp() if newest != oldest else 0.0
        return (-len(members), recency, all(m.other for m in members), key)

    out = []
    for key in sorted(groups, key=order):
        best = min(groups[key], key=lambda c: (c.priority, c.record_key))
        out.append(Chosen(best.value, best.source, best.source_id, "collect_all"))
    return out
