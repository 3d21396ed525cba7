"""Constrained clustering: plain connected components unless strong identifiers contradict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.clustering import cluster


def groups(assignment: dict[str, int]) -> set[frozenset[str]]:
    out: dict[int, set[str]] = {}
    for key, c in assignment.items():
        out.setdefault(c, set()).add(key)
    return {frozenset(g) for g in out.values()}


def components(nodes: list[str], edges: list[tuple[str, str, float]]) -> set[frozenset[str]]:
    """Oracle: connected components by repeated graph search."""
    adj: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b, _ in edges:
        adj[a].add(b)
        adj[b].add(a)
    seen: set[str] = set()
    out = set()
    for n in nodes:
        if n in seen:
            continue
        stack, comp = [n], set()
        while stack:
            x = stack.pop()
            if x not in comp:
                comp.add(x)
                stack.extend(adj[x] - comp)
        seen |= comp
        out.add(frozenset(comp))
    return out


@given(
    st.integers(2, 25).flatmap(
        lambda n: st.tuples(
            st.just([f"r{i:02d}" for i in range(n)]),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.5, 1.0)), max_size=40
            ),
        )
    )
)
def test_without_constraints_it_is_connected_components(data: tuple[list[str], list[tuple[int, int, float]]]) -> None:
    nodes, raw = data
    edges = [(nodes[a], nodes[b], p) for a, b, p in raw if a != b]
    result = cluster(nodes, edges, identifiers={})
    assert groups(result.assignment) == components(nodes, edges)
    assert result.blocked_links == []


def test_bridge_record_cannot_join_two_people_with_different_birth_dates() -> None:
    ids = {
        "a": {"date_of_birth": "1990-03-25"},
        "bridge": {"date_of_birth": None},
        "b": {"date_of_birth": "1985-11-02"},
    }
    edges = [("a", "bridge", 0.99), ("bridge", "b", 0.97)]
    result = cluster(["a", "bridge", "b"], edges, identifiers=ids, cannot_link_when_different=["date_of_birth"])
    assert groups(result.assignment) == {frozenset({"a", "bridge"}), frozenset({"b"})}
    assert result.blocked_links == [("bridge", "b", "different date_of_birth")]


def test_typo_and_swapped_day_month_are_compatible() -> None:
    ids = {"a": {"date_of_birth": "1990-03-05"}, "b": {"date_of_birth": "1990-05-03"}, "c": {"date_of_birth": "1990-03-06"}}
    result = cluster(["a", "b", "c"], [("a", "b", 0.99), ("a", "c", 0.98)], identifiers=ids,
                     cannot_link_when_different=["date_of_birth"])
    assert groups(result.assignment) == {frozenset({"a", "b", "c"})}


@pytest.mark.parametrize(
    ("other", "joins"),
    [
        ("1990-02-28", True),  # a day before, across the month's end: a midnight read in another time zone
        ("1989-03-01", True),  # the same day a year before: a lunar birth year
        ("1991-03-01", True),
        ("1990-02-27", False),  # two days
        ("1988-03-01", False),  # two years
        ("1989-03-02", False),  # a year and a day
    ],
)
def test_birthdays_a_day_or_a_year_apart_are_compatible(other: str, joins: bool) -> None:
    ids = {"a": {"date_of_birth": "1990-03-01"}, "b": {"date_of_birth": other}}
    result = cluster(["a", "b"], [("a", "b", 0.99)], identifiers=ids, cannot_link_when_different=["date_of_birth"])
    assert (len(groups(result.assignment)) == 1) is joins


def test_national_id_one_typo_allowed_two_refused() -> None:
    ids = {"a": {"national_id": "079090001234"}, "b": {"national_id": "079090001235"}, "c": {"national_id": "079090009999"}}
    result = cluster(["a", "b", "c"], [("a", "b", 0.99), ("b", "c", 0.99)], identifiers=ids,
                     cannot_link_when_different=["national_id"])
    assert groups(result.assignment) == {frozenset({"a", "b"}), frozenset({"c"})}


def test_identifiers_of_different_kinds_do_not_conflict() -> None:
    """A CMND and the CCCD that replaced it; a company's tax id and its branch's."""
    ids = {"a": {"national_id": "079090001234", "tax_id": "0101234567"},
           "b": {"national_id": "201234567", "tax_id": "0101234567001"},
           "c": {"national_id": "079090009999"}}
    result = cluster(["a", "b", "c"], [("a", "b", 0.99), ("b", "c", 0.98)], identifiers=ids,
                     cannot_link_when_different=["national_id", "tax_id"])
    assert groups(result.assignment) == {frozenset({"a", "b"}), frozenset({"c"})}  # two CCCDs: two people


def test_cannot_link_holds_across_paths_and_must_link_joins() -> None:
    nodes = ["a", "b", "c", "d"]
    edges = [("a", "b", 0.99), ("b", "c", 0.98)]
    result = cluster(nodes, edges, identifiers={}, cannot_link=[("a", "c")], must_link=[("c", "d", ())])
    assert groups(result.assignment) == {frozenset({"a", "b"}), frozenset({"c", "d"})}
    assert result.blocked_links == [("b", "c", "cannot_link")]


def test_a_must_link_holds_the_identifiers_its_steward_joined() -> None:
    """A steward merged {a, c} and {b}: a has no birth date, c's and b's differ. The must-link
    joins a and b; c's own link to a then met b's date alone and was refused."""
    ids = {"a": {}, "b": {"date_of_birth": "1980-09-23"}, "c": {"date_of_birth": "1983-11-20"}}
    edges = [("a", "c", 0.9999)]

    def merged(sides: tuple[str, ...]) -> set[frozenset[str]]:
        return groups(cluster(["a", "b", "c"], edges, identifiers=ids, must_link=[("a", "b", sides)],
                              cannot_link_when_different=["date_of_birth"]).assignment)

    assert merged(("a", "c", "b")) == {frozenset({"a", "b", "c"})}
    assert merged(()) == {frozenset({"a", "b"}), frozenset({"c"})}  # an export without the sides


def test_strongest_edges_win_and_numbering_is_deterministic() -> None:
    ids = {"a": {"date_of_birth": "1990-01-01"}, "x": {}, "b": {"date_of_birth": "1970-07-07"}}
    edges = [("a", "x", 0.96), ("x", "b", 0.999)]
    result = cluster(["b", "x", "a"], edges, identifiers=ids, cannot_link_when_different=["date_of_birth"])
    assert groups(result.assignment) == {frozenset({"x", "b"}), frozenset({"a"})}
    assert result.assignment["a"] == 0  # clusters numbered by smallest member key


def test_a_shared_identifier_outweighs_another_that_conflicts():
    from mdm.clustering import conflicting_identifier

    fields = ["date_of_birth", "national_id"]
    same_id = {"date_of_birth": {"1967-05-09"}, "national_id": {"4524218"}}
    typo_dob = {"date_of_birth": {"1912-07-29"}, "national_id": {"4524218"}}
    other_person = {"date_of_birth": {"1912-07-29"}, "national_id": {"5215850"}}
    assert conflicting_identifier(same_id, typo_dob, fields) is None
    assert conflicting_identifier(same_id, other_person, fields) == "different date_of_birth"
    swapped = {"date_of_birth": {"1912-07-29"}, "national_id": {"4525218"}}  # one digit off
    assert conflicting_identifier(same_id, swapped, fields) == "different date_of_birth"


def test_a_pair_that_saw_the_conflict_and_still_scores_very_high_links() -> None:
    """The pair compared the two birth dates itself; at weight >= the limit the model has
    outweighed them (a typing error). Below the limit the conflict still refuses."""
    ids = {"a": {"date_of_birth": "1939-11-23"}, "b": {"date_of_birth": "1939-12-13"}}
    very_sure = 1 - 2**-21  # match weight 21
    joined = cluster(["a", "b"], [("a", "b", very_sure)], identifiers=ids,
                     cannot_link_when_different=["date_of_birth"], seen_conflict_min_weight=20)
    assert groups(joined.assignment) == {frozenset({"a", "b"})}
    refused = cluster(["a", "b"], [("a", "b", 1 - 2**-19)], identifiers=ids,
                      cannot_link_when_different=["date_of_birth"], seen_conflict_min_weight=20)
    assert groups(refused.assignment) == {frozenset({"a"}), frozenset({"b"})}
    off = cluster(["a", "b"], [("a", "b", very_sure)], identifiers=ids, cannot_link_when_different=["date_of_birth"])
    assert len(groups(off.assignment)) == 2  # without the setting, every conflict refuses


def test_a_very_strong_pair_does_not_carry_a_conflict_it_did_not_see() -> None:
    """b and c agree on nothing conflicting; c's cluster holds another birth date (through
    d). The b-c pair never compared those values, so the bridge is still refused."""
    ids = {
        "a": {"date_of_birth": "1990-03-25"},
        "b": {"date_of_birth": None},
        "c": {"date_of_birth": None},
        "d": {"date_of_birth": "1971-08-14"},
    }
    edges = [("a", "b", 1.0), ("c", "d", 1.0), ("b", "c", 1 - 2**-21)]  # b-c: weight 21, joined last
    result = cluster(["a", "b", "c", "d"], edges, identifiers=ids, cannot_link_when_different=["date_of_birth"],
                     seen_conflict_min_weight=20)
    assert groups(result.assignment) == {frozenset({"a", "b"}), frozenset({"c", "d"})}
    assert result.blocked_links == [("b", "c", "different date_of_birth")]
