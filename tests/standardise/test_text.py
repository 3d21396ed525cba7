from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from mdm.standardise.text import fold, nfc_clean, to_ascii_lower


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8")) | st.sampled_from(["Nguyễn Văn Đức", "Ōsaka Straße", "Łódź Æon 北京"]))
def test_transliteration_table_equals_unidecode(value: str) -> None:
    """Values are transliterated through a per-character table: the result must be unidecode's."""
    text = nfc_clean(value)
    expected = None if text is None else unidecode(text.lower()).lower()
    assert to_ascii_lower(value) == expected


def test_vietnamese_folds_to_plain_ascii() -> None:
    assert to_ascii_lower("  NGUYỄN   Văn Đức ") == "nguyen van duc"
    assert fold("Đường Lê Lợi, P. Bến Nghé") == "duong le loi p ben nghe"
