"""Companies: the match key keeps the distinctive words and drops every way of writing the legal form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.standardise import StdCompany, standardise_company

JUNK = ["\x00\x01", "\u200b\ufeff", "😀" * 3, "Cty " * 25_000, "x" * 100_000, "\ud800"]


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Công ty TNHH Thương mại Minh Phát", "thuong mai minh phat"),
        ("CÔNG TY TRÁCH NHIỆM HỮU HẠN THƯƠNG MẠI MINH PHÁT", "thuong mai minh phat"),
        ("Cty TNHH MTV Thương Mại Minh Phát", "thuong mai minh phat"),
        ("Minh Phat Trading Co., Ltd", "minh phat trading"),
        ("Minh Phat Trading Company Limited", "minh phat trading"),
        ("Minh Phát Trading JSC", "minh phat trading"),
        ("CTCP Sữa Việt Nam", "sua viet nam"),
        ("Công ty Cổ phần Sữa Việt Nam", "sua viet nam"),
        ("DNTN Phước Lộc", "phuoc loc"),
        ("Apple Inc.", "apple"),
        ("Nestlé S.A.", "nestle"),
        ("Siemens AG", "siemens"),
        ("Du lịch Sa Pa", "du lich sa pa"),  # "sa" is only a legal form at the end
        ("Co.op Mart", "co op mart"),
        ("McDonald's Corporation", "mcdonalds"),
        ("Cty TNHH TM DV An Phát", "thuong mai dich vu an phat"),
        ("Công ty TNHH Thương mại Dịch vụ An Phát", "thuong mai dich vu an phat"),
        ("Công ty CP Minh Long", "minh long"),
        ("CTCP XNK Sao Mai", "xuat nhap khau sao mai"),
        ("Northstar S.A.S.", "northstar"),
        ("GAMMA S.A.R.L.", "gamma"),  # a legal form's letters written with dots, as without them
        ("ACME G.m.b.H.", "acme"),
        ("Müller e.K.", "muller"),
        ("Beta Handels GmbH & Co. KG", "beta handels"),
        ("Schmidt UG (haftungsbeschränkt)", "schmidt"),
    ],
)
def test_match_key(value: str, key: str) -> None:
    company = standardise_company(value)
    assert company == StdCompany(value, " ".join(value.split()), key, ())


def test_legal_form_only_or_no_letters() -> None:
    assert standardise_company("Công ty TNHH") == StdCompany(
        "Công ty TNHH", "Công ty TNHH", None, ("company_invalid",)
    )
    assert standardise_company("???").flags == ("company_invalid",)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_company(value) == StdCompany(value, None, None, ())


@given(st.none() | st.text())
def test_never_raises_and_key_is_a_fixed_point(value: str | None) -> None:
    company = standardise_company(value)
    assert company.original == value
    if company.match_key is not None:
        assert standardise_company(company.match_key).match_key == company.match_key
        assert standardise_company(company.display).match_key == company.match_key


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_company(value).original == value
