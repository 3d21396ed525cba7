"""Golden ids carry over between runs by overlap; lost ids retire and point to their new home."""

from __future__ import annotations

from mdm.golden import assign_ids


def test_unchanged_clusters_keep_their_ids() -> None:
    prev = {"a": "G1", "b": "G1", "c": "G2"}
    ids, retired = assign_ids({0: ["a", "b"], 1: ["c"]}, prev)
    assert ids == {0: "G1", 1: "G2"}
    assert retired == {}


def test_merge_keeps_the_larger_overlap_and_retires_the_other() -> None:
    prev = {"a": "G1", "b": "G1", "c": "G2"}
    ids, retired = assign_ids({0: ["a", "b", "c"]}, prev)
    assert ids == {0: "G1"}
    assert retired == {"G2": "G1"}


def test_split_keeps_id_on_the_bigger_part_and_mints_a_new_one() -> None:
    prev = {"a": "G1", "b": "G1", "c": "G1"}
    ids, retired = assign_ids({0: ["a", "b"], 1: ["c"]}, prev)
    assert ids[0] == "G1"
    assert ids[1] not in {"G1"} and ids[1].startswith("G")
    assert retired == {}


def test_ties_break_deterministically_and_new_records_get_new_ids() -> None:
    prev = {"a": "G2", "b": "G1"}
    ids, retired = assign_ids({0: ["a", "b"], 1: ["new"]}, prev)
    assert ids[0] == "G1"  # equal overlap: the smaller previous id wins
    assert retired == {"G2": "G1"}
    assert ids[1] not in {"G1", "G2"}


def test_golden_whose_records_vanished_retires_without_a_home() -> None:
    ids, retired = assign_ids({0: ["x"]}, {"gone": "G9"})
    assert retired == {"G9": None}
