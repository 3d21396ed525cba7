"""Joins weighed by the source systems they bring together: measured per run, applied by the
batch clustering and by the real-time matcher alike."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.clustering import SourceStructure, cluster, estimate_source_structure, mailbox, match_weight
from mdm.store import database
from tests.test_clustering import groups


def _customers() -> tuple[list[str], dict[str, str], list[tuple[str, str, float]]]:
    """40 customers in billing and sales, 4 of them with a second billing record, and 20
    marketing subscribers nobody links."""
    source_of = {f"b{i}": "billing" for i in range(40)} | {f"s{i}": "sales" for i in range(40)}
    source_of |= {f"d{i}": "billing" for i in range(4)} | {f"m{i}": "marketing" for i in range(20)}
    edges = [(f"b{i}", f"s{i}", 0.999) for i in range(40)] + [(f"b{i}", f"d{i}", 0.995) for i in range(4)]
    return sorted(source_of), source_of, edges


def test_the_structure_is_measured_on_the_near_certain_links() -> None:
    keys, source_of, edges = _customers()
    s = estimate_source_structure(keys, edges + [("m0", "b5", 0.98)], source_of, link_probability=0.85)
    assert s is not None
    # 44 joins, the 4 second billing records among them joined a cluster already holding
    # billing (counted with one added to each side); the 0.98 link is not near-certain.
    assert s.overlap_among_matches == pytest.approx(5 / 46)
    # Records in different clusters: 84 in billing+sales clusters, 20 marketing singletons;
    # only a marketing record and a billing/sales one have no source in common.
    apart = 104**2 - (4 * 3**2 + 36 * 2**2 + 20)
    assert s.overlap_among_others == pytest.approx(1 - 2 * 84 * 20 / apart)
    assert s.link_weight == pytest.approx(match_weight(0.85))
    assert s.overlap_weight < 0 < s.disjoint_weight


def test_no_structure_without_enough_sure_links_or_with_one_source() -> None:
    keys, source_of, edges = _customers()
    assert estimate_source_structure(keys, edges[:20], source_of, link_probability=0.85) is None
    one_source = dict.fromkeys(keys, "crm")
    assert estimate_source_structure(keys, edges, one_source, link_probability=0.85) is None


def test_duplicates_as_common_within_sources_as_across_say_nothing() -> None:
    source_of = {f"a{i}": "crm" for i in range(40)} | {f"b{i}": "crm" for i in range(40)}
    source_of |= {f"c{i}": "shop" for i in range(40)}
    edges = [(f"a{i}", f"b{i}", 0.999) for i in range(40)]  # every sure link is within one system
    assert estimate_source_structure(sorted(source_of), edges, source_of, link_probability=0.85) is None


def test_a_join_completing_a_customer_links_and_one_doubling_a_source_waits() -> None:
    s = SourceStructure(0.05, 0.8, match_weight(0.85))  # overlap -4 bits, disjoint +2.25 bits
    source_of = {"a": "billing", "b": "sales", "c": "billing", "d": "billing"}
    edges = [
        ("c", "d", 0.9),  # automatic, but two billing records: 3.17 - 4 bits
        ("a", "b", 0.7),  # review band, new sources on both sides: 1.22 + 2.25 bits
        ("b", "c", 0.7),  # review band, a second billing record for {a, b}
        ("b", "d", 0.7),  # the same, but the published results hold b and d together
    ]
    result = cluster(list(source_of), edges, identifiers={}, structure=s, source_of=source_of, watch={("b", "d")})
    assert groups(result.assignment) == {frozenset({"a", "b", "d"}), frozenset({"c"})}
    assert result.weak_joined == {("a", "b")}
    assert result.source_refused == [("c", "d")]
    # what held each refused edge back; b-c was never strong enough to link, so nothing did
    assert result.refused == {("c", "d"): "source_structure"}
    assert result.joined == {("b", "d")}
    plain = cluster(list(source_of), [e for e in edges if e[2] >= 0.85], identifiers={})
    assert groups(plain.assignment) == {frozenset({"c", "d"}), frozenset({"a"}), frozenset({"b"})}


def test_a_second_sign_up_costs_a_join_nothing_for_its_source() -> None:
    """One subscriber signed up again in one system, with a personal mailbox (its local part has
    digits) and no family name: the join is made as the model alone would make it. Two records
    that both give a family name may be namesakes sharing a name-and-year address, and namesakes
    share a name-only one: those are weighed as any other join. A review-band pair still waits."""
    s = SourceStructure(0.05, 0.8, match_weight(0.85))  # overlap -4 bits
    source_of = dict.fromkeys("abcdefgh", "newsletter")
    mailboxes = {
        "a": mailbox("an.nguyen88@gmail.com", True, "nguyen"), "b": mailbox("an.nguyen88@gmail.com", True, None),
        "c": mailbox("hung83@gmail.com", True, "nguyen"), "d": mailbox("hung83@gmail.com", True, "nguyen"),
        "e": mailbox("lantran@gmail.com", False, None), "f": mailbox("lantran@gmail.com", False, None),
        "g": mailbox("hoa1201@yahoo.com.vn", True, None), "h": mailbox("hoa1201@yahoo.com.vn", True, None),
    }
    edges = [("a", "b", 0.9), ("c", "d", 0.9), ("e", "f", 0.9), ("g", "h", 0.8)]
    result = cluster(
        list(source_of), edges, identifiers={}, structure=s, source_of=source_of, mailboxes=mailboxes
    )
    assert groups(result.assignment) == {frozenset("ab"), *(frozenset(k) for k in "cdefgh")}
    assert result.source_refused == [("c", "d"), ("e", "f")]
    assert mailboxes["e"] is None and mailbox(None, None, None) is None


def test_a_run_links_from_the_review_band_and_queues_what_it_refuses(reconciled) -> None:  # type: ignore[no-untyped-def]
    db, report = reconciled
    con = database.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT p.outcome, p.match_probability, xl.golden_id = xr.golden_id, q.item_id IS NOT NULL"
            " FROM pairs p JOIN xref xl ON xl.record_key = p.record_key_l JOIN xref xr ON xr.record_key = p.record_key_r"
            " LEFT JOIN review_queue q ON q.record_key_l = p.record_key_l AND q.record_key_r = p.record_key_r"
        ).fetchall()
        (stored,) = con.execute("SELECT report FROM runs WHERE run_id = ?", [report.run_id]).fetchone()
    finally:
        con.close()
    by_sources = [r for r in rows if r[0] == "source_link"]
    assert report.source_links == len(by_sources) > 0
    assert all(p < 0.85 and together and not queued for _o, p, together, queued in by_sources)
    measured = json.loads(stored)["source_structure"]
    assert 0 < measured["overlap_among_matches"] < measured["overlap_among_others"] < 1
    # Every pair that links nothing is queued, an automatic link the structure refused too.
    apart = [r for r in rows if not r[2]]
    assert apart and all(queued for *_x, queued in apart)
    assert report.review_items == len(apart)


SYSTEMS = ["crm", "billing", "shop", "web"]


@settings(max_examples=60, deadline=None)
@given(
    # each customer: the systems that hold it, and whether its first system holds it twice
    customers=st.lists(
        st.tuples(st.lists(st.sampled_from(SYSTEMS), min_size=1, max_size=4, unique=True), st.booleans()),
        min_size=20, max_size=80,
    ),
    noise=st.lists(
        st.tuples(st.integers(0, 199), st.integers(0, 199), st.sampled_from([0.999, 0.995, 0.9])), max_size=60
    ),
)
def test_a_measured_structure_always_favours_joins_across_systems(
    customers: list[tuple[list[str], bool]], noise: list[tuple[int, int, float]]
) -> None:
    """Whatever the data, the estimate is either nothing or a structure under which a join
    across systems gains weight and one within a system loses it: it never turns the other way."""
    source_of, edges = {}, []
    for c, (systems, twice) in enumerate(customers):
        systems = systems + systems[:1] if twice else systems
        keys = [f"c{c}-{i}" for i in range(len(systems))]
        source_of |= dict(zip(keys, systems, strict=True))
        edges += [(keys[0], k, 0.999) for k in keys[1:]]
    keys = sorted(source_of)
    edges += [(keys[a], keys[b], p) for a, b, p in noise if a < b < len(keys)]
    s = estimate_source_structure(keys, edges, source_of, link_probability=0.85)
    if s is not None:
        assert 0 < s.overlap_among_matches < s.overlap_among_others < 1
        assert s.overlap_weight < 0 < s.disjoint_weight
