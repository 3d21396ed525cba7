"""Identifiers: separators removed, placeholders and wrong shapes rejected with a flag."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.sources.config import SourceSpec
from mdm.standardise import StdIdentifier, standardise_national_id, standardise_tax_id
from mdm.standardise.record import standardise_record

JUNK = ["\x00\x01", "\u200b\ufeff", "😀" * 3, "1" * 100_000, "\ud800", "‮123456789"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("012345678", "012345678"),
        ("001 090 012 345", "001090012345"),
        ("001.090.012.345", "001090012345"),
        ("B1234567", "B1234567"),
        ("c12345678", "C12345678"),
        ("０１２３４５６７８", "012345678"),
    ],
)
def test_vietnamese_national_ids(value: str, expected: str) -> None:
    assert standardise_national_id(value) == StdIdentifier(value, expected, True, ())


@pytest.mark.parametrize(
    "value",
    ["1234567", "1234567890", "000000000", "111111111111", "N/A", "NONE", "UNKNOWN", "abc", "-", "không có"],
)
def test_invalid_vietnamese_national_ids(value: str) -> None:
    assert standardise_national_id(value) == StdIdentifier(value, None, False, ("national_id_invalid",))


def test_leading_zero_eaten_by_a_spreadsheet_is_restored() -> None:
    assert standardise_national_id("79123456789") == StdIdentifier(
        "79123456789", "079123456789", True, ("national_id_zero_restored",)
    )
    assert standardise_national_id("21234567").value == "021234567"
    assert standardise_national_id("07912345678").value is None  # its zero kept: short for another reason


def test_a_float_columns_fraction_is_no_digit_of_the_id() -> None:
    assert standardise_national_id("79123456789.0") == StdIdentifier(
        "79123456789.0", "079123456789", True, ("national_id_zero_restored",)
    )
    assert standardise_national_id("079123456789.0").value == "079123456789"
    assert standardise_tax_id("101234567.0") == StdIdentifier(
        "101234567.0", "0101234567", True, ("tax_id_zero_restored",)
    )
    assert standardise_tax_id("0101234567.00").value == "0101234567"
    assert standardise_national_id("B1234567.0", region="GB").value == "B12345670"  # not a number: kept as written


def test_an_id_a_spreadsheet_wrote_in_scientific_notation_is_no_id() -> None:
    """Excel keeps six digits of "7.91235E+10": 79123500000 is another person's number."""
    assert standardise_national_id("7.91235E+10") == StdIdentifier(
        "7.91235E+10", None, False, ("national_id_scientific_notation",)
    )
    assert standardise_tax_id("1,01235E+9").flags == ("tax_id_scientific_notation",)  # a comma locale
    assert standardise_tax_id("1E+9", region="GB").value is None
    assert standardise_national_id("12E45678", region="GB").value == "12E45678"  # no "+": an id with an E


@pytest.mark.parametrize("value", ["PB1992820", "12AB34567", "E1234567A", "CHY14F6T7"])
def test_foreign_passports_in_vietnamese_data_are_kept_and_flagged(value: str) -> None:
    assert standardise_national_id(value) == StdIdentifier(value, value, False, ("national_id_nonstandard",))


def test_labels_are_removed() -> None:
    assert standardise_national_id("CCCD: 079 123 456 789").value == "079123456789"
    assert standardise_tax_id("MST: 0101234567").value == "0101234567"
    assert standardise_tax_id("MST 0101234567-001").value == "0101234567001"


def test_other_regions_accept_any_plausible_identifier() -> None:
    assert standardise_national_id("ab-123 456", "GB").value == "AB123456"
    assert standardise_national_id("123-45-6789", None).value == "123456789"
    assert standardise_national_id("1234", None).flags == ("national_id_invalid",)
    assert standardise_national_id("A" * 21, "US").value is None
    assert standardise_national_id("000-00-0000", "US").value is None


@pytest.mark.parametrize(
    ("value", "expected"), [("0101234567", "0101234567"), ("0101234567-001", "0101234567001")]
)
def test_vietnamese_tax_ids(value: str, expected: str) -> None:
    assert standardise_tax_id(value) == StdIdentifier(value, expected, True, ())


@pytest.mark.parametrize("value", ["010123456", "01012345670", "0000000000", "n/a"])
def test_invalid_vietnamese_tax_ids(value: str) -> None:
    assert standardise_tax_id(value) == StdIdentifier(value, None, False, ("tax_id_invalid",))


def test_foreign_tax_ids() -> None:
    # Its own country's code is left out: the same id as a system writing 123456789 holds.
    assert standardise_tax_id("DE123456789", "DE") == StdIdentifier("DE123456789", "123456789", True, ())
    assert standardise_tax_id("GB 456 2777 50") == StdIdentifier(
        "GB 456 2777 50", "GB456277750", False, ("tax_id_nonstandard",)
    )


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_national_id(value) == StdIdentifier(value, None, False, ())
    assert standardise_tax_id(value) == StdIdentifier(value, None, False, ())


@given(
    st.none() | st.text() | st.from_regex(r"[0-9A-Za-z .-]{0,16}", fullmatch=True),
    st.sampled_from(["VN", "vn", "US", None]),
)
def test_never_raises_and_value_is_a_fixed_point(value: str | None, region: str | None) -> None:
    for standardise in (standardise_national_id, standardise_tax_id):
        result = standardise(value, region)
        assert result.original == value
        assert result.value is not None or not result.is_valid
        if result.value is not None:
            again = standardise(result.value, region)
            assert (again.value, again.is_valid) == (result.value, result.is_valid)


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_national_id(value).original == value
    assert standardise_tax_id(value, None).original == value


@pytest.mark.parametrize(("value", "region", "country", "expected"), [
    ("DE 123 456 789", None, "DE", "123456789"),  # a German VAT id with its country code ...
    ("123456789", None, "DE", "123456789"),  # ... is the same id as written without it
    ("VN 0101234567", "VN", None, "0101234567"),  # the source's region, for a record of no country
    ("EL094259216", None, "GR", "094259216"),  # Greece's VAT ids are written EL (an AFM)
    ("DE123456789", "VN", "DE", "123456789"),  # a foreign VAT id in a Vietnamese system, not zero-filled
    ("SC123456", None, "GB", "SC123456"),  # a Scottish company number: SC is not the record's country
    ("0101234567", "VN", "01", "0101234567"),  # digits are no country code
])
def test_a_tax_id_written_with_its_own_countrys_code_is_the_same_id(
    value: str, region: str | None, country: str | None, expected: str
) -> None:
    assert standardise_tax_id(value, region, country) == StdIdentifier(value, expected, True, ())


@pytest.mark.parametrize(("value", "kind", "expected", "valid", "flags"), [
    ("529.982.247-25", "national_id", "52998224725", True, ()),  # a CPF, its check digits right
    ("529.982.247-26", "national_id", "52998224726", False, ("national_id_check_digits",)),  # mistyped
    ("1234567890", "national_id", "01234567890", True, ("national_id_zero_restored",)),  # 012.345.678-90
    ("12.345.678-9", "national_id", "123456789", True, ()),  # no CPF (an RG): as written
    ("11.222.333/0001-81", "tax_id", "11222333000181", True, ()),  # a CNPJ
    ("11.222.333/0001-82", "tax_id", "11222333000182", False, ("tax_id_check_digits",)),
])
def test_brazilian_cpf_and_cnpj_check_digits(
    value: str, kind: str, expected: str, valid: bool, flags: tuple[str, ...]
) -> None:
    standardise = standardise_national_id if kind == "national_id" else standardise_tax_id
    assert standardise(value, "BR") == StdIdentifier(value, expected, valid, flags)


@pytest.mark.parametrize(("value", "region", "expected", "valid", "flags"), [
    ("10000000146", "TR", "10000000146", True, ()),  # a TC Kimlik No, its check digits right
    ("10000000147", "TR", "10000000147", False, ("national_id_check_digits",)),  # its last digit mistyped
    ("01000000146", "TR", "01000000146", False, ("national_id_check_digits",)),  # none starts with 0
    ("44051401359", "PL", "44051401359", True, ()),  # a PESEL
    ("44051401358", "PL", "44051401358", False, ("national_id_check_digits",)),
    ("111 222 333", "NL", "111222333", True, ()),  # a BSN (elfproef)
    ("111222334", "NL", "111222334", False, ("national_id_check_digits",)),
    ("12345672", "NL", "012345672", True, ("national_id_zero_restored",)),  # BSN 012345672, zero eaten
    ("85.07.30-033.28", "BE", "85073003328", True, ()),  # a Belgian national number
    ("01.01.01-001.26", "BE", "01010100126", True, ()),  # one born in 2001: 2 before its digits
    ("85.07.30-033.29", "BE", "85073003329", False, ("national_id_check_digits",)),
    ("811228-9874", "SE", "8112289874", True, ()),  # a Swedish personnummer
    ("19811228-9874", "SE", "8112289874", True, ()),  # the same, with its century: one id
    ("811228-9875", "SE", "8112289875", False, ("national_id_check_digits",)),
    ("046 454 286", "CA", "046454286", True, ()),  # a Canadian SIN (Luhn over 9 digits)
    ("046-454-287", "CA", "046454287", False, ("national_id_check_digits",)),
    ("46454286", "CA", "046454286", True, ("national_id_zero_restored",)),  # its zero eaten by a spreadsheet
    ("01013099997", "GR", "01013099997", True, ()),  # a Greek AMKA (Luhn over 11 digits)
    ("01013099999", "GR", "01013099999", False, ("national_id_check_digits",)),
])
def test_national_ids_with_check_digits(
    value: str, region: str, expected: str, valid: bool, flags: tuple[str, ...]
) -> None:
    """A mistyped TC Kimlik No, PESEL, BSN, Belgian number, personnummer, SIN or AMKA was a valid id;
    the personnummer with its century was another document (12 digits beside 10)."""
    assert standardise_national_id(value, region) == StdIdentifier(value, expected, valid, flags)


@pytest.mark.parametrize(("value", "region", "kind", "expected", "valid", "flags"), [
    ("11010519491231002X", "CN", "national_id", "11010519491231002X", True, ()),  # a resident id
    ("11010519491231002x", "CN", "national_id", "11010519491231002X", True, ()),  # its X typed small
    ("110105194912310021", "CN", "national_id", "110105194912310021", False, ("national_id_check_digits",)),
    ("RSSMRA85T10A562S", "IT", "national_id", "RSSMRA85T10A562S", True, ()),  # a codice fiscale
    ("rssmra85t10a562s", "IT", "tax_id", "RSSMRA85T10A562S", True, ()),  # held as the tax code
    ("RSSMRA85T10A562T", "IT", "national_id", "RSSMRA85T10A562T", False, ("national_id_check_digits",)),
    ("RSSMRA85T1LA562V", "IT", "national_id", "RSSMRA85T1LA562V", True, ()),  # a digit as a letter (omocodia)
    ("12345678-Z", "ES", "national_id", "12345678Z", True, ()),  # a DNI
    ("12345678A", "ES", "national_id", "12345678A", False, ("national_id_check_digits",)),
    ("X-1234567-L", "ES", "national_id", "X1234567L", True, ()),  # a NIE
    ("X1234567T", "ES", "tax_id", "X1234567T", False, ("tax_id_check_digits",)),
    ("B12345678", "ES", "tax_id", "B12345678", True, ()),  # a company's CIF: another shape, not held to it
    ("A123456(3)", "HK", "national_id", "A1234563", True, ()),  # a Hong Kong identity card
    ("A123456(7)", "HK", "national_id", "A1234567", False, ("national_id_check_digits",)),
    ("AB987654(A)", "HK", "national_id", "AB987654A", False, ("national_id_check_digits",)),
    ("AB987654(3)", "HK", "national_id", "AB9876543", True, ()),  # two letters before its digits
    ("G12345678", "CN", "national_id", "G12345678", True, ()),  # a passport: no resident id's shape
])
def test_ids_ending_with_a_check_letter(
    value: str, region: str, kind: str, expected: str, valid: bool, flags: tuple[str, ...]
) -> None:
    """A mistyped Chinese resident id, codice fiscale, DNI, NIE or Hong Kong identity card was a valid
    id (one letter off another customer's); a Hong Kong card, its check digit in brackets, was no id."""
    standardise = standardise_national_id if kind == "national_id" else standardise_tax_id
    assert standardise(value, region) == StdIdentifier(value, expected, valid, flags)


def test_check_digits_are_the_records_own_countrys() -> None:
    """A Benelux CRM (phone region NL) holds Belgians' national numbers: the record's country decides,
    and the source's region still applies where that country has no rule for the id's length."""
    assert standardise_national_id("85.07.30-033.29", "NL", "BE").flags == ("national_id_check_digits",)
    assert standardise_national_id("111222334", "NL", "BE").flags == ("national_id_check_digits",)
    assert standardise_national_id("85073003329", "NL").flags == ()  # no rule for 11 digits in NL
    assert standardise_national_id("529.982.247-26", "BR", "PT").flags == ("national_id_check_digits",)


def test_a_record_reads_its_national_id_by_its_own_country() -> None:
    """A Belgian customer (a +32 mobile) of a Dutch source: their mistyped national number is flagged."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="NL",
                      fields={"phone": "phone", "national_id": "nid"})
    values = {"phone": "+32 470 12 34 56", "nid": "85.07.30-033.29"}
    record = standardise_record(spec, "1", values, today=dt.date(2026, 1, 1))
    assert record["national_id"] == "85073003329"
    assert "national_id_check_digits" in record["dq_flags"]


@pytest.mark.parametrize("value", ["٧٨٤-١٩٨٥-١٢٣٤٥٦٧-١", "۷۸۴-۱۹۸۵-۱۲۳۴۵۶۷-۱", "784-1985-1234567-1"])
def test_arabic_indic_digits_are_the_id_they_spell(value: str) -> None:
    """An Emirates id in Arabic-Indic (or Persian) digits was flagged national_id_invalid and lost."""
    assert standardise_national_id(value, "AE") == StdIdentifier(value, "784198512345671", True, ())


@pytest.mark.parametrize(("value", "expected", "valid", "flags"), [
    ("094259216", "094259216", True, ()),  # an AFM
    ("EL 094259216", "094259216", True, ()),  # written as a VAT id, with Greece's EL
    ("094259217", "094259217", False, ("tax_id_check_digits",)),  # its last digit mistyped
    ("EL094259217", "094259217", False, ("tax_id_check_digits",)),
    ("94259216", "094259216", True, ("tax_id_zero_restored",)),  # its zero eaten by a spreadsheet
])
def test_a_greek_tax_id_is_held_to_its_check_digit(
    value: str, expected: str, valid: bool, flags: tuple[str, ...]
) -> None:
    """A mistyped AFM was a valid tax id one digit off another customer's, and one a spreadsheet cut
    its leading zero from was another id than the same written whole."""
    assert standardise_tax_id(value, "GR") == StdIdentifier(value, expected, valid, flags)
