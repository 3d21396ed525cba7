"""Addresses, cities, postcodes and countries: one form per place, however it was abbreviated."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mdm.standardise import (
    StdAddress,
    StdCity,
    standardise_address,
    standardise_city,
    standardise_country,
    standardise_postcode,
)
from mdm.standardise.addresses import COUNTRY_ALIASES
from mdm.standardise.cities import CITY_ALIASES, AddressCity, city_in_address
from mdm.standardise.text import fold

JUNK = ["\x00\x01", "\u200b\ufeff", "😀" * 3, "12 " * 30_000, "x" * 100_000, "\ud800", "‮abc"]


@pytest.mark.parametrize(
    "value",
    [
        "Số 12/3 Đường Nguyễn Trãi, P.5, Q.01, TP.HCM",
        "12/3 duong nguyen trai, phuong 05, quan 1, tp hcm",
        "12 / 3 Đ. Nguyễn Trãi P5 Q1 Thành phố HCM",
        "No. 12/3 duong Nguyen Trai, p. 5, q.1, TPHCM",
    ],
)
def test_vietnamese_abbreviations_unify(value: str) -> None:
    address = standardise_address(value)
    assert address == StdAddress(
        value,
        "12/3 duong nguyen trai phuong 5 quan 1 thanh pho ho chi minh",
        "12/3",
        "duong nguyen trai phuong 5 quan 1 thanh pho ho chi minh",
        (),
    )


@pytest.mark.parametrize(
    ("value", "normalised", "house_number"),
    [
        ("45-47 Lê Lợi, Q.1", "45-47 le loi quan 1", "45-47"),
        ("12A Đ. Lê Lợi, F.5", "12a duong le loi phuong 5", "12a"),
        ("Đ. 3/2, Q.10", "d 3/2 quan 10", None),  # "3/2" is a street name, and not leading
        ("Ng. 12 phố Huế, Hà Nội", "ngo 12 pho hue ha noi", None),
        ("12 Ng. Trãi", "12 ng trai", "12"),  # before a name, "Ng." is a shortened Nguyễn
        ("H. Củ Chi", "huyen cu chi", None),
        ("KP 3, TX. Thuận An", "khu pho 3 thi xa thuan an", None),
        ("Tổ 5, KP2, P. Linh Trung", "to 5 khu pho 2 phuong linh trung", None),  # was "kp2"
        # "Th." beginning a part is a hamlet (thôn), within one a shortened Thị; "TH" a primary school
        ("Th. Đông, X. Tân Phú, H. Củ Chi", "thon dong xa tan phu huyen cu chi", None),
        ("Số 5, Th.3", "5 thon 3", "5"),
        ("12 Nguyễn Th. Minh Khai", "12 nguyen th minh khai", "12"),
        ("Trường TH Kim Đồng", "truong th kim dong", None),
        ("TDP 4, TT. Đông Anh", "to dan pho 4 thi tran dong anh", None),  # tổ dân phố
        ("10 Downing St.", "10 downing street", "10"),
        ("221B Baker Street", "221b baker street", "221b"),
        ("Apt 5, 12 Main Rd", "12 main road unit 5", "12"),  # the unit written after the street
        ("#7 O'Connell Ave", "7 oconnell avenue", "7"),
        # French "bis"/"ter" is part of the house number, written apart or not: "12 bis" was the house
        # 12 on the street "bis rue de la paix", unlike "12bis"'s house-less "12bis rue de la paix".
        ("12 bis rue de la Paix", "12bis rue de la paix", "12bis"),
        ("12BIS, rue de la Paix", "12bis rue de la paix", "12bis"),
        ("3 ter av. Foch", "3ter avenue foch", "3ter"),
        ("5 Ocean Ter", "5 ocean terrace", "5"),  # after a name, "Ter" is a terrace
        (
            "1049 Phan Xich Long Street, Ward 04, District 5",
            "1049 phan xich long street phuong 4 quan 5",
            "1049",
        ),
    ],
)
def test_addresses(value: str, normalised: str, house_number: str | None) -> None:
    address = standardise_address(value)
    assert (address.normalised, address.house_number) == (normalised, house_number)
    assert address.street == (normalised.removeprefix(f"{house_number} ") if house_number else normalised)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # Street types as Australia Post, Royal Mail and USPS abbreviate them.
        ("Flat 2, 67 King's Terrace", "Flat 2, 67 King's Tce"),
        ("14 Beach Parade", "14 Beach Pde"),
        ("3 Willow Crescent", "3 Willow Cres"),
        ("9 Manor Close", "9 Manor Cl"),
        ("21 Oak Court", "21 Oak Ct"),
        ("8856 Madison Drive", "8856 Madison Dr"),
        ("5 Station Way", "5 Station Wy"),
        ("Blk 115 Bishan Street", "Block 115 Bishan St"),
        # One apartment, however a country or a form names it.
        ("Apt 8B, 12 Main St", "Unit 8B, 12 Main Street"),
        ("Flat 3, 5 Mill Lane", "Apartment 3, 5 Mill Lane"),
        ("Suite 200, 1 Market St", "Ste 200, 1 Market St"),
        ("U16 144 Queen Place", "Unit 16, 144 Queen Place"),
    ],
)
def test_address_forms_unify(one: str, other: str) -> None:
    assert standardise_address(one).normalised == standardise_address(other).normalised


@pytest.mark.parametrize(
    "forms",
    [
        # German: the type abbreviated, written with ß or ss, in one word with the name or apart.
        ("Hauptstr. 5", "Hauptstraße 5", "Hauptstrasse 5", "HAUPTSTRASSE 5"),
        ("Bahnhofstr. 12, 10115 Berlin", "Bahnhofstraße 12, 10115 Berlin", "Bahnhofstrasse 12, 10115 Berlin"),
        ("Berliner Str. 7", "Berliner Straße 7", "Berliner Strasse 7"),
        # ... the type hyphenated, as one word with the name.
        ("Bahnhofstraße 5", "Bahnhof-Straße 5", "Bahnhof-Str. 5", "BAHNHOF-STR. 5"),
        ("Karl-Marx-Straße 12", "Karl-Marx-Str. 12", "Karl-Marxstraße 12"),
        # English.
        ("12 Baker St.", "12 Baker Street"),
        ("3 Oak Ave", "3 Oak Avenue"),
        ("8 Church Rd", "8 Church Road"),
        ("1 Sunset Blvd", "1 Sunset Boulevard", "1 Sunset Bvd"),
        # French.
        ("64 av. Victor Hugo", "64 avenue Victor Hugo"),
        ("12 bd Voltaire", "12 boulevard Voltaire", "12, Bd. Voltaire"),
        ("5 r. de Rivoli", "5 rue de Rivoli", "5, R. de Rivoli"),
        # Spanish.
        ("C/ Mayor 5", "Calle Mayor 5", "c/Mayor 5"),
        ("Avda. de la Constitución 3", "Avenida de la Constitución 3"),
        # Dutch.
        ("Kalverstr. 3", "Kalverstraat 3"),
        ("Van Baerlestr. 9", "Van Baerlestraat 9"),
        # Turkish, after the street's name: with "No" or without, the house first or last.
        ("Atatürk Caddesi No:5", "Atatürk Cad. No:5", "Atatürk Cd. No:5", "Atatürk Cd. 5",
         "5 Atatürk Cd.", "Atatürk Cadde No: 5"),
        ("Gül Sokak No:3", "Gül Sokağı No:3", "Gül Sok. No:3", "Gül Sk. No:3", "Gül Sk. 3"),
        ("Atatürk Bulvarı No:3", "Atatürk Blv. No:3", "Atatürk Bul. No:3", "Atatürk Bulvar 3"),
        ("Cumhuriyet Mahallesi, Gül Sk. No:3", "Cumhuriyet Mah. Gül Sok. No:3",
         "Cumhuriyet Mh. Gül Sk. 3"),
        # Italian, before it.
        ("Via Roma 10", "V. Roma 10"),
        ("Viale Europa 5", "V.le Europa 5"),
        ("Piazza Garibaldi 3", "P.za Garibaldi 3", "P.zza Garibaldi 3"),
        ("Corso Italia 22", "C.so Italia 22"),
        ("Largo Augusto 1", "L.go Augusto 1"),
        ("Scala B, Viale Europa 5", "Scala B, V.le Europa 5"),
        # Spanish.
        ("Calle Mayor, 12", "C. Mayor, 12", "C/ Mayor, 12"),
        ("Avenida de América 5", "Avda. de América 5", "Av. de América 5"),
        ("Plaza Mayor 1", "Pl. Mayor 1", "Pza. Mayor 1", "Pza Mayor 1"),
        ("Paseo de Gracia 5", "Pº de Gracia 5", "P.º de Gracia 5"),
        # Portuguese.
        ("Rua Augusta 100", "R. Augusta 100"),
        ("Avenida da Liberdade 10", "Av. da Liberdade 10"),
        ("Travessa do Carmo 3", "Tv. do Carmo 3", "Trav. do Carmo 3"),
        # Polish.
        ("ulica Marszałkowska 10", "ul. Marszałkowska 10", "Ul Marszałkowska 10"),
        ("aleja Jana Pawła II 5", "al. Jana Pawła II 5"),
        ("plac Zbawiciela 3", "pl. Zbawiciela 3"),
        # Russian, as its Cyrillic folds; "ул." is Polish "ul.".
        ("улица Ленина 5", "ул. Ленина 5", "ulica Lenina 5"),
        ("проспект Мира 10", "пр-т Мира 10", "просп. Мира 10"),
        ("переулок Сивцев Вражек 3", "пер. Сивцев Вражек 3"),
        # French, as Québec shortens it.
        ("12 boulevard Voltaire", "12 boul. Voltaire", "12 bd Voltaire"),
    ],
)
def test_street_types_unify_across_languages(forms: tuple[str, ...]) -> None:
    assert len({standardise_address(form).normalised for form in forms}) == 1


@pytest.mark.parametrize(
    ("value", "normalised", "house_number"),
    [
        ("Hauptstr. 5", "hauptstrasse 5", "5"),
        ("Berliner Str. 7", "berliner strasse 7", "7"),
        ("Bahnhof-Straße 5", "bahnhofstrasse 5", "5"),
        ("Bahnhof Straße 5", "bahnhof strasse 5", "5"),  # apart: a word of its own, as in "Berliner Straße"
        ("Berliner Straße, 10115 Berlin", "berliner strasse 10115 berlin", None),
        # English "Str.": no number after it, or one before it.
        ("367 Nguyen Trai Str., Ward 5", "367 nguyen trai street phuong 5", "367"),
        ("Nguyen Trai Str., Ward 5", "nguyen trai street phuong 5", None),
        ("Số 367 Nguyen Trai Str. 5", "367 nguyen trai street 5", "367"),
        ("Kalverstraat 3", "kalverstrasse 3", "3"),
        ("12 bd Voltaire", "12 boulevard voltaire", "12"),
        ("12 r. de Rivoli", "12 rue de rivoli", "12"),
        ("C/ Mayor 5", "calle mayor 5", "5"),
        # Where they are not a street's type the same letters are left alone.
        ("KP 3, TX. Thuận An, BD", "khu pho 3 thi xa thuan an bd", None),  # BD: Bình Dương
        ("Lô R, KCN Tân Bình", "lo r khu cong nghiep tan binh", None),
        ("Block R Jalan Besar", "block r jalan besar", None),
        ("c/o Jane Doe, 12 Main St", "c o jane doe 12 main street", None),
        ("Ostr. 4", "ostr 4", None),  # too short a name to be one with its street type
        # Short types are other words where no street's type stands: a Roman numeral, an initial, a
        # name, Arabic's article, Vietnamese letters, a company's "C.ty", Italy's river, a post box.
        ("Piazza Pio V, 3", "piazza pio v 3", "3"),
        ("163A V Văn Ngân, Phường 5", "163a v van ngan phuong 5", "163a"),
        ("C Mayor 12", "c mayor 12", None),
        ("C.ty ABC, 12 Lê Lợi", "c ty abc 12 le loi", None),
        ("Per Albin Hanssons väg 5", "per albin hanssons vag 5", None),
        ("Al Wasl Road, Dubai", "al wasl road dubai", None),
        ("Via Po 12", "via po 12", "12"),
        ("PO Box 123", "po box 123", None),
        # ... a country's code before its postcode ("PL-00-528"), Mexico's "Cd." (ciudad), Canada's
        # Saskatchewan and India's Maharashtra after a town.
        ("ul. Hoża 5, PL-00-528 Warszawa", "ulica hoza 5 pl 00 528 warszawa", "5"),
        ("Colonia Centro, Cd. Juárez", "colonia centro cd juarez", None),
        ("123 Main St, Regina, SK S4P 3Y2", "123 main street regina sk s4p 3y2", "123"),
        ("12 Elm Rd, Saskatoon SK", "12 elm road saskatoon sk", "12"),
        ("Flat 2, Pune, MH 411001", "unit 2 pune mh 411001", None),
        ("1 Martin Pl, Sydney", "1 martin place sydney", "1"),
    ],
)
def test_street_type_forms(value: str, normalised: str, house_number: str | None) -> None:
    address = standardise_address(value)
    assert (address.normalised, address.house_number) == (normalised, house_number)


@pytest.mark.parametrize(
    ("value", "house_number", "street"),
    [
        ("Hauptstraße 5", "5", "hauptstrasse"),
        ("Hauptstr. 5a, 10115 Berlin", "5a", "hauptstrasse 10115 berlin"),
        ("Keizersgracht 123", "123", "keizersgracht"),
        ("Drottninggatan 53, 111 21 Stockholm", "53", "drottninggatan 111 21 stockholm"),
        ("Strandvej 5-7", "5-7", "strandvej"),
        ("Calle Mayor, 12", "12", "calle mayor"),
        ("Via Roma 10, 00184 Roma", "10", "via roma 00184 roma"),
        ("Avenue Louise 54", "54", "avenue louise"),
        # ... or after its name and its type written apart from it.
        ("Berliner Straße 7", "7", "berliner strasse"),
        ("Berliner Str. 7a, 10115 Berlin", "7a", "berliner strasse 10115 berlin"),
        ("Van Baerle straat 9", "9", "van baerle strasse"),
        ("Karl-Marx-Allee 5", "5", "karl marx allee"),
        ("Lange Laan 12", "12", "lange laan"),
        ("Oude Gracht 5", "5", "oude gracht"),
        ("Potsdamer Platz 1", "1", "potsdamer platz"),
        # ... or after a street's type written before its name, shortened.
        ("V. Roma 10", "10", "via roma"),
        ("L.go Augusto 1", "1", "largo augusto"),
        ("Tv. do Carmo 3", "3", "travessa do carmo"),
        ("ul. Marszałkowska 10", "10", "ulica marszalkowska"),
        ("пр-т Мира 10", "10", "prospekt mira"),
        ("Pl. Mayor 1", "1", "place mayor"),
        # No house number: a postcode, a street named by a number, a ward or district.
        ("Hauptstraße, 10115 Berlin", None, "hauptstrasse 10115 berlin"),
        ("Keizersgracht, 1015 CJ Amsterdam", None, "keizersgracht 1015 cj amsterdam"),
        ("Calle 5 de Mayo", None, "calle 5 de mayo"),
        ("Tampines Street 81", None, "tampines street 81"),
        ("Tampines St 81", None, "tampines street 81"),
        ("Blk 115 Bishan Street 22", None, "block 115 bishan street 22"),
        ("Bishan Street 22", None, "bishan street 22"),
        ("Berliner Straße, 10115 Berlin", None, "berliner strasse 10115 berlin"),
        ("Oude Gracht, 3511 Utrecht", None, "oude gracht 3511 utrecht"),
        # A street without its type: the number may name it ("Cách Mạng Tháng 8").
        ("Unter den Linden 77", None, "unter den linden 77"),
        ("Phường 5, Quận 1", None, "phuong 5 quan 1"),
        ("P.5, Q1", None, "phuong 5 quan 1"),
        ("Cách Mạng Tháng 8, P.5", None, "cach mang thang 8 phuong 5"),
        ("Đường số 5, Q.7", None, "duong 5 quan 7"),
        # After a street's type first, a number after a ward, district or city is that area's.
        ("Boulevard Thành phố 12", None, "boulevard thanh pho 12"),
        ("Calle Mayor, Q. 1", None, "calle mayor quan 1"),
        # A leading number is the house's still.
        ("12 Calle Mayor 5", "12", "calle mayor 5"),
    ],
)
def test_a_house_number_after_its_street(value: str, house_number: str | None, street: str) -> None:
    address = standardise_address(value)
    assert (address.house_number, address.street) == (house_number, street)


def test_a_house_number_after_its_street_keeps_the_address_as_written() -> None:
    # Only the house number and street are read apart: the normalised address compares as before.
    assert standardise_address("Hauptstr. 5a, 10115 Berlin").normalised == "hauptstrasse 5a 10115 berlin"


@pytest.mark.parametrize(
    "forms",
    [
        ("Müllerstraße 5", "Muellerstrasse 5", "Mueller-Str. 5", "MUELLERSTR. 5"),
        ("Goethestraße 5", "Göthestr. 5"),
        ("Königstraße 1", "Koenigstr. 1"),
        ("Jägerstraße 1", "Jaegerstrasse 1"),
        ("Übelstraße 3", "Uebelstrasse 3"),
    ],
)
def test_an_umlaut_written_out_in_a_street_name_is_the_umlaut(forms: tuple[str, ...]) -> None:
    assert len({standardise_address(form).normalised for form in forms}) == 1


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        # A vowel or q before: not an umlaut.
        ("Bauerstraße 1", "bauerstrasse 1"),
        ("Neuestraße 1", "neuestrasse 1"),
        ("Quellenstraße 2", "quellenstrasse 2"),
        # Not a street's name one word with its type: names and other languages' words.
        ("Calle Dueñas 5", "calle duenas 5"),
        ("12 Manuel Rd", "12 manuel road"),
        ("Samuel St", "samuel street"),
        ("Joel Road", "joel road"),
        ("12 Phố Huế", "12 pho hue"),
    ],
)
def test_other_vowels_before_an_e_are_kept(value: str, normalised: str) -> None:
    assert standardise_address(value).normalised == normalised


_STREET_WORDS = {"street", "avenue", "road", "boulevard", "rue", "calle"}
_VN_STREETS = ["Rạch Bùng Binh", "Bà Rịa", "Cách Mạng Tháng 8", "Đinh Bộ Lĩnh", "Trường Sa",
               "Bạch Đằng", "Lê Văn Sỹ", "Sư Vạn Hạnh", "Đ. Ba Tháng Hai", "Ng. Trãi", "Trần Hưng Đạo"]
_VN_AREAS = ["P.5, Q.3", "Phường Rạch Dừa", "F.12, Q. Bình Thạnh", "Xã Bình Mỹ, H. Củ Chi",
             "TX. Thuận An, BD", "TP. Biên Hòa", "BR-VT", "Ward 4, District 5", "TP.HCM"]


@given(st.integers(1, 999), st.sampled_from(_VN_STREETS), st.lists(st.sampled_from(_VN_AREAS), max_size=3))
def test_a_vietnamese_address_gains_no_foreign_street_type(
    number: int, street: str, areas: list[str]
) -> None:
    address = standardise_address(", ".join([f"{number} {street}", *areas]))
    assert address.house_number == str(number)
    assert address.normalised is not None and not _STREET_WORDS & set(address.normalised.split())


@given(st.sampled_from(_VN_STREETS), st.lists(st.sampled_from(_VN_AREAS), max_size=3))
def test_a_vietnamese_address_without_a_leading_number_has_none(street: str, areas: list[str]) -> None:
    # Trailing numbers here are a street's name ("Tháng 8"), wards and districts ("P.5, Q.3").
    assert standardise_address(", ".join([street, *areas])).house_number is None


@given(
    st.text("abcdefghijklmnopqrstuvwxyzäöü", min_size=3, max_size=12),
    st.sampled_from(["str.", "straße", "gracht", "weg", "gatan"]),
    st.integers(1, 999),
    st.sampled_from(["", ", 10115 Berlin", " 1015 CJ Amsterdam", ", Apt 4B"]),
)
def test_a_number_after_a_street_named_in_one_word_is_its_house(
    name: str, suffix: str, number: int, rest: str
) -> None:
    assert standardise_address(f"{name.title()}{suffix} {number}{rest}").house_number == str(number)


@given(
    st.lists(st.text("abcdefghijklmnopqrstuvwxyzäöü", min_size=2, max_size=12), min_size=1, max_size=3),
    st.sampled_from(["Str.", "Straße", "strasse", "Straat", "Gracht", "Laan", "Weg", "Platz", "Allee"]),
    st.integers(1, 999),
    st.sampled_from(["", ", 10115 Berlin", " 1015 CJ Amsterdam", ", Apt 4B"]),
)
def test_a_number_after_a_street_type_written_apart_is_its_house(
    words: list[str], street_type: str, number: int, rest: str
) -> None:
    name = " ".join(word.title() for word in words)
    assert standardise_address(f"{name} {street_type} {number}{rest}").house_number == str(number)


@given(
    st.sampled_from(["Street", "St", "St."]), st.integers(1, 999), st.sampled_from(["", ", Singapore 520081"])
)
def test_an_english_street_type_before_a_number_is_no_house(street_type: str, number: int, rest: str) -> None:
    # Singapore names streets by a number: "Tampines Street 81", "Bishan St 22".
    assert standardise_address(f"Tampines {street_type} {number}{rest}").house_number is None


@given(
    st.text("abcdefghijklmnopqrstuvwxyzäöü", min_size=3, max_size=12),
    st.sampled_from(["str.", "straße", "strasse", "Str", "STRASSE", "straat"]),
    st.integers(1, 300),
)
def test_a_compound_street_type_has_one_form(name: str, suffix: str, number: int) -> None:
    assert (standardise_address(f"{name.title()}{suffix} {number}").normalised
            == standardise_address(f"{name}strasse {number}").normalised)


# Words and signs the street-type, unit and alley rules read, in any order, glued or apart.
_PIECES = st.sampled_from(["bd", "Bd.", "r.", "R", "c/", "C/o", "/", "12", "12/3", "5", "Str.", "straße",
                           "Haupt", "Rivoli", "de", "Q.1", "P.", "Đ.", "ngõ", "số", "No.", "Hẻm", "Unit",
                           "U16", "St", ",", "-", "TP", "Tp.", "Q.", "Calle", "Mayor", "Thành phố",
                           "Floor", "Apt", "Bloc", "B", "Tầng", "Căn hộ", "Tổ", "to", "dân phố", "Ấp",
                           "No", "No:5", "Cad.", "Level", "Phòng", "Sok.", "Kat:", "D:3", "Daire",
                           "V.", "V.le", "C.", "Pº", "ul.", "Pl", "PL-00", "Rua", "Cd.", "Sk.", "Mh.",
                           "Mah.", "3º", "2ª", "bajo", "izda"])


# A Vietnamese word before a number ("Hẻm 12/3", "số 24 ngõ 195") reads an address as Vietnamese in
# any record: its output, which holds the word no more, reads so again as a Vietnamese record.
_VIETNAMESE_NUMBER = re.compile(
    r"(?i)(?<![^\W\d_])(?:số|so|ngõ|ngo|ngách|ngach|hẻm|hem|kiệt|kiet)[\s.,:]+\d")


def _read_again_in(written: str, country: str | None) -> str | None:
    return None if _VIETNAMESE_NUMBER.search(written) else country


# In the record's country: Australia's and New Zealand's "5/12" is unit 5 of house 12.
@example(["12/3", "bd"], " ", "AU").via("a unit's slash then 'bd' after the house")
@example(["12", "bajo", "c/"], " ", None).via("a door's letter before a slash that ends the address")
@example(["Hẻm", "12/3", "c/"], " ", "NZ").via("the alley's word dropped after the slash was read")
@example(["No", "Phòng", "12", "12/3"], " ", "AU").via("the unit moved from before the slash")
@given(st.lists(_PIECES, max_size=8), st.sampled_from([" ", "", ", "]),
       st.sampled_from([None, "AU", "NZ", "VN", "GB"]))
def test_street_types_never_raise_and_are_a_fixed_point(
    pieces: list[str], joiner: str, country: str | None
) -> None:
    address = standardise_address(joiner.join(pieces), country)
    if address.normalised is not None:
        again = standardise_address(address.normalised, _read_again_in(joiner.join(pieces), country))
        assert (again.normalised, again.house_number, again.street) == (
            address.normalised, address.house_number, address.street)


@pytest.mark.parametrize("value", ["Unit R. 12 bd", "số Floor 3 12", "Unit Unit C/o 12"])
def test_an_address_whose_units_moved_is_read_to_a_fixed_point(value: str) -> None:
    """Moving a unit makes new neighbours: "12 bd unit r" reads "bd" as a boulevard's, after a
    house and before a word, as its first reading, "unit r 12 bd", did not."""
    address = standardise_address(value)
    assert standardise_address(address.normalised) == StdAddress(
        address.normalised, address.normalised, address.house_number, address.street, ())


@given(
    st.sampled_from(["bd", "Bd.", "r.", "C/", "Calle", "Via", "Avenue"]),
    st.lists(st.sampled_from(["Mayor", "de", "TP", "Tp.", "Q.", "P.", "Thành phố", "TX.", "KP"]),
             max_size=3),
    st.sampled_from(["12", "012", "5a", "12/3"]),
    st.sampled_from(["", ", 00184 Roma", ", Q.1"]),
)
def test_a_street_type_first_is_read_to_a_fixed_point(
    street_type: str, words: list[str], number: str, rest: str
) -> None:
    address = standardise_address(" ".join([street_type, *words, number]) + rest)
    again = standardise_address(address.normalised)
    assert (again.normalised, again.house_number, again.street) == (
        address.normalised, address.house_number, address.street)


@pytest.mark.parametrize("value", ["bd TP 12", "Bd. Tp. 12", "bd Q. 12", "bd P. 12", "bd Thành phố 12"])
def test_a_number_after_an_area_word_after_a_street_type_is_no_house(value: str) -> None:
    # "TP" expands to two words, "thanh pho": the street-type-first rule read 12 as the house only
    # when the normalised address was read again, so "bd TP 12" changed on a second pass.
    address = standardise_address(value)
    again = standardise_address(address.normalised)
    assert (address.house_number, again.house_number, again.normalised) == (None, None, address.normalised)


@pytest.mark.parametrize(
    ("value", "house_number"),
    [
        # After a street whose type comes first, a floor's, unit's, block's or room's number is theirs.
        ("Calle Mayor, Floor 3", None),
        ("Avenida Paulista, Apt 12", None),
        ("Rue de Rivoli, Bloc B 4", None),
        ("Calle Mayor, Suite 200", None),
        ("Via Roma, Level 2", None),
        ("Avenue Louise, Room 7", None),
        ("Calle Mayor, Block 4", None),
        ("Rue de Rivoli, Tầng 3", None),
        ("Rue Pasteur, Lầu 5", None),
        ("Calle Mayor, Phòng 301", None),
        ("Calle Mayor, Căn hộ 12", None),
        # The house's number before them stays the house's, and so does a street's own word.
        ("Calle Mayor 10, Floor 3", "10"),
        ("Avenida Paulista 578, Apt 12", "578"),
        ("12 Calle Mayor, Apt 4", "12"),
        ("Via del Piano 5", "5"),
        # A unit written first, as "Apt 5, 12 Main Rd": the house after it is the street's.
        ("Floor 3, Calle Mayor 10", "10"),
        # A quarter's, residential group's or hamlet's number after a street whose type comes first.
        ("bd Tổ 12", None),
        ("bd To 12", None),  # "tổ" without its accent
        ("Calle Mayor, Tổ dân phố 3", None),
        ("Boulevard Ấp 3", None),
        ("Via Thôn 5", None),
        ("Calle Xóm 2", None),
        # English "to" elsewhere, and a house before any of them, keep the house.
        ("12 Road to Nowhere", "12"),
        ("Calle Mayor 10 to 12", "10"),
        ("12 Ấp Bắc", "12"),  # a street in Sài Gòn
        ("Calle Mayor 7, Tổ 12", "7"),
    ],
)
def test_a_number_of_a_floor_unit_or_hamlet_is_no_house(value: str, house_number: str | None) -> None:
    address = standardise_address(value)
    again = standardise_address(address.normalised)
    assert (address.house_number, again.house_number) == (house_number, house_number)


@pytest.mark.parametrize(
    ("unit_first", "unit_last", "house_number"),
    [
        # UK and Irish forms write the flat first: its number was read as no house, and the
        # street's house number (10) was lost to the house-number comparison.
        ("Flat 2, 10 Downing Street", "10 Downing Street, Flat 2", "10"),
        ("Flat 2 10 Downing St", "10 Downing Street Flat 2", "10"),
        ("Apartment 4, 22 Baker Street", "22 Baker Street, Apt 4", "22"),
        ("Unit 3, 15-17 High St", "15-17 High Street, Unit 3", "15-17"),
        ("Flat 2A, Block B, 10 Downing Street", "10 Downing Street, Flat 2A, Block B", "10"),
        ("Level 5, 1 Martin Place", "1 Martin Place, Level 5", "1"),
        ("Tầng 3, 12 Nguyễn Huệ", "12 Nguyễn Huệ, Tầng 3", "12"),
        ("Piso 3, Calle Mayor 10", "Calle Mayor 10, Piso 3", "10"),
        ("Căn hộ 12.05, 34 Lê Lợi", "34 Lê Lợi, Căn hộ 12-05", "34"),  # a flat's floor and number
    ],
)
def test_a_unit_written_before_its_street_is_read_as_one_after_it(
    unit_first: str, unit_last: str, house_number: str
) -> None:
    first, last = standardise_address(unit_first), standardise_address(unit_last)
    assert (first.normalised, first.house_number, first.street) == (
        last.normalised, house_number, last.street)


@pytest.mark.parametrize(("value", "same_as"), [
    ("Rose Court, Flat 2, 10 High Street", "10 High Street, Flat 2, Rose Court"),
    ("Rose Court Flat 2 10 High St", "10 High St Flat 2 Rose Court"),
    ("Tòa nhà Bitexco, Tầng 3, 2 Hải Triều", "2 Hải Triều, Tòa nhà Bitexco, Tầng 3"),
])
def test_a_buildings_name_then_a_unit_then_the_house_has_the_house_number(value: str, same_as: str) -> None:
    """A building's name before the flat ("Rose Court, Flat 2, 10 High Street") left the house
    number unread (None), where "Flat 2, 10 High Street" has the house 10: the name goes after the
    units, as the form with the house first writes it."""
    address, expected = standardise_address(value), standardise_address(same_as)
    house_number = same_as.split()[0]
    assert (address.normalised, address.house_number, address.street) == (
        expected.normalised, house_number, expected.street)
    again = standardise_address(address.normalised)
    assert (again.normalised, again.house_number) == (address.normalised, house_number)


def test_a_buildings_name_leaves_the_street_and_flat_as_without_it() -> None:
    street = standardise_address("Rose Court, Flat 2, 10 High Street").street
    assert street.startswith(standardise_address("Flat 2, 10 High Street").street)


@pytest.mark.parametrize(("value", "same_as", "house_number"), [
    ("Flat 2, Rose Court, 10 High Street", "Rose Court, Flat 2, 10 High Street", "10"),
    ("Flat 2, Block B, Rose Court, 10 High St", "Rose Court, Flat 2, Block B, 10 High St", "10"),
    # "15" (of flat 14.15) is no house, nor "04": the street's number is.
    ("CAN HO 14.15, MASTERI THAO DIEN, 159 XA LO HA NOI", "MASTERI THAO DIEN, CAN HO 14.15, 159 XA LO HA NOI",
     "159"),
    ("Căn hộ 2.04, The Vista, 628C Xa lộ Hà Nội", "The Vista, Căn hộ 2.04, 628C Xa lộ Hà Nội",
     "628c"),
])
def test_a_unit_then_a_buildings_name_then_the_house_has_the_house_number(
    value: str, same_as: str, house_number: str
) -> None:
    """The units, a building's name, then the house ("Flat 2, Rose Court, 10 High Street") left the
    house unread (None), where the name before the units has it: both are one address now."""
    address, expected = standardise_address(value), standardise_address(same_as)
    assert (address.normalised, address.house_number, address.street) == (
        expected.normalised, house_number, expected.street)
    again = standardise_address(address.normalised)
    assert (again.normalised, again.house_number) == (address.normalised, house_number)


@pytest.mark.parametrize(
    "value",
    ["Unit 3 Industrial Estate", "Flat 2", "Blk 115 Bishan Street", "Phòng 5, Phường 12, Quận 10",
     "Unit 3, Block 4, Industrial Estate", "Flat 2, Rose Court, 10",
     "Phòng 5, Quận 10, 12 Nguyễn Huệ",  # an area's number is no house's
     "Blk 9 Yishun Central #08-2 Singapore 760009"],  # nor a Singapore flat's, after the block
)
def test_a_unit_before_no_numbered_street_stays_first(value: str) -> None:
    address = standardise_address(value)
    assert address.house_number is None
    assert address.normalised.split()[0] in ("unit", "block", "phong", "can")


@pytest.mark.parametrize(
    ("short", "written_out"),
    [
        # "CH 14.15" read "ch 14 15" and "Căn hộ 14.15" "can ho 14-15": one flat, no number shared.
        ("CH 14.15 Masteri Thảo Điền 159", "Căn hộ 14.15, Masteri Thảo Điền, 159"),
        ("CH.14.15, Masteri Thảo Điền", "Căn hộ 14.15, Masteri Thảo Điền"),
        ("159, Masteri Thảo Điền, căn 14.15", "159, Masteri Thảo Điền, Căn hộ 14.15"),
        ("CH A12.05, 34 Lê Lợi", "Căn hộ A12.05, 34 Lê Lợi"),
        # ... or no word at all before it: "14.15 Vinhomes, 208" read the floor, 14, as a house number.
        ("14.15 Vinhomes, 208", "Căn hộ 14.15, Vinhomes, 208"),
        ("4.18, 31 Quang Trung", "Căn hộ 4.18, 31 Quang Trung"),
    ],
)
def test_a_flat_shortened_reads_as_written_out(short: str, written_out: str) -> None:
    read, expected = standardise_address(short), standardise_address(written_out)
    assert (read.normalised, read.house_number) == (expected.normalised, expected.house_number)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("CH-8001 Zürich", "ch 8001 zurich"), ("CH 8001 Zürich", "ch 8001 zurich"),
     ("P. 14.15, Q. 3", "phuong 14 15 quan 3")],  # Swiss postcodes; "P." before a number is phường
)
def test_ch_and_p_without_a_flats_dotted_number_keep_their_reading(value: str, normalised: str) -> None:
    assert standardise_address(value).normalised == normalised


@given(st.sampled_from(["Flat", "Apt", "Apartment", "Unit", "Suite", "Level", "Floor", "Room"]),
       st.integers(1, 99), st.sampled_from(["", "a", " B"]), st.sampled_from([", ", " "]),
       st.integers(1, 999),
       st.sampled_from(["Downing Street", "Baker St", "High Rd", "rue de Rivoli"]))
def test_the_house_after_a_unit_is_the_streets_to_a_fixed_point(
    unit: str, number: int, letter: str, joiner: str, house: int, street: str
) -> None:
    address = standardise_address(f"{unit} {number}{letter}{joiner}{house} {street}")
    again = standardise_address(address.normalised)
    assert address.house_number == str(house)
    assert (again.normalised, again.house_number, again.street) == (
        address.normalised, address.house_number, address.street)


@pytest.mark.parametrize("country", ["AU", "NZ"])
@pytest.mark.parametrize(("slashed", "written_out", "house_number"), [
    ("5/12 High St", "12 High St, Unit 5", "12"),
    ("Unit 5/12 High St", "Unit 5, 12 High St", "12"),
    ("Flat 3A/45-47 Queen Street", "45-47 Queen St, Flat 3A", "45-47"),
    # After a number's word or a unit: "No 5/12" read house 5/12, "Level 2, 5/12" too.
    ("No 5/12 High St", "12 High St, Unit 5", "12"),
    ("Level 2, 5/12 High St", "12 High St, Level 2, Unit 5", "12"),
    ("Level 2, Unit 5/12 High St", "Level 2, Unit 5, 12 High St", "12"),
])
def test_an_australian_unit_before_its_house_with_a_slash_is_the_units(
    country: str, slashed: str, written_out: str, house_number: str
) -> None:
    """Australia and New Zealand write unit 5 of 12 High St "5/12 High St": it read as the house
    5/12, sharing no house number with "12 High St, Unit 5"."""
    read, expected = standardise_address(slashed, country), standardise_address(written_out, country)
    assert (read.normalised, read.house_number) == (expected.normalised, house_number)
    assert standardise_address(read.normalised, country) == StdAddress(
        read.normalised, read.normalised, read.house_number, read.street, ())


@pytest.mark.parametrize("country", ["AU", "NZ"])
def test_an_australian_units_slash_is_read_as_the_normalised_address_reads_it(country: str) -> None:
    # The slash was read before the abbreviations were read again: "12/3 bd" read "3 bd unit 12",
    # then "3 boulevard unit 12" ("bd" after a house and before a word).
    address = standardise_address("12/3 bd", country)
    assert address.normalised == standardise_address("3 Boulevard, Unit 12", country).normalised
    assert standardise_address(address.normalised, country) == StdAddress(
        address.normalised, address.normalised, address.house_number, address.street, ())


@pytest.mark.parametrize("country", ["AU", "NZ"])
@pytest.mark.parametrize(("value", "house_number"), [
    ("Số 24 ngõ 195 Hoàng Quốc Việt", "24/195"), ("So 24 ngo 195 Hoang Quoc Viet", "24/195"),
    ("Ngõ 195, số 24 Lê Duẩn", "24/195"), ("Hẻm 12/3 Pasteur", "12/3"), ("Số 12/3 Pasteur", "12/3"),
    ("Kiệt 45/7 Hùng Vương", "45/7"),
])
def test_vietnamese_number_words_keep_the_vietnamese_reading_in_an_australian_record(
    country: str, value: str, house_number: str
) -> None:
    """Hà Nội's "Số 24 ngõ 195 Hoàng Quốc Việt" (house 24 in lane 195), without a ward or district
    named, was unit 24 of house 195 in an Australian record: its words say it is Vietnamese."""
    address = standardise_address(value, country)
    assert (address.normalised, address.house_number) == (
        standardise_address(value, "VN").normalised, house_number)
    again = standardise_address(address.normalised)
    assert (again.normalised, again.house_number) == (address.normalised, house_number)


@pytest.mark.parametrize("value", ["12/3 Ngô Quyền", "5/12 Ngo Street"])
def test_ngo_before_no_number_is_a_name_in_an_australian_record(value: str) -> None:
    assert "unit" in standardise_address(value, "AU").normalised.split()


@pytest.mark.parametrize(("country", "forms", "normalised"), [
    # The unit first was moved after all the rest, city too: "12 high street sydney unit 5", where
    # "12 High St, Unit 5, Sydney" read "12 high street unit 5 sydney".
    ("AU", ["12 High St, Unit 5, Sydney", "Unit 5, 12 High St, Sydney", "5/12 High St, Sydney",
            "U5 12 High St, Sydney"], "12 high street unit 5 sydney"),
    ("AU", ["16/152 Main Street, Bondi NSW 2026", "152 Main St, Unit 16, Bondi NSW 2026"],
     "152 main street unit 16 bondi nsw 2026"),
    ("GB", ["Flat 2, 10 Downing Street, London", "10 Downing Street, Flat 2, London",
            "10 Downing Street Flat 2 London"], "10 downing street unit 2 london"),
    ("GB", ["Flat 2A, Block B, 10 Downing St, London", "10 Downing St, Flat 2A, Block B, London"],
     "10 downing street unit 2a block b london"),
    # No street type to follow: the flat at the end, wherever it was written.
    ("VN", ["Căn hộ 14.15, 208 Nguyễn Trãi, Quận 1", "208 Nguyễn Trãi, Căn hộ 14.15, Quận 1",
            "208 Nguyễn Trãi, Quận 1, Căn hộ 14.15"], "208 nguyen trai quan 1 can ho 14-15"),
    ("VN", ["Căn hộ 14.15, 208 Nguyễn Trãi, Quận 1, TP.HCM",
            "208 Nguyễn Trãi, Căn hộ 14.15, Quận 1, TP.HCM"],
     "208 nguyen trai quan 1 thanh pho ho chi minh can ho 14-15"),
    (None, ["Piso 3, Calle Mayor 12, Madrid", "Calle Mayor 12, Piso 3, Madrid"],
     "calle mayor 12 madrid floor 3"),
])
def test_a_unit_written_anywhere_gives_one_address(
    country: str | None, forms: list[str], normalised: str
) -> None:
    """One flat, its unit written before the house or after the street, with the city or the
    district still in the address, is one normalised address (and house): the unit stands after
    the street's type, as "12 High St, Unit 5" writes it, else last."""
    read = [standardise_address(form, country) for form in forms]
    house_number = "12" if normalised.startswith("calle") else normalised.split()[0]
    assert {(a.normalised, a.house_number) for a in read} == {(normalised, house_number)}
    assert standardise_address(normalised, country).normalised == normalised


@pytest.mark.parametrize("country", [None, "VN", "GB"])
@pytest.mark.parametrize(("value", "house_number"),
                         [("317/48 PASTEUR ST.", "317/48"), ("5/12 High St", "5/12")])
def test_a_house_number_with_a_slash_elsewhere_is_one_house(
    country: str | None, value: str, house_number: str
) -> None:
    """Sài Gòn's "317/48 Pasteur" is house 317 in alley 48: a unit's only in Australia and New
    Zealand."""
    assert standardise_address(value, country).house_number == house_number


@pytest.mark.parametrize(("value", "house_number"), [
    ("89/13 Hai Bà Trưng, Phường 4, Quận 10", "89/13"), ("89/13 Hai Ba Trung P.4 Q.10", "89/13"),
])
def test_a_vietnamese_address_keeps_its_alleys_house_in_an_australian_record(
    value: str, house_number: str
) -> None:
    """A Vietnamese customer of an Australian shop gives a Vietnamese address: house 89 of a Sài Gòn
    alley 13 is one number, not unit 89 of a house 13, where its ward or district is named (or a
    Vietnamese number's word: "số 24 ngõ 195 Lê Duẩn")."""
    assert standardise_address(value, "AU").house_number == house_number


_STREETS_TYPE_FIRST = st.sampled_from(["Calle Mayor", "C/ Mayor", "Avenida Paulista", "Rue de Rivoli",
                                       "bd Voltaire", "Via Roma", "Avenue Louise", "Praça da Sé"])
_UNITS = st.sampled_from(["Floor", "Fl.", "Level", "Apt", "Apartment", "Flat", "Unit", "Suite", "Ste",
                          "Block", "Blk", "Bloc B", "Room", "Étage", "Piso", "Tầng", "Lầu", "Phòng",
                          "Căn hộ"])
_VN_AREAS_OWNING_A_NUMBER = st.sampled_from(
    ["Tổ", "To", "Tổ dân phố", "Ấp", "Thôn", "Xóm", "Khu phố", "KP", "Q.", "TP"])


@given(_STREETS_TYPE_FIRST, st.sampled_from([" ", ", "]), _UNITS | _VN_AREAS_OWNING_A_NUMBER,
       st.integers(1, 999))
def test_a_number_owned_by_a_unit_or_area_word_is_no_house(
    street: str, joiner: str, owner: str, number: int
) -> None:
    address = standardise_address(f"{street}{joiner}{owner} {number}")
    assert address.house_number is None
    assert standardise_address(address.normalised).house_number is None


@given(
    st.sampled_from(["Calle Mayor 12", "12 Calle Mayor", "Hauptstraße 5a", "Keizersgracht 123", "Calle Mayor",
                     "367 Nguyễn Trãi, P.5", "Tampines Street 81", "Unter den Linden 77", "Calle 5 de Mayo",
                     "Via Roma 10", "10 Downing St", "Berliner Straße, 10115 Berlin"]),
    _UNITS | _VN_AREAS_OWNING_A_NUMBER,
    st.integers(1, 999),
)
def test_a_unit_or_area_written_after_an_address_keeps_its_house(
    address: str, owner: str, number: int
) -> None:
    assert (standardise_address(f"{address}, {owner} {number}").house_number
            == standardise_address(address).house_number)


@pytest.mark.parametrize(
    "value",
    ["Số 13 ngõ 135 Hùng Vương", "13 ngõ 135 Hùng Vương", "số 13, ngõ 135 Hùng Vương",
     "Ngõ 135, số 13 Hùng Vương", "13/135 Hùng Vương", "Hẻm 13/135 Hùng Vương", "Hẻm số 13/135 Hùng Vương",
     "Số nhà 13, ngõ 135 Hùng Vương", "Ngõ 135, số nhà 13 Hùng Vương"],  # "số nhà": house number
)
def test_a_house_in_an_alley_is_one_number(value: str) -> None:
    address = standardise_address(value)
    assert (address.normalised, address.house_number) == ("13/135 hung vuong", "13/135")


def test_a_number_word_before_a_number_word_is_dropped_too() -> None:
    # Dropping only the "số" before the number left "no 12 le loi", which a second pass changed.
    address = standardise_address("No. số 12 Lê Lợi")
    assert (address.normalised, address.house_number) == ("12 le loi", "12")
    assert standardise_address("Hẻm số").normalised == "hem so"  # no number: a word


@pytest.mark.parametrize("value", ["số Hẻm 12/3", "No. Hẻm 12/3", "Hẻm 5 ngõ 12", "16 ngõ 123 ngõ 12"])
def test_alley_and_number_words_are_read_to_a_fixed_point(value: str) -> None:
    # One pass left "hem 12/3" for "Hẻm số 12/3", which a second pass read as "12/3".
    address = standardise_address(value)
    again = standardise_address(address.normalised)
    assert (again.normalised, again.house_number) == (address.normalised, address.house_number)


def test_a_residential_groups_abbreviation_is_its_name() -> None:
    # "TDP 7" was a word of its own beside "Tổ dân phố 7" (a residential group), as "KP" is "khu phố".
    assert (standardise_address("Kiệt 45 Hùng Vương, TDP 7").normalised
            == standardise_address("Kiệt 45 Hùng Vương, Tổ dân phố 7").normalised
            == "kiet 45 hung vuong to dan pho 7")
    assert standardise_address("Số nhà").normalised == "so nha"  # no number: words


def test_an_alley_itself_keeps_its_word() -> None:
    assert standardise_address("Ngõ 12 phố Huế").normalised == "ngo 12 pho hue"
    assert standardise_address("Hẻm 12 Nguyễn Trãi").normalised == "hem 12 nguyen trai"


def test_single_letters_stay_words_before_a_name() -> None:
    assert standardise_address("U Minh, Cà Mau").normalised == "u minh ca mau"  # a district, not a unit


def test_invalid_and_blank() -> None:
    assert standardise_address("???") == StdAddress("???", None, None, None, ("address_invalid",))
    for value in (None, "", "  "):
        assert standardise_address(value) == StdAddress(value, None, None, None, ())
    assert standardise_address("12").street is None


@given(st.none() | st.text())
def test_address_never_raises_and_is_a_fixed_point(value: str | None) -> None:
    address = standardise_address(value)
    assert address.original == value
    if address.normalised is not None:
        again = standardise_address(address.normalised)
        assert (again.normalised, again.house_number, again.street) == (
            address.normalised,
            address.house_number,
            address.street,
        )


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        *[
            (v, "ho chi minh")
            for v in [
                "TP.HCM",
                "TP HCM",
                "Tp. Hồ Chí Minh",
                "Thành phố Hồ Chí Minh",
                "HCMC",
                "HCM",
                "Ho Chi Minh City",
                "Hồ Chí Minh",
                "Sài Gòn",
                "Saigon",
                "TPHCM",
            ]
        ],
        *[(v, "ha noi") for v in ["Hà Nội", "Ha Noi", "Hanoi", "HN", "TP Hà Nội", "Hà Nội, Việt Nam"]],
        ("Đà Nẵng", "da nang"),
        ("Danang", "da nang"),
        ("Haiphong", "hai phong"),
        ("Cần Thơ", "can tho"),
        ("Thừa Thiên Huế", "hue"),
        ("Huế", "hue"),
        *[(v, "hue") for v in ["TT Huế", "TT. Huế", "TT-Huế", "TTHuế"]],  # Thừa Thiên Huế
        ("TT Phú Mỹ", "tt phu my"),  # TT: thị trấn, a township, left as written
        ("Buon Me Thuot", "buon ma thuot"),
        ("Dalat", "da lat"),
        ("Thủ Đức", "ho chi minh"),  # a city within Ho Chi Minh City
        ("TP. Thủ Đức", "ho chi minh"),
        ("NYC", "new york"),
        ("City of London", "london"),
        ("Tỉnh Khánh Hòa", "nha trang"),  # a province is one place with its capital
        ("Nha Trang, Khánh Hòa", "nha trang"),
        ("Thủ Dầu Một", "binh duong"),
        ("Biên Hòa - Đồng Nai", "bien hoa"),
        ("Quận 1 / TP.HCM", "ho chi minh"),
        # Local and English names, a region code without a comma (not in a name in capitals).
        ("Cologne", "koln"),
        ("MUENCHEN", "munchen"),
        ("Frankfurt am Main", "frankfurt"),
        ("Seville", "sevilla"),
        ("Saragossa", "zaragoza"),
        ("Kiev", "kyiv"),
        ("Quezon City", "quezon"),
        ("CDMX", "ciudad de mexico"),
        ("Mexico City", "ciudad de mexico"),  # was "mexico", the country's name, once " city" was stripped
        ("MEXICO CITY, Mexico", "ciudad de mexico"),
        ("Greater London", "london"),
        ("Sydney NSW", "sydney"),
        ("SYDNEY NSW", "sydney"),
        ("Austin TX", "austin"),
        ("SA PA", "sa pa"),
        ("Springfield", "springfield"),
        # A region code after a comma: a US state, a province, the UK.
        ("New York, NY", "new york"),
        ("SAN FRANCISCO, CA", "san francisco"),
        ("London, UK", "london"),
        ("Toronto, ON.", "toronto"),
        ("Quận 1, HCM", "ho chi minh"),  # a district, then the city
        (", NY", "ny"),  # nothing before the comma: kept
        ("Bà Rịa - Vũng Tàu", "vung tau"),
        ("BR-VT", "vung tau"),
        ("T. Bình Dương", "binh duong"),  # tỉnh, before a place known
        ("T. Văn Bình", "t van binh"),  # ... else as well a person's initial
        # A French CEDEX (a large mail user's sorting office), with or without its number, is its city.
        ("PARIS CEDEX 02", "paris"),
        ("Bordeaux Cedex", "bordeaux"),
        ("Saint-Denis Cedex 9", "saint denis"),
    ],
)
def test_city_aliases(value: str, canonical: str) -> None:
    assert standardise_city(value) == StdCity(value, canonical, ())


@pytest.mark.parametrize(
    "value", ["Dublin 2", "Dublin 15", "DUBLIN 6W", "Dublin D02", "Dublin 2, Ireland", "Paris 8e", "Lyon 1er"]
)
def test_a_postal_district_after_a_known_city_is_that_city(value: str) -> None:
    """"Dublin 2" was the city "dublin 2", another city than "Dublin" to the exact city comparison.
    The district stays in the city as written; an unknown city keeps its number ("Springfield 2")."""
    assert standardise_city(value).canonical == (fold(value) or "").split()[0]
    assert standardise_city("Springfield 2").canonical == "springfield 2"


@pytest.mark.parametrize(("country", "canonical"), [("IE", "dublin"), ("VN", "d02"), (None, "d02")])
def test_a_dublin_routing_key_is_dublin_in_ireland(country: str | None, canonical: str) -> None:
    """An Eircode routing key (D01-D24, D6W) written as the city: Dublin in an Irish record."""
    assert standardise_city("D02", country).canonical == canonical
    assert standardise_city("D6W", country).canonical == canonical.replace("d02", "d6w")


def test_a_dublin_district_ends_an_address_as_its_city() -> None:
    assert city_in_address("12 Main St, Dublin 2, Ireland") == AddressCity("12 Main St", "Dublin 2", None)
    assert city_in_address("123 Ba Tháng Hai, D10") is None  # District 10, to a Vietnamese record


def test_city_invalid_and_blank() -> None:
    assert standardise_city("???") == StdCity("???", None, ("city_invalid",))
    assert standardise_city("  ") == StdCity("  ", None, ())
    assert standardise_city(None) == StdCity(None, None, ())


def test_canonical_cities_are_fixed_points() -> None:
    for canonical in set(CITY_ALIASES.values()):
        assert standardise_city(canonical).canonical == canonical


@given(st.none() | st.text())
def test_city_never_raises_and_is_a_fixed_point(value: str | None) -> None:
    city = standardise_city(value)
    if city.canonical is not None:
        assert standardise_city(city.canonical).canonical == city.canonical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("700000", "700000"),
        (" sw1a   1aa ", "SW1A 1AA"),
        # two-part postcodes written without their space: a UK, an Irish (Eircode), a Canadian and a
        # Dutch one compared unequal to the same written with it
        ("sw1a1aa", "SW1A 1AA"),
        ("M11AE", "M1 1AE"),
        ("d02x285", "D02 X285"),
        ("D6WFK12", "D6W FK12"),
        ("k1a0b1", "K1A 0B1"),
        ("1012ab", "1012 AB"),
        ("20500-0003", "20500-0003"),  # a US ZIP+4 is as written
        ("20500 0003", "20500 0003"),
        # digits written with a separator or without compare equal: a Brazilian CEP, an Indian PIN,
        # a Japanese postcode (its postal mark no part of it, a full-width hyphen a hyphen), a Polish one
        ("01310-100", "01310100"),
        ("110 001", "110001"),
        ("〒100-0001", "1000001"),
        ("〒 100－0001", "1000001"),
        ("〒１００－０００１", "1000001"),  # full-width digits, as a Japanese form writes them
        ("１００００", "10000"),
        ("ｓｗ１ａ　１ａａ", "SW1A 1AA"),
        ("00-950", "00950"),
        ("〒", None),
        ("100000", "100000"),
        ("-", None),
        ("n/a", None),
        ("", None),
        (None, None),
        ("10115.0", "10115"),  # a postcode column with gaps, as pandas writes it
        ("2000.0", "2000"),
    ],
)
def test_postcode(value: str | None, expected: str | None) -> None:
    assert standardise_postcode(value) == expected


@given(st.none() | st.text())
def test_postcode_never_raises_and_is_a_fixed_point(value: str | None) -> None:
    postcode = standardise_postcode(value)
    if postcode is not None:
        assert standardise_postcode(postcode) == postcode


@pytest.mark.parametrize(
    ("value", "code"),
    [
        *[(v, "VN") for v in ["Vietnam", "Việt Nam", "Viet Nam", "VN", "vnm"]],
        *[(v, "US") for v in ["United States", "USA", "US", "U.S.A.", "Hoa Kỳ"]],
        *[(v, "GB") for v in ["United Kingdom", "UK", "Great Britain", "England"]],
        ("Singapore", "SG"),
        ("Thailand", "TH"),
        ("Japan", "JP"),
        ("Korea", "KR"),
        ("Hàn Quốc", "KR"),
        ("China", "CN"),
        ("Australia", "AU"),
        ("Nederland", "NL"), ("Sverige", "SE"),  # their own names, as an address in their language ends
        ("France", "FR"),
        ("Germany", "DE"),
        ("Canada", "CA"),
        ("MY", "MY"),
        # German, French and Spanish names: "Österreich" was "OSTERREICH", a country of its own.
        *[(v, "AT") for v in ["Österreich", "Oesterreich", "Autriche"]],
        *[(v, "GB") for v in ["Großbritannien", "Vereinigtes Königreich", "Royaume-Uni", "Reino Unido"]],
        *[(v, "US") for v in ["Vereinigte Staaten", "États-Unis", "Estados Unidos", "EE.UU."]],
        *[(v, "MX") for v in ["Mexiko", "Mexique", "México"]],
        *[(v, "CH") for v in ["Schweiz", "Suisse", "Suiza"]],
        *[(v, "DE") for v in ["Deutschland", "Allemagne", "Alemania"]],
        ("Frankreich", "FR"),
        ("España", "ES"),
        # In its own script or language: "Ελλάδα" was "ELLADA", "Россия" "ROSSIIA", "日本" "RI BEN".
        *[(v, "GR") for v in ["Ελλάδα", "ΕΛΛΑΣ", "Hellas", "Greece", "Griechenland", "Ellada"]],
        *[(v, "RU") for v in ["Россия", "Российская Федерация", "Rossiya"]],
        *[(v, "UA") for v in ["Україна", "Украина"]],
        *[(v, "CN") for v in ["中国", "中華人民共和國"]],
        *[(v, "JP") for v in ["日本", "Nippon"]],
        *[(v, "KR") for v in ["대한민국", "한국", "韓國"]],
        *[(v, "TW") for v in ["臺灣", "中華民國"]],
        ("Türkiye", "TR"), ("Italia", "IT"), ("Polska", "PL"), ("Magyarország", "HU"), ("Hrvatska", "HR"),
        ("Česko", "CZ"), ("Suomi", "FI"), ("Κύπρος", "CY"), ("България", "BG"), ("ישראל", "IL"),
        ("السعودية", "SA"), ("ประเทศไทย", "TH"), ("Svizzera", "CH"), ("Danmark", "DK"), ("Norge", "NO"),
        ("Atlantis", "ATLANTIS"),
        ("Cộng hòa Xyz", "CONG HOA XYZ"),
        ("n/a", None),
        ("", None),
        (None, None),
    ],
)
def test_country(value: str | None, code: str | None) -> None:
    assert standardise_country(value) == code


def test_country_codes_are_fixed_points() -> None:
    for code in set(COUNTRY_ALIASES.values()):
        assert standardise_country(code) == code


@given(st.none() | st.text())
def test_country_never_raises_and_is_a_fixed_point(value: str | None) -> None:
    country = standardise_country(value)
    if country is not None:
        assert standardise_country(country) == country


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_address(value).original == value
    assert standardise_city(value).original == value
    standardise_postcode(value)
    standardise_country(value)



@pytest.mark.parametrize(
    ("value", "house", "street", "same_as"),
    [
        ("Atatürk Cad. No:5", "5", "ataturk caddesi", "5 Atatürk Cad."),
        ("Atatürk Cad. No: 5", "5", "ataturk caddesi", "5 Atatürk Cad"),
        ("Bağdat Cad. No:12/3 Kadıköy", "12/3", "bagdat caddesi kadikoy", "12/3 Bağdat Cad. Kadıköy"),
        ("Main St No. 5", "5", "main street", "5 Main Street"),
        # ... or without "No" after a Turkish street's type, and a flat (D:3, Daire) and floor (Kat) after it.
        ("Atatürk Cad. 5", "5", "ataturk caddesi", "Atatürk Cad. No:5"),
        ("Bağdat Cd. 12/3 Kadıköy", "12/3", "bagdat caddesi kadikoy", "12/3 Bağdat Cd. Kadıköy"),
        ("Lale Sok. 7", "7", "lale sokak", "Lale Sok. No:7"),
        ("Atatürk Cad. No:5 D:3", "5", "ataturk caddesi unit 3", "5 Atatürk Cad., Daire 3"),
        ("Atatürk Cad. 5 Kat:2 D:3", "5", "ataturk caddesi floor 2 unit 3",
         "Atatürk Cad. No: 5, Kat 2, Daire 3"),
        ("Atatürk Cad. No:5 Kat:2", "5", "ataturk caddesi floor 2", "5 Atatürk Cad., Floor 2"),
    ],
)
def test_a_number_after_no_behind_the_street_is_its_house_number(
    value: str, house: str, street: str, same_as: str
) -> None:
    """Turkish addresses write the house after the street with "No:": it was left in the street
    ("ataturk cad 5", no house number), unlike the same address written with its house first; so was
    "Atatürk Cad. 5", and "D:3" (daire, a flat) and "Kat:2" (a floor) were words ("d 3", "kat 2")."""
    std = standardise_address(value)
    assert (std.house_number, std.street) == (house, street)
    assert std.normalised == standardise_address(same_as).normalised
    assert standardise_address(std.normalised).normalised == std.normalised


@given(st.sampled_from(["Atatürk Cad.", "Bağdat Cad", "Main St", "Hẻm Pasteur", "Level 2 Rose Court"]),
       st.sampled_from(["No:", "No: ", "No. ", "no "]), st.sampled_from(["5", "12/3", "5a", "45-47"]),
       st.sampled_from(["", " Kadıköy", ", Unit 5", ", Floor 2, Sydney", " bd", ", Phường 4"]),
       st.sampled_from([None, "AU", "NZ", "VN", "GB", "TR"]))
def test_a_number_after_no_is_read_to_a_fixed_point(
    street: str, word: str, number: str, rest: str, country: str | None
) -> None:
    address = standardise_address(f"{street} {word}{number}{rest}", country)
    again = standardise_address(address.normalised, country)
    assert address.house_number is not None
    assert (again.normalised, again.house_number, again.street) == (
        address.normalised, address.house_number, address.street)


@pytest.mark.parametrize(("forms", "street"), [
    (("Calle Mayor 5, 3º B", "C/ Mayor, 5, 3ºB", "Calle Mayor 5 3º-B"), "calle mayor unit b floor 3"),
    (("Calle Mayor 5, 3º 2ª", "C. Mayor, 5, 3º 2ª"), "calle mayor unit 2 floor 3"),
    (("Calle Mayor 5, 2º izda", "Calle Mayor 5, 2º izq."), "calle mayor izquierda floor 2"),
    (("Calle Mayor 5, bajo dcha", "Calle Mayor 5, Bajo dcha."), "calle mayor derecha floor 0"),
    (("Calle Mayor 5, piso 3, puerta B", "Calle Mayor 5, Piso 3 Pta. B", "Calle Mayor 5, 3º B"),
     "calle mayor unit b floor 3"),
])
def test_a_spanish_floor_and_door_are_a_floor_and_a_unit(forms: tuple[str, ...], street: str) -> None:
    """"3º B" (third floor, door B) was a word of the street ("calle mayor 3o b"), the floor's "º"
    folded to an "o"; the floor is now a floor, the door a unit, "bajo" (ground floor) floor 0."""
    assert {(std.house_number, std.street) for std in map(standardise_address, forms)} == {("5", street)}


@pytest.mark.parametrize(("value", "normalised"), [
    ("Calle 3º de Mayo 5", "calle 3o de mayo 5"),  # an ordinal in the street's name
    ("Calle Bajo de Guía 5", "calle bajo de guia 5"),
    # The door's letter keeps no postcode as its number ("unit b 28013").
    ("Calle Mayor 5, 3º B, 28013 Madrid", "calle mayor 5 28013 madrid unit b floor 3"),
])
def test_an_ordinal_or_bajo_in_a_streets_name_is_no_floor(value: str, normalised: str) -> None:
    assert standardise_address(value).normalised == normalised


def test_a_units_number_after_no_is_no_house_number() -> None:
    assert standardise_address("Flat No 5, 10 Downing St").house_number == "10"


@pytest.mark.parametrize(("value", "street"), [
    ("Rue St-Denis", "rue saint denis"),
    ("Boulevard St-Laurent", "boulevard saint laurent"),
    ("Ave Ste-Catherine", "avenue sainte catherine"),
    ("12 Main St", "main street"),
    ("12 St Kilda Rd", "street kilda road"),  # no type before it: as it was
])
def test_st_after_a_street_type_is_saint(value: str, street: str) -> None:
    """"Rue St-Denis" read "rue street denis" and "Ave Ste-Catherine" "avenue unit catherine"."""
    assert standardise_address(value).street == street


def _reads_to_a_fixed_point(value: str, country: str | None, house: str | None, street: str) -> None:
    """``value`` has ``house`` and ``street``, and its normalised form reads the same again."""
    std = standardise_address(value, country)
    assert (std.house_number, std.street) == (house, street)
    again = standardise_address(std.normalised, country)
    assert (again.normalised, again.house_number, again.street) == (std.normalised, house, street)


@pytest.mark.parametrize(("value", "country", "house", "street"), [
    ("5-1234 Rue St-Denis", "CA", "1234", "rue saint denis unit 5"),
    ("1234, rue Saint-Denis, app. 5", "CA", "1234", "rue saint denis unit 5"),
    ("1234 rue Saint-Denis, appartement 5", "CA", "1234", "rue saint denis unit 5"),
    ("1234 rue Saint-Denis, bureau 5", "CA", "1234", "rue saint denis unit 5"),
    ("1234 rue Saint-Denis, suite 5", "CA", "1234", "rue saint denis unit 5"),
    ("5-1234 Main St", "CA", "1234", "main street unit 5"),
    ("5-1234 Rue St-Denis", None, "1234", "rue saint denis unit 5"),  # a French type after it
    # Elsewhere a range of houses, or without a French type after it, as it was.
    ("8-10 rue de Rivoli", None, "8-10", "rue de rivoli"),
    ("45-47 rue de Rivoli", "FR", "45-47", "rue de rivoli"),
    ("5-1234 Main St", None, "5-1234", "main street"),
    ("12-3 Nguyễn Trãi, Phường 4, Quận 5", "CA", "12-3", "nguyen trai phuong 4 quan 5"),
])
def test_a_canadian_unit_before_its_house_is_a_unit(
    value: str, country: str | None, house: str, street: str
) -> None:
    _reads_to_a_fixed_point(value, country, house, street)


@pytest.mark.parametrize(("value", "country", "house", "street"), [
    ("1203 Sk. No:5", None, "5", "1203 sokak"),
    ("1203. Sokak No 5", "TR", "5", "1203 sokak"),
    ("1203 Sokak 5", "TR", "5", "1203 sokak"),
    ("1203 Sk. No:5 D:3", "TR", "5", "1203 sokak unit 3"),
    ("Cumhuriyet Mah. 1203 Sk. No:5", "TR", "5", "cumhuriyet mahallesi 1203 sokak"),
])
def test_a_numbered_turkish_streets_number_is_its_name(
    value: str, country: str | None, house: str, street: str
) -> None:
    """"1203 Sk. No:5" (Sokak 1203, house 5) had the house 1203 and the street "sokak 5"."""
    _reads_to_a_fixed_point(value, country, house, street)


@pytest.mark.parametrize(("value", "country", "house", "street"), [
    ("Ερμού 12", "GR", "12", "ermou"),
    ("οδός Ερμού 12", "GR", "12", "ermou"),  # the type's word, written or not
    ("Οδός Ερμού 12, Αθήνα", "GR", "12", "ermou athina"),
    ("Πανεπιστημίου 30-32", "GR", "30-32", "panepistimiou"),
    ("Λεωφ. Κηφισίας 12", "GR", "12", "avenue kifisias"),
    # Elsewhere a number after a name alone is no house read.
    ("Ερμού 12", None, None, "ermou 12"),
    ("Ermou 12", "GB", None, "ermou 12"),
])
def test_a_number_after_a_greek_streets_name_is_the_house(
    value: str, country: str | None, house: str | None, street: str
) -> None:
    """A GR record's "Ερμού 12" had no house number and "οδός Ερμού 12" the house 12 of "odos
    ermou": the number after a name alone is the house there, and "οδός" is left out."""
    _reads_to_a_fixed_point(value, country, house, street)


@pytest.mark.parametrize(("value", "house", "street"), [
    ("ул. Ленина, д. 5, кв. 12", "5", "ulica lenina unit 12"),
    ("ул. Ленина, дом 5, квартира 12", "5", "ulica lenina unit 12"),
    ("ул. Ленина, д.5, корп. 2, кв. 12", "5", "ulica lenina block 2 unit 12"),
    ("ул. Ленина, д. 5, стр. 1", "5", "ulica lenina building 1"),
    ("Λεωφ. Κηφισίας 12", "12", "avenue kifisias"),
    ("Λεωφόρος Κηφισίας 12", "12", "avenue kifisias"),
    ("οδός Ερμού 12", "12", "odos ermou"),
])
def test_russian_and_greek_words_of_an_address(value: str, house: str, street: str) -> None:
    """"д. 5" (дом, the house) read "d 5" and the house none; "кв. 12" (a flat) "kv 12", "стр." a
    street; "Λεωφ." (an avenue) "leof" and the number after a Greek street's name no house."""
    std = standardise_address(value)
    assert (std.house_number, std.street) == (house, street)
    assert standardise_address(std.normalised).normalised == std.normalised
