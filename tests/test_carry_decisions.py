"""Carrying a steward's constraint from a record that left to a stand-in of the same customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mdm.carry_decisions import Carried, carry


def _carry(
    constraints: list[tuple[str, str, str, str]],
    gone: set[str],
    golden_of: Mapping[str, str],
    sides: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> list[Carried]:
    def members_of(golden_id: str) -> list[str]:
        return [k for k, g in golden_of.items() if g == golden_id and k not in gone]

    return carry(constraints, gone=gone, golden_of=golden_of, members_of=members_of, sides=sides or {})


# A merge of golden records {a1, a2} and {b1, b2} held by a must-link between a1 and b1: all four
# are now in G.
MERGED = {"a1": "G", "a2": "G", "b1": "G", "b2": "G"}
MERGE = [("must_link", "a1", "b1", "D1")]
SIDES = {"D1": [["a1", "a2"], ["b1", "b2"]]}


def test_a_merge_is_carried_to_a_record_of_the_leaving_records_side() -> None:
    # b2 is a record too, but the must-link from b2 to b1 would hold a2's side to nothing.
    (c,) = _carry(MERGE, {"a1"}, MERGED, SIDES)
    assert (c.kind, c.record_key_l, c.record_key_r, c.decision_id, c.carried_from) == (
        "must_link", "a2", "b1", "D1", "a1")


def test_without_sides_any_record_but_the_partner_stands_in() -> None:
    (c,) = _carry(MERGE, {"b1"}, MERGED)
    assert c.constraint == ("must_link", "a1", "a2", "D1")  # the lowest key that is not a1
    (c,) = _carry(MERGE, {"b1"}, MERGED, SIDES)
    assert c.constraint == ("must_link", "a1", "b2", "D1")


def test_a_record_that_joined_later_stands_in_when_its_side_has_left() -> None:
    later = {**MERGED, "c9": "G"}
    (c,) = _carry(MERGE, {"a1", "a2"}, later, SIDES)
    assert c.constraint == ("must_link", "b1", "c9", "D1")  # not b2: it was on b1's side


def test_nothing_is_left_to_bind() -> None:
    # The leaving record's golden record holds only the partner: the merge binds nothing now.
    assert _carry(MERGE, {"a1"}, {"a1": "G", "b1": "G"}, SIDES) == []
    # Both ends left, each with no other record.
    assert _carry(MERGE, {"a1", "b1"}, {"a1": "G", "b1": "G"}, SIDES) == []


def test_a_constraint_not_in_force_is_not_carried() -> None:
    # A must-link whose records are apart (a later decision separated them), a cannot-link whose
    # records are together, and a record the results never held.
    apart = {"a1": "G", "a2": "G", "b1": "H"}
    assert _carry(MERGE, {"a1"}, apart, SIDES) == []
    assert _carry([("cannot_link", "a1", "b1", "D2")], {"a1"}, MERGED) == []
    assert _carry(MERGE, {"a1"}, {"a2": "G", "b1": "G"}, SIDES) == []


def test_a_cannot_link_is_carried_to_the_same_customer() -> None:
    golden_of = {"a1": "G", "a2": "G", "x1": "H"}
    (c,) = _carry([("cannot_link", "a1", "x1", "D2")], {"a1"}, golden_of, {"D2": [["a1", "a2"]]})
    assert c.constraint == ("cannot_link", "a2", "x1", "D2")


def test_both_ends_carried_and_nothing_carried_twice() -> None:
    (c,) = _carry(MERGE, {"a1", "b1"}, MERGED, SIDES)
    assert c.constraint == ("must_link", "a2", "b2", "D1") and c.carried_from == "a1"
    # The decision already holds the carried pair (an earlier deletion carried it): not again;
    # another decision's equal pair does not stand for this one's.
    assert _carry([*MERGE, ("must_link", "a2", "b1", "D1")], {"a1"}, MERGED, SIDES) == []
    (c,) = _carry([*MERGE, ("must_link", "a2", "b1", "D0")], {"a1"}, MERGED, SIDES)
    assert c.decision_id == "D1"
    # Records that did not leave carry nothing.
    assert _carry(MERGE, set(), MERGED, SIDES) == []
