"""Survivorship rules choose golden values deterministically and record their lineage."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from matching_rules import AttributeSpec, load_rules
from mdm.golden import carry_overrides, survive
from mdm.survivorship import STEWARD, STEWARD_RULE, Candidate, Override, choose


def cand(value: str, source: str = "crm", *, key: str | None = None, valid: bool = True, priority: int = 2,
         updated: str | None = None, sid: str = "1") -> Candidate:
    return Candidate(
        value=value,
        key=key or value.casefold(),
        valid=valid,
        priority=priority,
        updated_at=dt.datetime.fromisoformat(updated) if updated else None,
        source=source,
        source_id=sid,
        record_key=f"{source}:{sid}",
    )


def rules(*names: str) -> AttributeSpec:
    return AttributeSpec(rules=list(names))  # type: ignore[arg-type]


def test_source_priority_wins_and_is_recorded() -> None:
    chosen = choose(rules("source_priority"), [cand("0912", "crm", priority=2), cand("0988", "billing", priority=1)])
    assert [(c.value, c.source, c.rule) for c in chosen] == [("0988", "billing", "source_priority")]


def test_an_attribute_s_own_source_order_comes_before_the_config_s_priority() -> None:
    """The shipping system is trusted for addresses though billing is trusted most overall;
    sources the order does not name follow by their priority."""
    spec = AttributeSpec(rules=["source_priority", "most_recent"], source_order=["shipping", "sales"])
    billing, crm = cand("1 Le Loi", "billing", priority=1, sid="b"), cand("9 Hai Ba Trung", "crm", priority=2)
    shipping = cand("7 Tran Phu", "shipping", priority=3, sid="s")
    sales = cand("3 Ly Thai To", "sales", priority=4)
    chosen = choose(spec, [billing, shipping, sales])
    assert [(c.source, c.rule) for c in chosen] == [("shipping", "source_priority")]
    assert [c.source for c in choose(spec, [billing, crm, sales])] == ["sales"]
    assert [c.source for c in choose(spec, [crm, billing])] == ["billing"]
    assert [c.source for c in choose(rules("source_priority"), [billing, shipping])] == ["billing"]


def test_most_recent_then_priority() -> None:
    cands = [
        cand("old st", "billing", priority=1, updated="2020-01-01", sid="b"),
        cand("new st", "shipping", priority=3, updated="2025-06-01", sid="s"),
        cand("undated", "crm", priority=2, sid="c"),
    ]
    chosen = choose(rules("most_recent", "source_priority"), cands)[0]
    assert (chosen.value, chosen.source_id, chosen.rule) == ("new st", "s", "most_recent")


def test_most_frequent_counts_comparable_forms() -> None:
    cands = [
        cand("Nguyễn Văn An", key="nguyen van an", sid="1"),
        cand("NGUYEN VAN AN", "billing", key="nguyen van an", sid="2"),
        cand("Nguyen Van Anh", key="nguyen van anh", sid="3"),
    ]
    chosen = choose(rules("most_frequent", "most_complete"), cands)[0]
    # most_frequent keeps both spellings of "nguyen van an"; most_complete prefers the accented one
    assert (chosen.value, chosen.rule) == ("Nguyễn Văn An", "most_complete")


def test_valid_only_drops_invalid_and_may_leave_nothing() -> None:
    cands = [cand("bad@", valid=False, priority=1, sid="1"), cand("ok@x.vn", priority=2, sid="2")]
    assert choose(rules("valid_only", "source_priority"), cands)[0].value == "ok@x.vn"
    assert choose(rules("valid_only", "source_priority"), cands[:1]) == []


def test_prefer_valid_falls_back_to_invalid() -> None:
    only_invalid = [cand("+8412", valid=False)]
    assert choose(rules("prefer_valid", "most_recent"), only_invalid)[0].value == "+8412"


def test_collect_all_keeps_every_distinct_value_most_frequent_first() -> None:
    cands = [
        cand("a@x.vn", sid="1", updated="2024-01-01"),
        cand("b@x.vn", sid="2", updated="2025-01-01"),
        cand("a@x.vn", "billing", sid="3", priority=1),
        cand("bad", sid="4", valid=False),
    ]
    chosen = choose(rules("valid_only", "collect_all"), cands)
    assert [c.value for c in chosen] == ["a@x.vn", "b@x.vn"]
    assert chosen[0].source == "billing"  # the most trusted holder of the value is its lineage
    assert {c.rule for c in chosen} == {"collect_all"}


def test_single_value_and_unbroken_ties() -> None:
    assert choose(rules("most_recent"), [cand("x", sid="2"), cand("x", sid="1")])[0].rule == "only_value"
    tied = choose(rules("source_priority"), [cand("y", sid="2"), cand("x", sid="1")])[0]
    assert (tied.value, tied.rule) == ("x", "tie_break")  # smallest record key
    assert choose(rules("source_priority"), []) == []


values = st.lists(
    st.builds(
        cand,
        st.sampled_from(["a", "b", "c", "Bb"]),
        st.sampled_from(["crm", "billing", "shop"]),
        valid=st.booleans(),
        priority=st.integers(1, 3),
        updated=st.sampled_from([None, "2024-01-01", "2025-01-01"]),
        sid=st.text(alphabet="0123456789", min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda c: c.record_key,
)
rule_lists = st.lists(
    st.sampled_from(["prefer_valid", "source_priority", "most_recent", "most_frequent", "most_complete"]),
    min_size=1, max_size=4, unique=True,
)


@given(values, rule_lists, st.randoms())
def test_winner_is_a_candidate_and_order_does_not_matter(cands: list[Candidate], names: list[str], rnd: random.Random) -> None:
    spec = rules(*names)
    chosen = choose(spec, cands)
    assert len(chosen) == 1
    winner = chosen[0]
    assert any((c.value, c.source, c.source_id) == (winner.value, winner.source, winner.source_id) for c in cands)
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert choose(spec, shuffled) == chosen


@given(
    values.map(lambda cs: cs[0]),
    st.lists(st.sampled_from(["valid_only", "prefer_valid", "source_priority", "most_recent", "most_frequent",
                              "most_complete"]), min_size=1, max_size=4, unique=True),
    st.booleans(),
)
def test_a_single_candidate_gets_what_the_rules_give_it_as_a_pair_of_copies(
    c: Candidate, names: list[str], collect: bool
) -> None:
    """One candidate skips the rule loop: it must get what the loop gives two identical copies."""
    spec = rules(*names, *(["collect_all"] if collect else []))
    assert choose(spec, [c]) == choose(spec, [c, c])


_text_or_none = st.none() | st.sampled_from(["", "An", "an", "+84912345678", "a@b.vn"])
member_rows = st.fixed_dictionaries(
    {
        "record_key": st.just("crm:1"), "source": st.just("crm"), "source_id": st.just("1"),
        "priority": st.integers(1, 3), "updated_at": st.none() | st.just(dt.datetime(2025, 1, 1)),
        **{c: _text_or_none for c in ("full_name", "name_folded", "email", "email_key", "phone", "address",
                                      "address_norm", "city", "city_norm", "postcode", "country", "company",
                                      "company_key", "tax_id", "national_id")},
        "email_valid": st.none() | st.booleans(), "phone_valid": st.none() | st.booleans(),
        "date_of_birth": st.none() | st.just(dt.date(1990, 5, 1)),
        "email_others": st.none() | st.just(["an.nguyen@y.vn"]),
        "phone_others": st.none() | st.just(["+842838221234"]),
    }
)


@given(member_rows, st.sampled_from(["default", "valid_last"]))
def test_a_cluster_of_one_gets_what_the_general_path_gives(row: dict, which: str) -> None:  # type: ignore[type-arg]
    """A single member skips building candidates; the general path (two copies of the member
    take it) must agree on every value, rule and lineage entry."""
    from matching_rules import load_rules
    from mdm.golden import survive

    attributes = load_rules().attributes()
    if which == "valid_last":  # valid_only after a ranker: the ranker decides a lone value
        attributes = {k: AttributeSpec(field=a.field, rules=[*[r for r in a.rules if r != "valid_only"], "valid_only"]
                                       if "collect_all" not in a.rules else a.rules)
                      for k, a in attributes.items()}
    assert survive(attributes, [row]) == survive(attributes, [row, dict(row)])


def _override(oid: str, attribute: str, value: str | None, minute: int = 0) -> Override:
    return Override(oid, attribute, value, dt.datetime(2026, 1, 1, 0, minute))


def test_an_override_wins_and_is_listed_first_where_its_field_is_collected() -> None:
    attributes = load_rules(None).attributes()
    row = {"record_key": "crm:1", "source": "crm", "source_id": "1", "priority": 1, "updated_at": None,
           "phone": "+84901111111", "phone_valid": True, "full_name": "An Nguyen", "name_folded": "an nguyen"}
    values, lineage = survive(attributes, [row], [_override("O1", "phone", "+84902222222")])
    assert values["phone"] == "+84902222222" and values["all_phones"] == ["+84902222222", "+84901111111"]
    assert ("phone", 0, "+84902222222", STEWARD, "O1", STEWARD_RULE) in lineage
    assert [e[:3] for e in lineage if e[0] == "all_phones"] == [
        ("all_phones", 1, "+84901111111"), ("all_phones", 0, "+84902222222")]
    assert values["full_name"] == "An Nguyen"  # the others are the rules'
    values, lineage = survive(attributes, [row], [_override("O2", "phone", None)])
    assert values["phone"] is None and values["all_phones"] == ["+84901111111"]
    assert not [e for e in lineage if e[0] == "phone"]
    # One the rules no longer declare, or now collect, is left out.
    stale = [_override("O3", "nickname", "An"), _override("O4", "all_phones", "x")]
    values, _ = survive(attributes, [row], stale)
    assert "nickname" not in values and values["all_phones"] == ["+84901111111"]


def test_a_merged_records_overrides_move_unless_the_survivor_has_its_own() -> None:
    own, theirs, newer, older = (_override("O1", "phone", "1"), _override("O2", "phone", "2", 5),
                                 _override("O3", "email", "a@x.vn", 9), _override("O4", "email", "b@x.vn", 1))
    held, moves = carry_overrides({"GA": [own], "GB": [theirs, older], "GC": [newer]},
                                  {"GB": "GA", "GC": "GA", "GD": None})
    assert held == {"GA": [own, newer]} and moves == {"O3": "GA"}  # the newest email; GA's own phone
    held, moves = carry_overrides({"GB": [theirs]}, {"GB": None})  # retired into nothing: it stays unused
    assert held == {} and moves == {}


def _std(source_id: str, email: str, phone: str) -> dict:  # type: ignore[type-arg]
    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    spec = SourceSpec(name="crm", path="crm.csv", format="csv", id_column="id", phone_region="VN",
                      fields={"full_name": "name", "email": "email", "phone": "phone"})
    values = {"name": "Lê Thị Hạnh", "email": email, "phone": phone}
    return standardise_record(spec, source_id, values, today=dt.date(2026, 1, 1))


def test_collect_all_shows_every_value_a_field_held_the_other_rules_those_matched_on() -> None:
    """A field holding two numbers or addresses is matched on one; the other is the customer's
    too, so all_phones and all_emails show it (after the one matched on), and lineage names the
    record that held it. phone and email choose among the values matched on, as before."""
    attributes = load_rules(None).attributes()
    alone = _std("1", "hanh.le88@gmail.com; hanh.le@fpt.com.vn", "0903 111 222 / 028 3822 1234")
    values, lineage = survive(attributes, [alone])
    assert (values["phone"], values["all_phones"]) == ("+84903111222", ["+84903111222", "+842838221234"])
    assert values["email"] == "hanh.le88@gmail.com"
    assert values["all_emails"] == ["hanh.le88@gmail.com", "hanh.le@fpt.com.vn"]
    assert ("all_phones", 1, "+842838221234", "crm", "1", "collect_all") in lineage
    # Another member's value of the same key is one value, counted with it: most frequent first.
    other = _std("2", "hanh.le@fpt.com.vn", "028 3822 1234")
    values, _ = survive(attributes, [alone, other])
    assert values["all_phones"] == ["+842838221234", "+84903111222"]
    assert values["all_emails"] == ["hanh.le@fpt.com.vn", "hanh.le88@gmail.com"]
    # Gmail's dots: one mailbox, compared by its match key whether matched on or held beside.
    dotted = _std("3", "x@y.vn, hanhle88@gmail.com", "0903111222")
    all_emails = survive(attributes, [alone, dotted])[0]["all_emails"]
    assert all_emails == ["hanh.le88@gmail.com", "x@y.vn", "hanh.le@fpt.com.vn"]


def test_the_phone_s_extension_comes_from_the_record_its_number_came_from() -> None:
    """A company's switchboard number came without its extension ("030 1234567 Durchwahl 12" gave
    phone +49301234567 and nothing else); phone_extension now carries it, with the lineage of the
    number it belongs to. A number written without one gives none, whoever else wrote one."""
    attributes = load_rules(None).attributes()
    office = _std("1", "hanh.le88@gmail.com", "+49 30 1234567 Durchwahl 12")
    values, lineage = survive(attributes, [office])
    assert (values["phone"], values["phone_extension"]) == ("+49301234567", "12")
    assert ("phone_extension", 0, "12", "crm", "1", "only_value") in lineage
    assert values["all_phones"] == ["+49301234567"]  # E.164 as before
    switchboard = _std("0", "hanh.le88@gmail.com", "+49 30 1234567")  # the smaller key: it wins the tie
    values, lineage = survive(attributes, [office, switchboard])
    assert values["phone"] == "+49301234567" and "phone_extension" not in values
    assert not [e for e in lineage if e[0] == "phone_extension"]


def test_the_golden_postcode_is_the_zip_plus_4_its_own_zip_was_written_without() -> None:
    """A customer's ZIP+4 in billing (2024) and the plain ZIP in a later sign-up (2025): most_recent
    chose "20500", the same place said less precisely. The default rules keep "20500-0003" now;
    another ZIP, more recent, is a move and still wins, as does the newer of two +4s."""
    spec = load_rules(None).attributes()["postcode"]
    full = cand("20500-0003", "billing", updated="2024-01-01", sid="b")
    bare = cand("20500", "marketing", updated="2025-06-01", sid="m")
    assert [(c.value, c.rule) for c in choose(spec, [full, bare])] == [("20500-0003", "most_specific")]
    moved = cand("94105", "marketing", updated="2025-06-01", sid="m")
    assert [(c.value, c.rule) for c in choose(spec, [full, moved])] == [("94105", "most_recent")]
    other = cand("20500-0004", "shipping", updated="2025-01-01", sid="s")
    assert [(c.value, c.rule) for c in choose(spec, [full, bare, other])] == [("20500-0004", "most_recent")]
