"""Unsupervised training: every level's u is estimated, identifiers' u is counted exactly."""

from __future__ import annotations

import itertools
import json
import math

import duckdb
import pyarrow as pa
import pytest

from matching_rules import load_rules
from mdm.linking.comparisons import MARGINAL_LEVELS, compile_settings, counted_levels
from mdm.store import work as work_sql


def _input(rows: list[tuple], columns: tuple[str, ...]) -> work_sql.WorkDB:
    """A fresh in-memory work database whose linker input holds ``rows``."""
    con = duckdb.connect()
    table = {k: [r[i] for r in rows] for i, k in enumerate(columns)}
    table.setdefault("unique_id", [f"s:{i}" for i in range(len(rows))])
    # Read by the frequencies (names, and who is who among holders): unknown unless given.
    for column in ("family", "given", "middles", "name_key", "date_of_birth", "phone", "phone_type"):
        table.setdefault(column, pa.nulls(len(rows), pa.string()))
    con.register("t", pa.table(table))
    con.execute(f"CREATE TABLE {work_sql.INPUT_TABLE} AS SELECT * FROM t")
    return work_sql.WorkDB(con)


def test_every_counted_level_is_a_level_of_its_comparison():
    spec = load_rules().matching
    compiled = compile_settings(spec).get_settings("duckdb").as_dict()
    labels = {c["output_column_name"]: {lv.get("label_for_charts") for lv in c["comparison_levels"]}
              for c in compiled["comparisons"]}
    counted = [(c.name, lv.label) for c in spec.comparisons for lv in counted_levels(c)]
    assert {name for name, _ in counted} >= {"phone", "email", "date_of_birth", "national_id"}
    assert all(label in labels[name] for name, label in counted), counted


def test_equal_value_rate_counts_pairs_of_equal_values():
    """Brute force over all pairs of a small table agrees with the per-value count."""
    rows = [("a", "m"), ("a", "m"), ("a", "l"), ("b", "m"), ("b", "m"), ("b", "m"), ("c", "m"), (None, "m")]
    work = _input(rows, ("phone", "phone_type"))
    known = [r for r in rows if r[0] is not None]
    pairs = list(itertools.combinations(known, 2))
    mobile_equal = sum(1 for x, y in pairs if x[0] == y[0] and x[1] == y[1] == "m")
    assert work_sql.equal_value_rate(work, "phone", "phone_type = 'm'") == mobile_equal / len(pairs)
    assert work_sql.equal_value_rate(work, "phone") == sum(1 for x, y in pairs if x[0] == y[0]) / len(pairs)
    other_type = sum(1 for x, y in pairs if x[0] == y[0] and x[1] != y[1])
    assert work_sql.equal_value_rate(work, "phone", excluding=["phone_type"]) == other_type / len(pairs)


def test_equal_value_pairs_among_counts_namesakes_known_to_differ():
    """Brute force: among pairs with the same family and given name, two different known
    birthdays and two emails, the share with the same email (digits only)."""
    rows = [  # family, given, dob, email, digits
        ("nguyen", "an", "1990-01-01", "an90@x", True),
        ("nguyen", "an", "1990-02-02", "an90@x", True),  # a namesake with the same address
        ("nguyen", "an", "1990-02-02", "an90@x", True),  # ... and his own second record
        ("nguyen", "an", "1985-03-03", "an85@x", True),
        ("nguyen", "an", None, "an90@x", True),  # birthday unknown: not known to differ
        ("nguyen", "an", "1970-04-04", "an@x", False),  # a name-only address does not count
        ("nguyen", "an", "1971-04-04", "an@x", False),
        ("tran", "an", "1990-01-01", "an90@x", True),  # another family name
        ("nguyen", "an", "1960-05-05", None, None),  # no email: the comparison has no level
    ]
    work = _input(rows, ("family", "given", "date_of_birth", "email_key", "email_local_digits"))
    known = [r for r in rows if r[2] is not None and r[3] is not None]
    namesakes = [(x, y) for x, y in itertools.combinations(known, 2) if x[:2] == y[:2] and x[2] != y[2]]
    sharing = [(x, y) for x, y in namesakes if x[3] == y[3] and x[4]]
    counted = work_sql.equal_value_pairs_among(work, "email_key", "email_local_digits", ("family", "given"), "date_of_birth")
    assert counted == (len(sharing), len(namesakes)) == (2, 14)


def test_frequency_among_namesakes_counts_pairs_of_namesakes_known_to_differ():
    """Brute force over ordered pairs of different people of one name (both birthdays known
    and different): of those whose first is in a city, the share whose second is too, with
    NAMESAKE_PRIOR_PAIRS pairs at the city's overall frequency added."""
    rows = [  # family, given, dob, city
        ("wilson", "joshua", "1980-01-01", "houston"),
        ("wilson", "joshua", "1980-01-01", "houston"),  # his own second record: not a namesake pair
        ("wilson", "joshua", "1975-05-05", "houston"),
        ("wilson", "joshua", "1990-09-09", "seattle"),
        ("wilson", "joshua", None, "houston"),  # birthday unknown: not known to differ
        ("nguyen", "an", "1980-01-01", "ho chi minh"),
        ("nguyen", "an", "1981-01-01", "ha noi"),
        ("tran", "binh", "1970-01-01", "houston"),  # no namesake
        ("tran", "binh", None, None),
    ]
    work = _input(rows, ("family", "given", "date_of_birth", "city_norm"))
    work_sql.create_frequency_tables(work, {"city_norm": "namesakes"})
    got = dict(work.con.execute(f"SELECT city_norm, tf_city_norm FROM {work_sql.frequency_table('city_norm')}").fetchall())
    known = [r for r in rows if None not in r]
    ordered = [(x, y) for x, y in itertools.permutations(known, 2) if x[:2] == y[:2] and x[2] != y[2]]
    cities = [r[3] for r in rows if r[3] is not None]
    k = work_sql.NAMESAKE_PRIOR_PAIRS
    for city in set(cities):
        holding = [(x, y) for x, y in ordered if x[3] == city]
        sharing = [(x, y) for x, y in holding if y[3] == city]
        overall = max(cities.count(city) - 1, 1) / len(cities)
        assert got[city] == pytest.approx((len(sharing) + k * overall) / (len(holding) + k)), city
    assert got["seattle"] < 1 / len(cities) < got["houston"]


def test_term_frequencies_count_the_other_records():
    """A value's frequency leaves out the record holding it: a name two of 5 records hold is
    1 in 5 (Splink's own count, 2 in 5, counts both records of the pair it weighs); a value one
    record holds is 1 in 5, as for a record met in real time."""
    rows = [("an",), ("an",), ("binh",), ("chi",), ("chi",), (None,)]
    work = _input(rows, ("name_key",))
    work_sql.create_frequency_tables(work, {"name_key": "records"})
    table = work_sql.term_frequencies(work, ["name_key"])
    assert dict(zip(table["value"].to_pylist(), table["frequency"].to_pylist(), strict=True)) == {
        "an": 1 / 5, "binh": 1 / 5, "chi": 1 / 5,
    }


def test_a_one_word_name_is_as_common_as_the_word_among_all_names():
    """ "Karthik" alone is a given name that four of six named records hold: its frequency is
    that share, not the share of records whose whole name is "karthik" (1 of 6, itself)."""
    rows = [  # name_key, family, given
        ("karthik", None, "karthik"), ("karthik rao", "rao", "karthik"), ("karthik singh", "singh", "karthik"),
        ("karthik", None, "karthik"), ("rao", "rao", None), ("priya rao", "rao", "priya"), (None, None, None),
    ]
    work = _input(rows, ("name_key", "family", "given"))
    work_sql.create_frequency_tables(work, {"name_key": "records"})
    got = dict(work.con.execute(f"SELECT name_key, tf_name_key FROM {work_sql.frequency_table('name_key')}").fetchall())
    assert got["karthik"] == pytest.approx(4 / 6)
    assert got["rao"] == pytest.approx(3 / 6)  # a family name alone: as common as that family name
    assert got["karthik rao"] == got["priya rao"] == pytest.approx(1 / 6)  # whole names: as before


def test_frequency_among_other_people_counts_holders_birth_dates_say_are_others():
    """Brute force: per number of holders n, the share of pairs of holders (both birth dates
    known) whose birth dates differ by more than a typo or a day and month swapped, with
    OTHER_PEOPLE_PRIOR_PAIRS pairs at 1 added, pooled where a larger n would have a smaller
    share; a value's frequency is (n - 1) / N times its share, and a value one record holds
    is taken as held by two."""
    rows = [  # name_key, dob
        ("an nguyen", "1990-01-01"), ("an nguyen", "1990-01-01"),  # one customer's two records
        ("binh tran", "1980-01-01"), ("binh tran", "1975-06-20"),  # two namesakes
        ("hoa pham", "1985-03-12"), ("hoa pham", "1985-12-03"),  # one customer, day and month swapped
        ("chi le", "1970-01-01"), ("chi le", "1970-01-07"), ("chi le", None),  # one customer, a typo
        ("dung vo", "1960-01-01"), ("dung vo", "1971-02-02"), ("dung vo", "1982-03-03"),
        ("em ho", None), ("em ho", None),  # no birth dates: no pairs to count
        ("giang do", "1950-01-01"),
        (None, "1990-01-01"),
    ]

    def near(x: str, y: str) -> bool:  # ISO dates: one typo is one character
        return sum(a != b for a, b in zip(x, y, strict=True)) <= 1 or (x[:4], x[5:7], x[8:]) == (y[:4], y[8:], y[5:7])

    work = _input(rows, ("name_key", "date_of_birth"))
    work_sql.create_frequency_tables(work, {"name_key": "other_people"})
    got = dict(work.con.execute(f"SELECT name_key, tf_name_key FROM {work_sql.frequency_table('name_key')}").fetchall())
    k = work_sql.OTHER_PEOPLE_PRIOR_PAIRS
    names = [r[0] for r in rows if r[0] is not None]
    by_n: dict[int, list[int]] = {}
    for name in set(names):
        dated = [r[1] for r in rows if r[0] == name and r[1] is not None]
        pairs = list(itertools.combinations(dated, 2))
        counts = by_n.setdefault(names.count(name), [0, 0])
        counts[0] += sum(1 for x, y in pairs if not near(x, y))
        counts[1] += len(pairs)
    share = {n: (differ + k) / (pairs + k) for n, (differ, pairs) in by_n.items() if n >= 2}
    assert share[2] == pytest.approx((1 + k) / (3 + k))  # an nguyen, binh tran and hoa pham pooled by n = 2
    assert share[3] > share[2]  # chi le's one customer and dung vo's three people: no pooling needed
    for name in set(names):
        n = names.count(name)
        assert got[name] == pytest.approx(max(n - 1, 1) * share[max(n, 2)] / len(names)), name
    assert got["an nguyen"] == got["hoa pham"] < 1 / len(names)


def test_a_name_written_without_the_middle_name_others_write_is_counted_among_such_names():
    """A name written short ("An Nguyễn" where others write "Nguyễn Văn An") may be any of the
    people of that family and given name: its holders' shares of other people are measured
    among short names, apart from whole names'. Pooled, the two-holder names' share would be
    (2 + k) / (4 + k) for all four."""
    rows = [  # name_key, family, given, middles, dob
        ("an nguyen", "nguyen", "an", None, "1990-01-01"), ("an nguyen", "nguyen", "an", None, "1971-05-05"),
        ("an nguyen van", "nguyen", "an", "van", "1985-02-02"),
        ("binh tran", "tran", "binh", None, "1980-01-01"), ("binh tran", "tran", "binh", None, "1962-07-07"),
        ("binh tran thi", "tran", "binh", "thi", None),
        ("chi le", "le", "chi", None, "1970-01-01"), ("chi le", "le", "chi", None, "1970-01-01"),  # no one writes more
        ("dung thi vo", "vo", "dung", "thi", "1960-01-01"), ("dung thi vo", "vo", "dung", "thi", "1960-01-01"),
    ]
    work = _input(rows, ("name_key", "family", "given", "middles", "date_of_birth"))
    k, n_records = work_sql.OTHER_PEOPLE_PRIOR_PAIRS, len(rows)
    work_sql.create_frequency_tables(work, {"name_key": "other_people"})
    got = dict(work.con.execute(f"SELECT * FROM {work_sql.frequency_table('name_key')}").fetchall())
    short = work_sql.other_people_shares(work, "name_key", 0.0, work_sql._NAME_LEFT_SHORT)
    whole = work_sql.other_people_shares(work, "name_key", 0.0, f"NOT ({work_sql._NAME_LEFT_SHORT})")
    assert short == [(2, pytest.approx((2 + k) / (2 + k)))]  # both short names: two people each
    assert whole == [(2, pytest.approx(k / (2 + k)))]  # both whole names: one customer each
    assert got["an nguyen"] == got["binh tran"] == pytest.approx(1.0 / n_records)
    assert got["chi le"] == got["dung thi vo"] == got["an nguyen van"] == pytest.approx(k / (2 + k) / n_records)
    pooled = (2 + k) / (4 + k) / n_records
    assert got["an nguyen"] > pooled > got["chi le"]


def test_frequency_among_other_people_never_falls_with_more_holders():
    """Shares that would fall as the holders grow (chance in small counts) are pooled."""
    rows = [("a", "1990-01-01"), ("a", "1975-06-20")] + [("b", "1980-01-01")] * 3
    work = _input(rows, ("name_key", "date_of_birth"))
    shares = work_sql.other_people_shares(work, "name_key", work_sql.one_persons_mobiles_differ(work))
    k = work_sql.OTHER_PEOPLE_PRIOR_PAIRS
    assert shares == [(3, pytest.approx((1 + 2 * k) / (1 + 3 + 2 * k)))]  # (1 of 1) and (0 of 3) pooled


def test_one_persons_mobiles_differ_counts_pairs_with_the_same_name_and_birth_date():
    """Brute force: of the pairs of records with the same name and birth date, both with a
    mobile number, the share whose numbers differ, with OTHER_PEOPLE_PRIOR_PAIRS pairs added."""
    rows = [  # name_key, dob, phone, type
        ("lan", "1980-01-01", "m1", "mobile"), ("lan", "1980-01-01", "m1", "mobile"),
        ("lan", "1980-01-01", "m2", "mobile"),
        ("lan", "1980-01-01", "f1", "fixed_line"),  # a landline: not counted
        ("lan", "1981-01-01", "m3", "mobile"),  # another birth date: another group
        ("hoa", "1980-01-01", "m4", "mobile"), ("hoa", "1980-01-01", "m5", "mobile"),
        (None, "1980-01-01", "m6", "mobile"), ("hoa", None, "m7", "mobile"),  # unknown name or birth date
    ]
    work = _input(rows, ("name_key", "date_of_birth", "phone", "phone_type"))
    counted = [r for r in rows if r[0] and r[1] and r[3] == "mobile"]
    pairs = [(x, y) for x, y in itertools.combinations(counted, 2) if x[:2] == y[:2]]
    differ = sum(1 for x, y in pairs if x[2] != y[2])
    assert (differ, len(pairs)) == (3, 4)
    assert work_sql.one_persons_mobiles_differ(work) == pytest.approx(differ / (len(pairs) + work_sql.OTHER_PEOPLE_PRIOR_PAIRS))


def test_frequency_among_other_people_counts_mobile_numbers_where_birth_dates_are_unknown():
    """Brute force: a pair of holders not both dated but both with a mobile number counts as
    other people as often as its numbers differ beyond one person's records' rate r:
    (differing - r * pairs) / (1 - r), never below 0. Holders' emails the committed sample
    shares seldom carry birth dates, and the prior decided alone before."""
    calibration = [("lan", "1980-01-01", "m1", "mobile", None)] * 2 + [("lan", "1980-01-01", "m2", "mobile", None)]
    holders = [  # name_key, dob, phone, type, email_key
        (None, None, "q1", "mobile", "x@"), (None, None, "q2", "mobile", "x@"),  # numbers differ
        (None, None, "q3", "mobile", "y@"), (None, None, "q3", "mobile", "y@"),  # one number
        (None, None, "q4", "mobile", "z@"), (None, None, "f1", "fixed_line", "z@"),  # a landline: no witness
        (None, "1990-01-01", "r1", "mobile", "w@"), (None, "1970-05-05", "r2", "mobile", "w@"),  # dates witness
        (None, None, "r1", "mobile", "w@"),  # the first one's number
    ]
    rows = calibration + holders
    work = _input(rows, ("name_key", "date_of_birth", "phone", "phone_type", "email_key"))
    k, r = work_sql.OTHER_PEOPLE_PRIOR_PAIRS, work_sql.one_persons_mobiles_differ(work)
    assert r == pytest.approx(2 / (3 + k))
    by_n: dict[int, list[float]] = {}
    emails = [h[4] for h in holders]
    for email in set(emails):
        pairs = itertools.combinations([h for h in holders if h[4] == email], 2)
        dob_differ = dob_pairs = mobile_differ = mobile_pairs = 0
        for x, y in pairs:
            if x[1] and y[1]:
                dob_pairs, dob_differ = dob_pairs + 1, dob_differ + (x[1] != y[1])
            elif x[3] == y[3] == "mobile":
                mobile_pairs, mobile_differ = mobile_pairs + 1, mobile_differ + (x[2] != y[2])
        counts = by_n.setdefault(emails.count(email), [0.0, 0.0, 0.0, 0.0])
        for i, value in enumerate((dob_differ, dob_pairs, mobile_differ, mobile_pairs)):
            counts[i] += value
    expected = [
        (n, (dd + max(0.0, (md - r * mp) / (1 - r)) + k) / (dp + mp + k))
        for n, (dd, dp, md, mp) in sorted(by_n.items())
    ]
    assert expected == [(2, pytest.approx((2 / 3 + k) / (2 + k))), (3, pytest.approx((1 + 2 / 3 + k) / (3 + k)))]
    assert work_sql.other_people_shares(work, "email_key", r) == [(n, pytest.approx(share)) for n, share in expected]


def test_odds_from_holders_score_a_value_at_its_holders_odds_whatever_their_number():
    """With odds_from_holders a value n records hold, of whose holders' pairs a share s(n) are
    other people, has frequency s(n) / (1 - s(n)) * (1 - s(2)) / N, at most (n - 1) / N: a pair
    sharing it scores at odds proportional to (1 - s(n)) / s(n), as its holders' pairs are one
    customer, not those odds divided among the n - 1 other holders."""
    rows = [  # name_key, dob
        *[(name, "1990-01-01") for name in ("an", "binh", "chi") for _ in range(2)],  # n = 2: one customer each
        *[("dung", "1980-02-02")] * 3,  # n = 3: one customer
        ("em", "1970-01-01"), ("em", "1970-01-01"), ("em", "1955-09-09"),  # n = 3: two people
        *[("giang", f"{year}-03-03") for year in (1950, 1962, 1974, 1986, 1998)],  # n = 5: five people
        ("hoa", None),  # n = 1
    ]
    work = _input(rows, ("name_key", "date_of_birth"))
    shares = dict(work_sql.other_people_shares(work, "name_key", 0.0))
    k = work_sql.OTHER_PEOPLE_PRIOR_PAIRS
    assert shares == {2: pytest.approx(k / (3 + k)), 3: pytest.approx((2 + k) / (6 + k)), 5: 1.0}
    work_sql.create_frequency_tables(work, {"name_key": "other_people"})
    among_others = dict(work.con.execute(f"SELECT * FROM {work_sql.frequency_table('name_key')}").fetchall())
    work_sql.create_frequency_tables(work, {"name_key": "other_people_odds"})
    got = dict(work.con.execute(f"SELECT * FROM {work_sql.frequency_table('name_key')}").fetchall())
    n_records, s2, s3 = len(rows), shares[2], shares[3]
    assert got["an"] == got["hoa"] == among_others["an"] == pytest.approx(s2 / n_records)  # two holders: unchanged
    assert got["dung"] == got["em"] == pytest.approx(s3 / (1 - s3) * (1 - s2) / n_records)
    assert got["dung"] < among_others["dung"] == pytest.approx(2 * s3 / n_records)  # stronger than shared by two
    # The odds of a pair sharing the value, relative to two holders', are its holders' odds.
    assert (1 / got["em"]) / (1 / got["an"]) == pytest.approx(((1 - s3) / s3) / ((1 - s2) / s2))
    assert got["giang"] == among_others["giang"] == pytest.approx(4 / n_records)  # all others: (n - 1) / N


def test_anchored_to_holders_a_value_alone_scores_at_its_holders_odds():
    """Anchored, a value n records hold has frequency s(n) / (1 - s(n)) times the prior odds
    times m: a pair sharing it and nothing else scores at odds (1 - s(n)) / s(n), its holders'
    odds themselves, at most (n - 1) / N."""
    rows = [  # name_key, dob
        *[(name, "1990-01-01") for name in ("an", "binh", "chi") for _ in range(2)],  # n = 2: one customer each
        ("em", "1970-01-01"), ("em", "1970-01-01"), ("em", "1955-09-09"),  # n = 3: two people
        *[("giang", f"{year}-03-03") for year in (1950, 1962, 1974, 1986, 1998)],  # n = 5: five people
        ("hoa", None),  # n = 1
    ]
    work = _input(rows, ("name_key", "date_of_birth"))
    shares = dict(work_sql.other_people_shares(work, "name_key", 0.0))
    prior_odds_times_m = 3e-4
    work_sql.anchor_to_holders_odds(work, "name_key", prior_odds_times_m)
    got = dict(work.con.execute(f"SELECT * FROM {work_sql.frequency_table('name_key')}").fetchall())
    for name, n in (("an", 2), ("hoa", 2), ("em", 3)):
        assert prior_odds_times_m / got[name] == pytest.approx((1 - shares[n]) / shares[n]), name
    assert got["giang"] == pytest.approx(4 / len(rows))  # all other people: (n - 1) / N


def test_a_shared_email_alone_scores_at_its_holders_odds(reconciled):  # type: ignore[no-untyped-def]
    """The trained model scores two records that share an email, one of them without a name,
    at the odds the email's holders' pairs are one customer, whatever the prior and m."""
    from mdm.linking.comparisons import ALONE_COLUMN
    from mdm.linking.scorer import Scorer
    from mdm.store import records

    con = duckdb.connect(str(reconciled[0]), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    scorer = Scorer(settings, records.term_frequencies(con))
    std = con.sql("SELECT * FROM std_records").to_arrow_table()
    held = dict(con.execute("SELECT email_key, count(*) FROM std_records WHERE email_key IS NOT NULL GROUP BY 1").fetchall())
    con.close()
    with work_sql.work_database() as work:
        work_sql.load_std_records(work, std)
        shares = work_sql.other_people_shares(work, ALONE_COLUMN, work_sql.one_persons_mobiles_differ(work))
    for n in (2, 3):
        email = min(e for e, count in held.items() if count == n)
        share = next(s for last, s in shares if n <= last)
        row = {"email_key": email, ALONE_COLUMN: email, "email_local_digits": any(c.isdigit() for c in email)}
        (score,) = scorer.score(row, [{**row, "name_key": "an nguyen", "family": "nguyen", "given": "an"}])
        assert score.explanation["email"]["label"] == "same email, a name unknown"
        assert score.match_probability == pytest.approx(1 - share), (n, email)


def test_frequency_among_other_people_without_witnesses_is_the_frequency_among_records():
    """With no birth dates or mobile numbers to witness who is who, every other holder counts
    as someone else."""
    rows = [("an", None), ("an", None), ("an", None), ("binh", None), (None, None)]
    work = _input(rows, ("name_key", "date_of_birth"))
    work_sql.create_frequency_tables(work, {"name_key": "other_people"})
    table = work_sql.term_frequencies(work, ["name_key"])
    assert dict(zip(table["value"].to_pylist(), table["frequency"].to_pylist(), strict=True)) == {
        "an": pytest.approx(2 / 4), "binh": pytest.approx(1 / 4),
    }


def test_trained_model_has_every_u_and_counted_identifiers(reconciled):  # type: ignore[no-untyped-def]
    """No level is left to Splink's default u; the mobile level's u is no more than the counted
    share of pairs sharing a mobile (the correction for matches among them only lowers it)."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    std = con.sql("SELECT * FROM std_records").to_arrow_table()
    con.close()
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert isinstance(level.get("u_probability"), float), (comparison["output_column_name"], level)
    with work_sql.work_database() as work:
        work_sql.load_std_records(work, std)
        counted = work_sql.equal_value_rate(work, "phone", "phone_type = 'mobile'")
    (phone,) = [c for c in settings["comparisons"] if c["output_column_name"] == "phone"]
    (mobile,) = [lv for lv in phone["comparison_levels"] if lv.get("label_for_charts") == "same mobile number"]
    assert 0 < mobile["u_probability"] <= counted


def test_differences_are_never_evidence_for_a_match(reconciled):  # type: ignore[no-untyped-def]
    """An else level whose u sampling never saw (the floor) and whose m EM set above it would
    weigh a difference as a match; it weighs nothing. Every trained else level is at most even."""
    from mdm.linking.model import _differences_never_for_a_match

    settings = {"comparisons": [{"comparison_levels": [
        {"sql_condition": '"postcode_l" = "postcode_r"', "m_probability": 0.9, "u_probability": 0.1},
        {"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 5e-8},
    ]}, {"comparison_levels": [{"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 0.9}]}]}
    levels = [lv for c in _differences_never_for_a_match(settings)["comparisons"] for lv in c["comparison_levels"]]
    assert [lv["u_probability"] for lv in levels] == [0.1, 0.1, 0.9]
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    trained = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    con.close()
    for comparison in trained["comparisons"]:
        (last,) = [lv for lv in comparison["comparison_levels"] if lv.get("sql_condition") == "ELSE"]
        if isinstance(last.get("m_probability"), float):
            assert last["m_probability"] <= last["u_probability"], comparison["output_column_name"]


def test_no_level_weighs_more_than_ten_bits_against_a_match(reconciled):  # type: ignore[no-untyped-def]
    """A level EM never saw among matches (a company's tax id beside the person's own: m 6e-115,
    -379 bits) would outweigh every other comparison; it weighs 10 bits against at most. Levels
    within the bound, or for a match, keep their m; every trained level is within it."""
    from mdm.linking.model import _bounded_evidence_against

    settings = {"comparisons": [{"comparison_levels": [
        {"sql_condition": "NULL", "is_null_level": True},
        {"sql_condition": '"tax_id_l" = "tax_id_r"', "m_probability": 1.0, "u_probability": 1e-4},
        {"sql_condition": "ELSE", "m_probability": 6e-115, "u_probability": 0.9987},
    ]}, {"comparison_levels": [
        {"sql_condition": '"dob_l" = "dob_r"', "m_probability": 1e-6, "u_probability": 1e-5},
        {"sql_condition": "ELSE", "m_probability": 0.003, "u_probability": 0.9},
    ]}]}
    levels = [lv for c in _bounded_evidence_against(settings)["comparisons"] for lv in c["comparison_levels"]]
    assert [lv.get("m_probability") for lv in levels] == [None, 1.0, 0.9987 / 1024, 1e-6, 0.003]
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    trained = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    con.close()
    for comparison in trained["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if isinstance(m, float) and isinstance(u, float):
                where = (comparison["output_column_name"], level["label_for_charts"])
                assert m / u >= 2.0**-10 * (1 - 1e-12), where


def test_a_rate_seen_a_few_times_is_not_trusted():
    from mdm.linking.model import _lower_bound

    assert _lower_bound(1, 7_000) == _lower_bound(3, 7_000) == 0.0  # noise: the counted u stands
    assert 0.9 * 3_314 / 57e6 < _lower_bound(3_314, 57e6) < 3_314 / 57e6


def test_a_rate_presumed_shared_is_not_trusted_to_be_rare():
    """The other way round: a few hundred namesake pairs sharing no name-only email do not
    show that namesakes rarely share one; a million pairs do."""
    from mdm.linking.model import _upper_bound

    assert _upper_bound(0, 0) == 1.0
    assert _upper_bound(1, 196) > 5 * 1 / 196
    assert _upper_bound(0, 300) > 0.01
    assert 924 / 79_696 < _upper_bound(924, 79_696) < 1.1 * 924 / 79_696
    assert _upper_bound(50, 100) < 1.0


def test_a_name_only_email_between_namesakes_is_counted_and_never_evidence_against(reconciled):  # type: ignore[no-untyped-def]
    """Its u is at least the share of namesakes known to differ that share one, and at most
    its m: agreement on an email is never evidence against a match."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    std = con.sql("SELECT * FROM std_records").to_arrow_table()
    con.close()
    with work_sql.work_database() as work:
        work_sql.load_std_records(work, std)
        shared, total = work_sql.equal_value_pairs_among(
            work, "email_key", "NOT email_local_digits", ("family", "given"), "date_of_birth")
    (email,) = [c for c in settings["comparisons"] if c["output_column_name"] == "email"]
    (level,) = [lv for lv in email["comparison_levels"]
                if lv.get("label_for_charts") == "same name-only email, names agree"]
    assert total > 0
    assert level["u_probability"] <= level["m_probability"]
    assert level["u_probability"] >= min(0.99 * shared / total, level["m_probability"])


def test_equal_value_pairs_among_strangers_counts_people_born_far_apart():
    """Brute force: pairs with two known birth dates more than a typo or a day/month swap
    apart, and how many of them share the mobile number."""
    rows = [  # unique_id, phone, phone_type, date_of_birth
        ("a", "+8490", "mobile", "1990-01-01"),
        ("b", "+8490", "mobile", "1990-01-02"),  # one typo from a: maybe the same person
        ("c", "+8490", "mobile", "1990-03-12"),
        ("d", "+8490", "mobile", "1990-12-03"),  # c with day and month swapped
        ("e", "+8490", "mobile", "1970-05-05"),  # a stranger sharing the number
        ("f", "+8491", "mobile", "1970-05-05"),
        ("g", "+8491", "mobile", "1970-05-05"),  # the same birthday: not known to differ
        ("h", "+8490", "mobile", None),  # no birthday: not counted
        ("i", "+8492", "landline", "1980-01-01"),  # not a mobile
    ]
    work = _input(rows, ("unique_id", "phone", "phone_type", "date_of_birth"))

    def near(x: str, y: str) -> bool:
        typo = sum(p != q for p, q in zip(x, y)) <= 1
        return typo or (x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7])

    known = [r for r in rows if r[3] is not None and r[2] == "mobile"]
    pairs = [(x, y) for x, y in itertools.combinations(known, 2) if x[3] != y[3]]
    sharing = [(x, y) for x, y in pairs if x[1] == y[1] and not near(x[3], y[3])]
    counted = work_sql.equal_value_pairs_among_strangers(work, "phone", "phone_type = 'mobile'")
    assert counted == (len(sharing), len(pairs)) == (8, 18)


def test_u_among_strangers_lowers_an_overstated_u_and_never_raises_one():
    """Seven strangers' pairs sharing a mobile among 91: u becomes 7/91 where it was higher,
    and stays where it was lower (both estimates err high). Four are too few for a rate but
    bound it: u falls to the bound, never below the share seen."""
    from mdm.linking.model import _u_among_strangers, _upper_bound

    born = [f"19{50 + 3 * i}-{1 + i:02d}-{10 + i:02d}" for i in range(14)]  # all far apart
    rows = [(f"s{i}", "+8490" if i < 2 else f"+849{i}", "mobile", born[i]) for i in range(10)]
    rows += [(f"t{i}", "+8480", "mobile", born[10 + i]) for i in range(3)]
    work = _input(rows, ("unique_id", "phone", "phone_type", "date_of_birth"))
    shared, total = work_sql.equal_value_pairs_among_strangers(work, "phone", "phone_type = 'mobile'")
    assert (shared, total) == (4, 78)  # s0-s1, and the three pairs of t0-t2: too few to count
    spec = load_rules().matching

    def mobile_u(work: work_sql.WorkDB, before: float) -> float:
        settings = {"comparisons": [{"output_column_name": "phone", "comparison_levels": [
            {"label_for_charts": "same mobile number", "m_probability": 0.7, "u_probability": before}]}]}
        return _u_among_strangers(work, settings, spec)["comparisons"][0]["comparison_levels"][0]["u_probability"]

    bound = _upper_bound(4, 78)
    assert 4 / 78 < bound < 0.5
    assert mobile_u(work, 0.5) == bound
    assert mobile_u(work, 0.01) == 0.01

    rows.append(("t3", "+8480", "mobile", born[13]))  # three more pairs sharing: 7 of 91
    work = _input(rows, ("unique_id", "phone", "phone_type", "date_of_birth"))
    assert mobile_u(work, 0.5) == 7 / 91
    assert mobile_u(work, 1e-6) == 1e-6


def test_an_email_beside_an_unknown_name_has_the_m_and_u_of_the_email_over_all_pairs(reconciled):  # type: ignore[no-untyped-def]
    """Its m is the share of matches that agree on the email at all, the sum over the levels
    the name splits it into; its u that of the levels not counted among namesakes."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    con.close()
    (email,) = [c for c in settings["comparisons"] if c["output_column_name"] == "email"]
    levels = {lv.get("label_for_charts"): lv for lv in email["comparison_levels"]}
    label = "same email, a name unknown"
    m_parts, u_parts = MARGINAL_LEVELS[label]
    m, u = levels[label]["m_probability"], levels[label]["u_probability"]
    assert min(1.0, sum(levels[p]["m_probability"] for p in m_parts if p != label)) <= m <= 1.0
    assert sum(levels[p]["u_probability"] for p in u_parts if p != label) < u


def test_a_failure_inside_splink_is_told_without_the_sql_it_ran(reconciled):  # type: ignore[no-untyped-def]
    """Splink's error holds its whole statement: Ctrl-C while scoring printed 30 KB of SQL, the
    cause ("Query interrupted") last. Here a stored model names a column this version lacks."""
    from matching_rules import matching_fingerprint
    from mdm.errors import ModelError
    from mdm.linking import model as linking

    con = duckdb.connect(str(reconciled[0]), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    std = con.sql("SELECT * FROM std_records").to_arrow_table()
    con.close()
    spec = load_rules().matching
    settings["comparisons"][0]["comparison_levels"][1]["sql_condition"] = '"gone_l" = "gone_r"'
    with work_sql.work_database() as work:
        work_sql.load_std_records(work, std, spec.blocking_rules(), spec.shared_values)
        linking.create_frequency_tables(work, spec)
        with pytest.raises(ModelError) as failed:
            linking.predict(work, linking.Model("m", matching_fingerprint(spec), settings), spec)
    message = str(failed.value)
    assert message.startswith("scoring pairs failed: Binder Error") and '"gone"' in message, message
    assert len(message) < 1000 and "__splink__df_match_weight_parts" not in message, len(message)


def test_a_zip_beside_its_own_zip_plus_4_never_weighs_more_than_the_same_zip_plus_4():
    """Random sampling seldom sees "20500" beside "20500-0003": the level's u fell to the floor
    (5e-8) and it weighed +21.5 bits on a sample where the same ZIP+4 weighed 8.3. It weighs at
    most what the same postcode does; one below that keeps its u."""
    from mdm.linking.model import _never_above_the_stronger

    spec = load_rules(None).matching
    settings = compile_settings(spec).get_settings("duckdb").as_dict()
    (postcode,) = [c for c in settings["comparisons"] if c["output_column_name"] == "postcode"]
    levels = {lv["label_for_charts"]: lv for lv in postcode["comparison_levels"]}
    levels["same postcode"].update(m_probability=0.816, u_probability=2.67e-3)
    levels["same ZIP, one without its +4"].update(m_probability=0.1466, u_probability=5e-8)
    _never_above_the_stronger(settings, spec)
    weight = math.log2(0.1466 / levels["same ZIP, one without its +4"]["u_probability"])
    assert weight == pytest.approx(math.log2(0.816 / 2.67e-3))
    levels["same ZIP, one without its +4"].update(u_probability=5.55e-4)  # 8.0 bits: kept
    _never_above_the_stronger(settings, spec)
    assert levels["same ZIP, one without its +4"]["u_probability"] == 5.55e-4
