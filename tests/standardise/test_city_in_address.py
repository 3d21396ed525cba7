"""A city (and a postcode) written at the end of an address, in a record with no city of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mdm.sources.config import SourceSpec
from mdm.sources.missing import MISSING_VALUES
from mdm.standardise import standardise_address, standardise_city, standardise_postcode
from mdm.standardise.cities import AddressCity, city_in_address
from mdm.standardise.record import standardise_record

SPEC = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                  fields={"full_name": "name", "address": "street", "city": "city", "postcode": "post"})
TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize(("value", "found"), [
    ("12 Nguyễn Huệ, Q.1, TP.HCM 700000", AddressCity("12 Nguyễn Huệ, Q.1", "TP.HCM", "700000")),
    ("45 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh",
     AddressCity("45 Lê Lợi, Phường Bến Nghé, Quận 1", "Hồ Chí Minh", None)),
    ("10 Downing St, London SW1A 2AA", AddressCity("10 Downing St", "London", "SW1A 2AA")),
    # A country is no city.
    ("221B Baker Street, London, UK", AddressCity("221B Baker Street", "London", None)),
    ("Hauptstraße 5, 10115 Berlin", AddressCity("Hauptstraße 5", "Berlin", "10115")),  # the postcode first
    ("5 George St, Sydney NSW 2000, Australia", AddressCity("5 George St", "Sydney NSW", "2000")),
    ("Blk 850 Yishun Road 3, #10-345, Singapore 760850",  # a city before it is a country
     AddressCity("Blk 850 Yishun Road 3, #10-345", "Singapore", "760850")),
    ("134/25 Lê Lợi - Tây Ninh", AddressCity("134/25 Lê Lợi", "Tây Ninh", None)),  # a merged province
    ("7 Trần Phú, Tỉnh Thanh Hóa, Việt Nam", AddressCity("7 Trần Phú", "Tỉnh Thanh Hóa", None)),
    ("12 Võ Văn Ngân, Thủ Đức", AddressCity("12 Võ Văn Ngân", "Thủ Đức", None)),  # a city within HCMC
    ("Hà Nội, Việt Nam", AddressCity("", "Hà Nội", None)),  # the city alone
    ("5 Lê Lợi, TT Huế", AddressCity("5 Lê Lợi", "TT Huế", None)),  # Thừa Thiên Huế
    ("12 Nguyễn Trãi, T. Bình Dương", AddressCity("12 Nguyễn Trãi", "T. Bình Dương", None)),  # tỉnh
    # A spreadsheet's cell or a CRM's street field on several lines: a line break ends a part.
    ("Rue de Rivoli 142\n75001 Paris", AddressCity("Rue de Rivoli 142", "Paris", "75001")),
    ("10 Downing St,\r\nLondon SW1A 2AA\r\nUK\r\n", AddressCity("10 Downing St", "London", "SW1A 2AA")),
    # ... a line break at either end is none, and one before the city's part is shown as a space.
    ("\n12 Lê Lợi, Hà Nội\n", AddressCity("12 Lê Lợi", "Hà Nội", None)),
    ("Toà A\rTầng 5, Hà Nội", AddressCity("Toà A Tầng 5", "Hà Nội", None)),
    # The largest cities of countries customers come from, Spain's among them.
    ("Calle Mayor 12, 28013 Madrid, Spain", AddressCity("Calle Mayor 12", "Madrid", "28013")),
    ("Carrer de Mallorca 401, 08013 Barcelona", AddressCity("Carrer de Mallorca 401", "Barcelona", "08013")),
    ("12 Queen's Road Central, Hong Kong", AddressCity("12 Queen's Road Central", "Hong Kong", None)),
    ("Av. Paulista 1000, São Paulo, Brasil", AddressCity("Av. Paulista 1000", "São Paulo", None)),
])
def test_a_known_city_ending_an_address(value: str, found: AddressCity) -> None:
    assert city_in_address(value) == found


@pytest.mark.parametrize("value", [
    "45, Đường Hà Nội",  # a street named after a city
    "12 Hà Nội street",
    "18 Hanoi Road, Ba Đình",  # ... and a district after it
    "12 Lê Lợi, Quận 1",  # a district is no city
    "12 Lê Lợi, P. Bến Nghé",
    "12, Hà Nội",  # a house number and a street's name, perhaps
    "12 Lê Lợi, 700000",  # a postcode alone
    "12 Lê Lợi, Springfield",  # a city the product does not know
    "12 Lê Lợi, TP.HCM, 0909 123 456",  # something else after the city
    "12 Lê Lợi Hà Nội",  # no part of its own
    None, "", "  ",
])
def test_no_city_where_none_is_clearly_written(value: str | None) -> None:
    assert city_in_address(value) is None


@pytest.mark.parametrize(("value", "found"), [
    # The Dutch postcode's letters were read as the city's first word ("LG Amsterdam", no place).
    ("Damrak 1, 1012 LG Amsterdam", AddressCity("Damrak 1", "Amsterdam", "1012 LG")),
    ("Oudegracht 5, 3511 AB Utrecht", AddressCity("Oudegracht 5", "Utrecht", "3511 AB")),  # no city known
    ("Coolsingel 40, 3011 AD Rotterdam", AddressCity("Coolsingel 40", "Rotterdam", "3011 AD")),
    # A Swedish and a Polish postcode were no postcode.
    ("Drottninggatan 5, 114 55 Stockholm", AddressCity("Drottninggatan 5", "Stockholm", "114 55")),
    ("ul. Marszałkowska 1, 00-001 Warszawa", AddressCity("ul. Marszałkowska 1", "Warszawa", "00-001")),
    # Capitals after four digits are a city's name, not a Dutch postcode's letters.
    ("1 Main St, 2000 SYDNEY", AddressCity("1 Main St", "SYDNEY", "2000")),
])
def test_a_postcode_written_before_the_city_in_the_european_way(value: str, found: AddressCity) -> None:
    assert city_in_address(value) == found


@pytest.mark.parametrize(("value", "found"), [
    ("Oudegracht 12, 3511 AB Zeist", AddressCity("Oudegracht 12", "Zeist", "3511 AB")),
    ("Dorpsstraat 1, 1234AB Nieuwdorp", AddressCity("Dorpsstraat 1", "Nieuwdorp", "1234AB")),
    ("Kerkweg 5, 5211 AB 's-Hertogenbosch, Nederland",
     AddressCity("Kerkweg 5", "'s-Hertogenbosch", "5211 AB")),
    ("Storgatan 1, SE-171 64 Solna, Sverige", AddressCity("Storgatan 1", "Solna", "171 64")),
    ("Drottninggatan 5, SE-114 55 Stockholm", AddressCity("Drottninggatan 5", "Stockholm", "114 55")),
    ("Hauptstr. 5, D-67433 Neustadt an der Weinstraße",
     AddressCity("Hauptstr. 5", "Neustadt an der Weinstraße", "67433")),
])
def test_a_town_none_knows_after_a_postcode_that_says_a_town_follows(value: str, found: AddressCity) -> None:
    """A Dutch postcode (four digits, two letters), or one after its country's code, is followed by
    a town: one the product did not know was left in the address, the record without a city."""
    assert city_in_address(value) == found


@pytest.mark.parametrize("value", [
    "Suite 5, 1234 NW Glisan St",  # a Portland house before its quarter, no Dutch postcode
    "Storgatan 1, 114 55 Solna",  # three and two digits alone may be anything
    "Hauptstr. 5, 12345 Neustadt",  # ... and so may five ("Suite 100, 12345 Westheimer Rd")
    "Kerkweg 5, 3511 ab zeist",  # a postcode's letters are capitals
    "Kerkweg 5, 3511 AB Zeist 12",  # a number after the town: no town's name
    "12, 3511 AB Zeist",  # no street's name before it
])
def test_no_unknown_town_after_a_postcode_that_may_be_something_else(value: str) -> None:
    assert city_in_address(value) is None


def test_a_record_without_a_city_takes_an_unknown_dutch_town() -> None:
    std = standardise_record(SPEC, "1", {"name": "An", "street": "Oudegracht 12, 3511 AB Zeist"}, today=TODAY)
    assert (std["city"], std["city_norm"], std["postcode"], std["house_number"]) == (
        "Zeist", "zeist", "3511 AB", "12")


@pytest.mark.parametrize(("written", "city"), [
    ("دبي", "dubai"), ("دبى", "dubai"), ("أبو ظبي", "abu dhabi"), ("ابوظبي", "abu dhabi"),
    ("الرياض", "riyadh"), ("Riyadh", "riyadh"), ("Ghent", "gent"), ("Kraków", "krakow"), ("Cracow", "krakow"),
])
def test_a_city_in_arabic_script_or_another_language_is_the_same_city(written: str, city: str) -> None:
    """Before, "دبي" was its ASCII skeleton "dby", unlike "Dubai" in another source."""
    assert standardise_city(written).canonical == city
    found = city_in_address(f"Sheikh Zayed Road 5, {written}")
    assert found == AddressCity("Sheikh Zayed Road 5", written, None)


@pytest.mark.parametrize(("written", "city"), [
    ("香港", "hong kong"), ("香港特别行政区", "hong kong"), ("北京", "beijing"), ("北京市", "beijing"),
    ("上海", "shanghai"), ("台北", "taipei"), ("臺北市", "taipei"), ("广州", "guangzhou"), ("東京", "tokyo"),
    ("東京都", "tokyo"), ("京都", "kyoto"), ("大阪府", "osaka"), ("서울", "seoul"), ("서울특별시", "seoul"),
    ("부산광역시", "busan"), ("Москва", "moskva"), ("г. Москва", "moskva"), ("МОСКВА", "moskva"),
    ("Санкт-Петербург", "sankt peterburg"), ("St. Petersburg", "sankt peterburg"), ("Київ", "kyiv"),
    ("м. Київ", "kyiv"), ("Киев", "kyiv"), ("Kyiv", "kyiv"), ("Одесса", "odesa"), ("Αθήνα", "athina"),
    ("ΑΘΗΝΑ", "athina"), ("Athens", "athina"),
    ("Θεσσαλονίκη", "thessaloniki"), ("Thessaloniki", "thessaloniki"),
])
def test_a_city_written_in_its_own_script_is_the_same_city(written: str, city: str) -> None:
    """Before, each was its transliteration: "香港" "xiang gang", "東京" "dong jing" (a Chinese reading),
    "Київ" "kiyiv", "Αθήνα" "athena", unlike "Hong Kong", "Tokyo", "Kyiv" or "Athens" in another source."""
    assert standardise_city(written).canonical == city
    assert city_in_address(f"Main Street 5, {written}") == AddressCity("Main Street 5", written, None)


@pytest.mark.parametrize("written", ["兖州", "Yan Zhou", "Гомель", "Dong Jing"])
def test_a_name_whose_transliteration_is_a_known_citys_is_not_that_city(written: str) -> None:
    """兖州 (Yanzhou) transliterates as 广州 (Guangzhou) does, "yan zhou"; "Dong Jing" in Latin
    letters is no Tokyo; "Гомель" is no "г." before a city."""
    assert standardise_city(written).canonical not in {"guangzhou", "tokyo", "omsk", None}


@pytest.mark.parametrize(("short", "whole"), [
    ("St-Jean-sur-Richelieu", "Saint-Jean-sur-Richelieu"), ("Ste-Foy", "Sainte-Foy"),
    ("St. Louis", "Saint Louis"), ("Baie-St-Paul", "Baie-Saint-Paul"), ("St Petersburg", "Санкт-Петербург"),
])
def test_saint_written_short_is_the_same_city(short: str, whole: str) -> None:
    """Before, "St-Jean-sur-Richelieu" was "st jean sur richelieu", unlike the "saint jean sur richelieu"
    another source writes out: two cities for one customer."""
    assert standardise_city(short).canonical == standardise_city(whole).canonical


@pytest.mark.parametrize(("city", "phone", "e164"), [
    ("香港", "9123 4567", "+85291234567"), ("臺北", "0912-345-678", "+886912345678"),
    ("서울", "02-312-3456", "+8223123456"), ("Київ", "067 555 66 77", "+380675556677"),
    ("Αθήνα", "694 123 4567", "+306941234567"),
])
def test_a_city_in_its_own_script_gives_a_number_its_country(city: str, phone: str, e164: str) -> None:
    """A Hong Kong mobile in a mainland Chinese CRM, its city written 香港, was read in China and
    invalid; the city's country is now the record's home, as "Hong Kong" written in Latin letters was."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="CN",
                      fields={"full_name": "name", "phone": "phone", "city": "city"})
    std = standardise_record(spec, "1", {"name": "陳大文", "phone": phone, "city": city}, today=TODAY)
    assert (std["phone"], std["phone_valid"]) == (e164, True)


def test_a_record_without_a_city_takes_its_address_city_and_postcode() -> None:
    """Before, the record had no city or postcode, and its address held both: the blocking rules and
    the city comparison saw nothing, and its address compared unlike another source's."""
    written = "12 Nguyễn Huệ, Q.1, TP.HCM 700000"
    std = standardise_record(SPEC, "1", {"name": "An", "street": written}, today=TODAY)
    other = standardise_record(SPEC, "2", {"name": "An", "street": "12 Nguyễn Huệ, Quận 1",
                                           "city": "Hồ Chí Minh", "post": "700000"}, today=TODAY)
    assert (std["address"], std["city"], std["city_norm"], std["postcode"]) == (
        written, "TP.HCM", "ho chi minh", "700000")
    # Matched as the other source's address is, beside its city.
    assert (std["address_norm"], std["house_number"], std["street"]) == (
        other["address_norm"], other["house_number"], other["street"])
    assert {"city_from_address", "postcode_from_address"} <= set(std["dq_flags"])


def test_an_address_on_several_lines_gives_its_city_and_postcode() -> None:
    """Before, the line break was read as a space ("Rue de Rivoli 142 75001 Paris", one part): the record
    had no city or postcode, and its address compared unlike the same address beside its city."""
    std = standardise_record(SPEC, "1", {"name": "An", "street": "Rue de Rivoli 142\n75001 Paris"},
                             today=TODAY)
    other = standardise_record(SPEC, "2", {"name": "An", "street": "Rue de Rivoli 142", "city": "Paris"},
                               today=TODAY)
    assert (std["city_norm"], std["postcode"]) == ("paris", "75001")
    assert (std["address_norm"], std["house_number"]) == (other["address_norm"], other["house_number"])
    assert {"city_from_address", "postcode_from_address"} <= set(std["dq_flags"])


def test_a_postcode_of_its_own_is_kept() -> None:
    std = standardise_record(SPEC, "1", {"street": "10 Downing St, London SW1A 2AA", "post": "SW1A 1AA"},
                             today=TODAY)
    assert (std["city_norm"], std["postcode"]) == ("london", "SW1A 1AA")
    assert "postcode_from_address" not in std["dq_flags"]


def test_a_spanish_city_sets_the_phones_country() -> None:
    """A Spanish mobile written without its country code, in a source whose numbers are Vietnamese."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                      fields={"city": "city", "phone": "phone"})
    std = standardise_record(spec, "1", {"city": "Sevilla", "phone": "612 345 678"}, today=TODAY)
    assert (std["city_norm"], std["phone"]) == ("sevilla", "+34612345678")


@pytest.mark.parametrize("values", [
    {"city": "St. Petersburg, FL"}, {"city": "Athens, GA 30601"}, {"city": "Moscow, ID"},
    {"city": "London ON"},
    {"street": "100 Central Ave, St. Petersburg, FL 33701"},
])
def test_a_state_or_province_after_a_city_says_its_country(values: dict[str, str]) -> None:
    """An American number written without its country code, in a source of no region, beside an American
    or Canadian town of a Greek, Russian or British city's name: it was read in that city's country
    ("+77065423000", Kazakhstan's, for St. Petersburg, FL; "+307065423000" for Athens, GA)."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"city": "city", "address": "street", "phone": "phone"})
    std = standardise_record(spec, "1", {**values, "phone": "706 542 3000"}, today=TODAY)
    assert (std["phone"], std["phone_valid"]) == ("+17065423000", True)


def test_a_region_code_of_the_citys_own_country_keeps_it() -> None:
    """A British number beside "London, UK", an Australian one beside "Perth WA" (WA: Washington too)."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"city": "city", "phone": "p"})
    phones = [standardise_record(spec, "1", {"city": city, "p": phone}, today=TODAY)["phone"]
              for city, phone in (("London, UK", "020 7946 0018"), ("Perth WA", "08 9123 4567"))]
    assert phones == ["+442079460018", "+61891234567"]


def test_a_country_named_in_german_sets_the_phones_country() -> None:
    """An Austrian landline written without its country code, in a German CRM writing "Österreich"."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="DE",
                      fields={"country": "land", "phone": "phone"})
    std = standardise_record(spec, "1", {"land": "Österreich", "phone": "01 5551234"}, today=TODAY)
    assert (std["country"], std["phone"]) == ("AT", "+4315551234")


def test_a_country_written_in_its_own_script_sets_the_phones_country() -> None:
    """A Greek landline written without its country code, in a German CRM's record whose country is
    "Ελλάδα" (before: "ELLADA", no country, the number read as German)."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="DE",
                      fields={"country": "land", "phone": "phone"})
    std = standardise_record(spec, "1", {"land": "Ελλάδα", "phone": "210 3234567"}, today=TODAY)
    assert (std["country"], std["phone"]) == ("GR", "+302103234567")


@pytest.mark.parametrize(("value", "found"), [
    ("Ερμού 25, Αθήνα, Ελλάδα", AddressCity("Ερμού 25", "Αθήνα", None)),
    ("Тверская 1, Москва, Россия", AddressCity("Тверская 1", "Москва", None)),
    ("Ermou 25, Athens, Greece", AddressCity("Ermou 25", "Athens", None)),
])
def test_a_country_in_its_own_script_ending_an_address_is_no_city(value: str, found: AddressCity) -> None:
    assert city_in_address(value) == found


def test_a_city_read_from_an_address_sets_the_phones_country() -> None:
    """A British mobile written without its country code, in a source whose numbers are Vietnamese."""
    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", phone_region="VN",
                      fields={"address": "street", "phone": "phone"})
    std = standardise_record(spec, "1", {"street": "221B Baker Street, London, UK", "phone": "07585 259854"},
                             today=TODAY)
    assert std["phone"] == "+447585259854"


_PARTS = st.sampled_from(["12 Nguyễn Huệ", "Q.1", "Quận 1", "Đường Hà Nội", "Hà Nội", "TP.HCM", "London",
                          "SW1A 2AA", "700000", "UK", "Việt Nam", "Singapore", "NSW", "12", ""]) | st.text()


# A city column's value: any text a reader keeps as a value (not blank, not an export's marker for none).
_CITIES = st.sampled_from(["Huế", "TP.HCM", "Đường Hà Nội", "Quận 1", "???"]) | st.text(min_size=1).filter(
    lambda t: t.strip() and t.strip() not in MISSING_VALUES and t.strip()[:1] not in "[{")


@given(st.lists(_PARTS, max_size=5), st.sampled_from([", ", " - ", " ", ";", "/"]), _CITIES)
def test_a_record_with_a_city_is_read_as_before(parts: list[str], joiner: str, city: str) -> None:
    """Whatever its address, a record with a city keeps its city, address and postcode as their own
    standardisers read them; one without never fails, and any city it takes is the address's."""
    address = joiner.join(parts)
    assume(address.strip() not in MISSING_VALUES and address.strip()[:1] not in "[{")  # none, or JSON
    values = {"name": "An", "street": address, "city": city, "post": "100000"}
    std = standardise_record(SPEC, "1", values, today=TODAY)
    assert std["city_norm"] == standardise_city(values["city"]).canonical
    found = city_in_address(address)
    own = found is not None and standardise_city(found.city).canonical == std["city_norm"]
    # Matched without the city it ends with when that is its own city, else as written.
    matched = found.address if own else address.strip()
    assert std["address_norm"] == standardise_address(matched or None).normalised
    assert std["postcode"] == standardise_postcode("100000")
    assert not {"city_from_address", "postcode_from_address"} & set(std["dq_flags"])

    without = standardise_record(SPEC, "1", {"name": "An", "street": address}, today=TODAY)
    assert ("city_from_address" in without["dq_flags"]) is (found is not None)
    if found is not None:
        assert without["city_norm"] == standardise_city(found.city).canonical
        assert without["address"] == std["address"]
        assert std["address"].startswith(found.address)
        assert without["address_norm"] == standardise_address(found.address or None).normalised


def test_a_record_whose_address_ends_with_its_own_city_is_matched_without_it() -> None:
    """Before, "…, HO CHI MINH" beside the city HO CHI MINH kept the city in its address, which then
    compared unlike another source's address that leaves the city to its city column."""
    std = standardise_record(SPEC, "1", {"street": "12 Nguyễn Huệ, Quận 1, HO CHI MINH 700000",
                                         "city": "HO CHI MINH"}, today=TODAY)
    other = standardise_record(SPEC, "2", {"street": "12 Nguyễn Huệ, Quận 1", "city": "TP.HCM"}, today=TODAY)
    assert (std["address_norm"], std["street"]) == (other["address_norm"], other["street"])
    # Nothing else is read from it: the address is shown as written, the postcode is its column's.
    assert (std["address"], std["city"], std["postcode"]) == (
        "12 Nguyễn Huệ, Quận 1, HO CHI MINH 700000", "HO CHI MINH", None)
    assert not {"city_from_address", "postcode_from_address"} & set(std["dq_flags"])
    # Another city at its end is kept: it may be a street's name or a customer's mistake.
    kept = standardise_record(SPEC, "3", {"street": "12 Nguyễn Huệ, Hà Nội", "city": "Huế"}, today=TODAY)
    assert kept["address_norm"] == standardise_address("12 Nguyễn Huệ, Hà Nội").normalised

