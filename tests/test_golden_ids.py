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


def test_returning_keys_take_back_the_id_their_records_left() -> None:
    """A cluster that would get a new id takes back the retired id its keys last held."""
    ids, retired = assign_ids({0: ["a"], 1: ["b", "c"]}, {"c": "G1"}, returning={"b": "G7"})
    assert ids == {0: ids[0], 1: "G1"}  # an id the previous run held comes first
    assert ids[0] not in {"G1", "G7"}
    ids, retired = assign_ids({0: ["a"], 1: ["b"]}, {}, returning={"a": "G7"})
    assert ids[0] == "G7" and ids[1] not in {"G7"}
    assert retired == {}


def test_returning_keys_pick_their_id_by_most_keys_then_smallest_id() -> None:
    returning = {"a": "G3", "b": "G3", "c": "G2", "d": "G1", "e": "G1", "f": "G4"}
    ids, _ = assign_ids({0: ["a", "b", "c"], 1: ["d", "e"], 2: ["f", "x"], 3: ["y"]}, {}, returning=returning)
    assert ids[0] == "G3" and ids[1] == "G1" and ids[2] == "G4"
    assert ids[3] not in set(returning.values())
    # Equal counts: the smaller id; one id goes to one cluster, the one with most of its keys.
    ids, _ = assign_ids({0: ["a", "c"], 1: ["b"]}, {}, returning={"a": "G3", "c": "G2", "b": "G3"})
    assert ids[0] == "G2" and ids[1] == "G3"
    ids, _ = assign_ids({0: ["a"], 1: ["b", "c"]}, {}, returning={"a": "G5", "b": "G5", "c": "G5"})
    assert ids[1] == "G5" and ids[0] != "G5"


def test_golden_build_on_two_workers_equals_one(reconciled, monkeypatch):  # type: ignore[no-untyped-def]
    """Clusters split between forked workers give exactly the tables one process gives."""
    import datetime as dt

    import duckdb

    from matching_rules import load_rules
    from mdm import golden

    con = duckdb.connect(str(reconciled[0]), read_only=True)
    std = con.sql("SELECT * FROM std_records ORDER BY record_key").to_arrow_table()
    golden_ids = sorted({g for (g,) in con.execute("SELECT golden_id FROM xref").fetchall()})
    number = {g: i for i, g in enumerate(golden_ids)}
    assignment = {k: number[g] for k, g in con.execute("SELECT record_key, golden_id FROM xref").fetchall()}
    previous_xref = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    con.close()
    attributes = load_rules().attributes()
    now = dt.datetime(2026, 11, 22, 12, 0)

    def build(workers: int) -> golden.GoldenBuild:
        return golden.build_golden(std, assignment, attributes, run_id="r", now=now, previous_xref=previous_xref,
                                   previous={}, workers=workers)

    one = build(1)
    monkeypatch.setattr(golden, "PARALLEL_FROM", 0)
    two = build(2)
    assert one.golden.num_rows >= len(set(assignment.values())) > 1
    for name in ("golden", "lineage", "xref", "history"):
        assert getattr(two, name).equals(getattr(one, name)), name
    assert two.counts == one.counts


def test_a_record_leaving_changes_its_golden_record_though_no_value_did(  # type: ignore[no-untyped-def]
    reconciled
):
    """A record that left a golden record (or joined it) without changing a value still changes
    the golden record: its members and the xref differ, so the change feed must say so."""
    import datetime as dt

    import duckdb

    from matching_rules import load_rules
    from mdm import golden
    from mdm.store.documents import version

    con = duckdb.connect(str(reconciled[0]), read_only=True)
    std = con.sql("SELECT * FROM std_records ORDER BY record_key").to_arrow_table()
    xref = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    con.close()
    number = {g: i for i, g in enumerate(sorted(set(xref.values())))}
    assignment = {k: number[g] for k, g in xref.items()}
    attributes = load_rules().attributes()
    now = dt.datetime(2026, 11, 22, 12, 0)
    first = golden.build_golden(std, assignment, attributes, run_id="r1", now=now, previous_xref=xref,
                                previous={})
    previous = {r["golden_id"]: golden.PreviousGolden(r["golden_id"], r["attributes"], now, now, run_id="r1",
                                                      version=version(r["document"]))
                for r in first.golden.to_pylist()}
    gone_from = sorted(xref.values())[0]
    again = golden.build_golden(std, assignment, attributes, run_id="r2", now=now, previous={**previous},
                                previous_xref={**xref, "billing:GONE": gone_from})
    history = {r["golden_id"]: r["change"] for r in again.history.to_pylist()}
    assert history == {gone_from: "changed"}
    assert again.counts["changed"] == 1 and again.counts["unchanged"] == len(previous) - 1
