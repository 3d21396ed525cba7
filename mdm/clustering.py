"""Clustering scored pairs into entities, refusing joins that strong identifiers contradict.

Plain connected components over-merge: one record that shares an email with customer A and a
name with customer B bridges them. Edges are taken strongest first; two clusters join only if
no cannot-link constraint separates them and, for each configured identifier, both clusters
either lack it or share a compatible value (equal, one typo apart, or, for dates, day and month
swapped). Steward decisions (must-link, cannot-link) use the same mechanism.

The constraint is there to stop bridges: records joined through others. A pair that compared
the two differing values itself has already been weighed by the model; when it scores very
high anyway (``seen_conflict_min_weight``), the difference is taken for a data-entry error
(a mistyped date, a re-keyed id) and the pair links.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from mdm.standardise.text import one_edit_apart

Identifiers = Mapping[str, str | None]


def _dates_compatible(a: str, b: str) -> bool:
    """ISO dates: equal, one typo apart, or day and month swapped."""
    if one_edit_apart(a, b):
        return True
    return len(a) == len(b) == 10 and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


COMPATIBLE = {
    "date_of_birth": _dates_compatible,
    "national_id": one_edit_apart,
    "tax_id": one_edit_apart,
}


def conflicting_identifier(
    left: Mapping[str, set[str]],
    right: Mapping[str, set[str]],
    fields: Sequence[str],
    seen: tuple[Identifiers, Identifiers] | None = None,
) -> str | None:
    """The reason two groups of records cannot be one customer: both know an identifier and no
    value of one is compatible with a value of the other, and no other identifier is shared
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
        if conflict is None and not any(COMPATIBLE[f](x, y) for x in va for y in vb):
            if seen is not None and va == {seen[0].get(f)} and vb == {seen[1].get(f)}:
                continue
            conflict = f"different {f}"
    return conflict


def match_weight(probability: float) -> float:
    return math.inf if probability >= 1.0 else -math.inf if probability <= 0.0 else math.log2(probability / (1.0 - probability))


class _Cluster:
    __slots__ = ("members", "values", "forbidden")

    def __init__(self, members: list[str], values: dict[str, set[str]]) -> None:
        self.members = members
        self.values = values
        self.forbidden: set[str] = set()


@dataclass(frozen=True)
class ClusterResult:
    assignment: dict[str, int]  # record key -> cluster number (0..n-1, by smallest member key)
    blocked_links: list[tuple[str, str, str]]  # (record_l, record_r, reason) edges refused
    joined: set[tuple[str, str]] = field(default_factory=set)  # the ``watch`` edges that joined two clusters


class _Clusters:
    """Union-find over the records. A record no link touches stays a cluster of its own without
    an object: most of a large run's records are never linked, and a million small objects
    cost seconds."""

    def __init__(
        self,
        record_keys: Iterable[str],
        identifiers: Mapping[str, Identifiers],
        fields: Sequence[str],
    ) -> None:
        self.records = set(record_keys)
        self.parent: dict[str, str] = {}
        self._clusters: dict[str, _Cluster] = {}
        self.identifiers = identifiers
        self.fields = list(fields)

    def cluster(self, root: str) -> _Cluster:
        found = self._clusters.get(root)
        if found is None:
            attrs = self.identifiers.get(root, {})
            found = self._clusters[root] = _Cluster([root], {f: {v} for f in self.fields if (v := attrs.get(f))})
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
            return "cannot_link"
        if not (ca.values and cb.values):
            return None
        pair = None if seen is None else (self.identifiers.get(seen[0], {}), self.identifiers.get(seen[1], {}))
        return conflicting_identifier(ca.values, cb.values, self.fields, pair)

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
        del self._clusters[b]


def cluster(
    record_keys: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    identifiers: Mapping[str, Identifiers],
    cannot_link_when_different: Sequence[str] = (),
    seen_conflict_min_weight: float | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    watch: Set[tuple[str, str]] = frozenset(),
) -> ClusterResult:
    """Cluster ``record_keys`` using ``edges`` (l, r, probability), strongest first.

    Must-links join first and unconditionally; cannot-links are never crossed, by any path.
    The result says which of the ``watch`` edges joined two clusters (rather than finding their
    records already together, or being refused).
    """
    min_weight = math.inf if seen_conflict_min_weight is None else seen_conflict_min_weight
    state = _Clusters(record_keys, identifiers, cannot_link_when_different)
    for a, b in cannot_link:
        if a in state.records and b in state.records:
            state.cluster(state.find(a)).forbidden.add(b)
            state.cluster(state.find(b)).forbidden.add(a)
    for a, b in must_link:
        if a in state.records and b in state.records:
            ra, rb = state.find(a), state.find(b)
            if ra != rb:
                state.union(ra, rb)
    blocked, joined = [], set()
    for a, b, p in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        if a not in state.records or b not in state.records:
            continue  # a pair with a record outside this clustering links nothing here
        ra, rb = state.find(a), state.find(b)
        if ra == rb:
            continue
        ca, cb = state.cluster(ra), state.cluster(rb)
        reason = state.conflict(ca, cb, (a, b) if match_weight(p) >= min_weight else None)
        if reason:
            blocked.append((a, b, reason))
            continue
        state.union(ra, rb, ca, cb)
        if (a, b) in watch:
            joined.add((a, b))
    clusters = sorted(state.members(), key=min)
    assignment = {key: i for i, members in enumerate(clusters) for key in members}
    return ClusterResult(assignment, blocked, joined)
