"""Steward decisions, and what a record showed, outlive the source record.

A decision is stored as constraints between source records (must-link, cannot-link), but it is
about customers: "these golden records are one customer", "this record is not that customer".
When a record a constraint names leaves (its system deleted it, or the extract no longer has
it), the constraint binds nothing, and the next batch run would quietly undo the steward: a
merge held together by that record falls apart again. So a constraint in force is carried to a
stand-in, another record of the leaving record's golden record, preferably one that was on the
leaving record's side when the steward decided. The original constraint stays: it holds again if
the record comes back.

What a record showed outlives it too. Where a record that left alone joined its golden record's
other records (their link went through it), they stay together by a decision of their own, kind
``kept_together``: measured on a million records, such records were one customer 21 times in 23.
A steward undoes it where the record was a wrong bridge.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# (kind, record_key_l, record_key_r, decision_id), as steward_sql.active_constraints gives them.
Constraint = tuple[str, str, str, str]


@dataclass(frozen=True)
class Carried:
    kind: str  # must_link | cannot_link
    record_key_l: str
    record_key_r: str
    decision_id: str
    carried_from: str  # the record that left (the left one, when both did)

    @property
    def constraint(self) -> Constraint:
        return (self.kind, self.record_key_l, self.record_key_r, self.decision_id)

    def as_dict(self) -> dict[str, str]:
        return {"decision_id": self.decision_id, "kind": self.kind, "record_key_l": self.record_key_l,
                "record_key_r": self.record_key_r, "carried_from": self.carried_from}


def carry(
    constraints: Iterable[Constraint],
    *,
    gone: Collection[str],
    golden_of: Mapping[str, str],
    members_of: Callable[[str], Sequence[str]],
    sides: Mapping[str, Sequence[Sequence[str]]],
) -> list[Carried]:
    """The constraints to add so that each decision in force naming a record in ``gone`` still
    binds its customer. ``golden_of`` says where each record was before the records left
    (theirs included); ``members_of`` gives a golden record's records still present; ``sides``
    gives each decision's groups of records before it (its golden records' members). A constraint
    the decision already has is not added again. A must-link
    is in force while its two records share a golden record, a cannot-link while they do not; a
    leaving record whose golden record has no other record leaves nothing to bind."""
    constraints = list(dict.fromkeys(constraints))
    held = {(kind, frozenset((left, right)), d) for kind, left, right, d in constraints}
    out: list[Carried] = []
    for kind, left, right, decision in constraints:
        if left not in gone and right not in gone:
            continue
        g_left, g_right = golden_of.get(left), golden_of.get(right)
        if g_left is None or g_right is None or (g_left == g_right) != (kind == "must_link"):
            continue
        groups = sides.get(decision, ())
        ends = [left, right]
        for i, end in enumerate(ends):
            if end in gone:
                stand_in = _stand_in(end, ends[1 - i], golden_of[end], members_of, groups,
                                     avoid={left, right})
                if stand_in is None:
                    break
                ends[i] = stand_in
        else:
            pair = frozenset(ends)
            if len(pair) == 2 and (kind, pair, decision) not in held:
                held.add((kind, pair, decision))
                a, b = sorted(ends)
                out.append(Carried(kind, a, b, decision, left if left in gone else right))
    return out


def _stand_in(
    end: str,
    partner: str,
    golden_id: str,
    members_of: Callable[[str], Sequence[str]],
    groups: Sequence[Sequence[str]],
    *,
    avoid: set[str],
) -> str | None:
    """The record of ``golden_id`` to carry ``end``'s constraint to: one that was on ``end``'s side
    when the steward decided, else one that was not on ``partner``'s, else any (lowest key)."""
    candidates = sorted(k for k in members_of(golden_id) if k not in avoid and k != partner)
    if not candidates:
        return None
    own = next((set(g) for g in groups if end in g), set())
    theirs = next((set(g) for g in groups if partner in g), set())
    for pick in ([k for k in candidates if k in own], [k for k in candidates if k not in theirs]):
        if pick:
            return pick[0]
    return candidates[0]


@dataclass(frozen=True)
class KeptTogether:
    """A decision keeping together the records of a golden record that only ``gone`` joined."""

    decision_id: str
    golden_id: str
    records: list[str]  # the golden record's records still there
    links: list[tuple[str, str]]  # must-links joining its parts
    gone: str  # the record that left (the lowest key, when several did)
    actor: str

    def as_dict(self) -> dict[str, Any]:
        return {"decision_id": self.decision_id, "golden_id": self.golden_id, "records": self.records,
                "links": [list(link) for link in self.links], "gone": self.gone, "actor": self.actor}


def kept_together(
    golden_id: str, parts: Sequence[Sequence[str]], gone: str, actor: str,
) -> KeptTogether | None:
    """The decision joining ``parts`` (a golden record's records, in the groups its links hold
    together without the records gone, the largest first), or None for one part."""
    if len(parts) < 2:
        return None
    links = [(min(parts[0]), min(part)) for part in parts[1:]]
    records = sorted(k for part in parts for k in part)
    return KeptTogether("D" + uuid.uuid4().hex[:15].upper(), golden_id, records, links, gone, actor)
