import pytest

from mdm.standardise.names import standardise_name
from mdm.standardise.skeletons import name_skeleton


def _skeleton(value: str) -> str | None:
    name = standardise_name(value)
    return name_skeleton(name.family, name.given)


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("محمد الحسن", "Mohammed Al-Hassan"),
        ("محمد الحسن", "Muhammad Alhassan"),
        ("مُحَمَّد الحسن", "Mohamed Al Hassan"),
        ("خالد الشمري", "Khalid Al-Shammari"),
        ("يوسف منصور", "Youssef Mansour"),
        ("يوسف منصور", "Yusuf Mansoor"),
        ("فاطمة الزهراني", "Fatima Alzahrani"),
        ("فاطمة الزهراني", "Fatmah Al-Zahrani"),
        ("عائشة القحطاني", "Aisha Al Qahtani"),
        ("عبد الرحمن الكعبي", "Abdel Rahman Al Kaabi"),
        ("السيد أحمد", "El Sayed Ahmed"),
        ("طارق الرشيد", "Tarek Ar-Rashid"),
        ("جمال ناصر", "Gamal Nasser"),
        ("هيثم العتيبي", "Haytham Alotaibi"),
        ("عبدالله عمر", "Abdallah Omar"),
    ],
)
def test_a_name_in_arabic_script_and_its_latin_spellings_share_a_skeleton(arabic: str, latin: str) -> None:
    """Arabic writes no short vowels; Latin spellings differ in them, in digraphs (kh, sh, th), in
    the article (Al-, El-, Ar- before a sun letter, or none) and in doubled letters."""
    assert _skeleton(arabic) == _skeleton(latin) is not None


@pytest.mark.parametrize(
    ("one", "other"),
    [("محمد الحسن", "Ahmed Al-Hassan"), ("خالد الشمري", "Khalid Al-Qahtani"),
     ("فاطمة منصور", "Mansour Nasser")],
)
def test_other_names_have_other_skeletons(one: str, other: str) -> None:
    assert _skeleton(one) != _skeleton(other)


def test_a_name_without_family_or_given_name_has_no_skeleton() -> None:
    assert _skeleton("محمد") is None and name_skeleton(None, "ali") is None
    assert name_skeleton("ahmed", "ia") is None
