"""Real-time scoring is the batch's scoring: same candidates, same match weights (to 1e-6)."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching_rules import MATCH_COLUMNS, BlockingRuleSpec, load_rules
from mdm.linking.candidates import CandidateIndex, match_row
from mdm.linking.comparisons import agreement_guards
from mdm.linking.model import _linker, _with_current_blocking, create_frequency_tables, tf_columns
from mdm.linking.scorer import Scorer, probability
from mdm.realtime import RecordIndex
from mdm.sources.config import SourceSpec
from mdm.standardise.record import standardise_record
from mdm.store import database
from mdm.store import work as work_sql
from mdm.store.tables import to_arrow
from tests.conftest import walked_by_the_collector


@pytest.fixture(scope="module")
def batch(reconciled):  # type: ignore[no-untyped-def]
    """Splink's own predictions for every blocked pair of the reconciled sample."""
    con = database.connect(reconciled[0], read_only=True)
    try:
        settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
        std = con.sql("SELECT * FROM std_records").to_arrow_table()
    finally:
        con.close()
    spec = load_rules().matching
    # Wider blocking for the scoring comparison: thousands of pairs, most of them non-matches.
    wide = spec.model_copy(update={"blocking": [*spec.blocking, BlockingRuleSpec(columns=["family"]),
                                          BlockingRuleSpec(columns=["city_norm", "birth_year"])]})
    work = duckdb.connect(":memory:")
    work_sql.load_std_records(work_sql.WorkDB(work), std, wide.blocking_rules())
    create_frequency_tables(work_sql.WorkDB(work), spec)

    def predict(blocking_spec):  # type: ignore[no-untyped-def]
        linker = _linker(work_sql.WorkDB(work), _with_current_blocking(settings, blocking_spec))
        predictions = linker.inference.predict()
        return work.execute(
            f"SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM {predictions.physical_name}"
        ).fetchall()

    pairs, wide_pairs = predict(spec), predict(wide)
    tf = defaultdict(dict)
    for row in work_sql.term_frequencies(work_sql.WorkDB(work), tf_columns(settings)).to_pylist():
        tf[row["column_name"]][row["value"]] = row["frequency"]
    rows = {r.pop("unique_id"): r for r in work.sql(f"SELECT * FROM {work_sql.INPUT_TABLE}").to_arrow_table().to_pylist()}
    work.close()
    return {
        "settings": settings, "std": std.to_pylist(), "pairs": pairs, "wide_pairs": wide_pairs, "tf": dict(tf),
        "rows": rows, "spec": spec,
    }


def test_scorer_equals_splink_predict_to_1e_6(batch):  # type: ignore[no-untyped-def]
    pairs, rows = batch["wide_pairs"], batch["rows"]
    assert len(pairs) >= 2000  # a few thousand pairs, of every kind of agreement
    scorer = Scorer(batch["settings"], batch["tf"])
    by_left = defaultdict(list)
    for left, right, weight, prob in pairs:
        by_left[left].append((right, weight, prob))
    worst_weight = worst_prob = 0.0
    for left, rights in by_left.items():
        scores = scorer.score(rows[left], [rows[r] for r, _w, _p in rights])
        for (_r, weight, prob), s in zip(rights, scores, strict=True):
            worst_weight = max(worst_weight, abs(s.match_weight - weight))
            worst_prob = max(worst_prob, abs(s.match_probability - prob))
    assert worst_weight < 1e-6
    assert worst_prob < 1e-6


def test_identifiers_of_different_kinds_are_no_evidence(batch):  # type: ignore[no-untyped-def]
    """A CMND (9 digits) and the CCCD (12) that replaced it: one person may hold both."""
    scorer = Scorer(batch["settings"], batch["tf"])
    row = next(r for r in batch["rows"].values() if r["national_id"] and len(r["national_id"]) == 12)

    def national_id(other: str | None) -> tuple[str, float]:
        level = scorer.score(row, [{**row, "national_id": other}])[0].explanation["national_id"]
        return level["label"], level["match_weight"]

    different_kinds = ("no evidence: identifiers of different kinds"
                       " (an old CMND and its CCCD, a passport and an id card)")
    assert national_id("123456789") == national_id("B1234567") == (different_kinds, 0.0)
    assert national_id(None) == ("missing", 0.0)
    other_cccd = "".join(str((int(d) + 5) % 10) for d in row["national_id"])
    label, weight = national_id(other_cccd)
    assert label != "missing" and weight < 0  # another CCCD: another person


def test_threads_score_the_same_as_one(batch):  # type: ignore[no-untyped-def]
    """Each thread has its own prepared statement and rows: scoring from four threads at once
    gives what scoring in turn gives."""
    scorer = Scorer(batch["settings"], batch["tf"])
    rows = batch["rows"]
    by_left = defaultdict(list)
    for left, right, _w, _p in batch["wide_pairs"]:
        by_left[left].append(right)
    calls = [(rows[left], [rows[r] for r in rights]) for left, rights in by_left.items()]

    def weights(call):  # type: ignore[no-untyped-def]
        return [s.match_weight for s in scorer.score(*call)]

    in_turn = [weights(c) for c in calls]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(weights, calls)) == in_turn


def test_weights_spread_across_the_thresholds(batch):  # type: ignore[no-untyped-def]
    """Guard against a vacuous comparison: the pairs include links, review and non-matches."""
    probs = [p for *_x, p in batch["wide_pairs"]]
    assert min(probs) < 0.1 and max(probs) > 0.99
    thresholds = batch["spec"].thresholds
    assert any(thresholds.review <= p < thresholds.auto_link for p in probs)


def test_candidate_index_finds_exactly_the_batch_blocked_pairs(batch):  # type: ignore[no-untyped-def]
    index = CandidateIndex(batch["spec"].blocking_rules())
    for key, row in batch["rows"].items():
        index.add(key, row)
    expected = {tuple(sorted((l, r))) for l, r, *_x in batch["pairs"]}
    found = {tuple(sorted((k, c))) for k, row in batch["rows"].items() for c in index.candidates(row, exclude=k)}
    assert found == expected


def test_an_index_loaded_at_once_equals_one_added_to_record_by_record(batch):  # type: ignore[no-untyped-def]
    added = CandidateIndex(batch["spec"].blocking_rules())
    for key, row in batch["rows"].items():
        added.add(key, row)
    loaded = CandidateIndex(batch["spec"].blocking_rules())
    loaded.load(pa.Table.from_pylist([{"record_key": k, **row} for k, row in batch["rows"].items()]))
    assert len(loaded) == len(batch["rows"]) > 100
    assert loaded.rows == added.rows
    assert loaded._blocks == added._blocks
    key, row = next(iter(batch["rows"].items()))
    loaded.remove(key)  # what a later post or deletion does to a loaded index
    added.remove(key)
    assert loaded._blocks == added._blocks and key not in loaded.candidates(row)


def test_loading_the_index_makes_no_cycles(batch):  # type: ignore[no-untyped-def]
    """The index loads with the collector paused (CandidateIndex.load): nothing it builds may
    need the collector to be freed."""
    gc.collect()
    index = CandidateIndex(batch["spec"].blocking_rules())
    index.load(pa.Table.from_pylist([{"record_key": k, **row} for k, row in batch["rows"].items()]))
    del index
    assert gc.collect() == 0


def test_the_index_leaves_the_collector_nothing_to_walk(batch):  # type: ignore[no-untyped-def]
    """Once a full collection has met them, neither a loaded index nor records added to it and
    taken out keep a container the collector walks: at a million records, blocks held as sets
    cost every full collection 1.1 s, every thread waiting."""
    index = CandidateIndex(batch["spec"].blocking_rules())
    index.load(pa.Table.from_pylist([{"record_key": k, **row} for k, row in batch["rows"].items()]))
    assert any(isinstance(b, tuple) for blocks in index._blocks for b in blocks.values())
    gc.collect()
    assert walked_by_the_collector(index) == []
    (key, row), (other, _) = list(batch["rows"].items())[:2]
    index.remove(key)
    index.add(key, row)
    index.add("s:new", row)  # joins every block of ``key``, one of them a pair at least
    index.remove(other)
    gc.collect()
    assert walked_by_the_collector(index) == []


def test_releasing_an_index_empties_it_in_batches(batch):  # type: ignore[no-untyped-def]
    """A replaced index is emptied a little at a time (CandidateIndex.release), with other
    threads let in between batches; nothing of it is left."""
    index = CandidateIndex(batch["spec"].blocking_rules())
    index.load(pa.Table.from_pylist([{"record_key": k, **row} for k, row in batch["rows"].items()]))
    assert len(index) > 100 and any(index._blocks)
    index.release(batch=7)
    assert len(index) == 0 and not any(index._blocks)
    key, row = next(iter(batch["rows"].items()))
    assert index.candidates(row) == []


def test_index_replaces_and_removes_records(batch):  # type: ignore[no-untyped-def]
    index = CandidateIndex([BlockingRuleSpec(columns=["phone"]), BlockingRuleSpec(columns=["email_key"])])
    index.add("a", {"phone": "+84900000001", "email_key": "x@y.vn"})
    index.add("b", {"phone": "+84900000001", "email_key": None})
    assert index.candidates({"phone": "+84900000001"}) == ["a", "b"]
    index.add("a", {"phone": "+84900000002", "email_key": "x@y.vn"})  # a changed its phone
    assert index.candidates({"phone": "+84900000001"}) == ["b"]
    index.remove("b")
    assert index.candidates({"phone": "+84900000001"}) == []
    assert index.candidates({"email_key": "x@y.vn"}) == ["a"]


def test_a_phone_one_digit_off_or_under_another_country_code_is_a_candidate() -> None:
    """No rule on the whole number proposes these pairs; its masked forms do, with a name part."""
    index = CandidateIndex(load_rules().matching.blocking_rules())
    an = {"phone": "+84969720841", "given": "an", "family": "nguyen"}
    index.add("an", match_row(an))
    for phone in ("+84969720842", "+84969740841", "+84979720841", "+84869720841"):
        assert index.candidates(match_row({**an, "phone": phone})) == ["an"], phone
    assert index.candidates(match_row({**an, "phone": "+84969720841"[:-1] + "9", "given": "binh", "family": "le"})) == []
    sg = {"phone": "+6590076353", "given": "lucy", "family": "chong"}
    index.add("sg", match_row(sg))
    assert index.candidates(match_row({**sg, "phone": "+8490076353"})) == ["sg"]  # written without +65


def test_match_row_in_python_equals_the_batch_sql(batch):  # type: ignore[no-untyped-def]
    for std in batch["std"]:
        sql_row = batch["rows"][std["record_key"]]
        assert match_row(std) == {c: sql_row[c] for c in MATCH_COLUMNS}, std["record_key"]
    assert set(match_row(batch["std"][0])) == set(MATCH_COLUMNS)


def test_probability_matches_splink_formula():
    assert probability(0.0) == 0.5
    assert probability(10) == pytest.approx(1024 / 1025)
    assert probability(-2000) == 0.0 and probability(2000) == 1.0


def test_bounded_blocks_pair_nobody_in_batch_and_real_time():  # type: ignore[no-untyped-def]
    rule = BlockingRuleSpec(columns=["phone"], max_block_size=3)
    index = CandidateIndex([rule])
    for key in ("a", "b", "c"):
        index.add(key, {"phone": "+84900000001"})
    assert index.candidates({"phone": "+84900000001"}, exclude="a") == ["b", "c"]  # a block of 3: within
    assert index.candidates({"phone": "+84900000001"}, exclude="d") == []  # d would make it 4
    index.add("d", {"phone": "+84900000001"})
    assert index.candidates({"phone": "+84900000001"}, exclude="a") == []

    work = duckdb.connect(":memory:")
    std = [{"record_key": k, "source": "s", "source_id": k, "priority": 1, "phone": p, "dq_flags": []}
           for k, p in [("a", "+1"), ("b", "+1"), ("c", "+1"), ("d", "+1"), ("e", "+2"), ("f", "+2")]]

    work_sql.load_std_records(work_sql.WorkDB(work), to_arrow("std_records", std), [rule])
    keys = dict(work.execute(f"SELECT unique_id, block_0 FROM {work_sql.INPUT_TABLE}").fetchall())
    assert keys == {"a": None, "b": None, "c": None, "d": None, "e": "+2", "f": "+2"}


def test_a_value_records_of_many_given_names_hold_matches_nobody_in_batch_and_real_time() -> None:
    """An agent's own phone and e-mail, typed in for each customer who gave none: five given names
    hold them, so neither batch nor real time compares or blocks on them; four (a household's
    landline) still count. The records keep the values."""
    rules = load_rules()
    assert rules.matching.shared_values is not None and rules.matching.shared_values.min_given_names == 5
    agent, home = "+84976382319", "+84283822100"
    std = [{"record_key": f"s:{k}", "source": "s", "source_id": k, "priority": 1, "given": given,
            "family": "nguyen", "phone": phone, "email_key": email, "dq_flags": []}
           for k, given, phone, email in [
               ("1", "an", agent, "tuvan.hung42@gmail.com"), ("2", "binh", agent, "tuvan.hung42@gmail.com"),
               ("3", "chi", agent, "tuvan.hung42@gmail.com"), ("4", "dung", agent, "tuvan.hung42@gmail.com"),
               ("5", "giang", agent, "tuvan.hung42@gmail.com"), ("6", "hoa", home, "hoa@x.vn"),
               ("7", "khoa", home, None), ("8", "lan", home, None), ("9", "minh", home, None),
               ("10", "an", agent, None)]]
    table = to_arrow("std_records", std)
    work = work_sql.WorkDB(duckdb.connect(":memory:"))
    work_sql.load_std_records(work, table, rules.matching.blocking_rules(), rules.matching.shared_values)
    batch = {row["unique_id"]: row for row in work.arrow(f"SELECT * FROM {work_sql.INPUT_TABLE}").to_pylist()}
    hidden = {k: (r["phone"], r["phone_head"], r["phone_tail"]) for k, r in batch.items() if not r["phone"]}
    assert hidden == {f"s:{k}": (None, None, None) for k in ("1", "2", "3", "4", "5", "10")}
    assert batch["s:6"]["phone"] == home and batch["s:6"]["email_key"] == "hoa@x.vn"
    assert batch["s:1"]["email_key"] is None and batch["s:1"]["email_alone"] is None
    assert batch["s:6"]["phone_tail"] == home[-6:]  # four given names: a household's, still compared

    keys = [r["record_key"] for r in std]
    xref = pa.table({"record_key": keys, "golden_id": [f"G{k}" for k in keys]})
    built = RecordIndex.build(duckdb.connect(":memory:"), rules, table, xref)
    assert built.shared == {"phone": frozenset([agent]), "email_key": frozenset(["tuvan.hung42@gmail.com"])}
    for key, row in batch.items():
        assert built.index.row(key) == {c: row[c] for c in MATCH_COLUMNS}, key
    posted = {**std[0], "record_key": "s:11", "source_id": "11", "given": "quang"}
    assert match_row(posted, built.shared)["phone"] is None and match_row(posted)["phone"] == agent
    assert match_row(posted, built.shared)["email_alone"] is None
    assert built.index.candidates(match_row(posted, built.shared), exclude="s:11") == []


def _record(**values: str) -> dict:
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", fields={k: k for k in values})
    return match_row(standardise_record(spec, "1", values, today=dt.date(2026, 1, 1)))


def _level(scorer: Scorer, comparison: str, left: dict, right: dict) -> str:
    return scorer.score(left, [right])[0].explanation[comparison]["label"]


def test_siblings_names_are_no_fuzzy_match(batch):  # type: ignore[no-untyped-def]
    """The same family and middle names make two siblings' whole names alike; their given
    names do not. A typo in one given name still is a fuzzy match."""
    scorer = Scorer(batch["settings"], batch["tf"])
    siblings = (("Nguyễn Thị Kim Lan", "Nguyễn Thị Kim Nga"), ("Nguyễn Hữu Huy", "Nguyễn Hữu Hùng"),
                # Neither has a middle name: "phanhuong" and "phanlong" are 0.93 alike.
                ("Phan Hương", "Phan Long"), ("Nguyễn Huy", "Nguyễn Hùng"), ("Robert Jones", "Ryan Jones"))
    for left, right in siblings:
        level = _level(scorer, "name", _record(full_name=left), _record(full_name=right))
        assert level == "same family name only"
    # One middle name written, the other left out: the names may be one person's.
    assert _level(scorer, "name", _record(full_name="Phan Minh Long"), _record(full_name="Phan Hương")) != (
        "same family name only")
    # A typo in one given name leaves it alike.
    for left, right in (("Bùi Thị Hồng", "Bùi Thị Hưương"), ("Phan Hương", "Phan Hưong")):
        level = _level(scorer, "name", _record(full_name=left), _record(full_name=right))
        assert level != "same family name only"


def test_a_woman_and_a_man_of_one_family_are_no_typo_of_each_other(batch):  # type: ignore[no-untyped-def]
    """Given names one letter apart read as a typo, and a household's members shared a landline and
    an address beside them: middle names telling a woman (Thị) from a man leave only the family."""
    scorer = Scorer(batch["settings"], batch["tf"])
    for left, right in (("Nguyễn Văn Hùng", "Nguyễn Thị Hương"), ("La Đình Cường", "La Thị Hương"),
                        ("Phan Van Hieu", "Phan Thị Kiều"), ("Đỗ Thị Tâm", "Đỗ Hữu Tài")):
        level = _level(scorer, "name", _record(full_name=left), _record(full_name=right))
        assert level == "same family name only"
    # Her name with a typo, her middle name left out, or the same given name: not so told apart.
    for left, right in (("Nguyễn Thị Hương", "Nguyễn Thị Hưong"), ("Nguyễn Thị Hương", "Nguyễn Hưong"),
                        ("Nguyễn Thị Hương", "Nguyễn Thu Hưong"), ("Nguyễn Văn Anh", "Nguyễn Thị Anh")):
        level = _level(scorer, "name", _record(full_name=left), _record(full_name=right))
        assert level != "same family name only"


def test_given_names_written_with_other_diacritics_are_the_same_family_only(  # type: ignore[no-untyped-def]
    batch,
):
    """Real time reads the given name as written, as batch does: Hùng and Hưng are two names, and a
    name written without diacritics is either."""
    scorer = Scorer(batch["settings"], batch["tf"])
    hung, hung_accented = _record(full_name="Nguyễn Văn Hưng"), _record(full_name="Nguyễn Văn Hùng")
    assert (hung["given"], hung["given_accented"]) == ("hung", "hưng")
    assert _level(scorer, "name", hung, hung_accented) == "same family name only"
    unmarked = _record(full_name="NGUYEN VAN HUNG")
    assert _level(scorer, "name", unmarked, hung_accented) == "same name, any word order"


def test_an_email_beside_an_unknown_name_is_a_level_of_its_own(batch):  # type: ignore[no-untyped-def]
    scorer = Scorer(batch["settings"], batch["tf"])
    email, known = "lucy.reid@bigpond.com", _record(full_name="Lucy Reid", email="lucy.reid@bigpond.com")
    nameless = scorer.score(_record(email=email), [known])[0].explanation["email"]
    other_name = scorer.score(_record(full_name="Tom Reid", email=email), [known])[0].explanation["email"]
    assert (nameless["label"], other_name["label"]) == ("same email, a name unknown", "same email (name-only local part)")
    assert nameless["match_weight"] > 0 and other_name["match_weight"] > 0


def test_a_given_name_box_alone_meets_the_name_without_its_middle_name(batch):  # type: ignore[no-untyped-def]
    scorer = Scorer(batch["settings"], batch["tf"])
    box = _record(first_name="Thanh Long")  # the last-name box empty: a middle and a given name
    assert _level(scorer, "name", box, _record(full_name="Lê Long")).startswith("all words of one name within")
    assert _level(scorer, "name", box, _record(full_name="Lê Minh")) == "All other comparisons"


def test_two_personal_values_lift_the_name_guard(batch):  # type: ignore[no-untyped-def]
    """A household shares an address, a landline, at times a mobile or an email; a record
    whose name disagrees but whose mobile and email both agree is the customer's own
    (a nickname, a married name), and links without a steward."""
    scorer = Scorer(batch["settings"], batch["tf"])
    (guard,) = agreement_guards(batch["spec"])
    mobile, landline, email = "+61 403 414 728", "+61 2 9374 4000", "kim.reid@bigpond.com"
    known = _record(full_name="Kimberley Reid", phone=mobile, email=email)

    def blocked(**values: str) -> bool:
        score = scorer.score(_record(full_name="Kim Yarstone", **values), [known])[0]
        assert score.explanation["name"]["label"] == "All other comparisons"
        return guard.blocks({c: v["gamma"] for c, v in score.explanation.items()})

    assert blocked(phone=mobile) and blocked(email=email)
    assert not blocked(phone=mobile, email=email)
    landline_known = _record(full_name="Kimberley Reid", phone=landline, email=email)
    score = scorer.score(_record(full_name="Kim Yarstone", phone=landline, email=email), [landline_known])[0]
    assert score.explanation["phone"]["label"] == "same landline or other number"
    assert guard.blocks({c: v["gamma"] for c, v in score.explanation.items()})


def test_a_move_is_counted_once_by_the_address(batch):  # type: ignore[no-untyped-def]
    """Another address, city and postcode are one fact (the customer moved): the city and the
    postcode add nothing to the address's difference. Without an address to differ they count."""
    scorer = Scorer(batch["settings"], batch["tf"])
    hanoi = _record(full_name="Lê Văn Hùng", address="12 Lý Thường Kiệt", city="Hà Nội", postcode="100000")
    moved = _record(full_name="Lê Văn Hùng", address="45 Nguyễn Huệ", city="TP.HCM", postcode="700000")
    explained = scorer.score(hanoi, [moved])[0].explanation
    assert explained["address"]["label"] == "All other comparisons" and explained["address"]["match_weight"] < 0
    for comparison in ("city", "postcode"):  # both known, and different: a null level, as a missing value is
        assert (explained[comparison]["gamma"], explained[comparison]["match_weight"]) == (-1, 0), explained[comparison]
    unknown_address = _record(full_name="Lê Văn Hùng", city="TP.HCM", postcode="700000")
    explained = scorer.score(hanoi, [unknown_address])[0].explanation
    assert explained["city"]["label"] == "All other comparisons" and explained["city"]["match_weight"] < 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 7), st.sampled_from(["a", "b", None]),
                          st.sampled_from(["x", "y", None])), max_size=40))
def test_the_index_answers_as_sets_of_members_would(operations):  # type: ignore[no-untyped-def]
    """A block of one record is stored as its key alone (CandidateIndex): through any adds,
    replacements and removals, candidates are those of plain sets of members."""
    rules = [BlockingRuleSpec(columns=["phone"], max_block_size=3),
             BlockingRuleSpec(columns=["phone", "email_key"])]
    index = CandidateIndex(rules)
    rows: dict[str, dict[str, str | None]] = {}
    for add, n, phone, email in operations:
        key = f"s:{n}"
        if add:
            rows[key] = {"phone": phone, "email_key": email}
            index.add(key, rows[key])
        else:
            rows.pop(key, None)
            index.remove(key)
    for probe_phone in ("a", "b"):
        for probe_email in ("x", "y", None):
            probe = {"phone": probe_phone, "email_key": probe_email}
            for exclude in (None, "s:0"):
                expected: set[str] = set()
                same_phone = {k for k, r in rows.items() if r["phone"] == probe_phone}
                if len(same_phone) + (exclude not in same_phone) <= 3:
                    expected |= same_phone
                if probe_email is not None:
                    expected |= {k for k in same_phone if rows[k]["email_key"] == probe_email}
                expected.discard(exclude)  # type: ignore[arg-type]
                assert index.candidates(probe, exclude=exclude) == sorted(expected)
    assert all(isinstance(b, str) or len(b) >= 2 for blocks in index._blocks for b in blocks.values())
