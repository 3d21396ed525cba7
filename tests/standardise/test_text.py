from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from mdm.standardise import standardise_address, standardise_city, standardise_name
from mdm.standardise.text import fold, nfc_clean, to_ascii_lower

# Greek and its extended (polytonic) block: the one script not left to unidecode.
_GREEK = "".join(map(chr, [*range(0x370, 0x400), *range(0x1F00, 0x2000)]))
_NOT_GREEK = st.characters(codec="utf-8", exclude_characters=_GREEK)


@settings(max_examples=500)
@given(st.text(alphabet=_NOT_GREEK) | st.sampled_from(["Nguyễn Văn Đức", "Ōsaka Straße", "Łódź 北京 Москва"]))
def test_transliteration_table_equals_unidecode(value: str) -> None:
    """Values are transliterated through a per-character table: the result must be unidecode's."""
    text = nfc_clean(value)
    expected = None if text is None else unidecode(text.lower()).lower()
    assert to_ascii_lower(value) == expected


def test_vietnamese_folds_to_plain_ascii() -> None:
    assert to_ascii_lower("  NGUYỄN   Văn Đức ") == "nguyen van duc"
    assert fold("Đường Lê Lợi, P. Bến Nghé") == "duong le loi p ben nghe"


def test_greek_folds_as_greek_passports_write_it() -> None:
    """ELOT 743, as a Greek customer writes their name in Latin letters, not unidecode's ancient
    spelling ("khrestos basileiou", "elene", "euaggelos")."""
    assert fold("Χρήστος Βασιλείου") == fold("CHRISTOS VASILEIOU") == "christos vasileiou"
    assert fold("Ελένη Παπαδοπούλου") == "eleni papadopoulou"
    assert fold("Ευάγγελος Ευθυμίου") == "evangelos efthymiou"  # ευ: ev before a vowel, ef before θ
    assert fold("Μπάμπης Ντόκος") == "bampis dokos"  # μπ and ντ are b and d only at a word's start
    assert fold("Σπύρος Αυγερινός") == "spyros avgerinos"
    assert fold("Μαΐου, προϋπόθεση") == "maiou proypothesi"  # the diaeresis parts two vowels
    assert fold("Λεωφ. Κηφισίας 50, Αθήνα") == "leof kifisias 50 athina"
    assert fold("ΣΤΑΘΟΠΟΥΛΟΥ Αικατερίνη") == "stathopoulou aikaterini"


def test_a_greek_record_and_its_latin_twin_agree_on_name_street_and_city() -> None:
    """A Greek CRM's row and the same customer's in a Latin e-shop; before, "khrestos basileiou",
    "tsimiske 100" and "khalkida" against "christos vasileiou", "tsimiski 100" and "chalkida"."""
    greek, latin = standardise_name("Χρήστος Βασιλείου"), standardise_name("Christos Vasileiou")
    assert (greek.family, greek.given) == (latin.family, latin.given) == ("vasileiou", "christos")
    assert standardise_address("Τσιμισκή 100").normalised == standardise_address("Tsimiski 100").normalised
    assert standardise_city("Χαλκίδα").canonical == standardise_city("Chalkida").canonical == "chalkida"


def test_other_scripts_fold_as_before() -> None:
    assert fold("Nguyễn Thị Minh Khai, Đà Nẵng") == "nguyen thi minh khai da nang"
    assert fold("Łódź, Ōsaka Straße, São Paulo") == "lodz osaka strasse sao paulo"
    assert fold("Алексей Смирнов, Москва") == "aleksei smirnov moskva"
    assert fold("محمد دبي") == "mhmd dby"
