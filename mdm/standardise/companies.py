"""Company names: a display form and a match key without legal-form words.

Sources disagree on how they write the legal form ("Công ty TNHH", "Cty TNHH MTV", "Co., Ltd"),
never on the distinctive words, so the key keeps only those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from mdm.standardise.text import fold, nfc_clean


@dataclass(frozen=True, slots=True)
class StdCompany:
    original: str | None
    display: str | None
    match_key: str | None
    flags: tuple[str, ...]


_LEGAL_FORMS = tuple(
    (
        "cong ty trach nhiem huu han|cong ty tnhh|cty tnhh|tnhh|mtv|mot thanh vien|hai thanh vien tro len"
        "|hai thanh vien|cong ty co phan|cong ty cp|ctcp|cty cp|cp|co phan|cty|cong ty|doanh nghiep tu nhan"
        "|dntn|jsc|joint stock company|co ltd|company limited|limited|ltd|llc|inc|incorporated|corp"
        "|corporation|plc|gmbh|sarl|pte|pty|company"
    ).split("|")
)
# Short forms that are ordinary words elsewhere ("Sa Pa", "Co Op"): only removed at the end.
# German partnerships and small firms: "GmbH & Co. KG", "OHG", "KGaA", "UG (haftungsbeschränkt)", "e.K.".
_TRAILING_FORMS = tuple(
    "co|sa|ag|bv|nv|sas|spa|srl|s a|s a s|a g|b v|n v|kg|ohg|kgaa|ug|ug haftungsbeschrankt|ek".split("|")
)
# Standard abbreviations of trades in Vietnamese company names ("Cty TNHH TM DV An Phát").
_TRADES = MappingProxyType(
    {"tm": "thuong mai", "dv": "dich vu", "xd": "xay dung", "sx": "san xuat", "xnk": "xuat nhap khau"}
)


def _alternation(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


_ANYWHERE = re.compile(rf"(?:^| )(?:{_alternation(_LEGAL_FORMS)})(?= |$)")
_AT_END = re.compile(rf" (?:{_alternation(_TRAILING_FORMS)})$")


# Words that only a business's name holds, for a name written with no legal form: "Smith and Sons",
# "Nguyễn Brothers", "Khách sạn Hoa Hồng", "Hộ kinh doanh Trần Văn Bình" (a household business).
# Not a word that is also a name's syllable once folded: "nha hang" is Nhã Hằng, "quan an" Quân An.
_BUSINESS_WORDS = tuple(
    (
        "sons|brothers|bros|group|holdings|trading|enterprises|associates|partners|industries|services"
        "|solutions|international|hotel|restaurant|cafe|clinic|pharmacy|hospital|khach san|cua hang"
        "|tap doan|xi nghiep|hop tac xa|htx|ho kinh doanh|hkd|nha thuoc|benh vien|tap hoa|tiem vang"
    ).split("|")
)
_BUSINESS = re.compile(rf"(?:^| )(?:{_alternation(_LEGAL_FORMS + _BUSINESS_WORDS)})(?= |$)")
# The words such a phrase begins with: most people's names hold none, and skip the search.
_FIRST_WORDS = frozenset(phrase.split()[0] for phrase in _LEGAL_FORMS + _BUSINESS_WORDS)


def names_a_company(folded: str) -> bool:
    """Whether a folded name names a business, by a legal form or a word only a business's name
    holds: a shipment addressed to "Cty TNHH Bảo Minh" names the customer's company in the
    person's name field."""
    return not _FIRST_WORDS.isdisjoint(folded.split()) and _BUSINESS.search(folded) is not None


# A legal form written with dots between its letters ("S.A.R.L.", "G.m.b.H.", "e.K."), folded to single
# letters: one word again, as written without them ("SARL", "GmbH").
_LETTER_RUN = re.compile(r"\b[a-z](?: [a-z]\b)+")


def _strip_legal_forms(folded: str) -> str:
    """Remove legal forms until none is left, so the key is a fixed point."""
    while True:
        stripped = _AT_END.sub("", _ANYWHERE.sub("", folded)).strip()
        if stripped == folded:
            return stripped
        folded = stripped


def standardise_company(value: str | None) -> StdCompany:
    """Display name and legal-form-free match key; a name that is only a legal form has no key."""
    display = nfc_clean(value)
    if display is None:
        return StdCompany(value, None, None, ())
    folded = fold(display)
    key = _strip_legal_forms(_LETTER_RUN.sub(lambda run: run[0].replace(" ", ""), folded)) if folded else None
    if key:
        key = " ".join(_TRADES.get(word, word) for word in key.split())
    if not key:
        return StdCompany(value, display, None, ("company_invalid",))
    return StdCompany(value, display, key, ())
