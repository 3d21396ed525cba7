"""Phones: E.164 with the 2018 Vietnamese renumbering undone; invalid numbers keep their key."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.sources.config import SourceSpec
from mdm.standardise import StdPhone, nfc_clean, standardise_phone
from mdm.standardise.phones import e164_start
from mdm.standardise.record import standardise_record

JUNK = ["\x00\x01", "\u200b\ufeff", "😀" * 3, "9" * 100_000, "+" * 1_000, "0" * 50, "\ud800", "‮123"]


@pytest.mark.parametrize(
    "value",
    [
        "0381234567",
        "038 123 4567",
        "038.123.4567",
        "(038) 123-4567",
        "+84 38 123 4567",
        "(+84) 038 123 4567",
        "0084 38 123 4567",
        "84381234567",
        "+84381234567",
        "038 123 4567 ext 12",
        "0381234567x12",
        "381234567.0",  # through a float column: the leading zero and a fraction
        "84381234567.0",
        "84381234567,0",  # a float with a decimal comma, as a German or French spreadsheet writes it
        "381234567,00",
    ],
)
def test_written_forms_of_one_mobile(value: str) -> None:
    extension = "12" if value.endswith("12") else None
    expected = StdPhone(value, "+84381234567", True, "mobile", (), extension=extension)
    assert standardise_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    ["0168 123 4567", "+84 168 123 4567", "84 168 123 4567", "0084 168 123 4567", "+84 (0)168 1234567"],
)
def test_pre_2018_mobile_prefix_is_converted(value: str) -> None:
    phone = standardise_phone(value)
    assert (phone.e164, phone.is_valid, phone.flags) == (
        "+84381234567",
        True,
        ("phone_old_vn_prefix_converted",),
    )


@pytest.mark.parametrize("value", ["04 3822 1234", "(04) 38221234", "+84 4 3822 1234", "0084 4 3822 1234"])
def test_a_pre_2017_hanoi_area_code_is_converted(value: str) -> None:
    """Hà Nội's area code 04 became 024 in 2017; no number today starts with 04, so the old form
    is the same line as "024 3822 1234" and was an invalid key of its own."""
    phone = standardise_phone(value)
    assert (phone.e164, phone.is_valid, phone.line_type, phone.flags) == (
        "+842438221234", True, "fixed_line", ("phone_old_vn_prefix_converted",)
    )


def test_an_old_hanoi_looking_number_valid_in_the_customer_s_country_is_read_there() -> None:
    """An Australian mobile is written 04xx xxx xxx: from a customer in Perth it is one, not a
    Hà Nội landline; nor is one that would not be a valid 024 number today."""
    assert standardise_phone("0409 997 608", "VN", "AU").e164 == "+61409997608"
    assert standardise_phone("0409 997 608", "VN").e164 == "+84409997608"
    # A customer known to live abroad: no Hà Nội landline, even where the number is not valid there.
    assert standardise_phone("0441 046 037", "VN", "AU").e164 == "+84441046037"
    assert standardise_phone("+84 4 3822 1234", "VN", "AU").e164 == "+842438221234"


def test_an_old_hcmc_area_code_is_read_as_today_s_mobile() -> None:
    """HCMC's 08 became 028, but "08 3822 1234" is also the mobile 083 822 1234 today: left so."""
    phone = standardise_phone("08 3822 1234")
    assert (phone.e164, phone.line_type, phone.flags) == ("+84838221234", "mobile", ())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0162", "+8432"),
        ("0169", "+8439"),
        ("0120", "+8470"),
        ("0121", "+8479"),
        ("0122", "+8477"),
        ("0126", "+8476"),
        ("0128", "+8478"),
        ("0123", "+8483"),
        ("0124", "+8484"),
        ("0125", "+8485"),
        ("0127", "+8481"),
        ("0129", "+8482"),
        ("0186", "+8456"),
        ("0188", "+8458"),
        ("0199", "+8459"),
    ],
)
def test_every_old_prefix(old: str, new: str) -> None:
    assert standardise_phone(f"{old}1234567").e164 == f"{new}1234567"


def test_ten_digit_numbers_are_not_renumbered() -> None:
    phone = standardise_phone("0123987654")  # 012 + 7 digits is not an old 0123 number
    assert (phone.e164, phone.flags) == ("+84123987654", ("phone_invalid",))
    assert standardise_phone("0912345678").e164 == "+84912345678"


@pytest.mark.parametrize(("value", "region"), [
    ("(21) 8765-4321", "BR"), ("21 8765 4321", "BR"), ("+55 21 8765-4321", None), ("021 8765-4321", "BR")])
def test_an_old_brazilian_mobile_gets_its_ninth_digit(value: str, region: str | None) -> None:
    """Brazil put a 9 before every mobile's eight digits (2012–2016): the old number is today's."""
    assert standardise_phone(value, region) == StdPhone(
        value, "+5521987654321", True, "mobile", ("phone_old_br_mobile_converted",))
    # A landline's eight digits start with 2 to 5 and kept them; today's mobile is read as written.
    assert standardise_phone("(11) 3322-1100", "BR").e164 == "+551133221100"
    assert standardise_phone("(21) 98765-4321", "BR").flags == ()


def test_fixed_line_and_other_regions() -> None:
    assert standardise_phone("028 3823 4567") == StdPhone(
        "028 3823 4567", "+842838234567", True, "fixed_line", ()
    )
    assert standardise_phone("+1 415 555 2671").e164 == "+14155552671"
    assert standardise_phone("(415) 555-2671", "US").e164 == "+14155552671"
    assert standardise_phone("+44 20 7946 0000", None).line_type == "fixed_line"
    assert standardise_phone("0381234567", None).flags == ("phone_unparseable",)


def test_invalid_numbers_keep_their_e164() -> None:
    # 052 is a mobile range phonenumbers does not know yet: still a mobile for matching.
    assert standardise_phone("0521234567") == StdPhone(
        "0521234567", "+84521234567", False, "mobile", ("phone_invalid",)
    )
    assert standardise_phone("+84 1234567").flags == ("phone_invalid",)
    assert standardise_phone("+84 1234567").line_type == "other"


def test_several_numbers_in_one_field_use_the_first() -> None:
    phone = standardise_phone("0912 345 678 / 0987 654 321")
    assert (phone.e164, phone.flags) == ("+84912345678", ("phone_multiple",))


@pytest.mark.parametrize(
    "value", ["0123 456 789 / 0912 345 678", "12345678; 0912345678", "0999999 / 0912345678"]
)
def test_several_numbers_in_one_field_use_the_first_valid(value: str) -> None:
    """A placeholder or a number too short to be one, first in the field, does not hide the real one."""
    phone = standardise_phone(value)
    assert (phone.original, phone.e164, phone.is_valid) == (value, "+84912345678", True)
    assert phone.flags == ("phone_multiple",)


@pytest.mark.parametrize(
    ("value", "region", "first", "other"),
    [
        ("0901234567 - 0912345678", "VN", "+84901234567", "+84912345678"),
        ("0901234567-0912345678", "VN", "+84901234567", "+84912345678"),
        ("0901234567 0912345678", "VN", "+84901234567", "+84912345678"),
        ("0901234567 & 0912345678", "VN", "+84901234567", "+84912345678"),
        ("0901234567\n028 3823 4567", "VN", "+84901234567", "+842838234567"),
        ("028 3823 4567 0903 123 456", "VN", "+842838234567", "+84903123456"),
        ("06 12345678 - 020 123 4567", "NL", "+31612345678", "+31201234567"),
    ],
)
def test_whole_numbers_side_by_side_are_several(value: str, region: str, first: str, other: str) -> None:
    """A call centre's two numbers with a dash, spaces or a line between them: both numbers were lost
    (flagged phone_unparseable, twenty digits read as one); now read as a field holding several."""
    phone = standardise_phone(value, region)
    assert (phone.e164, phone.flags, phone.others) == (first, ("phone_multiple",), (other,))


@pytest.mark.parametrize("value", ["028 3823 4567 89", "0901234567 123", "0901 234 5678 9012"])
def test_a_number_with_digits_too_many_is_not_cut_into_two(value: str) -> None:
    """Only whole valid numbers are parted: a tail that is no whole number leaves the field one
    unreadable number, as before."""
    assert "phone_multiple" not in standardise_phone(value).flags


def test_several_numbers_none_valid_use_the_first_that_is_a_number() -> None:
    """A placeholder first is no number; the second is, though phonenumbers does not know its range."""
    phone = standardise_phone("0123 456 789 / 0521 234 567")
    assert (phone.e164, phone.flags) == ("+84521234567", ("phone_multiple", "phone_invalid"))


def test_the_other_numbers_of_a_field_are_kept_for_collect_all() -> None:
    phone = standardise_phone("0901234567; 028 3822 1234 / 0901 234 567, 0123456789")
    assert (phone.e164, phone.others) == ("+84901234567", ("+842838221234",))


@pytest.mark.parametrize(
    "value", ["n/a", "123", "abc", "0000000000", "+84 000 000 000", "12-34", "1111111111"]
)
def test_garbage_is_unparseable(value: str) -> None:
    assert standardise_phone(value) == StdPhone(value, None, False, None, ("phone_unparseable",))


@pytest.mark.parametrize("value", ["8.49123E+10", "8,49123E+10", "9.12346e+8", "8E+10"])
def test_a_number_a_spreadsheet_wrote_in_scientific_notation_is_no_number(value: str) -> None:
    """"8.49123E+10" kept six digits of 84912345678: the number made of them is another's."""
    assert standardise_phone(value) == StdPhone(value, None, False, None, ("phone_scientific_notation",))


@pytest.mark.parametrize("value", ["0123456789", "0123 456 789", "+84 987 654 321", "+33 1 23 45 67 89", "01 2345 6789"])
def test_placeholders_are_flagged_and_not_matched_on(value: str) -> None:
    assert standardise_phone(value) == StdPhone(value, None, False, None, ("phone_placeholder",))


@pytest.mark.parametrize("value", ["0912 345 678", "038 123 4567", "0988 888 888"])
def test_numbers_with_a_run_inside_are_real(value: str) -> None:
    assert standardise_phone(value).e164 is not None


@pytest.mark.parametrize("value", [None, "", "  ", "\t"])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_phone(value) == StdPhone(value, None, False, None, ())


PHONE_LIKE = st.from_regex(r"[+0-9 ().-]{0,20}", fullmatch=True)


@given(st.none() | st.text() | PHONE_LIKE, st.sampled_from(["VN", "US", "GB", None, "vn", "ZZ"]))
def test_never_raises_and_e164_is_a_fixed_point(value: str | None, region: str | None) -> None:
    phone = standardise_phone(value, region)
    assert phone.original == value
    assert phone.line_type in {None, "mobile", "fixed_line", "other"}
    if phone.e164 is not None:
        assert phone.e164.startswith("+") and phone.e164[1:].isdigit()
        again = standardise_phone(phone.e164, region)
        assert (again.e164, again.is_valid, again.line_type) == (phone.e164, phone.is_valid, phone.line_type)
    else:
        assert not phone.is_valid
        assert ("phone_unparseable" in phone.flags) is (nfc_clean(value) is not None)


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_phone(value).original == value


def test_country_code_written_without_plus() -> None:
    assert standardise_phone("1-646-705-1859").e164 == "+16467051859"
    assert standardise_phone("61462594583").e164 == "+61462594583"  # a JSON number that lost its "+"
    assert standardise_phone("912345678").e164 == "+84912345678"  # a national number without its 0


def test_country_code_without_plus_where_there_is_no_region() -> None:
    """A source with no ``phone_region`` and a record of no known country (an integer column's numbers):
    before, the digits were unparseable, though with any region they read as their country's."""
    got = standardise_phone("4915112345678", None)
    assert (got.e164, got.is_valid, got.line_type, got.flags) == ("+4915112345678", True, "mobile", ())
    assert standardise_phone("0151 12345678", None).flags == ("phone_unparseable",)  # a national number
    assert standardise_phone("2025550123", None, "US").e164 == "+12025550123"  # its home's, not +20 ...


def test_the_regions_own_country_code_without_plus_is_not_read_as_a_national_number() -> None:
    """German numbers vary in length, so "4915112345678" reads as a valid national number
    (+49 4915 ...); without the trunk prefix 0 it is the international form that lost its "+"."""
    got = standardise_phone("4915112345678", "DE")
    assert (got.e164, got.is_valid, got.line_type) == ("+4915112345678", True, "mobile")
    assert standardise_phone("0151 12345678", "DE").e164 == "+4915112345678"
    assert standardise_phone("4930123456", "DE").e164 == "+4930123456"
    assert standardise_phone("16467051859", "US").e164 == "+16467051859"  # the US trunk prefix is 1


_VN_NUMBER = st.tuples(
    st.sampled_from(["+84", "0", "84", "+840", "0084"]),
    st.text(alphabet="0123456789", min_size=8, max_size=10),
    st.sampled_from(["VN", "US", None]),
)


@given(_VN_NUMBER)
def test_the_vietnamese_shortcut_equals_phonenumbers_text_parsing(parts: tuple[str, str, str | None]) -> None:
    from mdm.standardise import phones

    prefix, digits, region = parts
    international, all_digits = phones._digits(prefix + digits)
    candidate, _ = phones._candidate(international, all_digits, region)
    assert phones._parse(candidate, region, all_digits) == phones._parse_text(candidate, region, all_digits)


@pytest.mark.parametrize("nsn", ["912345678", "381234567", "243123456", "281234567", "599999999", "888888888"])
def test_the_vietnamese_shortcut_on_mobiles_and_landlines(nsn: str) -> None:
    from mdm.standardise import phones

    for candidate, region in (("+84" + nsn, None), ("0" + nsn, "VN")):
        assert phones._parse(candidate, region, candidate.lstrip("+")) == phones._parse_text(
            candidate, region, candidate.lstrip("+")
        )


def test_a_vietnamese_numbers_type_is_decided_by_its_first_digits() -> None:
    """The shortcut types a number by its first VN_TYPE_PREFIX digits and its length: true of
    the installed metadata for every prefix, whatever digits follow."""
    import random

    import phonenumbers

    from mdm.standardise import phones

    rng = random.Random(7)
    rest = 9 - phones.VN_TYPE_PREFIX
    for first in range(10 ** (phones.VN_TYPE_PREFIX - 1), 10**phones.VN_TYPE_PREFIX):
        prefix = str(first)
        for _ in range(3):
            nsn = prefix + "".join(rng.choice("0123456789") for _ in range(rest))
            number = phonenumbers.PhoneNumber(country_code=84, national_number=int(nsn))
            assert phones.vn_number_type(prefix, 9) == phonenumbers.number_type(number), nsn


def test_a_number_invalid_in_the_sources_region_is_read_in_the_records_country() -> None:
    assert standardise_phone("07481 719029", "VN", "GB").e164 == "+447481719029"
    assert standardise_phone("017025316618", "VN", "DE").e164 == "+4917025316618"
    # Valid in the source's region, or written with a country code: the record's country is not asked.
    assert standardise_phone("0912 345 678", "VN", "GB").e164 == "+84912345678"
    assert standardise_phone("+84 912 345 678", "VN", "DE").e164 == "+84912345678"
    # Invalid in both: as the source's region reads it, flagged.
    unknown = standardise_phone("07481 719029", "VN", "US")
    assert (unknown.e164, unknown.flags) == ("+847481719029", ("phone_invalid",))


@pytest.mark.parametrize(
    ("city", "country", "e164"),
    [
        ("London", None, "+447481719029"),  # the city's country
        ("Hà Nội", "GB", "+447481719029"),  # the record's country field first
        ("Springfield", None, "+847481719029"),  # an unknown city: the source's region, flagged invalid
    ],
)
def test_a_record_reads_its_phone_in_its_own_country(city: str, country: str | None, e164: str) -> None:
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                      fields={"phone": "phone", "city": "city", "country": "country"})
    values = {"phone": "07481 719029", "city": city, "country": country}
    assert standardise_record(spec, "1", values, today=dt.date(2026, 1, 1))["phone"] == e164


@pytest.mark.parametrize(
    "value", ["030 1234567 Durchwahl 12", "030 1234567 DW 12", "030 1234567 Nebenstelle 12",
              "030 1234567 Nst. 12", "030 1234567 poste 12", "030 1234567 extensión 12"],
)
def test_an_extension_written_in_german_french_or_spanish_is_no_part_of_the_number(value: str) -> None:
    """Its digits were read as the number's: 030 1234567 Durchwahl 12 was +4930123456712."""
    assert standardise_phone(value, "DE").e164 == "+49301234567"


@pytest.mark.parametrize(("value", "region", "e164"), [
    ("+7 495 123-45-67 доб. 123", "RU", "+74951234567"), ("044 123 4567 дод. 12", "UA", "+380441234567"),
    ("210 3234567 εσωτ. 12", "GR", "+302103234567"), ("06 12345678 interno 12", "IT", "+390612345678"),
    ("020 123 4567 toestel 12", "NL", "+31201234567"), ("22 123 45 67 wew. 12", "PL", "+48221234567"),
    ("11 3123-4567 ramal 12", "BR", "+551131234567"), ("212 123 45 67 dahili 12", "TR", "+902121234567"),
    ("02-312-3456 내선 12", "KR", "+8223123456"), ("03-1234-5678 内線 12", "JP", "+81312345678"),
    ("010-12345678转12", "CN", "+861012345678"),
])
def test_an_extension_after_its_word_in_other_languages_is_no_part_of_the_number(
    value: str, region: str, e164: str
) -> None:
    """A Russian CRM's "+7 495 123-45-67 доб. 123" was +74951234567123 and invalid, as was each of these."""
    phone = standardise_phone(value, region)
    assert (phone.e164, phone.is_valid, phone.extension) == (e164, True, re.findall(r"\d+", value)[-1])


@pytest.mark.parametrize("value", ["030/1234567-12", "030 1234567-12", "+49 30 1234567-0", "0301234567 - 12"])
def test_an_extension_after_a_hyphen_as_din_5008_writes_it_is_no_part_of_the_number(value: str) -> None:
    """030/1234567-12 was +4930123456712: a German number whose area code accepts any length."""
    assert standardise_phone(value, "DE").e164 == "+49301234567"


@pytest.mark.parametrize(("value", "extension"), [
    ("030 1234567 Durchwahl 12", "12"), ("030 1234567 ext. 12", "12"), ("030 1234567x12", "12"),
    ("030/1234567-12", "12"), ("+49 30 1234567-0", "0"), ("030 1234567 DW: 0815", "0815"),
    ("030 1234567", None), ("030 123-4567", None),  # a number's own digits grouped with a hyphen
])
def test_an_extension_is_kept_beside_the_number(value: str, extension: str | None) -> None:
    """It was dropped: two employees behind one switchboard (030 1234567 DW 12 and DW 34) held one
    phone and nothing else, though the extension is what tells their lines apart."""
    phone = standardise_phone(value, "DE")
    assert (phone.e164, phone.extension) == ("+49301234567", extension)


def test_a_number_that_gives_no_key_keeps_no_extension() -> None:
    assert standardise_phone("12 ext. 34", "DE").extension is None


def test_the_extension_of_the_number_read_from_several_is_its_own() -> None:
    phone = standardise_phone("0912 345 678 / 028 3822 1234 ext 5", "VN")
    assert (phone.e164, phone.extension, phone.others) == ("+84912345678", None, ("+842838221234",))


@pytest.mark.parametrize(("value", "region", "expected"), [
    ("0912-345-678", "VN", "+84912345678"),
    ("028-3823-4567", "VN", "+842838234567"),
    ("+1 555-123-4567", "VN", "+15551234567"),
    ("(613) 555-0142", "US", "+16135550142"),
    ("020 7946-0958", "GB", "+442079460958"),
    ("030 123-4567", "DE", "+49301234567"),  # "030 123" is valid, but too short to be a whole number
    ("089 1234-56", "DE", "+4989123456"),
])
def test_a_number_grouped_with_hyphens_keeps_its_last_group(value: str, region: str, expected: str) -> None:
    assert standardise_phone(value, region).e164 == expected


@pytest.mark.parametrize(
    ("value", "region", "e164", "extension"),
    [
        ("1-800-FLOWERS", "US", "+18003569377", None),
        ("+1 800 FLOWERS", "VN", "+18003569377", None),
        ("800-FLOWERS", "US", "+18003569377", None),
        ("1-800-FLOWERS x12", "US", "+18003569377", "12"),
        ("1-800-GOT-JUNK", "US", "+18004685865", None),
        ("0800 FLOWERS", "GB", "+448003569377", None),
    ],
)
def test_a_vanity_number_is_read_on_the_keypad(
    value: str, region: str, e164: str, extension: str | None
) -> None:
    """"1-800-FLOWERS": its digits alone were 1800, flagged phone_unparseable. Spelt on the keypad it is
    the business's toll-free number, as "1-800-356-9377" is, and flagged as spelt."""
    assert standardise_phone(value, region) == StdPhone(value, e164, True, "other", ("phone_vanity",),
                                                        extension=extension)
    assert standardise_phone("1-800-356-9377", "US").e164 == "+18003569377"


@pytest.mark.parametrize("value", ["0912 ABC 123", "0912345678 (Lan)", "1-800-FLOWERS-NOW"])
def test_letters_that_spell_no_business_number_are_no_vanity_number(value: str) -> None:
    # "0912 ABC 123" spelt is 0912 222 123, a valid mobile: letters with a mobile are no vanity number.
    assert "phone_vanity" not in standardise_phone(value, "VN").flags
    assert standardise_phone(value, "VN").e164 != "+84912222123"


@pytest.mark.parametrize(
    ("value", "region", "home", "e164"),
    [
        ("501 234 567", "SE", "PL", "+48501234567"),  # +46 501234567 is also a valid Swedish number
        ("20 12 34 56", "SE", "DK", "+4520123456"),
        ("(206) 667-6237", "VN", "US", "+12066676237"),  # was +84 206 667 6237, a Vietnamese landline
        ("070-123 45 67", "SE", "PL", "+46701234567"),  # written with Sweden's trunk 0: Swedish
        ("0475 11 22 33", "NL", "BE", "+31475112233"),  # both write a 0: the source's region decides
        ("912345678", "VN", None, "+84912345678"),  # no country known: a Vietnamese number without its 0
    ],
)
def test_a_number_written_without_the_regions_trunk_zero_is_read_in_the_records_country(
    value: str, region: str, home: str | None, e164: str
) -> None:
    """A region whose national numbers are always written with a 0 did not write this one: a number
    valid in the record's own country is that country's, though the region's reading was valid too."""
    assert standardise_phone(value, region, home).e164 == e164


@pytest.mark.parametrize(("written", "region", "start"), [
    ("0168 123", "VN", "+8438123"), ("+84 168 123", None, "+8438123"), ("0120 45", "VN", "+847045"),
    ("0901 23", "VN", "+8490123"), ("0168 123", "GB", "+44168123"),
])
def test_the_start_of_a_number_with_an_old_vietnamese_prefix_is_todays(written: str, region: str | None,
                                                                       start: str) -> None:
    """Records hold a pre-2018 mobile (0168 123 4567) renumbered (+84 38 123 4567): a search by
    the start of one as written ("0168 123", read "+84168123") found none of them."""
    assert e164_start(written, region) == start


@pytest.mark.parametrize(("value", "region", "home", "expected"), [
    ("8 067 555 66 77", "UA", None, "+380675556677"),  # was +38080675556677, not valid
    ("8-050-123-45-67", "UA", None, "+380501234567"),
    ("8 067 555 66 77", "RU", "UA", "+380675556677"),  # a Ukrainian customer of a Russian CRM
    ("8 (916) 123-45-67", "RU", None, "+79161234567"),  # Russia's own trunk 8: as before
])
def test_a_number_after_the_soviet_long_distance_eight(
    value: str, region: str, home: str | None, expected: str
) -> None:
    """Ukraine dialled 8 before a number's trunk 0 until 2010, and its customers still write it."""
    phone = standardise_phone(value, region, home)
    assert (phone.e164, phone.is_valid, phone.flags) == (expected, True, ())


def test_an_eight_before_a_trunk_zero_elsewhere_is_left_as_written() -> None:
    """Only where the Soviet long-distance 8 was dialled: a Vietnamese number with a stray 8 stays invalid."""
    assert standardise_phone("80912345678", "VN").is_valid is False
