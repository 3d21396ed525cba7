"""Names: one canonical family-first folded form, whatever order or decoration the source used."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mdm.standardise import StdName, nfc_clean, standardise_name
from mdm.standardise.names import name_from_email, spacing_key, word_parts, written_given
from mdm.standardise.text import fold

JUNK = ["\x00\x01", "\u200b\ufeff", "\t\n\r", "😀" * 3, "x" * 100_000, "Nguyễn " * 5_000, "\ud800", "‮abc"]

VIETNAMESE_AN = [
    "Nguyễn Văn An",
    "NGUYEN VAN AN",
    "An Văn Nguyễn",
    "nguyen an",
    "Ông Nguyễn Văn An",
    "Nguyễn V. An",
]


@pytest.mark.parametrize("value", VIETNAMESE_AN)
def test_vietnamese_forms_share_family_and_given(value: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == ("nguyen", "an")


def test_vietnamese_orders_share_the_folded_form() -> None:
    assert {standardise_name(v).folded for v in VIETNAMESE_AN[:3]} == {"nguyen van an"}
    assert standardise_name("Nguyễn V. An").middles == "v"
    assert standardise_name("nguyen an").middles is None


@pytest.mark.parametrize(
    ("value", "given"),
    [
        ("Alan Smith", "alan"),
        ("A. Smith", "a"),
        ("Mr. Alan Smith", "alan"),
        ("SMITH, Alan", "alan"),
        ("Smith, Alan Jr.", "alan"),
        ("Dr Alan Smith III", "alan"),
        ("Smith Jr., Alan", "alan"),  # the suffix before the family name's comma
        ("SMITH JR, ALAN", "alan"),
        ("Smith III, Dr. Alan", "alan"),
    ],
)
def test_western_forms(value: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.folded) == ("smith", given, f"smith {given}")


@pytest.mark.parametrize(
    ("value", "folded", "family", "given"),
    [
        ("Đặng Thị Ánh", "dang thi anh", "dang", "anh"),
        ("Bà Lê Thị Anh", "le thi anh", "le", "anh"),
        ("Nguyễn Thị Anh", "nguyen thi anh", "nguyen", "anh"),  # Anh is a given name here
        ("Trần Anh", "tran anh", "tran", "anh"),
        ("Anh Trần", "tran anh", "tran", "anh"),  # a lone family name follows: given-first, not a title
        ("Chu Văn An", "chu van an", "chu", "an"),  # Chu is a family name, not "chú"
        ("Ông Hưng Văn Đặng", "dang van hung", "dang", "hung"),  # a title before a given-first name
        ("Ông Văn Tùng", "ong van tung", "ong", "tung"),  # Ông the family name
        ("Ông Hùng Phạm", "pham hung", "pham", "hung"),  # given-first after the title, as above
        ("Ông P. Duy", "p duy", "p", "duy"),  # the title before a family name cut to its initial
        ("Chu T. Giang", "chu t giang", "chu", "giang"),  # but Chu, written so, is the family name
        ("Chú Hiển Bùi", "bui hien", "bui", "hien"),  # with its tone "Chú" is no family name (Chu)
        ("Bác Vũ", "vu", None, "vu"),  # no one is called Bác: a title, even before a family name
        ("Ông Hoàng", "hoang", None, "hoang"),
        ("Chi Lê", "le chi", "le", "chi"),  # without its tone "Chi" may be the given name
        ("Văn An", "van an", "van", "an"),
        ("Mai Trần", "tran mai", "tran", "mai"),  # Mai is far more often a given name
        ("Trần Mai", "tran mai", "tran", "mai"),
    ],
)
def test_vietnamese_titles_and_order(value: str, folded: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.folded, name.family, name.given) == (folded, family, given)


def test_display_keeps_order_and_title_cases_single_case_input() -> None:
    assert standardise_name("NGUYEN VAN AN").display == "Nguyen Van An"
    assert standardise_name("nguyễn văn an").display == "Nguyễn Văn An"
    assert standardise_name("An Văn Nguyễn").display == "An Văn Nguyễn"
    assert standardise_name("Mr.  alan   SMITH").display == "alan SMITH"
    assert standardise_name("Ông Nguyễn Văn An").display == "Nguyễn Văn An"


def test_punctuation_inside_names() -> None:
    assert standardise_name("Seán O'Brien").folded == "obrien sean"
    assert standardise_name("Jean-Paul Sartre").given == "jeanpaul"
    assert standardise_name("Nguye\u0302\u0303n Va\u0306n An").folded == "nguyen van an"  # decomposed marks
    assert standardise_name("Nguy\u200bễn\u00a0Văn An").folded == "nguyen van an"


def test_single_token_and_invalid() -> None:
    assert standardise_name("Madonna") == StdName(
        "Madonna", "Madonna", "madonna", None, "madonna", None, ("name_single_token",)
    )
    for value in ["12345", "???", "-"]:
        assert standardise_name(value) == StdName(value, None, None, None, None, None, ("name_invalid",))


@pytest.mark.parametrize("value", [None, "", "   ", "\u200b"])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_name(value) == StdName(value, None, None, None, None, None, ())


@pytest.mark.parametrize(
    ("first", "last"), [("Văn An", "Nguyễn"), ("An", "Nguyễn Văn"), ("an", "NGUYEN VAN")]
)
def test_vietnamese_parts(first: str, last: str) -> None:
    name = standardise_name(None, first_name=first, last_name=last)
    assert (name.folded, name.family, name.given, name.middles) == ("nguyen van an", "nguyen", "an", "van")
    assert name.original == f"{first} {last}"
    assert standardise_name(name.display).folded == "nguyen van an"


def test_western_parts_and_fallbacks() -> None:
    name = standardise_name("", first_name="Alan James", last_name="Smith")
    assert (name.family, name.given, name.middles, name.display) == (
        "smith",
        "alan",
        "james",
        "Alan James Smith",
    )
    assert standardise_name(None, "Ann", "Smith Jones").folded == "smith jones ann"
    assert standardise_name(None, None, "Nguyễn").family == "nguyen"
    assert standardise_name(None, "Nguyễn Văn An").folded == "nguyen van an"
    assert standardise_name("Trần Bình", first_name="X", last_name="Y").folded == "tran binh"


# A name in Arabic script is compared in its letters (fold would spell it without its vowels).
_ARABIC_WORD = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]+")


@given(st.none() | st.text(), st.none() | st.text(), st.none() | st.text())
@example("علي حسن", None, None)
@example("ؠ", "Ali", None)
def test_never_raises_and_is_well_typed(full: str | None, first: str | None, last: str | None) -> None:
    name = standardise_name(full, first, last)
    assert isinstance(name.flags, tuple)
    for field in (name.display, name.folded, name.family, name.given, name.middles):
        assert field is None or (isinstance(field, str) and field)
    if name.folded is not None:  # folded already: each word as fold gives it, or in Arabic letters
        assert all(fold(word) == word or _ARABIC_WORD.fullmatch(word) for word in name.folded.split())
        assert name.given is not None or name.family is not None
    key = spacing_key(name)  # the letters of the name, whatever their order
    assert (key is None) == (name.folded is None)
    assert key is None or sorted(key) == sorted(name.folded.replace(" ", ""))


def assert_display_is_a_fixed_point(value: str) -> None:
    """The folded form is family-first, so it is the display that must re-standardise to itself."""
    name = standardise_name(value)
    if name.display is not None:
        again = standardise_name(name.display)
        assert (again.display, again.folded, again.family, again.given, again.middles) == (
            name.display,
            name.folded,
            name.family,
            name.given,
            name.middles,
        )


@given(st.text())
@example("k a yA")  # a mended space made the word before it mendable
def test_display_is_a_fixed_point(value: str) -> None:
    assert_display_is_a_fixed_point(value)


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    name = standardise_name(value)
    assert name.original == value
    assert name.display is None or name.display == nfc_clean(name.display)
    assert isinstance(standardise_name(None, value, value), StdName)


NAME_WORDS = st.sampled_from(
    [
        "Nguyễn",
        "NGUYEN",
        "trần",
        "Lê",
        "Văn",
        "Thị",
        "An",
        "Anh",
        "Chi",
        "Chị",
        "Mai",
        "Hà",
        "Ông",
        "Bà",
        "Chu",
        "Mr.",
        "Dr",
        "M.",
        "Jr.",
        "III",
        "Smith",
        "O'Brien",
        "Jean-Paul",
        "A.",
        "C.",
        ",",
        "-",
        "/",
        "2",
        "µ",
        "ß",
        "(gọi",
        "trước)",
        "[x]",
        "(",
        ")",
    ]
)


@given(st.lists(NAME_WORDS, max_size=6).map(" ".join))
@example("Ông Ông Bà Văn")  # shown "Ông Bà Văn", which read again was a couple's titles: "Văn"
def test_display_of_realistic_names_is_a_fixed_point(value: str) -> None:
    assert_display_is_a_fixed_point(value)


@pytest.mark.parametrize(
    ("value", "display", "folded"),
    [
        ("Chị Lan", "Lan", "lan"),  # a title before one given name
        ("A. Nguyễn Văn Bình", "Nguyễn Văn Bình", "nguyen van binh"),  # "A." is Anh
        ("Nguyễn Văn An (gọi trước khi giao)", "Nguyễn Văn An", "nguyen van an"),
        ("Lê Thị Hoa - giao giờ hành chính", "Lê Thị Hoa", "le thi hoa"),
    ],
)
def test_shipping_labels(value: str, display: str, folded: str) -> None:
    name = standardise_name(value)
    assert (name.display, name.folded) == (display, folded)


@pytest.mark.parametrize(
    "value",
    [
        "Anna Schmidt geb. Meyer",
        "Anna Schmidt, geb. Meyer",
        "Anna Schmidt geborene Meyer",
        "Anna Schmidt née Meyer",
        "ANNA SCHMIDT NÉE MEYER",
        "Anna Schmidt nee Meyer",
        "Schmidt, Anna geb. Meyer",
        "Anna Schmidt geb.Meyer",  # no space after the dot: Meyer was the family name
        "ANNA SCHMIDT GEB.MEYER",
    ],
)
def test_a_birth_name_after_the_name_in_use_is_a_note(value: str) -> None:
    """The family name matched on is the one in use, as in a record written without the birth name."""
    name = standardise_name(value)
    assert (name.family, name.folded) == ("schmidt", standardise_name("Anna Schmidt").folded)
    assert "Meyer" not in name.display


def test_nee_as_a_name_is_no_birth_name() -> None:
    assert standardise_name("Lim Nee Ling").folded == "lim ling nee"


def test_first_and_last_boxes_as_people_fill_them() -> None:
    assert standardise_name(None, "Anh Văn An", "Nguyễn").folded == "nguyen van an"  # title in the box
    assert standardise_name(None, "Nguyễn", "Văn An").folded == "nguyen van an"  # boxes swapped
    assert standardise_name(None, "Mr Alan", "Smith Jr").display == "Alan Smith"


def test_western_surname_opening_like_a_vietnamese_family_name_stays_whole():
    # "van", "la" and "mac" are Vietnamese family names too; the rest of the box says otherwise.
    for first, last in (("alessandra", "van groesen"), ("Jean", "La Porte")):
        name = standardise_name(None, first, last)
        assert (name.family, name.middles, name.given) == (last.lower(), None, first.lower())
    vietnamese = standardise_name(None, "An", "Nguyễn Văn")
    assert (vietnamese.family, vietnamese.middles, vietnamese.given) == ("nguyen", "van", "an")


@pytest.mark.parametrize(
    ("value", "family", "middles", "given"),
    [
        ("A. Tuấn", None, None, "tuan"),  # "A." is Anh before a given name
        ("C. Tô K. Quỳnh", "to", "k", "quynh"),  # "C." is Chị, even before a family name like "Tô"
        ("Ông Lý Hữu Trí", "ly", "huu", "tri"),  # a title before a full name opening with "Lý"
        ("Ông Lý Trí", "ong", "ly", "tri"),  # three names: Ông is the family name
        ("A. Smith", "smith", None, "a"),  # not Vietnamese: an initial
        ("A. Le Roux", "roux", "le", "a"),
        # Still Vietnamese when mistyped: a family name in Telex, a key held down, Telex in a middle name.
        ("A. Nguyeenx Minh Hưng", "nguyen", "minh", "hung"),
        ("C. Hoàng Hồngg Xuân", "hoang", "hongg", "xuan"),
        ("A. Le Vawn Son", "le", "van", "son"),
        ("A. Hải Trần", "tran", None, "hai"),  # "A." before a given-first Vietnamese name
        ("Nguyễn Hiếu V.", "nguyen", "v", "hieu"),  # a Vietnamese given name is never an initial
        # An initial before a Vietnamese given name is the family name: "N. Hưng" is Nguyễn Hưng.
        ("N. Hưng", "n", None, "hung"),
        ("T. Quynh", "t", None, "quynh"),
        ("R. Tan", "tan", None, "r"),  # ... but Tan, without marks, is also a Chinese surname
        ("J. Smith", "smith", None, "j"),
        ("Nguyễn V. An", "nguyen", "v", "an"),
        # Anh, chị, em typed as their letter before a capitalised name; an initial is a capital.
        ("a Hùng", None, None, "hung"),
        ("c Nguyễn Thị Hương", "nguyen", "thi", "huong"),
        ("e Linh", None, None, "linh"),
        ("a Minh Trần", "tran", None, "minh"),
        ("a nguyen", "nguyen", None, "a"),  # all in lower case: nothing says which
        ("A Smith", "smith", None, "a"),
    ],
)
def test_abbreviated_titles_and_initials(value: str, family: str | None, middles: str | None, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == (family, middles, given)


def test_initial_in_a_given_first_box_is_a_middle_name() -> None:
    name = standardise_name(None, "Hiếu V.", "Nguyễn")
    assert (name.family, name.middles, name.given) == ("nguyen", "v", "hieu")


@pytest.mark.parametrize("value", ["CTCP Đầu tư Sản xuất Hòa Bình", "Cty TNHH SX XD Bảo Minh", "Northstar Ltd"])
def test_a_company_in_the_name_field_is_no_person_name(value: str) -> None:
    name = standardise_name(value)
    assert (name.original, name.display, name.family, name.given, name.flags) == (
        value, None, None, None, ("name_is_company",)
    )


@pytest.mark.parametrize(
    ("value", "display", "folded"),
    [
        ("Nguyễn Văn An & Trần Thị Bình", "Nguyễn Văn An", "nguyen van an"),
        ("Nguyễn Văn An và Trần Thị Bình", "Nguyễn Văn An", "nguyen van an"),
        ("Ông bà Nguyễn Văn An", "Nguyễn Văn An", "nguyen van an"),
        ("Alan Smith and Jane Smith", "Alan Smith", "smith alan"),
        ("Alan & Jane Smith", "Alan Smith", "smith alan"),
        ("Mr and Mrs Smith", "Smith", "smith"),
        ("Mr & Mrs Smith", "Smith", "smith"),
    ],
)
def test_a_name_field_naming_two_people_is_matched_on_the_first(
    value: str, display: str, folded: str
) -> None:
    """As a phone or e-mail field holding two: "Nguyễn Văn An & Trần Thị Bình" was one person with
    Bình's given name and An's family name; "Mr and Mrs Smith" one called "and"."""
    name = standardise_name(value)
    assert (name.original, name.display, name.folded) == (value, display, folded)
    assert "name_multiple" in name.flags


@pytest.mark.parametrize(
    "value",
    ["Alan Smith (deceased)", "Alan Smith deceased", "DECEASED ALAN SMITH", "Alan Smith, dec'd",
     "The Estate of Alan Smith", "Alan Smith - Deceased"],
)
def test_a_note_that_the_customer_died_is_flagged_and_left_out_of_the_name(value: str) -> None:
    name = standardise_name(value)
    assert (name.display, name.family, name.given) == ("Alan Smith", "smith", "alan")
    assert name.flags == ("name_deceased",)
    assert standardise_name("Nguyễn Văn An (đã mất)").flags == ("name_deceased",)


def test_a_care_of_name_is_not_the_customer_s() -> None:
    """ "c/o Jane Smith": the mail goes through Jane; she was read as a person given the name "c"."""
    no_name = StdName("c/o Jane Smith", None, None, None, None, None, ("name_care_of",))
    assert standardise_name("c/o Jane Smith") == no_name
    name = standardise_name("Alan Smith C/O Jane Smith")
    assert (name.display, name.folded, name.flags) == ("Alan Smith", "smith alan", ("name_care_of",))


def test_two_people_in_a_first_name_box() -> None:
    name = standardise_name(None, "Alan & Jane", "Smith")
    assert (name.family, name.given, name.flags) == ("smith", "alan", ("name_multiple",))


@pytest.mark.parametrize("value", ["Smith & Sons Ltd", "Công ty TNHH An & Bình"])
def test_a_company_joining_two_names_stays_a_company(value: str) -> None:
    assert standardise_name(value).flags == ("name_is_company",)


@pytest.mark.parametrize(
    "value",
    ["Smith and Sons", "Smith & Sons", "Nguyen Brothers", "Smith & Co", "Smith and Co.", "ABC Group",
     "Alan Smith & Partners", "Khách sạn Hoa Hồng", "Cửa hàng Minh Anh", "HTX Nông nghiệp An Phú",
     "Hộ kinh doanh Trần Văn Bình", "Tập đoàn Hòa Phát"],
)
def test_a_business_written_without_a_legal_form_is_no_person_name(value: str) -> None:
    """ "Smith and Sons" was the person Smith (name_multiple), "ABC Group" a person named Group."""
    name = standardise_name(value)
    assert (name.display, name.family, name.given, name.flags) == (None, None, None, ("name_is_company",))
    assert standardise_name(None, None, value).flags == ("name_is_company",)


@pytest.mark.parametrize(
    ("value", "given"), [("Trần Nhã Hằng", "hang"), ("Lê Văn Cơ", "co"), ("Nguyễn Quân An", "an")]
)
def test_a_name_whose_folded_syllables_spell_a_business_word_stays_a_person(value: str, given: str) -> None:
    """Folded, Nhã Hằng is "nha hang" (a restaurant) and Cơ is "co": neither is read as a business."""
    name = standardise_name(value)
    assert (name.given, name.flags) == (given, ())


def test_a_company_in_the_name_field_becomes_the_company_when_the_source_has_none() -> None:
    import datetime as dt

    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"full_name": "recipient", "company": "company"})
    std = standardise_record(spec, "1", {"recipient": "Cty TNHH Bảo Minh", "company": None}, today=dt.date(2026, 1, 1))
    assert (std["full_name"], std["company"], std["company_key"]) == (None, "Cty TNHH Bảo Minh", "bao minh")
    assert "name_is_company" in std["dq_flags"]


@pytest.mark.parametrize(
    ("nickname", "formal"),
    [("Bill Martin", "William Martin"), ("Smith, Kate", "Katherine Smith"), ("Dave Lee", "David Lee"),
     ("Trish Woodley", "Patricia Woodley"), ("Bec Thompson", "Rebecca Thompson"), ("Lachie Brown", "Lachlan Brown"),
     ("Ollie Campbell", "Oliver Campbell"), ("Steph Wilson", "Stephanie Wilson"), ("Larry Kent", "Lawrence Kent")],
)
def test_english_nicknames_compare_as_the_formal_name(nickname: str, formal: str) -> None:
    left, right = standardise_name(nickname), standardise_name(formal)
    assert (left.family, left.given, left.folded) == (right.family, right.given, right.folded)
    assert left.display != right.display  # what the source wrote is kept for display


@pytest.mark.parametrize(
    ("spelt", "other"),
    [("Mohamed Rizal", "Muhammad Rizal"), ("Mohd Rizal", "Mohammed Rizal"), ("Ahmed Hassan", "Ahmad Hassan"),
     ("Md. Rafiqul Islam", "Mohammad Rafiqul Islam")],  # Bangladesh
)
def test_romanised_spellings_of_one_name_compare_as_one(spelt: str, other: str) -> None:
    left, right = standardise_name(spelt), standardise_name(other)
    assert (left.family, left.given, left.folded) == (right.family, right.given, right.folded)
    assert left.display != right.display


def test_a_romanised_spelling_reads_as_one_name_in_any_order() -> None:
    assert standardise_name("Bin Aziz, Mohammed Rizal").given == standardise_name("Mohamed Rizal").given == "muhammad"
    # ... also in a family name of two words written first, a father's name.
    words = [sorted((standardise_name(v).folded or "").split()) for v in ("Mohamed Rizal, Farah", "Farah Muhammad Rizal")]
    assert words[0] == words[1] == ["farah", "muhammad", "rizal"]


def test_a_nickname_alone_reads_as_the_formal_name() -> None:
    # A newsletter's first-name box: "Rob" must meet "Robert Williams" as its given name.
    assert standardise_name(None, "Rob", None).folded == standardise_name("Robert").folded == "robert"
    assert standardise_name("Tom").given == "tom"  # a Vietnamese syllable (Tôm) as well: left as written


@pytest.mark.parametrize(
    ("first", "family", "middles", "given"),
    [
        ("Thanh Long", None, "thanh", "long"),  # a middle and a given name, the last-name box empty
        ("Phương Giang", None, "phuong", "giang"),  # Giang ends a given name here, not a family name
        ("Thị Khánh", None, "thi", "khanh"),
        ("Nguyễn Văn An", "nguyen", "van", "an"),  # a whole name typed into the first box
        ("An Văn Nguyễn", "nguyen", "van", "an"),  # ... given-first
        ("Nguyenn Van", "nguyen", None, "van"),  # ... opening with a mistyped family name
        ("Mary Anne", "anne", None, "mary"),  # not Vietnamese: read as a whole name, as before
    ],
)
def test_a_first_name_box_alone(first: str, family: str | None, middles: str | None, given: str) -> None:
    name = standardise_name(None, first, None)
    assert (name.family, name.middles, name.given) == (family, middles, given)


@pytest.mark.parametrize(
    ("value", "display", "folded"),
    [
        ("Muthu s/o Rajan", "Muthu s/o Rajan", "rajan muthu"),  # son of: kept for display only
        ("Siti binti Ahmad", "Siti binti Ahmad", "ahmad siti"),
        ("En. Anuar Jamal", "Anuar Jamal", "jamal anuar"),  # Encik
        ("Mdm Tan Mei Ling", "Tan Mei Ling", "tan ling mei"),
        ("Puan Nur Aisyah", "Nur Aisyah", "aisyah nur"),
        ("Pn. Farah Salleh", "Farah Salleh", "salleh farah"),  # Puan, abbreviated
        ("Pn. Farah", "Farah", "farah"),
        ("Tn. Hj. Ahmad Kassim", "Ahmad Kassim", "kassim ahmad"),  # Tuan Haji
        ("Hjh. Aminah Yusof", "Aminah Yusof", "yusof aminah"),  # Hajjah
        ("Li Bin", "Li Bin", "bin li"),  # a name ending in Bin keeps it
        ("Bin Nguyen", "Bin Nguyen", "nguyen bin"),  # ... or opening with it
        # A connector leading a family name written first, as it reads written last.
        ("binti Abdullah, Siti Nurhaliza", "binti Abdullah, Siti Nurhaliza", "abdullah nurhaliza siti"),
        ("Siti Nurhaliza binti Abdullah", "Siti Nurhaliza binti Abdullah", "abdullah nurhaliza siti"),
        ("d/o Kumar, Shanti", "d/o Kumar, Shanti", "kumar shanti"),
    ],
)
def test_malay_and_singaporean_titles_and_connectors(value: str, display: str, folded: str) -> None:
    name = standardise_name(value)
    assert (name.display, name.folded) == (display, folded)


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("Jennifer Davis-Yarwell", "davis davisyarwell jennifer yarwell"),  # the joined word and its parts
        ("Young-ho Kim", "ho kim young youngho"),
        ("Kim Young Ho", "ho kim young"),
        ("Katherine O'Brien", "katherine obrien"),  # an apostrophe joins, and only joins
        ("Nguyễn Văn An", "an nguyen van"),
    ],
)
def test_word_parts_add_the_parts_of_hyphenated_words(value: str, parts: str) -> None:
    assert word_parts(standardise_name(value)) == parts


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Nguyễn Văn Hùng", "hùng"),
        ("Nguyễn Văn Hưng", "hưng"),
        ("NGUYỄN VĂN HÙNG", "hùng"),
        ("Hùng Nguyễn", "hùng"),  # given-first
        ("Lê Minh Đức", "đức"),
        ("Nguyễn Thị Lan", "lan"),  # a name written with marks: its given name has none
        ("Trần Thị Hoà", "hòa"),  # the tone in the older place is the same name
        ("Lê Thị Thuý", "thúy"),
        ("Lê Quý", "quý"),  # "qu" is a consonant: its tone stays
        ("Nguyễn Văn Hoàng", "hoàng"),
        ("NGUYEN VAN HUNG", None),  # written without marks: either name
        ("Nguyen Van Hung", None),
        ("Nguyễn Hieenf", None),  # Telex keys: read as "hien", which no written word is
        (None, None),
    ],
)
def test_the_given_name_is_kept_as_written_where_the_name_has_marks(value: str | None,
                                                                     written: str | None) -> None:
    name = standardise_name(value)
    assert written_given(name) == written
    assert written is None or fold(written) == name.given


def test_a_name_cut_to_one_part_of_a_double_barrelled_one_is_within_it() -> None:
    assert set((word_parts(standardise_name("Jenny Yarwell")) or "").split()) <= set(
        (word_parts(standardise_name("Jennifer Davis-Yarwell")) or "").split()
    )
    assert word_parts(standardise_name(None)) is None


@pytest.mark.parametrize(
    ("value", "email", "folded"),
    [
        ("Nguyễn Nghĩa", "nguyengianghia90@outlook.com", "nguyen gia nghia"),  # family, middle, given
        ("Nguyễn Quang", "quangducnguyen.301279@gmail.com", "nguyen duc quang"),  # given, middle, family
        ("Nguyễn V. An", "nguyen.van.an@gmail.com", "nguyen van an"),  # an initial written in full
        ("Rebecca Ng", "rebeccaemmang@gmail.com", "ng emma rebecca"),
        # Nothing to read: the address spells the name as written, or another middle name than
        # the initial, or no family and given name around a middle part; or the name has one.
        ("Nguyễn An", "annguyen@gmail.com", "nguyen an"),
        ("Nguyễn T. An", "nguyenvanan@gmail.com", "nguyen t an"),
        ("Nguyễn An", "nguyen.an.shop.online@gmail.com", "nguyen an"),
        ("Nguyễn An", "hoami12@gmail.com", "nguyen an"),
        ("Trần Thị Mai", "tranngocmai@gmail.com", "tran thi mai"),
        ("Mai", "tranngocmai@gmail.com", "mai"),
    ],
)
def test_the_middle_name_an_email_spells_is_read_into_the_name(value: str, email: str, folded: str) -> None:
    name = standardise_name(value)
    read = name_from_email(name, email)
    assert read.folded == folded
    assert ("name_from_email" in read.flags) == (read.folded != name.folded)
    assert (read.display, read.family, read.given) == (name.display, name.family, name.given)


@pytest.mark.parametrize(
    ("value", "email", "parts"),
    [
        ("M. Robinson", "margaret_robinson.3008@btinternet.com", ("robinson", "margaret", None)),
        ("J. Fischer", "fischer.julia@gmx.de", ("fischer", "julia", None)),
        ("Hoàng N.", "hoangnam@gmail.com", ("hoang", "nam", None)),
        ("H. Khoa", "khoahuynh@gmail.com", ("huynh", "khoa", None)),
        # A Vietnamese family name cut to an initial, with the middle name the address writes.
        ("Vy H.", "hoangthivy0206@yahoo.com", ("hoang", "vy", "thi")),
        ("Giang N.", "giangkimnguyen@gmail.com", ("nguyen", "giang", "kim")),
        ("Hòa P.", "phamquanghoa13@gmail.com", ("pham", "hoa", "quang")),
        # Nothing to read: the address has only the initial, another initial, or more than one
        # Vietnamese given name could be.
        ("J. Fischer", "jfischer@gmx.de", ("fischer", "j", None)),
        ("J. Fischer", "anna.fischer@gmx.de", ("fischer", "j", None)),
        ("Nguyễn T.", "nguyenthihuong@gmail.com", ("nguyen", "t", None)),
    ],
)
def test_a_name_cut_to_an_initial_is_read_whole_from_the_email(
    value: str, email: str, parts: tuple[str, str, str | None]
) -> None:
    name = standardise_name(value)
    read = name_from_email(name, email)
    assert (read.family, read.given, read.middles) == parts
    assert read.folded == " ".join(p for p in (parts[0], parts[2], parts[1]) if p)
    assert ("name_from_email" in read.flags) == (read.folded != name.folded)
    assert read.display == name.display


@given(st.none() | st.text(), st.none() | st.text(alphabet="abcdehiklmnoqrstuvy.0@") | st.emails())
@example("M. Robinson", "margaretrobinson@x.com")
@example("Vy H.", "hoangthivy@x.com")
def test_reading_a_name_from_an_email_never_raises_and_keeps_the_parts_in_the_folded_name(
    value: str | None, email: str | None
) -> None:
    name = standardise_name(value)
    read = name_from_email(name, email.lower() if email else None)
    assert read.display == name.display
    if read is not name:
        assert read.folded == " ".join(p for p in (read.family, read.middles, read.given) if p)
        assert all(p and p.isalpha() for p in (read.family, read.given))
        assert read.flags[-1] == "name_from_email"


def test_a_record_is_matched_by_the_middle_name_its_email_spells_and_shown_as_written() -> None:
    import datetime as dt

    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", fields={"full_name": "n", "email": "e"})
    today = dt.date(2026, 1, 1)
    std = standardise_record(spec, "1", {"n": "Đặng Khánh", "e": "dangduckhanh@gmail.com"}, today=today)
    assert (std["full_name"], std["name_folded"]) == ("Đặng Khánh", "dang khanh")
    assert (std["name_key"], std["middles"]) == ("dang duc khanh", "duc")
    assert "name_from_email" in std["dq_flags"]
    invalid = standardise_record(spec, "2", {"n": "Đặng Khánh", "e": "dangduckhanh gmail.com"}, today=today)
    assert (invalid["name_key"], invalid["dq_flags"]) == ("dang khanh", ["email_invalid"])


def test_a_connector_leading_the_last_name_box_is_left_out_of_the_family_name() -> None:
    boxes = standardise_name(None, "Mohammed Rizal", "bin Aziz")
    assert (boxes.family, boxes.given, boxes.display) == ("aziz", "muhammad", "Mohammed Rizal bin Aziz")
    assert boxes.folded == standardise_name("Bin Aziz, Mohammed Rizal").folded == standardise_name("Mohd Rizal bin Aziz").folded
    assert standardise_name(None, "Siti", "Binti").family == "binti"  # a box holding only the word: a name


@pytest.mark.parametrize(
    ("value", "family", "middles", "given"),
    [
        ("Tan Wei Ming", "tan", "ming", "wei"),  # a Chinese surname first, as Singapore writes it
        ("Wei Ming Tan", "tan", "ming", "wei"),  # ... or last, as a Western form asks
        ("TAN Wei Ming", "tan", "ming", "wei"),
        ("Lee Ji Eun", "lee", "eun", "ji"),  # a Korean one
        ("Park Hyun Woo", "park", "woo", "hyun"),  # Woo ends a given name more often than it is one
        ("Min Ji Kim", "kim", "ji", "min"),  # the last word as much a surname: read as before
        ("Lee Ann Smith", "smith", "ann", "lee"),  # English given names
        ("Tân Văn Nguyễn", "nguyen", "van", "tan"),  # a Vietnamese name given-first
    ],
)
def test_east_asian_family_name_first(value: str, family: str, middles: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == (family, middles, given)


def test_vietnamese_given_names_are_not_read_as_nicknames() -> None:
    assert standardise_name("Nguyễn Văn Dân").given == "dan"
    assert standardise_name("Alex Smith").given == "alex"  # two formal names share it


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("L eVan Son", "le van son"),  # the case shows where the space belonged
        ("LeT hi Giang", "le thi giang"),
        ("Hoàn gMỹ", "hoang my"),
        ("L EVAN SON", "le van son"),  # one case: two Vietnamese syllables show it
        ("Ian Ho", "ho ian"),  # already two syllables: left alone
        ("Jean Paul", "paul jean"),
        ("Nguyễnh Iếu", "nguyen hieu"),  # recased after the slip
        ("Lêt Hu", "le thu"),  # "lêt" is no syllable: a stop takes the rising or heavy tone
        ("Nguyễn Ngọc Hà", "nguyen ngoc ha"),  # every word a syllable as spelt: no slip
        ("Nguyễn Thành Anh", "nguyen thanh anh"),
        ("Nguyen Ngoc Ha", "nguyen ngoc ha"),
        ("Phạmm Anh", "pham anh"),  # a key held down, not a slip
        ("Hannaha Nderson", "nderson hannaha"),  # no syllables to show it: left alone
    ],
)
def test_a_space_typed_one_letter_off_is_put_back(value: str, folded: str) -> None:
    assert standardise_name(value).folded == folded


def test_a_space_typed_one_letter_off_in_a_name_box_is_put_back() -> None:
    name = standardise_name(None, first_name="ThịC hâu", last_name="Nguyễn")
    assert (name.family, name.middles, name.given) == ("nguyen", "thi", "chau")


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("Nguyễ Hồng Thu", "nguye", "thu"),  # a letter dropped: still family-first
        ("Nugyễn Hữu Phong", "nugyen", "phong"),  # two letters swapped
        ("Hoanf Thu Anh", "hoanf", "anh"),  # a neighbouring key
        ("Buu Thi Khanh", "buu", "khanh"),  # a typo that is itself a syllable
        ("Pạm Hoàng Duy", "pam", "duy"),  # not the nickname Pam
        ("Nguyeenx Thi Anh", "nguyen", "anh"),  # typed in Telex: read as the name meant
        ("Traanf Kim Uyen", "tran", "uyen"),
        ("Minh Vu Nguyenn", "nguyen", "minh"),  # given-first: the last is the likelier family name
        ("Bùùi Văn Long", "bui", "long"),  # a key held down
        ("Dnag Hoang Long", "dnag", "long"),  # no syllable: likelier mistyped than Long (Lương)
        ("Mai Thị Phna", "phna", "mai"),  # Mai, a family name too, leads a given-first name
        ("Mai Anh", "mai", "anh"),  # no typo anywhere: as before
        ("Nguyyễn Mai", "nguyen", "mai"),  # a family name that is also a given name ends the name
        ("Trran Thi Kim Mai", "tran", "mai"),
        ("Duogn Thai", "duogn", "thai"),
        ("Thu Ha", "ha", "thu"),  # "Thu" is one key from Chu but a syllable: as before
        ("Tony Chan", "chan", "anthony"),  # a Western name: nicknames read as before
        ("Dave Lee", "lee", "david"),
        ("S. Lee", "lee", "s"),  # an initial is no sign of Telex: as "Sophie Lee" reads
        ("Thi Lee", "le", "thi"),  # a Vietnamese given name is
    ],
)
def test_a_mistyped_family_name_keeps_its_place(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == (family, given)


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        # Typed with the Telex keyboard off: read as the syllables meant, as the family name is.
        ("Nguyen Hieenf", "nguyen hien"),
        ("Nguyễn Văn Thawngs", "nguyen van thang"),
        ("Tran Anh Cuwowngf", "tran anh cuong"),
        ("Nguyễn Dduwcs Anh", "nguyen duc anh"),
        ("Hieeus Huynh", "huynh hieu"),  # given-first
        # Not in a Vietnamese name, or no Vietnamese syllable without the "tone key": as written.
        ("Tran Louis", "tran louis"),
        ("Nguyen Meyer", "nguyen meyer"),
        ("Mark Oliver Low", "low oliver mark"),
        ("Hieenf", "hieenf"),  # one word: nothing says it is Vietnamese
    ],
)
def test_telex_in_a_vietnamese_given_or_middle_name(value: str, folded: str) -> None:
    assert standardise_name(value).folded == folded


@pytest.mark.parametrize(
    ("first", "last", "family", "given"),
    [
        ("Minh Vũ", "Nguyenn", "nguyen", "vu"),  # a mistyped family box: the given name is last
        ("Văn An", "Nguyeenx", "nguyen", "an"),  # Telex
        ("Phsn", "Minh Kiên", "phsn", "kien"),  # the boxes swapped, the family name mistyped
        ("Patrick Ryan", "Chua", "chua", "patrick"),  # a Western name: as before
        ("Adam", "Yu", "yu", "adam"),  # "Adam" is one key off "Dam", but no boxes were swapped
        ("Lee", "Zogopoulos", "zogopoulos", "lee"),
        ("sachi n", "smith", "smith", "sachi"),  # in a box, one case: a space is no slip
    ],
)
def test_a_mistyped_family_name_in_its_box(first: str, last: str, family: str, given: str) -> None:
    name = standardise_name(None, first_name=first, last_name=last)
    assert (name.family, name.given) == (family, given)


@pytest.mark.parametrize(
    ("full", "first", "last", "family", "middles", "given"),
    [
        # "Thị" and "Văn" are middle names only: written last, the given name is the word before.
        ("Hồ Thảo Thị", None, None, "ho", "thi", "thao"),
        ("Nguyễn A. Quang Văn", None, None, "nguyen", "a van", "quang"),
        (None, "Toàn Văn", "Nguyễn", "nguyen", "van", "toan"),  # a given-first first-name box
        (None, "Văn Toàn", "Nguyễn", "nguyen", "van", "toan"),
        # Without accents "Van" may be Vân and "Thi" Thi, given names both: as written.
        ("Nguyen Toan Van", None, None, "nguyen", "toan", "van"),
        ("Lê Thị Vân", None, None, "le", "thi", "van"),
        ("Nguyễn Văn", None, None, "nguyen", None, "van"),  # nothing else to be the given name
    ],
)
def test_a_middle_only_name_written_last_is_a_middle_name(
    full: str | None, first: str | None, last: str | None, family: str, middles: str | None, given: str
) -> None:
    name = standardise_name(full, first_name=first, last_name=last)
    assert (name.family, name.middles, name.given) == (family, middles, given)


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("DUPONT Jean-Pierre", "dupont", "jeanpierre"),  # French forms: the family name in capitals
        ("TANAKA Hiroshi", "tanaka", "hiroshi"),  # passports
        ("SMITH John", "smith", "john"),
        ("DE LA CRUZ Maria", "de la cruz", "maria"),
        ("NGUYỄN Văn An", "nguyen", "an"),
        ("John SMITH", "smith", "john"),  # capitals at the end: read as before
        ("JOHN SMITH", "smith", "john"),  # all in capitals: no convention to read
        ("TS. Nguyễn Văn An", "nguyen", "an"),  # a degree, abbreviated in capitals, is a title
        ("PGS.TS Lê Văn Minh", "le", "minh"),
        ("BS Phạm Hùng", "pham", "hung"),
    ],
)
def test_a_family_name_in_capitals_and_degrees_before_a_name(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == (family, given)
    assert standardise_name(name.display).folded == name.folded


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("Lee Min-ho", "lee", "minho"),  # Korean order: family name, hyphenated given name
        ("Park Ji-sung", "park", "jisung"),
        ("Min-ho Lee", "lee", "minho"),  # ... or Western order
        ("Jean-Paul Roux", "roux", "jeanpaul"),
        ("Kim Smith", "smith", "kim"),  # no hyphen: Kim is a given name
    ],
)
def test_korean_names_in_either_order(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == (family, given)


@pytest.mark.parametrize(
    ("value", "family", "given", "middles"),
    [
        # Family, given, patronymic: an East Slavic form's order. The patronymic was read as the family
        # name and the family name as the given one ("Иванов Иван Иванович": family ivanovich).
        ("Иванов Иван Иванович", "ivanov", "ivan", "ivanovich"),
        ("Иван Иванович Иванов", "ivanov", "ivan", "ivanovich"),  # family last: as before
        ("Ivanova Anna Sergeevna", "ivanova", "anna", "sergeevna"),
        ("Ковальчук Олена Петрівна", "kovalchuk", "olena", "petrivna"),
        ("Абрамович Роман Аркадьевич", "abramovich", "roman", "arkadevich"),
        # The middle word the patronymic: the family name of the same ending is last, as before
        ("Roman Arkadyevich Abramovich", "abramovich", "roman", "arkadyevich"),
        ("Mary Anne Petrovich", "petrovich", "mary", "anne"),  # no East Slavic family name first
    ],
)
def test_an_east_slavic_name_ending_with_its_patronymic_is_family_first(
    value: str, family: str, given: str, middles: str
) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == (family, given, middles)
    assert (name.family, name.given) == (standardise_name(None, given.title(), family.title()).family, given)


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("王小明", "wang", "xiaoming"),  # family first, the given name one word as pinyin writes it
        ("陳大文", "chen", "dawen"),  # read "wen", given "chen" before
        ("王 小明", "wang", "xiaoming"),
        ("欧阳娜娜", "ouyang", "nuonuo"),  # a compound family name
        ("司馬光", "sima", "guang"),
    ],
)
def test_a_name_in_han_characters_is_family_first(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.middles, name.display) == (family, given, None, value)


def test_a_name_in_han_characters_compares_with_its_pinyin() -> None:
    """"王小明" was family wang, given ming, middle xiao: no "same family and given" with the pinyin
    "Wang Xiaoming" of another source, in either of its orders or its boxes."""
    pinyin = standardise_name("Wang Xiaoming")
    for written in (standardise_name("王小明"), standardise_name(None, "小明", "王"),
                    standardise_name("Xiaoming Wang")):
        assert (written.family, written.given, written.folded, spacing_key(written)) == (
            pinyin.family, pinyin.given, pinyin.folded, spacing_key(pinyin))
    # Four characters without a compound family name are more often a Japanese name: left as it was.
    assert standardise_name("山田太郎").given != "tiantailang"


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        # Hangul with a space read its family name last ("김 민준": family minjun, given gim).
        ("김 민준", "kim", "minjun"),
        ("김민준", "kim", "minjun"),  # one word, as Korean writes a name
        ("민준 김", "kim", "minjun"),  # given-first, as a Western form makes it
        ("이 서연", "lee", "seoyeon"),
        ("남궁민", "namgung", "min"),  # a family name of two syllables
        ("추 민준", "choo", "minjun"),  # not the Vietnamese title "Cụ" (cu) stripped
    ],
)
def test_a_name_in_hangul_reads_its_family_name_from_the_list(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.display) == (family, given, value)
    assert standardise_name(name.display).folded == name.folded


def test_a_name_in_hangul_compares_with_its_romanised_spelling() -> None:
    romanised = standardise_name("Kim Min-jun")
    for written in (standardise_name("김 민준"), standardise_name("김민준"),
                    standardise_name(None, "민준", "김")):
        assert (written.family, written.given, spacing_key(written)) == (
            romanised.family, romanised.given, spacing_key(romanised))
    # A word of two syllables alone may be a given name alone: it is not cut into a family name.
    assert (standardise_name("민준").family, standardise_name("민준").given) == (None, "minjun")


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("Tay Weihock", "tay", "weihock"),  # a surname before a two-syllable given name as one word
        ("Tay Wei-Hock", "tay", "weihock"),
        ("Lee Jihoon", "lee", "jihoon"),
        ("Weihock Tay", "tay", "weihock"),  # ... or after it, as before
        ("Lee Anne", "anne", "lee"),  # an English given name after Lee: Lee is hers
        ("Goh Tan", "tan", "goh"),  # a second surname
        ("Kim Anderson", "anderson", "kim"),  # no two syllables of a Chinese or Korean name
        ("Lê Anh", "le", "anh"),  # Vietnamese
    ],
)
def test_a_chinese_or_korean_given_name_written_as_one_word(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == (family, given)


def test_the_spacing_key_holds_a_chinese_or_korean_given_name_in_its_written_order() -> None:
    keys = {value: spacing_key(standardise_name(value)) for value in (
        "Tay Wei Hock", "Wei Hock Tay", "Weihock Tay", "Tay Weihock", "TAY Wei Hock", "Tay Wei-Hock")}
    assert set(keys.values()) == {"tayweihock"}, keys
    assert spacing_key(standardise_name("Lee Ji Hoon")) == spacing_key(standardise_name("Jihoon Lee")) == "leejihoon"
    # A Vietnamese name keeps its middle names before its given name: "Nguyen Vanan" is a spacing slip.
    assert spacing_key(standardise_name("Nguyễn Văn An")) == spacing_key(standardise_name("Nguyen Vanan")) == "nguyenvanan"
    assert spacing_key(standardise_name("Nguyễn Thị Kim Lan")) == "nguyenthikimlan"
    assert spacing_key(standardise_name(None)) is None


@pytest.mark.parametrize(
    "forms",
    [
        ("Jean Pierre Dupont", "Jean-Pierre Dupont", "Dupont, Jean Pierre", "DUPONT Jean-Pierre",
         "Jeanpierre Dupont"),
        ("Anne Marie Martin", "Anne-Marie Martin", "Martin, Anne Marie", "MARTIN Anne-Marie"),
    ],
)
def test_a_given_name_hyphenated_or_in_two_words_has_one_spacing_key(forms: tuple[str, ...]) -> None:
    """Western names write middle names after the given name; Vietnamese ones before it, unhyphenated."""
    keys = {value: spacing_key(standardise_name(value)) for value in forms}
    first, last = forms[0].rsplit(" ", 1)
    keys["boxes"] = spacing_key(standardise_name(None, first, last))
    assert len(set(keys.values())) == 1, keys
    assert spacing_key(standardise_name("An Văn Nguyễn")) == "nguyenvanan"
    assert spacing_key(standardise_name("Hung Van Tuan")) == "hungvantuan"


@pytest.mark.parametrize(
    ("value", "display"),
    [
        ("Herr Hans Müller", "Hans Müller"),
        ("Frau Dr. Anna Schmidt", "Anna Schmidt"),
        ("Hr. Jan Bakker", "Jan Bakker"),
        ("Señor Juan Pérez", "Juan Pérez"),
        ("Sra. María López", "María López"),
        ("Srta. Ana Gómez", "Ana Gómez"),
        ("Monsieur Jean Dupont", "Jean Dupont"),
        ("Rev. John Smith", "John Smith"),
        ("Shri Ramesh Kumar", "Ramesh Kumar"),
        ("Smt. Lakshmi Devi", "Lakshmi Devi"),
        ("Khun Somchai Jaidee", "Somchai Jaidee"),
    ],
)
def test_forms_of_address_beyond_english_are_titles_not_given_names(value: str, display: str) -> None:
    name = standardise_name(value)
    assert (name.display, name.folded) == (display, standardise_name(display).folded)
    assert standardise_name(None, value.rsplit(" ", 1)[0], value.rsplit(" ", 1)[1]).given == name.given


@pytest.mark.parametrize(
    ("value", "display"),
    [
        ("Müller, Dr. Hans", "Müller, Hans"),  # a German CRM's "Name, Titel Vorname"
        ("MÜLLER, PROF. DR. HANS PETER", "Müller, Hans Peter"),
        ("Smith, Mr John", "Smith, John"),
        ("Müller, Hans, Dr.", "Müller, Hans"),  # ... or its title after another comma
        ("Lim, Mdm Siew Lan", "Lim, Siew Lan"),
    ],
)
def test_titles_after_a_family_names_comma_are_no_given_names(value: str, display: str) -> None:
    """Before, only a title opening the name was one: "Müller, Dr. Hans" had the given name Dr."""
    name = standardise_name(value)
    assert (name.display, name.folded, name.given) == (display, standardise_name(display).folded,
                                                       standardise_name(display).given)


@pytest.mark.parametrize(
    ("value", "display"),
    [
        ("Dr. med. Hans Müller", "Hans Müller"),
        ("Prof. Dr. rer. nat. Anna Schmidt", "Anna Schmidt"),
        ("Dr.-Ing. Hans Peter Müller", "Hans Peter Müller"),
        ("Dipl.-Ing. Jan Novák", "Jan Novák"),
        ("Mag. Anna Huber", "Anna Huber"),
        ("Müller, Dr. med. Hans", "Müller, Hans"),
    ],
)
def test_german_academic_titles_are_no_names(value: str, display: str) -> None:
    """Before, "Dr. med. Hans Müller" had the given name Med, and "Mag. Anna Huber" Mag."""
    name = standardise_name(value)
    assert (name.display, name.folded) == (display, standardise_name(display).folded)
    first, last = value.rsplit(" ", 1)
    if "," not in value:  # the same in a first-name box
        assert standardise_name(None, first, last).folded == name.folded


def test_an_abbreviated_given_name_is_no_academic_title() -> None:
    assert standardise_name("Phil. Smith").family == "smith" and standardise_name("Phil. Smith").given


def test_a_vietnamese_title_after_a_comma_stays_a_given_name() -> None:
    assert standardise_name("Trần, Anh Tuấn").folded == standardise_name("Trần Anh Tuấn").folded


def test_sri_is_a_given_name() -> None:
    assert standardise_name("Sri Mulyani Indrawati").given == "sri"


@pytest.mark.parametrize(
    "value",
    ["John Smith, PhD", "John Smith PhD", "Dr. John Smith, MD", "John Smith, Esq.", "Smith, John, PhD"],
)
def test_degrees_written_after_a_name_are_no_part_of_it(value: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == ("smith", None, "john")
    assert "," not in (name.display or "").removeprefix("Smith,")
    assert standardise_name(None, "John", "Smith PhD").folded == "smith john"


def test_a_chinese_name_is_not_read_as_a_mistyped_vietnamese_one() -> None:
    """Wang is one key from Đặng, but Xiao is no Vietnamese rhyme: every form reads as "Xiao Ming Wang"."""
    written = standardise_name("Xiao Ming Wang")
    for name in (standardise_name("WANG Xiao Ming"), standardise_name(None, "Xiao Ming", "Wang")):
        assert (name.family, name.middles, name.given) == (written.family, written.middles, written.given)
        assert spacing_key(name) == spacing_key(written) == "wangxiaoming"
    # A mistyped Vietnamese family name before a Vietnamese given name still reads as one.
    assert standardise_name(None, "Minh Vũ", "Nguyenn").folded == "nguyen minh vu"


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("Jan van der Berg", "van der berg", "jan"),
        ("JAN VAN DER BERG", "van der berg", "jan"),
        ("José de la Cruz", "de la cruz", "jose"),
        ("Ana dos Santos", "dos santos", "ana"),
        ("Anthony De Souza", "de souza", "anthony"),
        ("Ludwig von Beethoven", "von beethoven", "ludwig"),
        ("Bill van der Berg", "van der berg", "william"),
    ],
)
def test_particles_written_before_a_family_name_are_part_of_it(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == (family, None, given)
    first, last = value.split(" ", 1)
    for other in (standardise_name(f"{last}, {first}"), standardise_name(None, first, last)):
        assert (other.family, other.given, spacing_key(other)) == (family, given, spacing_key(name))


@pytest.mark.parametrize(
    ("indexed", "written"),
    [("Souza, José de", "José de Souza"), ("Cruz, Luis de la", "Luis de la Cruz"),
     ("Carmo, João do", "João do Carmo"), ("Berg, Jan van der", "Jan van der Berg")],
)
def test_particles_after_the_given_name_as_an_index_writes_them_open_the_family_name(
    indexed: str, written: str
) -> None:
    """"Souza, José de" read family 'souza' and a middle name 'de', unlike "José de Souza"."""
    name, other = standardise_name(indexed), standardise_name(written)
    assert (name.family, name.middles, name.given, name.folded) == (
        other.family, None, other.given, other.folded)
    assert standardise_name(name.display).folded == name.folded
    # A Vietnamese name keeps its syllables: "Lê" is no particle after a given name.
    assert standardise_name("Trần, Thị le").family == "tran"


@pytest.mark.parametrize(
    ("value", "family", "middles"),
    [
        ("An van Nguyen", "nguyen", "van"),
        ("Nguyen van An", "nguyen", "van"),
        ("Hung Van Tuan", "hung", "van"),
        ("Tuan Van Pham", "pham", "van"),  # capitalised, as Văn is written without its marks
        ("Kevin Van Nguyen", "nguyen", "van"),  # an English name beside a Vietnamese one
        ("Minh Van Nguyenn", "nguyen", "van"),  # the family name mistyped
    ],
)
def test_vietnamese_van_is_no_particle(value: str, family: str, middles: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles) == (family, middles)


@pytest.mark.parametrize(
    ("value", "family", "middles", "given"),
    [
        ("Ludwig Van Beethoven", "van beethoven", None, "ludwig"),
        ("Omar Al Farouk", "alfarouk", None, "omar"),  # the Arabic article joined (below)
        ("Jean Claude Van Damme", "van damme", "claude", "jean"),
        ("J. Van Damme", "van damme", None, "j"),
    ],
)
def test_capitalised_van_and_al_open_a_family_name_that_is_no_vietnamese_one(
    value: str, family: str, middles: str | None, given: str
) -> None:
    """As lower-case "van" and "al" do; "Nguyen Van An" and "An Van Nguyen" keep Văn (above)."""
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == (family, middles, given)
    assert standardise_name(value.replace(" Van ", " van ").replace(" Al ", " al ")).family == family
    first, last = value.rsplit(" ", 2)[0], " ".join(value.rsplit(" ", 2)[1:])
    for other in (standardise_name(f"{last}, {first}"), standardise_name(None, first, last)):
        assert (other.family, other.given, spacing_key(other)) == (family, given, spacing_key(name))


@pytest.mark.parametrize(
    "value",
    ["María José García López", "García López, María José", "GARCÍA LÓPEZ María José",
     "Maria Jose Garcia Lopez"],
)
def test_a_spanish_name_s_family_name_is_the_father_s_surname(value: str) -> None:
    """Its two surnames, the father's then the mother's, or the father's alone, agree on the family name."""
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == ("garcia", "jose lopez", "maria")
    alone = standardise_name("García, María José")
    assert (alone.family, alone.middles, alone.given) == ("garcia", "jose", "maria")
    boxes = standardise_name(None, "María José", "García López")
    assert (boxes.folded, spacing_key(boxes)) == (name.folded, spacing_key(name))
    assert standardise_name(boxes.display).folded == boxes.folded
    # One Spanish surname, or a Portuguese name (the father's surname last), keeps the last as written.
    assert standardise_name("John Martin Lopez").family == "lopez"
    assert standardise_name("Ana Silva Santos").family == "santos"


@pytest.mark.parametrize(("father", "mother"), [("García", "Rivera"), ("Castro", "Mejía"),
                                                ("Velázquez", "Ibarra"), ("Restrepo", "Ospina")])
def test_a_latin_american_name_s_family_name_is_the_father_s_surname(father: str, mother: str) -> None:
    """Mexico's and Colombia's common surnames, as Spain's: "María José García Rivera" read Rivera
    as the family name, "García Rivera, María José" both, so the two forms disagreed."""
    written = [f"María José {father} {mother}", f"{father} {mother}, María José"]
    names = [*map(standardise_name, written), standardise_name(None, "María José", f"{father} {mother}")]
    assert {(n.family, n.given, n.folded) for n in names} == {(fold(father), "maria", names[0].folded)}


@pytest.mark.parametrize(("father", "mother"),
                         [("García", "Luna"), ("Rodríguez", "Cruz"), ("Torres", "León")])
def test_a_spanish_name_s_mother_s_surname_may_be_a_given_name(father: str, mother: str) -> None:
    """"María José García Luna" read Luna (also a given name) as the family name and "García Luna,
    María José" García Luna: now both, and "María García", have the family name García."""
    written = [f"María José {father} {mother}", f"{father} {mother}, María José", f"María {father}"]
    names = [*map(standardise_name, written), standardise_name(None, "María José", f"{father} {mother}")]
    assert {(n.family, n.given) for n in names} == {(fold(father), "maria")}
    assert standardise_name(names[0].display).folded == names[0].folded
    # Without Spanish marks the mother's surname must be one of the list: a Filipino middle name
    # is the mother's surname and the family name comes last ("Maria Reyes Luna"), as Portuguese
    # names put the father's last ("João Pereira Luna").
    assert standardise_name((fold(f"Maria {father} {mother}") or "").title()).family == fold(mother)
    assert standardise_name(f"João {father} {mother}").family == fold(mother)
    assert standardise_name(f"María {mother} {father}").family == fold(father)  # Luna as her second name


@pytest.mark.parametrize(
    ("value", "joined"),
    [
        ("Sean O Brien", "Sean O'Brien"),
        ("SEAN O BRIEN", "Sean O'Brien"),
        ("O Brien, Sean", "Sean O'Brien"),
        ("Mary Mc Donald", "Mary McDonald"),
        ("Mc Donald, Mary", "Mary McDonald"),
    ],
)
def test_mc_and_an_irish_o_written_apart_open_the_name(value: str, joined: str) -> None:
    name, other = standardise_name(value), standardise_name(joined)
    assert (name.family, name.given, name.middles, word_parts(name)) == (
        other.family, other.given, None, word_parts(other))
    first, last = joined.split(" ", 1)
    assert standardise_name(None, first, last.replace("'", " ").replace("cD", "c D")).family == other.family
    assert standardise_name(name.display).folded == name.folded  # shown as written


def test_an_o_before_another_name_is_an_initial() -> None:
    name = standardise_name("John O Smith")
    assert (name.family, name.middles, name.given) == ("smith", "o", "john")


@pytest.mark.parametrize(
    ("full", "last"), [("John Smith Junior", "Smith Junior"), ("John Smith Senior", "Smith Senior")]
)
def test_junior_and_senior_written_out_are_suffixes(full: str, last: str) -> None:
    for name in (standardise_name(full), standardise_name(None, "John", last)):
        assert (name.family, name.middles, name.given) == ("smith", None, "john")
    assert standardise_name("Olive Senior").family == "senior"  # a surname: two names are kept


@pytest.mark.parametrize("given", ["Li Ying", "Da-eun"])
def test_lee_after_a_chinese_or_korean_given_name_is_lee_in_every_form(given: str) -> None:
    """Lee is Lê typed in Telex only in a Vietnamese name; "Ying" and "Daeun" are no Vietnamese rhymes."""
    for name in (standardise_name(f"{given} Lee"), standardise_name(None, given, "Lee")):
        assert name.family == "lee"
    assert standardise_name("Thu Huong Lee").family == "le"  # a Vietnamese name: Lê


@pytest.mark.parametrize("value", ["Nguyễn Thj Lan", "NGUYỄN THJ LAN", "Nguyễn hị Lan", "Nguyễn Thj. Lan"])
def test_a_mistyped_thi_is_thi(value: str) -> None:
    """"Thj" (Telex's dot-below key, the i left out) and "hị" (the T left out) are no names: the
    middle name stayed "thj" or "hi", and the name no longer equalled Nguyễn Thị Lan."""
    name = standardise_name(value)
    assert (name.folded, name.middles) == ("nguyen thi lan", "thi")
    assert name.display == value.replace("NGUYỄN THJ LAN", "Nguyễn Thj Lan")


def test_hi_without_its_dot_below_is_left_as_written() -> None:
    assert standardise_name("Nguyen Hi Lan").folded == "nguyen hi lan"


@pytest.mark.parametrize(
    ("value", "family", "middles", "given"),
    [
        # A first-name box, then a last-name box of the family and its middle-only name: "Lan" was
        # read as a mistyped family name Lam, and "Thj" (mistyped Thị) as the given name Thi.
        ("Lan Nguyễn Thị", "nguyen", "thi", "lan"),
        ("Lan Nguyễn Thj", "nguyen", "thi", "lan"),
        ("Lan Anh Nguyễn Thị", "nguyen", "thi lan", "anh"),
        ("Tuấn Trần Văn", "tran", "van", "tuan"),
        # ... and a mistyped Thị written last, as "Hồ Thảo Thị" reads
        ("Hồ Thảo Thj", "ho", "thi", "thao"),
    ],
)
def test_a_given_name_before_a_family_and_middle_only_name(
    value: str, family: str, middles: str, given: str
) -> None:
    name = standardise_name(value)
    assert (name.family, name.middles, name.given) == (family, middles, given)
    family_first = standardise_name(f"{family} {middles} {given}")
    assert (name.folded, spacing_key(name)) == (family_first.folded, spacing_key(family_first))


def test_thi_without_its_accent_after_a_family_name_stays_ambiguous() -> None:
    # "Thi" may be a given name: "Lan Nguyen Thi" is read as written before.
    assert standardise_name("Lan Nguyen Thi").given == "thi"


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        # Irish particles open a family name of two words: "Ó" was read as a middle name "o" and
        # "Briain" alone as the family name; "Mac Giolla" was family "giolla".
        ("Seán Ó Briain", "obriain", "sean"),
        ("SEÁN Ó BRIAIN", "obriain", "sean"),
        ("Seán O'Briain", "obriain", "sean"),
        ("Ó Briain, Seán", "obriain", "sean"),
        ("Aoife Ní Bhriain", "nibhriain", "aoife"),
        ("Seán Mac Giolla", "macgiolla", "sean"),
        ("Seán MacGiolla", "macgiolla", "sean"),
        ("Mac Giolla, Seán", "macgiolla", "sean"),
        ("Seán Mac Giolla Phádraig", "macgiollaphadraig", "sean"),
        ("Mary Mac Donald", "macdonald", "mary"),
    ],
)
def test_an_irish_family_name_of_two_words_is_one_family_name(value: str, family: str, given: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == (family, given, None)
    assert name.display == value.replace("SEÁN Ó BRIAIN", "Seán Ó Briain")  # as written, spaces kept
    last, first = value.split(", ") if "," in value else (value.split(" ", 1)[1], value.split(" ", 1)[0])
    assert standardise_name(None, first, last).family == family  # in its boxes too


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [("Mạc Văn An", "mac", "an"), ("Mac Van An", "mac", "an"), ("An Mac Lam", "lam", "an"),
     ("Lê Ní Na", "le", "na")],  # Vietnamese Mạc and Ní before a Vietnamese syllable
)
def test_irish_particles_before_a_vietnamese_syllable_are_vietnamese_names(
    value: str, family: str, given: str
) -> None:
    name = standardise_name(value)
    assert (name.family, name.given) == (family, given)


def test_m_before_another_initial_is_an_initial() -> None:
    """ "M. J. García" lost its M. as Monsieur's title, and compared as J. with María José García."""
    name = standardise_name("M. J. García")
    assert (name.family, name.given, name.middles, name.display) == ("garcia", "m", "j", "M. J. García")
    assert standardise_name("M. Jean Dupont").display == "Jean Dupont"  # Monsieur before a name


@pytest.mark.parametrize(
    ("value", "family", "given"),
    [
        ("Berg, J. van der", "van der berg", "j"),
        ("Berg, Jan van der", "van der berg", "jan"),
        ("Gogh, Vincent van", "van gogh", "vincent"),
        ("Cruz, María de la", "de la cruz", "maria"),
    ],
)
def test_particles_after_the_given_name_in_a_sorted_list_open_the_family_name(
    value: str, family: str, given: str
) -> None:
    """Dutch and Belgian lists sort "Jan van der Berg" as "Berg, J. van der": its family name was
    berg, with "van der" middle names, so it did not compare with the same person's "van der berg"."""
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == (family, given, None)


@pytest.mark.parametrize(
    "value", ["J. v.d. Berg", "J. vd Berg", "J. v/d Berg", "Jan v.d. Berg", "Berg, J. v.d."])
def test_van_der_written_short_opens_the_family_name(value: str) -> None:
    """Dutch writes "van der" short: "J. v.d. Berg" had the family name berg (and middles "v d"),
    where "J. van der Berg" has van der berg."""
    name = standardise_name(value)
    assert (name.family, name.middles) == ("van der berg", None)
    assert name.display == value  # shown as written


@pytest.mark.parametrize("value", ["J. VD Berg", "Nguyen Vd An", "vd Berg"])
def test_vd_in_capitals_or_first_is_no_van_der(value: str) -> None:
    assert "van" not in (standardise_name(value).family or "")


@pytest.mark.parametrize("value", ["Nguyen, Van An", "Tran, an van", "Berg, van der"])
def test_particles_after_a_comma_stay_given_names_where_nothing_else_is(value: str) -> None:
    """Văn after a Vietnamese family name is a middle name, and particles alone are no given name."""
    assert standardise_name(value).family in ("nguyen", "tran", "berg")


@pytest.mark.parametrize(
    ("one", "other"),
    [("علي حسن", "عالية حسن"), ("أحمد السويدي", "حامد السويدي"), ("حمد السويدي", "حامد السويدي")],
)
def test_arabic_names_are_not_folded_into_one_skeleton(one: str, other: str) -> None:
    """Arabic writes no short vowels: to ASCII, Ali and Aliya were both "ly hsn" (ly read as the
    Vietnamese family name Lý), Ahmad, Hamad and Hamid all "hmd": namesakes where there are none."""
    assert standardise_name(one).folded != standardise_name(other).folded


def test_a_name_in_arabic_script_is_compared_in_it_and_flagged() -> None:
    """Its variant letter forms and vowel marks are one name; its family name is the last, as written."""
    name = standardise_name("مُحَمَّد الحسن")
    assert (name.family, name.given, name.flags) == ("الحسن", "محمد", ("name_arabic_script",))
    assert standardise_name("أحمد المنصوري").folded == standardise_name("احمد المنصوري").folded
    assert standardise_name(None, "فاطمة", "الزهراء").flags == ("name_arabic_script",)
    assert standardise_name("Mohammed Al-Hassan").flags == ()


@pytest.mark.parametrize(
    ("value", "display"),
    [("İSMAİL YILDIZ", "İsmail Yıldız"), ("İLKNUR IŞIK", "İlknur Işık"), ("DOĞAN KILIÇ", "Doğan Kılıç"),
     ("ismail yıldız", "İsmail Yıldız"), ("MIHAI IONESCU", "Mihai Ionescu")],
)
def test_a_turkish_name_in_one_case_is_capitalised_the_turkish_way(value: str, display: str) -> None:
    """ "İSMAİL YILDIZ" was shown "İsmai̇l Yildiz": Python's lower() of İ is i and a combining dot, and
    its I is the dotless ı. Only a name holding İ, ı or Ğ/ğ is read so: a Romanian MIHAI keeps its i."""
    name = standardise_name(value)
    assert name.display == display
    assert name.folded == standardise_name(display).folded


def test_a_turkish_name_in_two_boxes_is_capitalised_the_turkish_way_in_both() -> None:
    """The family box's YILDIZ holds no Turkish-only letter; its given name's İ says it is Turkish."""
    assert standardise_name(None, "İSMAİL", "YILDIZ").display == "İsmail Yıldız"
    assert standardise_name(None, "MIHAI", "IONESCU").display == "Mihai Ionescu"


@pytest.mark.parametrize(
    "forms",
    [
        ("Ahmed Al Hassan", "Ahmed Al-Hassan", "Ahmed Alhassan", "Ahmed al Hassan", "AHMED AL HASSAN",
         "Al Hassan, Ahmed", "Al-Hassan, Ahmed"),
        ("Ahmed El Sayed", "Ahmed El-Sayed", "Ahmed Elsayed", "ahmed el sayed"),
        ("Salah El Din", "Salah El-Din", "Salah Eldin"),  # "din" is also a Vietnamese syllable
    ],
)
def test_the_arabic_article_apart_hyphenated_or_joined_is_one_family_name(forms: tuple[str, ...]) -> None:
    """ "Al Hassan" was the family name "al hassan", "Al-Hassan" and "Alhassan" "alhassan": one
    person's records wrote three. Each is "alhassan" now, in a last-name box too."""
    names = [standardise_name(form) for form in forms]
    assert len({(name.family, name.given, spacing_key(name)) for name in names}) == 1
    first, last = forms[0].split(" ", 1)
    assert standardise_name(None, first, last).family == names[0].family


@pytest.mark.parametrize(("first", "last"), [("Al", "Pacino"), ("Al", "Gore")])
def test_al_leading_a_name_is_the_given_name_al(first: str, last: str) -> None:
    for name in (standardise_name(f"{first} {last}"), standardise_name(None, first, last)):
        assert (name.family, name.given) == (last.lower(), "al")


@pytest.mark.parametrize(
    ("value", "family", "given", "middles"),
    [
        ("Ma. Cristina Reyes", "reyes", "maria", "cristina"),  # was given "ma": no María of another source
        ("MA. LUISA SANTOS", "santos", "maria", "luisa"),
        ("Ma Long", "long", "ma", None),  # a Chinese Ma, written without the dot: as before
        ("Juan dela Cruz III", "dela cruz", "juan", None),  # was family cruz, middle dela
        ("Juan Dela Cruz", "dela cruz", "juan", None),
        ("Ana Delos Santos", "delos santos", "ana", None),
    ],
)
def test_filipino_names(value: str, family: str, given: str, middles: str | None) -> None:
    """"Juan Dela Cruz" and "Dela Cruz, Juan" had two family names (cruz, dela cruz)."""
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == (family, given, middles)


@pytest.mark.parametrize(
    ("value", "family", "given", "middles"),
    [
        # An English given name before a Chinese name, its given name hyphenated: was family "taiman"
        ("Peter Chan Tai-man", "chan", "peter", "taiman"),
        ("Stephen Wong Chi-keung", "wong", "stephen", "chikeung"),
        ("Mary Tan Wei-ling", "tan", "mary", "weiling"),
        ("Anna Lee Smith-Jones", "smithjones", "anna", "lee"),  # no Chinese syllables: as before
        ("John Ho Chi-minh", "chiminh", "john", "ho"),  # a Vietnamese syllable: as before
    ],
)
def test_an_english_name_before_a_hong_kong_name(value: str, family: str, given: str, middles: str) -> None:
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == (family, given, middles)


def test_an_english_name_before_a_hong_kong_name_is_the_same_family_and_given_as_without_it() -> None:
    name, short = standardise_name("Peter Chan Tai-man"), standardise_name("Peter Chan")
    assert (name.family, name.given) == (short.family, short.given) == ("chan", "peter")


@pytest.mark.parametrize("value", ["El Sayed Ahmed", "El-Sayed Ahmed", "Elsayed Ahmed", "EL SAYED AHMED"])
def test_el_leading_a_name_opens_the_given_name(value: str) -> None:
    """ "El Sayed Ahmed" read El as the given name and Sayed as a middle name; "El" is no name alone."""
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == ("ahmad", "elsayed", None)
    assert standardise_name(None, "El Sayed", "Ahmed").given == "elsayed"


def test_el_leading_a_vietnamese_name_is_no_article() -> None:
    """ "El Thi Linh" (Lê with its letters swapped, a Vietnamese name) is read word by word as before,
    not as a given name "elthi": the pair it made with its customer's other record was lost."""
    name = standardise_name("El Thi Linh")
    assert (name.family, name.given, name.middles) == ("linh", "el", "thi")


@pytest.mark.parametrize(
    "value",
    ["Abdel Rahman Mohamed", "Abdul-Rahman Mohamed", "Abdulrahman Mohamed", "Abd al Rahman Mohamed",
     "Abd El-Rahman Mohamed", "Abdurrahman Mohamed", "Abdelrahman Mohamed", "ABDUL RAHMAN MOHAMED"],
)
def test_abd_and_its_article_open_one_given_name_however_spelt(value: str) -> None:
    """ "Abdel Rahman" was the given name Abdel with a middle name Rahman, "Abdulrahman" one given name:
    one name, "servant of the Merciful", spelt as its sources hear it."""
    name = standardise_name(value)
    assert (name.family, name.given, name.middles) == ("muhammad", "abdulrahman", None)
    assert standardise_name(None, value.rsplit(" ", 1)[0], "Mohamed").given == "abdulrahman"


def test_abd_is_one_given_name_in_arabic_script_and_a_name_like_it_is_left_alone() -> None:
    one_word = standardise_name("عبدالرحمن محمد").given
    assert standardise_name("عبد الرحمن محمد").given == one_word == "عبدالرحمن"
    assert standardise_name("Abdallah Omar").given == "abdullah"
    assert standardise_name("Abdiel Smith").given == "abdiel"
    assert standardise_name("Abdou Diallo").given == "abdou"


@pytest.mark.parametrize(("written", "family", "given"), [
    # A given name that is also a Vietnamese family name, before a family name of more syllables
    # than Vietnamese writes: before, Luc, Lam and Mai were read as family names.
    ("Luc Bélanger", "belanger", "luc"),
    ("Lam Tremblay", "tremblay", "lam"),
    ("Ho Gagnon", "gagnon", "ho"),
    ("Mai Tanaka", "tanaka", "mai"),
    # ... and a Vietnamese name still family-first: one syllable, two glued, Telex or three words.
    ("Luc Nguyen", "luc", "nguyen"),
    ("Luc Roy", "luc", "roy"),
    ("Tran Minhanh", "tran", "minhanh"),
    ("Nguyen Thuwowng", "nguyen", "thuong"),
    ("Lục Văn An", "luc", "an"),
    ("Lam Cheuk Wah", "lam", "wah"),
    # A family name no other language gives a child, before a Western given name: family-first.
    ("Nguyen Peter", "nguyen", "peter"),
    ("Nguyễn Peter", "nguyen", "peter"),
    ("TRAN JOHNSON", "tran", "johnson"),
])
def test_a_western_family_name_after_a_vietnamese_family_one_is_the_family(
    written: str, family: str, given: str
) -> None:
    name = standardise_name(written)
    assert (name.family, name.given) == (family, given)
