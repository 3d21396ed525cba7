"""Clustering scored pairs into entities, refusing joins that strong identifiers contradict.

Plain connected components over-merge: one record that shares an email with customer A and a
name with customer B bridges them. Edges are taken strongest first; two clusters join only if
no cannot-link constraint separates them and, for each configured identifier, both clusters
either lack it or share a compatible value (equal, one typo apart, documents of different kinds,
or, for dates, day and month swapped). Steward decisions (must-link, cannot-link) use the same mechanism.

The constraint is there to stop bridges: records joined through others. A pair that compared
the two differing values itself has already been weighed by the model; when it scores very
high anyway (``seen_conflict_min_weight``), the difference is taken for a data-entry error
(a mistyped date, a re-keyed id) and the pair links.

A join is also weighed by the source systems it brings together (``SourceStructure``): a
customer seldom has two records in one system, while two different customers' records mostly
come from the same few systems. A pair scored on its own cannot see that; a join between two
clusters can.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date

from mdm.cancel import Cancellation
from mdm.standardise.identifiers import different_documents
from mdm.standardise.text import one_edit_apart

Identifiers = Mapping[str, str | None]

# Edges taken between two looks at whether the run was cancelled: a fraction of a second.
_CHECK_EVERY = 1 << 16


def components(keys: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Record key -> cluster id (its lowest key): the connected components of the links."""
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: root(k) for k in parent}


def _dates_compatible(a: str, b: str) -> bool:
    """ISO dates: equal, one typo apart, day and month swapped, a day apart (a birthday stored as
    a local midnight and read back in UTC), or the same day a year apart (a birth year given by
    the lunar calendar, or counted from an age)."""
    if one_edit_apart(a, b):
        return True
    if len(a) == len(b) == 10 and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    try:
        day_a, day_b = date.fromisoformat(a), date.fromisoformat(b)
    except ValueError:
        return False
    return abs((day_a - day_b).days) <= 1 or (a[4:] == b[4:] and abs(day_a.year - day_b.year) == 1)


COMPATIBLE = {
    "date_of_birth": _dates_compatible,
    "national_id": one_edit_apart,
    "tax_id": one_edit_apart,
}
# Identifiers of different kinds say nothing about each other: a CMND and the CCCD after it.
_DOCUMENTS = frozenset({"national_id", "tax_id"})


def _comparable(field: str, a: str, b: str) -> bool:
    return field not in _DOCUMENTS or not different_documents(a, b)


def conflicting_identifier(
    left: Mapping[str, set[str]],
    right: Mapping[str, set[str]],
    fields: Sequence[str],
    seen: tuple[Identifiers, Identifiers] | None = None,
) -> str | None:
    """The reason two groups of records cannot be one customer: both know an identifier and no
    value of one is compatible with a value of the other of its kind, and no other identifier is shared
    exactly (the same national id outweighs a mistyped date of birth, and the reverse).

    ``seen``: the identifiers of the two records of a pair strong enough to outweigh what it
    compared; a conflict between exactly their two values is then no reason."""
    conflict = None
    for f in fields:
        va, vb = left.get(f), right.get(f)
        if not (va and vb):
            continue
        if va & vb:
            return None
        if conflict is not None:
            continue
        comparable = [(x, y) for x in va for y in vb if _comparable(f, x, y)]
        if comparable and not any(COMPATIBLE[f](x, y) for x, y in comparable):
            if seen is not None and va == {seen[0].get(f)} and vb == {seen[1].get(f)}:
                continue
            conflict = f"{DIFFERENT}{f}"
    return conflict


def match_weight(probability: float) -> float:
    return math.inf if probability >= 1.0 else -math.inf if probability <= 0.0 else math.log2(probability / (1.0 - probability))


@dataclass(frozen=True, slots=True)
class Mailbox:
    """A record's personal mailbox (an e-mail address whose local part holds digits; a name-only
    one, lan.tran@, is the name as namesakes write it) and whether the record gives a family name."""

    address: str
    named: bool


def mailbox(email_key: str | None, local_has_digits: bool | None, family: str | None) -> Mailbox | None:
    return Mailbox(email_key, family is not None) if email_key and local_has_digits else None


def second_sign_up(a: Mailbox | None, b: Mailbox | None) -> bool:
    """Two records of one personal mailbox, one of them without a family name: the subscriber
    signing up again (a newsletter asks for an address and perhaps a first name). Between two
    records that both give a family name the address may be a namesake's, made from the name
    and a year (``nguyenhung83@``): at a million records of the committed generator, 415 of
    1,649 such joins the source structure refused were two people (bench/NOTES.md)."""
    return a is not None and b is not None and a.address == b.address and not (a.named and b.named)


@dataclass(frozen=True)
class SourceStructure:
    """What a join says through the source systems of the two clusters: its match weight plus
    ``overlap_weight`` when both clusters hold a record of one source, plus ``disjoint_weight``
    when they share none, must reach ``link_weight`` (``estimate_source_structure``)."""

    overlap_among_matches: float  # the share of true joins whose clusters share a source
    overlap_among_others: float  # ... and of the joins of two different customers
    link_weight: float

    @property
    def overlap_weight(self) -> float:
        return math.log2(self.overlap_among_matches / self.overlap_among_others)

    @property
    def disjoint_weight(self) -> float:
        return math.log2((1.0 - self.overlap_among_matches) / (1.0 - self.overlap_among_others))

    def weight(self, overlap: bool, *, sign_up: bool = False) -> float:
        """The join's weight from its sources. A pair that is a second sign-up (``second_sign_up``)
        is not weighed down by an overlap: refused so, such joins were one customer's 93 times
        in 94 on the third generator's samples (bench/NOTES.md). Nor is it lifted, as a join
        across systems would be."""
        if overlap and sign_up:
            return 0.0
        return self.overlap_weight if overlap else self.disjoint_weight

    def report(self) -> dict[str, float]:
        """What a run records, for the real-time matcher to weigh its joins the same way."""
        return {"overlap_among_matches": round(self.overlap_among_matches, 6),
                "overlap_among_others": round(self.overlap_among_others, 6)}


class _Cluster:
    __slots__ = ("members", "values", "forbidden", "sources")

    def __init__(self, members: list[str], values: dict[str, set[str]], sources: set[str]) -> None:
        self.members = members
        self.values = values
        self.forbidden: set[str] = set()
        self.sources = sources


# What held back a pair that scored to link, as ``ClusterResult.refused`` and review items say it:
# an identifier that differs ("different date_of_birth"), a steward's cannot-link, the source
# structure, or (in real time) the posted record's joining another golden record. Review items
# also name a guard that held the pair back at scoring ("disagreeing name": a ``must_agree``
# comparison that disagreed with nothing to lift it).
DIFFERENT = "different "
DISAGREEING = "disagreeing "
KEPT_APART = "cannot_link"
SOURCE_STRUCTURE = "source_structure"
JOINED_ANOTHER = "joined_another"
HELD_BACK_REASONS = (KEPT_APART, SOURCE_STRUCTURE, JOINED_ANOTHER)  # besides DIFFERENT, DISAGREEING + a name


def conflict_field(held_back_by: str | None) -> str | None:
    """The identifier a "different <field>" reason names, else None."""
    return _named(DIFFERENT, held_back_by)


def guard_comparison(held_back_by: str | None) -> str | None:
    """The comparison a "disagreeing <comparison>" reason names, else None."""
    return _named(DISAGREEING, held_back_by)


def _named(prefix: str, held_back_by: str | None) -> str | None:
    if held_back_by and held_back_by.startswith(prefix):
        return held_back_by.removeprefix(prefix)
    return None


@dataclass(frozen=True)
class ClusterResult:
    assignment: dict[str, int]  # record key -> cluster number (0..n-1, by smallest member key)
    # (record_l, record_r) -> why the edge did not join its two clusters: a conflict
    # ("different date_of_birth", "cannot_link"), or SOURCE_STRUCTURE for an edge that scored
    # to link on its own. In the order the edges were taken.
    refused: dict[tuple[str, str], str] = field(default_factory=dict)
    joined: set[tuple[str, str]] = field(default_factory=set)  # the ``watch`` edges that joined two clusters
    weak_joined: set[tuple[str, str]] = field(default_factory=set)  # edges below the link weight that joined

    @property
    def blocked_links(self) -> list[tuple[str, str, str]]:
        """(record_l, record_r, reason) of the edges a conflict refused."""
        return [(a, b, why) for (a, b), why in self.refused.items() if why != SOURCE_STRUCTURE]

    @property
    def source_refused(self) -> list[tuple[str, str]]:
        """The edges that scored to link and the source structure refused."""
        return [edge for edge, why in self.refused.items() if why == SOURCE_STRUCTURE]


class _Clusters:
    """Union-find over the records. A record no link touches stays a cluster of its own without
    an object: most of a large run's records are never linked, and a million small objects
    cost seconds."""

    def __init__(
        self,
        record_keys: Iterable[str],
        identifiers: Mapping[str, Identifiers],
        fields: Sequence[str],
        source_of: Mapping[str, str] | None = None,
    ) -> None:
        self.records = set(record_keys)
        self.parent: dict[str, str] = {}
        self._clusters: dict[str, _Cluster] = {}
        self.identifiers = identifiers
        self.fields = list(fields)
        self.source_of = source_of or {}

    def cluster(self, root: str) -> _Cluster:
        found = self._clusters.get(root)
        if found is None:
            attrs = self.identifiers.get(root, {})
            source = self.source_of.get(root)
            found = self._clusters[root] = _Cluster(
                [root], {f: {v} for f in self.fields if (v := attrs.get(f))}, {source} if source else set()
            )
        return found

    def find(self, key: str) -> str:
        root = key
        while (up := self.parent.get(root, root)) != root:
            root = up
        while (up := self.parent.get(key, key)) != root:
            self.parent[key], key = root, up
        return root

    def members(self) -> list[list[str]]:
        """Every cluster's members, linked or not."""
        linked = [c.members for c in self._clusters.values()]
        touched = {key for members in linked for key in members}
        return linked + [[key] for key in self.records - touched]

    def conflict(self, ca: _Cluster, cb: _Cluster, seen: tuple[str, str] | None = None) -> str | None:
        """Why clusters ``ca`` and ``cb`` cannot join; ``seen``: the records of a pair between
        them whose score outweighs a conflict between its own two values."""
        if (ca.forbidden and ca.forbidden.intersection(cb.members)) or (
                cb.forbidden and cb.forbidden.intersection(ca.members)):
            return KEPT_APART
        if not (ca.values and cb.values):
            return None
        pair = None if seen is None else (self.identifiers.get(seen[0], {}), self.identifiers.get(seen[1], {}))
        return conflicting_identifier(ca.values, cb.values, self.fields, pair)

    def accept(self, root: str, keys: Iterable[str]) -> None:
        """Let the cluster of ``root`` hold the identifiers of ``keys`` (those this clustering has)
        besides its members'."""
        values = self.cluster(root).values
        for key in keys:
            if key in self.records:
                for f in self.fields:
                    if v := self.identifiers.get(key, {}).get(f):
                        values.setdefault(f, set()).add(v)

    def union(self, a: str, b: str, ca: _Cluster | None = None, cb: _Cluster | None = None) -> None:
        """Join the clusters of roots ``a`` and ``b`` (``ca``, ``cb``: theirs, when at hand)."""
        ca, cb = ca or self.cluster(a), cb or self.cluster(b)
        if len(ca.members) < len(cb.members):
            a, b, ca, cb = b, a, cb, ca
        self.parent[b] = a
        ca.members.extend(cb.members)
        ca.forbidden |= cb.forbidden
        for f, vals in cb.values.items():
            ca.values.setdefault(f, set()).update(vals)
        ca.sources |= cb.sources
        del self._clusters[b]


def cluster(
    record_keys: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    identifiers: Mapping[str, Identifiers],
    cannot_link_when_different: Sequence[str] = (),
    seen_conflict_min_weight: float | None = None,
    must_link: Iterable[tuple[str, str, Collection[str]]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    watch: Set[tuple[str, str]] = frozenset(),
    published: Set[tuple[str, str]] = frozenset(),
    structure: SourceStructure | None = None,
    source_of: Mapping[str, str] | None = None,
    mailboxes: Mapping[str, Mailbox | None] | None = None,
    cancellation: Cancellation | None = None,
) -> ClusterResult:
    """Cluster ``record_keys`` using ``edges`` (l, r, probability), strongest first.

    Must-links join first and unconditionally; cannot-links are never crossed, by any path.
    A must-link's third item: the records of the golden records its steward joined, whose
    identifiers the steward accepted as one customer's. Its cluster holds them, so a record of
    either side joins by its own links where, beside the other side's values alone, its date of
    birth would refuse it and part the steward's golden record.
    The result says which of the ``watch`` edges joined two clusters (rather than finding their
    records already together, or being refused). With a ``structure``, every edge but a
    ``watch`` edge joins only when its weight with the structure's reaches the link weight
    (``mailboxes``: the records' personal mailboxes, for ``second_sign_up``; a record without
    one may be left out). So does a ``published`` edge (its records together in the published
    golden records): the structure weighs a join of two customers' records, not whether to part
    one customer's, which a steward's merge would otherwise do by bringing a source in twice.
    A cancelled run stops within a fraction of a second (RunCancelledError).
    """
    check = (cancellation or Cancellation()).check
    min_weight = math.inf if seen_conflict_min_weight is None else seen_conflict_min_weight
    mailbox_of = mailboxes or {}
    state = _Clusters(record_keys, identifiers, cannot_link_when_different, source_of)
    for a, b in cannot_link:
        if a in state.records and b in state.records:
            state.cluster(state.find(a)).forbidden.add(b)
            state.cluster(state.find(b)).forbidden.add(a)
    for a, b, sides in must_link:
        if a in state.records and b in state.records:
            ra, rb = state.find(a), state.find(b)
            if ra != rb:
                state.union(ra, rb)
            state.accept(state.find(a), sides)
    refused: dict[tuple[str, str], str] = {}
    joined, weak_joined = set(), set()
    for i, (a, b, p) in enumerate(sorted(edges, key=lambda e: (-e[2], e[0], e[1]))):
        if i % _CHECK_EVERY == 0:
            check()
        if a not in state.records or b not in state.records:
            continue  # a pair with a record outside this clustering links nothing here
        ra, rb = state.find(a), state.find(b)
        if ra == rb:
            continue
        ca, cb = state.cluster(ra), state.cluster(rb)
        weight = match_weight(p)
        reason = state.conflict(ca, cb, (a, b) if weight >= min_weight else None)
        if reason:
            refused[a, b] = reason
            continue
        weak = False
        if structure is not None and (a, b) not in watch and (a, b) not in published:
            weak = weight < structure.link_weight
            overlap = bool(ca.sources & cb.sources)
            sign_up = second_sign_up(mailbox_of.get(a), mailbox_of.get(b))
            if weight + structure.weight(overlap, sign_up=sign_up) < structure.link_weight:
                if not weak:
                    refused[a, b] = SOURCE_STRUCTURE
                continue
        state.union(ra, rb, ca, cb)
        if (a, b) in watch:
            joined.add((a, b))
        elif weak:
            weak_joined.add((a, b))
    check()
    clusters = sorted(state.members(), key=min)
    check()
    assignment = {key: i for i, members in enumerate(clusters) for key in members}
    return ClusterResult(assignment, refused, joined, weak_joined)


# Links this sure are taken for true matches when measuring how often a customer's records
# share a source; below some tens of them the measure says nothing.
_CONFIDENT = 0.99
_MIN_CONFIDENT_JOINS = 30


def estimate_source_structure(
    record_keys: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    source_of: Mapping[str, str],
    *,
    link_probability: float,
    cancellation: Cancellation | None = None,
) -> SourceStructure | None:
    """Measure, without labels, how often a join brings two records of one source together.

    Among matches: the share of the joins made by near-certain links (``_CONFIDENT``), taken
    strongest first, whose two clusters already held a record of one source (a customer's
    duplicate within a system). Among other people: the share of pairs of records in different
    clusters of that clustering whose clusters hold a record of one source. None when the two
    do not tell matches apart (one source; duplicates as common within systems as across)."""
    check = (cancellation or Cancellation()).check
    state = _Clusters(record_keys, {}, (), source_of)
    joins = overlaps = 0
    for i, (a, b, p) in enumerate(sorted(edges, key=lambda e: (-e[2], e[0], e[1]))):
        if i % _CHECK_EVERY == 0:
            check()
        if p < _CONFIDENT:
            break
        if a not in state.records or b not in state.records:
            continue
        ra, rb = state.find(a), state.find(b)
        if ra == rb:
            continue
        ca, cb = state.cluster(ra), state.cluster(rb)
        joins += 1
        overlaps += bool(ca.sources & cb.sources)
        state.union(ra, rb, ca, cb)
    if joins < _MIN_CONFIDENT_JOINS:
        return None
    check()
    among_others = _overlap_among_clusters(state)
    among_matches = (overlaps + 1) / (joins + 2)
    if among_others is None or among_matches >= among_others:
        return None
    return SourceStructure(among_matches, among_others, match_weight(link_probability))


def _overlap_among_clusters(state: _Clusters) -> float | None:
    """The share of pairs of records in different clusters whose clusters share a source."""
    records_by_sources: Counter[frozenset[str]] = Counter()
    same_cluster = 0
    touched: set[str] = set()
    for c in state._clusters.values():
        records_by_sources[frozenset(c.sources)] += len(c.members)
        same_cluster += len(c.members) ** 2
        touched.update(c.members)
    for key in state.records - touched:
        records_by_sources[frozenset({state.source_of.get(key)})] += 1
        same_cluster += 1
    n = sum(records_by_sources.values())
    apart = n * n - same_cluster
    if apart <= 0:
        return None
    groups = list(records_by_sources.items())
    disjoint = sum(na * nb for sa, na in groups for sb, nb in groups if not sa & sb)
    overlap = 1.0 - disjoint / apart
    return overlap if 0.0 < overlap < 1.0 else None
