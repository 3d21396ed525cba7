from __future__ import annotations

import datetime as dt

import pytest

from mdm.sources.config import SourceSpec
from mdm.standardise.record import standardise_record

SPEC = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                  fields={"full_name": "name", "first_name": "first", "email": "email", "phone": "phone",
                          "date_of_birth": "dob", "city": "city", "tax_id": "tax", "updated_at": "updated"})
TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize("marker", ["NULL", "null", "(null)", "\\N", "N/A", "#N/A", "#NULL!", "#REF!",
                                    "#VALUE!", "nan", "NaN", "None", "none", "NONE", "(blank)", "-", " -- ",
                                    '["NULL"]'])
def test_an_exports_missing_value_marker_is_no_value(marker: str) -> None:
    std = standardise_record(SPEC, "1", dict.fromkeys(SPEC.fields.values(), marker), today=TODAY)
    # As an empty cell: no value, and no flag saying a value was unreadable; the record holds none.
    columns = ("full_name", "email", "phone", "date_of_birth", "city", "tax_id", "updated_at")
    assert {k: std[k] for k in columns} == dict.fromkeys(columns)
    assert std["dq_flags"] == ["no_mapped_value"]


@pytest.mark.parametrize(("values", "flagged"), [
    ({"name": "", "email": None, "phone": "N/A"}, True),
    ({"updated": "2025-01-05 10:00", "dob": "NULL"}, True),  # an update time is no customer
    ({"other": "vip"}, True),  # an unmapped column's value is not read
    ({"city": "Hue"}, False),
    ({"phone": "not a phone"}, False),  # a value, unreadable: flagged as such
])
def test_a_record_whose_mapped_fields_hold_nothing_is_flagged(
    values: dict[str, str | None], flagged: bool
) -> None:
    """A record of its key alone was a golden record of nulls, counted as a customer and seen by no
    one: it is flagged ``no_mapped_value``, counted per source in the run's summary."""
    flags = standardise_record(SPEC, "1", values, today=TODAY)["dq_flags"]
    assert ("no_mapped_value" in flags) is flagged


def test_a_float_columns_whole_number_joined_into_an_address_is_that_number() -> None:
    """A house number column with gaps, as pandas writes it ("34.0"): before, the address read
    "Calle Mayor 34.0", house number 34 and the street "calle mayor 0", unlike "Calle Mayor 34"."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"full_name": "name", "address": ["street", "house_no"], "postcode": "zip"})
    floats = {"name": "An", "street": "Calle Mayor", "house_no": "34.0", "zip": "28013.0"}
    std = standardise_record(spec, "1", floats, today=TODAY)
    same = standardise_record(spec, "2", {**floats, "house_no": "34", "zip": "28013"}, today=TODAY)
    assert [std[k] for k in ("address", "address_norm", "house_number", "street", "postcode")] == [
        same[k] for k in ("address", "address_norm", "house_number", "street", "postcode")]
    assert (std["house_number"], std["street"]) == ("34", "calle mayor")


def test_names_spelt_like_a_marker_are_names() -> None:
    assert standardise_record(SPEC, "1", {"first": "Nan"}, today=TODAY)["full_name"] == "Nan"
    assert standardise_record(SPEC, "1", {"name": "Na"}, today=TODAY)["full_name"] == "Na"


def test_a_shown_city_address_or_email_holds_no_control_character_and_is_nfc() -> None:
    """The shown values were the source's text with its spaces collapsed: a NUL byte, a control
    character or a zero-width space in the extract reached the golden record and its exports,
    and a decomposed 'Hà Nội' was shown so, where the name beside it was cleaned of them."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"full_name": "name", "city": "city", "address": "street", "email": "email"})
    decomposed = "Ha\u0300 No\u0323\u0302i"
    values = {"name": "An\x00 Nguyen", "city": f"{decomposed}\x00", "street": "12\u200b Lê\x07 Lợi",
              "email": "an\x00 at example"}
    std = standardise_record(spec, "1", values, today=TODAY)
    assert (std["full_name"], std["city"], std["address"]) == ("An Nguyen", "Hà Nội", "12 Lê Lợi")
    assert std["email"] == "an at example"


@pytest.mark.parametrize(("values", "region", "city"), [
    ({"city": "HP"}, "VN", "hai phong"),  # a Vietnamese source's customer: Hải Phòng
    ({"city": "TP.CT", "phone": "+84 906 052 190"}, None, "can tho"),  # a Vietnamese mobile
    ({"city": "TTH"}, "VN", "hue"),  # Thừa Thiên Huế
    ({"city": "CT", "country": "US"}, "VN", "ct"),  # Connecticut's code in an American address
    ({"city": "CT"}, None, "ct"),  # nothing says where the record is from
    ({"city": "SG", "phone": "+65 9162 9225"}, "VN", "singapore"),  # a Singaporean in a Vietnamese source
    ({"city": "SG", "country": "Singapore"}, "VN", "singapore"),
    ({"city": "SG"}, "VN", "sg"),  # Singapore, or Sài Gòn as a Vietnamese writer shortens it
    ({"city": "ĐN"}, "VN", "dn"),  # Đà Nẵng and Đồng Nai alike
    ({"city": "SG", "country": "Republic of Singapore"}, "VN", "singapore"),  # the country's full name
])
def test_a_city_abbreviation_is_read_where_the_record_is_of_its_country(
    values: dict[str, str], region: str | None, city: str
) -> None:
    """"HP", "CT" and "TTH" were unknown places beside another record's Hải Phòng, Cần Thơ, Huế, and
    "SG" beside Singapore: read by the record's country (its column, its phone's, its source's region)."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region=region,
                      fields={"city": "city", "phone": "phone", "country": "country"})
    assert standardise_record(spec, "1", values, today=TODAY)["city_norm"] == city


def test_a_vat_id_with_its_country_code_matches_the_same_id_written_without() -> None:
    """A company master writes DE123456789, a billing system 123456789 (or VN 0101234567 and
    0101234567): one company's id, which the record's country (its column, else its phone's) tells."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"company": "name", "tax_id": "vat", "phone": "tel", "country": "country"})
    def tax(values: dict[str, str | None]) -> str | None:
        return standardise_record(spec, "1", {"name": "ACME GmbH", **values}, today=TODAY)["tax_id"]
    assert tax({"vat": "DE 123 456 789", "country": "Germany"}) == tax({"vat": "123456789"}) == "123456789"
    assert tax({"vat": "DE123456789", "tel": "+49 30 1234567"}) == "123456789"
    assert tax({"vat": "DE123456789", "country": "FR"}) == "DE123456789"  # not its own country's code


@pytest.mark.parametrize(("phone", "city_norm"), [("+353 1 679 4821", "dublin"), ("0912 345 678", "d02")])
def test_a_dublin_routing_key_as_a_city_reads_by_the_records_country(phone: str, city_norm: str) -> None:
    """"D02" in the city box of a record with an Irish phone number is Dublin; of a Vietnamese one,
    as written."""
    std = standardise_record(SPEC, "1", {"name": "Aoife Byrne", "phone": phone, "city": "D02"}, today=TODAY)
    assert (std["city"], std["city_norm"]) == ("D02", city_norm)


@pytest.mark.parametrize(("extra", "region", "house_number"), [
    ({"country": "Australia"}, "VN", "12"),  # its country, whatever its phone
    ({"country": "NZ", "phone": "0912 345 678"}, "VN", "12"),
    ({"phone": "+61 2 9374 4000"}, "VN", "12"),  # else its phone's
    ({}, "AU", "12"),  # else its source's region
    ({"phone": "0912 345 678"}, "VN", "5/12"),  # Vietnamese: house 5 of alley 12
    ({"country": "VN"}, "AU", "5/12"),
])
def test_a_slashed_unit_and_house_read_by_the_records_country(
    extra: dict[str, str], region: str, house_number: str
) -> None:
    """"5/12 High St" is unit 5 of house 12 in an Australian or New Zealand record, decided as a
    Dublin "D02" city is: its country, else its phone's, else its source's region."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region=region,
                      fields={"full_name": "name", "address": "address", "phone": "phone",
                              "country": "country"})
    values = {"name": "Jack Wilson", "address": "5/12 High St", **extra}
    std = standardise_record(spec, "1", values, today=TODAY)
    assert (std["address"], std["house_number"]) == ("5/12 High St", house_number)
    assert std["address_norm"] == ("12 high street unit 5" if house_number == "12" else "5/12 high street")
