"""The packaged rules load, compile into Splink settings, and fail loudly on a typo."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from matching_rules import DEFAULT_RULES, MATCH_COLUMNS, RulesError, load_rules, matching_fingerprint
from mdm.linking.comparisons import compile_settings, disagreeing_gammas
from mdm.store.tables import SCHEMAS
from mdm.store.work import _DERIVED


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _default() -> dict:
    return yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))


def test_default_rules_load_and_compile_to_splink_settings():
    spec = load_rules()
    settings = compile_settings(spec.matching).get_settings("duckdb").as_dict()
    assert [c["output_column_name"] for c in settings["comparisons"]] == [c.name for c in spec.matching.comparisons]
    assert len(settings["blocking_rules_to_generate_predictions"]) == len(spec.matching.blocking)


def test_every_match_column_is_produced_by_the_standardised_record():
    std_columns = set(SCHEMAS["std_records"].names)
    assert set(MATCH_COLUMNS) <= std_columns | set(_DERIVED)


def test_name_guard_marks_the_disagreeing_levels():
    name = next(c for c in load_rules().matching.comparisons if c.name == "name")
    assert name.must_agree
    assert disagreeing_gammas(name) == (0, 1, 2)


def test_unknown_key_names_the_file_and_the_key(tmp_path):
    data = _default()
    data["matching"]["comparisons"][0]["term_frequncy"] = True
    path = _write(tmp_path, data)
    with pytest.raises(RulesError) as e:
        load_rules(path)
    assert str(path) in str(e.value)
    assert "matching.comparisons.0.term_frequncy" in str(e.value)
    assert "unknown key" in str(e.value)


def test_a_rules_file_with_a_key_written_twice_or_not_in_utf8_is_refused_naming_it(tmp_path):
    """As a sources file is: YAML would keep the last of two thresholds silently."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    twice = text.replace("    auto_link: 0.85", "    auto_link: 0.85\n    auto_link: 0.7")
    path = tmp_path / "twice.yaml"
    path.write_text(twice, encoding="utf-8")
    line = twice.splitlines().index("    auto_link: 0.85") + 1
    with pytest.raises(RulesError) as e:
        load_rules(path)
    key = "matching.thresholds.auto_link"
    assert str(e.value) == f"{path}: key {key!r} written twice (lines {line} and {line + 1})"
    path.write_bytes(("# règles\n" + text).encode("latin-1", errors="replace"))
    with pytest.raises(RulesError, match=r"the rules file is not UTF-8 \(byte 0xe8 at offset 3\); save it"):
        load_rules(path)


def test_blocking_on_an_unknown_column_is_refused_at_its_key_in_either_form(tmp_path):
    """Once, at the column: the shorthand was tried as a list and as a rule, and both failures
    were printed, the first under a key holding the whole list of columns."""
    data = _default()
    rule = len(data["matching"]["blocking"])
    for written in (["phone", "phone_number"], {"columns": ["phone", "phone_number"], "max_block_size": 5}):
        data["matching"]["blocking"].append(written)
        with pytest.raises(RulesError) as e:
            load_rules(_write(tmp_path, data))
        assert str(e.value).count("\n") == 0
        assert f"key 'matching.blocking.{rule}.columns.1': Input" in str(e.value)
        data["matching"]["blocking"].pop()


@pytest.mark.parametrize(
    ("rules", "key", "says"),
    [
        ([], "survivorship.email.rules", "at least 1 item"),
        (["most_recnet"], "survivorship.email.rules.0", "Input should be 'valid_only'"),
        (["collect_all", "most_recent"], "survivorship.email", "collect_all must be the last rule"),
    ],
)
def test_survivorship_written_short_is_checked_when_the_file_is_read(tmp_path, rules, key, says):
    """``email: []`` was taken, and failed the run at its golden stage after training."""
    data = _default()
    data["survivorship"]["email"] = rules
    with pytest.raises(RulesError) as e:
        load_rules(_write(tmp_path, data))
    assert f"key {key!r}:" in str(e.value) and says in str(e.value) and str(e.value).count("\n") == 0


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"rules": ["most_recent"], "source_order": ["shipping"]},
         "source_priority, which rules does not name"),
        ({"rules": ["source_priority"], "source_order": ["shipping", "sales", "shipping"]},
         "names shipping twice"),
        ({"rules": ["source_priority"], "source_order": []}, "at least 1 item"),
    ],
)
def test_an_attribute_s_own_source_order_is_checked_when_the_file_is_read(tmp_path, spec, says):
    data = _default()
    data["survivorship"]["address"] = spec
    with pytest.raises(RulesError) as e:
        load_rules(_write(tmp_path, data))
    assert "key 'survivorship.address" in str(e.value) and says in str(e.value), str(e.value)


def test_a_survivorship_attribute_of_no_field_is_named(tmp_path):
    data = _default()
    data["survivorship"]["fullname"] = data["survivorship"].pop("full_name")
    with pytest.raises(RulesError, match="key 'survivorship': .*attribute 'fullname' needs 'field'"):
        load_rules(_write(tmp_path, data))


def _comparison(data: dict, name: str) -> dict:
    """The comparison called ``name`` in a rules document."""
    return next(c for c in data["matching"]["comparisons"] if c["name"] == name)


def test_frequency_among_namesakes_needs_a_column_with_term_frequencies(tmp_path):
    data = _default()
    city = _comparison(data, "city")
    city["term_frequency"] = False
    with pytest.raises(RulesError, match="'city': frequency_among_namesakes needs"):
        load_rules(_write(tmp_path, data))
    city["term_frequency"] = True
    name = _comparison(data, "name")
    name["frequency_among_namesakes"] = True
    with pytest.raises(RulesError, match="'name': frequency_among_namesakes needs"):
        load_rules(_write(tmp_path, data))


def test_frequency_among_other_people_needs_term_frequencies_and_excludes_namesakes(tmp_path):
    data = _default()
    name = _comparison(data, "name")
    assert name["frequency_among_other_people"] is True
    name["term_frequency"] = False
    with pytest.raises(RulesError, match="'name': frequency_among_other_people needs"):
        load_rules(_write(tmp_path, data))
    city = _comparison(data, "city")
    city["frequency_among_other_people"] = True
    name["term_frequency"] = True
    with pytest.raises(RulesError, match="'city': frequency_among_other_people and frequency_among_namesakes"):
        load_rules(_write(tmp_path, data))


def test_odds_from_holders_needs_frequency_among_other_people(tmp_path):
    data = _default()
    email = _comparison(data, "email")
    assert email["odds_from_holders"] is True
    email["frequency_among_other_people"] = False
    with pytest.raises(RulesError, match="'email': odds_from_holders needs frequency_among_other_people"):
        load_rules(_write(tmp_path, data))


def test_thresholds_out_of_order_are_refused(tmp_path):
    data = _default()
    data["matching"]["thresholds"] = {"auto_link": 0.5, "review": 0.9}
    with pytest.raises(RulesError, match="review must be below"):
        load_rules(_write(tmp_path, data))


def test_collect_all_must_come_last(tmp_path):
    data = _default()
    data["survivorship"]["all_phones"] = {"field": "phone", "rules": ["collect_all", "most_recent"]}
    with pytest.raises(RulesError, match="collect_all must be the last rule"):
        load_rules(_write(tmp_path, data))


def test_fingerprint_ignores_thresholds_but_not_comparisons(tmp_path):
    base = matching_fingerprint(load_rules().matching)
    data = _default()
    data["matching"]["thresholds"]["auto_link"] = 0.99
    assert matching_fingerprint(load_rules(_write(tmp_path, data)).matching) == base
    data["matching"]["comparisons"][0]["frequency_among_other_people"] = False
    assert matching_fingerprint(load_rules(_write(tmp_path, data)).matching) != base


def test_missing_and_malformed_files_are_rules_errors(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("matching: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)


@pytest.mark.parametrize("key", ["unless_agree", "unless_agree_unrelated"])
def test_unless_agree_must_name_another_comparison(tmp_path, key):
    data = _default()
    data["matching"]["comparisons"][0][key] = ["national_idd"]
    with pytest.raises(RulesError, match=f"{key} names no other comparison: national_idd"):
        load_rules(_write(tmp_path, data))


def test_difference_counted_by_needs_an_exact_comparison_and_a_column(tmp_path):
    data = _default()
    name = data["matching"]["comparisons"][0]
    name["difference_counted_by"] = "address_norm"
    with pytest.raises(RulesError, match="difference_counted_by needs kind 'exact'"):
        load_rules(_write(tmp_path, data))
    data = _default()
    (city,) = [c for c in data["matching"]["comparisons"] if c["name"] == "city"]
    city["difference_counted_by"] = "adress_norm"
    with pytest.raises(RulesError, match="difference_counted_by"):
        load_rules(_write(tmp_path, data))


def test_unless_agree_groups_must_name_other_comparisons(tmp_path):
    data = _default()
    data["matching"]["comparisons"][0]["unless_agree"] = ["national_id", ["phone", "emial"]]
    with pytest.raises(RulesError, match="unless_agree names no other comparison: emial"):
        load_rules(_write(tmp_path, data))


def test_name_guard_is_lifted_by_personal_evidence_only():
    from mdm.linking.comparisons import agreement_guards

    (guard,) = agreement_guards(load_rules().matching)
    assert guard.comparison == "name"
    mobile, email, birthday = ("phone", (4,)), ("email", (7, 6, 5, 4, 3)), ("date_of_birth", (3,))
    assert guard.unless == ((("national_id", (2, 1)),), (mobile, email), (mobile, birthday), (email, birthday))
    assert guard.unless_unrelated == (birthday,)
    unknown = {"national_id": -1, "date_of_birth": -1, "phone": -1, "email": -1}
    assert guard.blocks({**unknown, "name": 1})  # same family name only: kept for review
    assert not guard.blocks({**unknown, "name": 8})  # same name
    assert not guard.blocks({**unknown, "name": 1, "national_id": 2})  # same national id
    assert not guard.blocks({**unknown, "name": 1, "national_id": 1})  # ... or one typo apart
    assert not guard.blocks({**unknown, "name": 0, "date_of_birth": 3})  # other name, same birthday
    assert guard.blocks({**unknown, "name": 1, "date_of_birth": 3})  # a twin: same family, birthday
    assert guard.blocks({**unknown, "name": 0, "national_id": 0, "date_of_birth": 2})  # a birthday one typo apart
    # A household shares a mobile, an email or a birthday (twins), seldom two of them
    for shared in ({"phone": 4}, {"email": 3}, {"phone": 3, "email": 7}):  # 3: a landline
        assert guard.blocks({**unknown, "name": 1, **shared}), shared
    for shared in ({"phone": 4, "email": 3}, {"phone": 4, "date_of_birth": 3}, {"email": 6, "date_of_birth": 3}):
        assert not guard.blocks({**unknown, "name": 1, **shared}), shared


def test_guards_are_lifted_at_the_levels_that_agree():
    """Lifting levels are gammas, which Splink counts over the levels that are not null levels
    (the email's "no further evidence" levels are null levels): the email's are its five
    "same email" levels, however the names compare."""
    from mdm.linking.comparisons import compile_comparison, lifting_gammas

    spec = {c.name: c for c in load_rules().matching.comparisons}

    def lifting_labels(name: str) -> set[str]:
        levels = compile_comparison(spec[name]).get_comparison("duckdb").comparison_levels
        counted = [lv.label_for_charts for lv in levels if not lv.is_null_level]
        by_gamma = dict(zip(range(len(counted) - 1, -1, -1), counted))
        return {by_gamma[g] for g in lifting_gammas(spec[name])}

    assert lifting_labels("phone") == {"same mobile number"}
    assert lifting_labels("national_id") == {"same national_id", "national_id one character different or two swapped"}
    assert lifting_labels("email") == {
        "same email, a name unknown",
        "same email (local part has digits), same family and given name",
        "same email (local part has digits)",
        "same name-only email, names agree",
        "same email (name-only local part)",
    }


def test_name_guard_sql_and_python_agree_on_every_combination():
    """Batch linking applies the guard in SQL, real-time matching in Python: the same rule."""
    import itertools

    import duckdb

    from mdm.linking.comparisons import agreement_guards

    (guard,) = agreement_guards(load_rules().matching)
    columns = ("name", "national_id", "date_of_birth", "phone", "email")
    combos = list(itertools.product(range(-1, 9), range(-1, 3), range(-1, 4), range(-1, 5), range(-1, 8)))
    con = duckdb.connect()
    con.execute(f"CREATE TABLE g ({', '.join(f'gamma_{c} INT' for c in columns)})")
    con.executemany(f"INSERT INTO g VALUES ({', '.join('?' for _ in columns)})", combos)
    got = con.execute(f"SELECT {', '.join(f'gamma_{c}' for c in columns)}, {guard.sql()} FROM g").fetchall()
    assert len(got) == len(combos)
    for *gammas, blocked in got:
        assert blocked == guard.blocks(dict(zip(columns, gammas))), gammas


def test_bounded_blocking_rules_parse_and_compile():
    spec = load_rules().matching
    bounded = [r for r in spec.blocking_rules() if r.max_block_size]
    assert {tuple(r.columns) for r in bounded} >= {("phone",), ("name_key", "city_norm")}
    rules = compile_settings(spec).get_settings("duckdb").as_dict()["blocking_rules_to_generate_predictions"]
    assert any("block_0" in r["blocking_rule"] for r in rules)


def _standardised(source_id: str, values: dict[str, str]) -> dict:
    """A Vietnamese source's record standardised, its columns named as its canonical fields."""
    import datetime as dt

    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    fields = ("full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "national_id")
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                      fields={f: f for f in fields})
    return standardise_record(spec, source_id, values, today=dt.date(2026, 1, 1))


def _level_reached(
    comparison: str, left: dict[str, str], right: dict[str, str], *, dates: bool = True,
    kind: str | None = None,
) -> str:
    """The label of the level of ``comparison`` two source records reach, by the compiled SQL.
    Birth dates are DATEs as in batch, or text as in real time (``dates=False``); ``kind`` replaces
    the default rules' kind of the comparison."""
    import duckdb

    from mdm.store.work import WORD_LISTS

    matching = load_rules().matching
    if kind is not None:
        comparisons = [c.model_copy(update={"kind": kind}) if c.name == comparison else c
                       for c in matching.comparisons]
        matching = matching.model_copy(update={"comparisons": comparisons})
    settings = compile_settings(matching).get_settings("duckdb").as_dict()
    (levels,) = [c["comparison_levels"] for c in settings["comparisons"] if c["output_column_name"] == comparison]
    con = duckdb.connect()
    columns, types = {}, {}
    for side, values in (("l", left), ("r", right)):
        std = _standardised(side, values)
        for c in ("family", "given", "middles", "given_accented", "name_key", "name_nospace", "name_parts",
                  "name_skeleton",
                  "email_key", "email_local_digits", "phone", "phone_type", "phone_extension",
                  "date_of_birth", "address_norm", "house_number", "street", "city_norm", "postcode",
                  "national_id"):
            columns[f"{c}_{side}"] = std[c] if c == "email_local_digits" or std[c] is None else str(std[c])
            types[f"{c}_{side}"] = "BOOLEAN" if c == "email_local_digits" else "DATE" if c == "date_of_birth" and dates else "VARCHAR"
    select = ", ".join(f"?::{types[c]} AS {c}" for c in columns)
    words = "".join(f", {derive(f'{column}_{side}')} AS {name}_{side}"
                    for name, (column, derive) in WORD_LISTS.items() if f"{column}_l" in columns for side in ("l", "r"))
    con.execute(f"CREATE TABLE p AS SELECT *{words} FROM (SELECT {select})", list(columns.values()))
    for level in levels:
        condition = "TRUE" if level["sql_condition"] == "ELSE" else level["sql_condition"]
        if con.execute(f"SELECT count(*) FROM p WHERE {condition}").fetchall()[0][0]:
            return level["label_for_charts"]
    raise AssertionError("no level reached")


def _name_level(left: str, right: str) -> str:
    return _level_reached("name", {"full_name": left}, {"full_name": right})


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("T. Phuong", "Trần Thị Phương", "family name as an initial"),  # family cut to an initial
        ("Trần Thị Phương", "T. Phuong", "family name as an initial"),
        ("Phạm Đ. Long", "Phạm Đức Long", "same family and given name"),
        ("Nguyễn Hiếu V.", "Nguyễn Văn Hiếu", "same family and given name"),  # initial in the middle
        ("A. Tuấn", "Trần Văn Tuấn", "all words of one name"),  # "A." is Anh, a title
        ("C. Tô K. Quỳnh", "Tô Kim Quỳnh", "same family and given name"),  # "C." is Chị
        ("P. Khanh", "Trần Văn Tuấn", "all other"),
        # A family name with the given name's initial after it, as lists write it.
        ("Murphy C.", "Charlie Murphy", "given name as an initial"),
        ("Frank Krueger", "Krueger F.", "given name as an initial"),
        ("Murphy C.", "David Murphy", "all other"),
        ("S. Lee", "Sophie Lee", "given name as an initial"),
        # Middle names: one left out or an initial may be one person; two written and different
        # are what namesakes look like.
        ("Nguyễn An", "Nguyễn Văn An", "a middle name left out"),
        ("Nguyễn Thị Thu Hà", "Nguyễn Thu Hà", "a middle name left out"),
        ("Nguyễn Quốc Hải", "Nguyễn Đức Hải", "other middle names"),
    ],
)
def test_name_levels_of_abbreviated_names(left, right, label):
    assert label in _name_level(left, right).lower()


@pytest.mark.parametrize(
    ("left", "right"),
    [("Nguyễn Văn Hùng", "Nguyễn Văn Hưng"), ("Lê Minh Đức", "Lê Minh Dục"), ("Võ Thị Thơ", "Thọ Võ"),
     ("Trần Quốc Hùng", "Trần Hưng"), ("Nguyễn Thành Hưng", "NGUYỄN HÙNG")],
)
def test_given_names_written_with_other_diacritics_are_the_same_family_only(left, right):
    """Folded alike, but both written with diacritics, each with a mark the other lacks, and other
    vowel shapes or "đ": two names."""
    assert _name_level(left, right) == "same family name only"


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [("NGUYEN VAN HUNG", "Nguyễn Văn Hùng", "same name, any word order"),  # one written without diacritics
     ("Nguyen Hung", "Nguyễn Văn Hưng", "same family and given name (a middle name left out"),
     ("Trần Thị Hoà", "Trần Thị Hòa", "same name, any word order"),  # the tone in its older place
     ("NGUYỄN VĂN HÙNG", "Nguyễn Văn Hùng", "same name, any word order"),
     # Marks left out of one ("Hung", "Huơng", "Lan"): may be the same name, as without any.
     ("Nguyễn Văn Hung", "Nguyễn Văn Hùng", "same name, any word order"),
     ("Trần Thị Huơng", "Trần Thị Hương", "same name, any word order"),
     ("Nguyễn Thị Lan", "Nguyễn Thị Lân", "same name, any word order"),
     # Another tone alone: as often a tone mistyped.
     ("Lê Văn Tuấn", "Lê Văn Tuần", "same name, any word order")],
)
def test_given_names_of_one_writing_or_without_some_marks_are_the_same_name(left, right, label):
    assert _name_level(left, right).lower().startswith(label)


@pytest.mark.parametrize(
    ("other", "label"),
    [("Nguyễn Gia Nghĩa", "same name, any word order"), ("Nguyễn Trọng Nghĩa", "other middle names")],
)
def test_a_middle_name_an_email_spells_is_compared_as_written(other, label):
    left = {"full_name": "Nguyễn Nghĩa", "email": "nguyengianghia90@outlook.com"}
    assert label in _level_reached("name", left, {"full_name": other}).lower()
    # Without the e-mail, the name leaves the middle name out.
    assert "a middle name left out" in _name_level("Nguyễn Nghĩa", other).lower()


@pytest.mark.parametrize(
    ("left", "right"),
    [("Jenny Yarwell", "Jennifer Davis-Yarwell"), ("Kim Young Ho", "Young-ho Kim"), ("Amy Ward", "AMY Winwood-Ward")],
)
def test_a_name_within_a_hyphenated_one_reaches_the_words_within_level(left, right):
    """A double-barrelled family name cut to one part, a hyphenated given name in two words."""
    assert "all words of one name within the other" in _name_level(left, right).lower()
    assert "all words of one name within the other" not in _name_level("Amy Ward", "Amy Winwood").lower()


@pytest.mark.parametrize(
    ("left", "right"),
    [("Jean Pierre Dupont", "Jean-Pierre Dupont"), ("Anne-Marie Martin", "Martin, Anne Marie")],
)
def test_a_given_name_hyphenated_or_in_two_words_is_the_same_name_spaced_otherwise(left, right):
    assert "or spacing" in _name_level(left, right).lower()


@pytest.mark.parametrize("other", ["García, María José", "María García", "GARCIA Maria Jose"])
def test_a_spanish_name_with_the_father_s_surname_alone_is_the_same_family_and_given_name(other):
    assert "a middle name left out" in _name_level("María José García López", other).lower()


@pytest.mark.parametrize("dates", [True, False], ids=["batch", "real time"])
@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ({"email": "lan_111181@vnn.vn"}, {"date_of_birth": "11/11/1981"}, "birth date"),
        ({"email": "an.19900503@gmail.com"}, {"date_of_birth": "1990-05-03"}, "birth date"),
        ({"email": "ly.nguyen1704@gmail.com"}, {"date_of_birth": "17/04/1977"}, "birthday (day and month)"),
        ({"email": "ly.nguyen0417@gmail.com"}, {"date_of_birth": "17/04/1977"}, "all other"),  # not month-first
        ({"email": "phamhoangtung1982@gmail.com"}, {"date_of_birth": "22/03/1982"}, "birth year"),
        ({"date_of_birth": "22/03/1982"}, {"email": "phamhoangtung1982@gmail.com"}, "birth year"),  # either side
        ({"email": "tung82@gmail.com"}, {"date_of_birth": "22/03/1982"}, "two-digit birth year"),
        ({"email": "tung1983@gmail.com"}, {"date_of_birth": "22/03/1982"}, "all other"),
        # No evidence: no digits, no birth date to face, or the birth dates themselves compared.
        ({"email": "phamhoangtung@gmail.com"}, {"date_of_birth": "22/03/1982"}, "missing"),
        ({"email": "tung1982@gmail.com"}, {"email": "tung1982@gmail.com"}, "missing"),
        ({"email": "tung1982@gmail.com", "date_of_birth": "15/06/1970"}, {"date_of_birth": "22/03/1982"}, "missing"),
        # The same address on both sides is the email comparison's evidence, not this one's.
        ({"email": "tung1982@gmail.com"}, {"email": "tung1982@gmail.com", "date_of_birth": "22/03/1982"}, "missing"),
        ({"email": "not an email 1982"}, {"date_of_birth": "22/03/1982"}, "missing"),
    ],
)
def test_email_against_the_other_records_birth_date(left, right, label, dates):
    full = {"full_name": "Phạm Hoàng Tùng"}
    assert label in _level_reached("email_birth_date", full | left, full | right, dates=dates).lower()


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        # A name-only address is made from the family and given names: when they agree, whatever
        # the middle names, a similar one is no further evidence and the same one a level of its
        # own (weighed by how often namesakes share one) ...
        (("Nguyễn Quốc Hải", "hai.nguyen@gmail.com"), ("Nguyễn Đức Hải", "hainguyen@gmail.com"), "same name-only email, names agree"),
        (("Nguyễn Văn Hải", "hai.nguyen@gmail.com"), ("Nguyen Hai", "hai.nguyen@gmail.com"), "same name-only email, names agree"),
        (("Nguyễn Quốc Hải", "hai.nguyen@yahoo.com"), ("Nguyễn Đức Hải", "hainguyen@yahoo.com"), "no further evidence"),
        # ... and evidence when they do not.
        (("Nguyễn Quốc Hải", "hai.nguyen@gmail.com"), ("Trần Thu Hà", "hai.nguyen@gmail.com"), "name-only local part"),
        # The same local part at another domain is the name again when the names agree ...
        (("Trần Thị Ngọc", "tranngoc@yahoo.com"), ("Tran Ngoc Thi", "tranngoc@gmail.com"), "no further evidence"),
        # ... but evidence when they do not, or when the local part has digits.
        (("Trần Thị Ngọc", "tranngoc@yahoo.com"), ("Lê Văn Tâm", "tranngoc@gmail.com"), "same local part, other domain"),
        (("Trần Thị Ngọc", "tranngoc88@yahoo.com"), ("Tran Ngoc Thi", "tranngoc88@gmail.com"), "same local part, other domain"),
    ],
)
def test_a_name_only_email_between_records_of_one_name(left, right, label):
    (name_l, email_l), (name_r, email_r) = left, right
    reached = _level_reached("email", {"full_name": name_l, "email": email_l}, {"full_name": name_r, "email": email_r})
    assert label in reached.lower()


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("288 Avenue Victor Hugo", "64 avenue Victor-Hugo", "other house number"),
        ("Schillerstrasse 146", "45 Schillerstraße", "other house number"),
        ("Schillerstr. 146", "Schillerstraße 146", "same address"),
        # A house number after its street is the house's too.
        ("Keizersgracht 123, Centrum", "Keizersgracht 123", "same house number"),
        # ... and a city the address ends with is the record's city, not part of its address.
        ("Keizersgracht 123, Amsterdam", "Keizersgracht 123", "same address"),
        ("Calle Mayor, 12, Madrid", "C/ Mayor 12", "same address"),
        ("Calle Mayor, 12, Getafe", "C/ Mayor 12", "same house number"),  # a city the product does not know
        ("12 bd Voltaire", "12 boulevard Voltaire", "same address"),
        ("12 Nguyễn Trãi, P.5, Q.1", "12 Nguyen Trai Phuong 5 Quan 1", "same address"),
        ("Số 12/3 Nguyễn Trãi, Phường 5", "12/3 Nguyễn Trãi P5 Q1", "same house number"),
        ("Nguyễn Trãi, Phường 5, Quận 1", "12/3 Nguyễn Trãi, Phường 5, Quận 1", "most words"),  # no house number on one side
    ],
)
def test_the_same_street_at_another_house_number_is_its_own_level(left, right, label):
    assert label in _level_reached("address", {"address": left}, {"address": right}).lower()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # A ward and district only: another ward of the district shares most of their words ...
        ("Phường Tân An, Q. Ninh Kiều", "100 Đường 30 Tháng 4, P. An Hòa, Quận Ninh Kiều"),
        # ... and within or equal to another address they are still only an area.
        ("P. Xuân Khánh Q.Ninh Kiều", "309/2 30 Tháng 4 P.Xuân Khánh Q.Ninh Kiều"),
        ("Phường 14, Quận 10", "phường 14, Q. 10"),
        ("Ward 5, District 3", "12 Nguyễn Thị Minh Khai, Phường 5, Quận 3"),
        ("Thị trấn Đông Anh, Huyện Đông Anh", "Thị trấn Đông Anh, Huyện Đông Anh"),
    ],
)
def test_an_address_naming_only_an_area_is_no_evidence(left, right):
    for a, b in ((left, right), (right, left)):
        assert "names only an area" in _level_reached("address", {"address": a}, {"address": b}).lower()


@pytest.mark.parametrize(
    ("comparison", "left", "right", "label"),
    [
        # A work address beside a personal one says nothing either way; two of one kind differ as before.
        ("email", "an.nguyen@gmail.com", "an@binhminh.vn", "a personal address and a work one"),
        ("email", "mjohnson@lioncity.com.au", "michael_j@yahoo.co.uk", "a personal address and a work one"),
        ("email", "an.nguyen@gmail.com", "tran.binh@hotmail.com", "all other"),
        ("email", "an@binhminh.vn", "binh@saomai.vn", "all other"),
        # So does a landline beside a mobile.
        ("phone", "0912 345 678", "024 3825 1234", "a mobile and a landline"),  # a Hà Nội landline
        ("phone", "0912 345 678", "0903 118 452", "all other"),  # two mobiles
        ("phone", "024 3825 1234", "028 3822 4567", "all other"),  # two landlines
        ("phone", "0912 345 678", "0912 345 678", "same mobile number"),
        # One company's switchboard with two extensions: colleagues (it was "same landline").
        ("phone", "024 3825 1234 ext 12", "024 3825 1234 máy lẻ 34", "same switchboard, other extensions"),
        ("phone", "024 3825 1234 ext 12", "024 3825 1234 ext 12", "same landline"),
        ("phone", "024 3825 1234 ext 12", "024 3825 1234", "same landline"),  # the switchboard's own number
        # And an old 9-digit CMND beside the 12-digit CCCD that replaced it (it was "missing").
        ("national_id", "025123456", "079092001234", "identifiers of different kinds"),
        ("national_id", "B1234567", "079092001234", "identifiers of different kinds"),  # a passport
        ("national_id", "079092001234", "079092001243", "one character different"),
        ("national_id", "079092001234", "", "missing"),
    ],
)
def test_values_of_different_kinds_are_no_evidence(comparison, left, right, label):
    assert label in _level_reached(comparison, {comparison: left}, {comparison: right}).lower()


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        # Vietnam merged 63 provinces into 34 in July 2025: a record written since names the merged
        # province, an older one the place it absorbed, and they differ without anyone moving ...
        ("Vũng Tàu", "TP. Hồ Chí Minh", "absorbed it"),
        ("TP.HCM", "Tỉnh Bình Dương", "absorbed it"),
        ("Quy Nhơn", "Gia Lai", "absorbed it"),
        ("Hà Nam", "Tỉnh Ninh Bình", "absorbed it"),
        # ... but two places one province absorbed are still two places, as are other provinces.
        ("Vũng Tàu", "Bình Dương", "all other"),
        ("Vũng Tàu", "Hà Nội", "all other"),
        ("Quy Nhơn", "Pleiku City", "absorbed it"),  # Pleiku is Gia Lai's former capital: one name for both
        ("Bình Dương", "Thủ Dầu Một", "same city_norm"),
    ],
)
def test_a_place_and_the_province_that_absorbed_it_in_2025_are_no_evidence(left, right, label):
    for a, b in ((left, right), (right, left)):
        assert label in _level_reached("city", {"city": a}, {"city": b}, kind="city").lower()


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        # A ZIP+4 beside its own 5-digit ZIP: one record left the +4 out (it was "all other").
        ("20500-0003", "20500", "same zip, one without its +4"),
        ("20500", "20500-0003", "same zip, one without its +4"),
        ("20500-0003", "20500-0003", "same postcode"),  # the full ZIP+4 agrees: the strong level
        # Two other +4s under one ZIP are two blocks' sides, and another ZIP is another ZIP.
        ("20500-0003", "20500-0004", "all other"),
        ("20500-0003", "20501", "all other"),
        ("20500", "20501", "all other"),
        ("SW1A 1AA", "SW1A 2AA", "all other"),
    ],
)
def test_a_zip_plus_4_beside_its_own_zip_is_a_level_of_its_own(left, right, label):
    assert label in _level_reached("postcode", {"postcode": left}, {"postcode": right}).lower()


def test_the_same_family_and_given_name_in_one_city_is_a_candidate_pair():
    """A middle name left out makes the full names differ: the rule on family, given name and
    city still proposes the pair, and only in one city."""
    from mdm.linking.candidates import CandidateIndex, match_row

    records = {
        "a": {"full_name": "Nguyễn Văn An", "city": "TP. Hồ Chí Minh"},
        "b": {"full_name": "Nguyen An", "city": "HCMC"},
        "c": {"full_name": "Nguyễn Thị An", "city": "Hà Nội"},
    }
    index = CandidateIndex(load_rules().matching.blocking_rules())
    rows = {key: match_row(_standardised(key, values)) for key, values in records.items()}
    for key, row in rows.items():
        index.add(key, row)
    assert index.candidates(rows["a"], exclude="a") == ["b"]
    assert index.candidates(rows["c"], exclude="c") == []
