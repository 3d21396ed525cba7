"""National and tax identifiers: labels and separators removed, obvious junk rejected.

A shared placeholder ("000000000", "N/A") would link unrelated people, so anything that cannot
be a real identifier loses its value and gets a flag instead. Vietnamese systems also hold
foreigners' passports and VAT numbers; those keep their value (they still identify someone) but
are flagged as not in a Vietnamese format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from mdm.standardise.text import in_scientific_notation, nfc_clean, without_float_fraction


@dataclass(frozen=True, slots=True)
class StdIdentifier:
    original: str | None
    value: str | None
    is_valid: bool
    flags: tuple[str, ...]


# "MST: 0101234567", "CCCD 079…", "Passport: B123…"
_LABEL = re.compile(r"(?i)^\s*(?:[^\d:]{1,20}:|(?:mst|cmnd|cccd|cmt)\b)")
# A bracket is one too: Hong Kong writes an identity card's check digit in one ("A123456(3)").
_SEPARATORS = re.compile(r"[\s.\-/_()]+")
_ALPHANUMERIC = re.compile(r"^[A-Z0-9]+$")
_HAS_LETTER_AND_DIGIT = re.compile(r"^(?=.*[A-Z])(?=.*\d)")
_PLACEHOLDERS = frozenset({"NA", "NONE", "NULL", "NIL", "UNKNOWN", "KHONG", "KHONGCO", "CHUACO"})
_MIN_LENGTH, _MAX_LENGTH = 5, 20
# CMND (9 digits), CCCD (12 digits) or a passport (one letter, 7 or 8 digits).
_VN_NATIONAL_ID = re.compile(r"^(?:\d{9}|\d{12}|[A-Z]\d{7,8})$")
# Mã số thuế: 10 digits, or 13 for a branch ("0101234567-001").
_VN_TAX_ID = re.compile(r"^(?:\d{10}|\d{13})$")
# A spreadsheet that read the id as a number ate its leading zero. Every CCCD starts with 0 (its
# province code is 001–096), so 11 digits is a CCCD without it, and 8 digits a CMND without it
# (Hà Nội's CCCD, 001…, loses two zeros: 10 digits, left alone, as ten digits are also a CCCD
# missing any other one). A tax id starts with a two-digit province code (Hà Nội's is 01): 9
# digits is a mã số thuế without its zero, 12 a branch's. A value that still starts with 0 kept
# its zero: it is short for another reason.
_VN_FULL_LENGTH = {"national_id": {8: 9, 11: 12}, "tax_id": {9: 10, 12: 13}}
# A VAT id is written with its country's code before it in one system ("DE123456789", "VN 0101234567")
# and without it in another: one id. Greece writes EL. Only the record's own country's code is taken
# off: a Scottish company number "SC123456" (SC is also the Seychelles') stays whole.
_VAT_PREFIXES = {"GR": ("GR", "EL")}


def _compact(text: str) -> str:
    """NFKC (full-width digits → ASCII), any other script's digits as ASCII ones (Arabic-Indic
    ٧٨٤, Persian ۷۸۴, as Gulf systems write an Emirates id: NFKC keeps them, and the id was no
    id), label and separators removed, upper-cased."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    return _SEPARATORS.sub("", _LABEL.sub("", text)).upper()


def _cpf_checks(digits: str) -> bool:
    """Whether an 11-digit CPF's last two digits are its check digits (mod 11)."""
    for n in (9, 10):
        total = sum(int(d) * (n + 1 - i) for i, d in enumerate(digits[:n]))
        if total * 10 % 11 % 10 != int(digits[n]):
            return False
    return True


def _cnpj_checks(digits: str) -> bool:
    """Whether a 14-digit CNPJ's last two digits are its check digits (mod 11)."""
    weights = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
    for w in (weights, (6, *weights)):
        remainder = sum(int(d) * k for d, k in zip(digits, w, strict=False)) % 11
        if (0 if remainder < 2 else 11 - remainder) != int(digits[len(w)]):
            return False
    return True


def _tc_kimlik_checks(digits: str) -> bool:
    """Turkey's TC Kimlik No (11 digits, never starting with 0): its 10th and 11th digits."""
    d = [int(c) for c in digits]
    return d[0] != 0 and (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10 == d[9] and sum(d[:10]) % 10 == d[10]


def _pesel_checks(digits: str) -> bool:
    """Poland's PESEL (11 digits): its last digit, weights 1 3 7 9."""
    total = sum(int(d) * w for d, w in zip(digits[:10], (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=True))
    return (10 - total % 10) % 10 == int(digits[10])


def _bsn_checks(digits: str) -> bool:
    """The Netherlands' BSN (9 digits): the "elfproef", weights 9..2 and -1, a multiple of 11."""
    return (sum(int(d) * (9 - i) for i, d in enumerate(digits[:8])) - int(digits[8])) % 11 == 0


def _belgian_checks(digits: str) -> bool:
    """Belgium's national number (11 digits, birth date first): 97 less the first nine digits mod 97,
    with a 2 before them for one born since 2000."""
    return any(97 - int(century + digits[:9]) % 97 == int(digits[9:]) for century in ("", "2"))


def _luhn_checks(digits: str) -> bool:
    """Luhn's check digit, every second digit from the last doubled: Sweden's personnummer (10 digits,
    YYMMDDNNNC), Canada's social insurance number (9), Greece's AMKA (11, DDMMYY first)."""
    doubled = (int(d) * (1 + i % 2) for i, d in enumerate(reversed(digits)))
    return sum(n // 10 + n % 10 for n in doubled) % 10 == 0


def _afm_checks(digits: str) -> bool:
    """Greece's tax id, the AFM (9 digits): its last digit, the others weighted 256 down to 2, mod 11."""
    return sum(int(d) << (8 - i) for i, d in enumerate(digits[:8])) % 11 % 10 == int(digits[8])


# Identifiers that end with check digits, by country and kind: (length, check). One that fails them
# was mistyped: kept, to be compared as one typo off, but flagged and not valid. One a spreadsheet cut
# a digit short of, whose check digits hold with the zero put back, had that zero. Brazil's CPF (a
# person's) and CNPJ (a company's), Turkey's TC Kimlik No, Poland's PESEL, the Dutch BSN, the Belgian
# national number, the Swedish personnummer (read without its century, below), the Canadian SIN, and
# Greece's AMKA (a person's social security number) and AFM (a person's or company's tax id).
_CHECKED = {
    "BR": {"national_id": (11, _cpf_checks), "tax_id": (14, _cnpj_checks)},
    "TR": {"national_id": (11, _tc_kimlik_checks)},
    "PL": {"national_id": (11, _pesel_checks)},
    "NL": {"national_id": (9, _bsn_checks)},
    "BE": {"national_id": (11, _belgian_checks)},
    "SE": {"national_id": (10, _luhn_checks)},
    "CA": {"national_id": (9, _luhn_checks)},
    "GR": {"national_id": (11, _luhn_checks), "tax_id": (9, _afm_checks)},
}
def _resident_id_checks(compact: str) -> bool:
    """China's resident identity number (17 digits, then a check character, X for 10): ISO 7064 mod 11-2."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(compact[:17]))
    return "10X98765432"[total % 11] == compact[17]


# The codice fiscale's odd places (1st, 3rd ...) count these for 0-9 then A-Z; its even places count
# a digit as itself and a letter by its place in the alphabet (A = 0).
_CF_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)
_CF_ODD_DIGITS = dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True))


def _cf_value(ch: str, odd: bool) -> int:
    if ch.isdigit():
        return _CF_ODD_DIGITS[ch] if odd else int(ch)
    return _CF_ODD[ord(ch) - 65] if odd else ord(ch) - 65


def _codice_fiscale_checks(compact: str) -> bool:
    """Italy's codice fiscale (16 letters and digits): its last letter."""
    return chr(65 + sum(_cf_value(ch, i % 2 == 0) for i, ch in enumerate(compact[:15])) % 26) == compact[15]


def _dni_checks(compact: str) -> bool:
    """Spain's DNI (8 digits) or NIE (X, Y or Z for 0, 1, 2, then 7 digits): the letter after them."""
    digits = str("XYZ".index(compact[0])) + compact[1:8] if compact[0] in "XYZ" else compact[:8]
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(digits) % 23] == compact[8]


def _hkid_checks(compact: str) -> bool:
    """Hong Kong's identity card (one or two letters, 6 digits, a check digit or A for 10): mod 11,
    a one-letter card counted with a space (36) before it."""
    body = compact[:-1].rjust(8)
    total = sum((36 if ch == " " else int(ch, 36)) * (9 - i) for i, ch in enumerate(body))
    return "0123456789A"[-total % 11] == compact[-1]


# Identifiers holding letters that end with a check character, by country and kind: (shape, check).
# Only an id of the shape is held to it: a passport number of another shape in the same column is not.
# China's resident id, Italy's codice fiscale (a person's tax code, held as either), Spain's DNI and
# NIE (a person's NIF, a company's CIF being of another shape) and Hong Kong's identity card.
_CODICE_FISCALE = (re.compile(r"[A-Z]{6}[0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]"),
                   _codice_fiscale_checks)
_DNI = (re.compile(r"[0-9XYZ]\d{7}[A-Z]"), _dni_checks)
_LETTERED = {
    "CN": {"national_id": (re.compile(r"\d{17}[\dX]"), _resident_id_checks)},
    "IT": {"national_id": _CODICE_FISCALE, "tax_id": _CODICE_FISCALE},
    "ES": {"national_id": _DNI, "tax_id": _DNI},
    "HK": {"national_id": (re.compile(r"[A-Z]{1,2}\d{6}[\dA]"), _hkid_checks)},
}
# A Swedish personnummer is written with its century in one system ("19850101-1234") and without
# it in another ("850101-1234"): one id, read as ten digits (different lengths were two documents).
_SE_CENTURY = re.compile(r"^(?:18|19|20)(\d{10})$")


def _checked(
    value: str | None, compact: str, kind: str, countries: tuple[str | None, ...]
) -> StdIdentifier | None:
    """``compact`` held to the check digits of the first of ``countries`` with a rule for its kind and
    length (see :data:`_CHECKED`) or shape (:data:`_LETTERED`), or None where none has one."""
    for country in countries:
        shape, lettered = _LETTERED.get((country or "").upper(), {}).get(kind, (None, None))
        if shape is not None and lettered is not None and shape.fullmatch(compact):
            if not lettered(compact):
                return StdIdentifier(value, compact, False, (f"{kind}_check_digits",))
            return StdIdentifier(value, compact, True, ())
        length, checks = _CHECKED.get((country or "").upper(), {}).get(kind, (0, None))
        if checks is None or not compact.isdigit() or len(compact) not in (length - 1, length):
            continue
        if len(compact) == length - 1:
            if not checks(compact.zfill(length)):
                continue
            return StdIdentifier(value, compact.zfill(length), True, (f"{kind}_zero_restored",))
        if not checks(compact):
            return StdIdentifier(value, compact, False, (f"{kind}_check_digits",))
        return StdIdentifier(value, compact, True, ())
    return None


def _without_country_code(compact: str, country: str | None) -> str:
    """A tax id without its own country's code before its digits (see :data:`_VAT_PREFIXES`)."""
    if not country or not compact[:2].isalpha() or not compact[2:3].isdigit():
        return compact
    country = country.upper()
    return compact[2:] if compact[:2] in _VAT_PREFIXES.get(country, (country,)) else compact


def _standardise(
    value: str | None, region: str | None, kind: str, country: str | None = None
) -> StdIdentifier:
    text = nfc_clean(value)
    if text is None:
        return StdIdentifier(value, None, False, ())
    if in_scientific_notation(text):
        return StdIdentifier(value, None, False, (f"{kind}_scientific_notation",))
    # A float column's ".0", read as a separator, would make its zero a last digit of the id.
    compact = _compact(without_float_fraction(text))
    abroad = False  # a foreign VAT id, written with its code: not held to Vietnam's format
    if kind == "tax_id":
        stripped = _without_country_code(compact, country or region)
        abroad, compact = stripped != compact and compact[:2] != "VN", stripped
    if (
        not _ALPHANUMERIC.match(compact)
        or not _MIN_LENGTH <= len(compact) <= _MAX_LENGTH
        or len(set(compact)) == 1
        or compact in _PLACEHOLDERS
    ):
        return StdIdentifier(value, None, False, (f"{kind}_invalid",))
    countries = tuple(dict.fromkeys((country, region))) if kind == "national_id" else (region,)
    if kind == "national_id" and "SE" in {(c or "").upper() for c in countries}:
        compact = _SE_CENTURY.sub(r"\1", compact)
    # A tax id written with its country's code is held to that country's check digits ("EL 094259216").
    checked = _checked(value, compact, kind, (country or region,) if abroad else countries)
    if checked is not None:
        return checked
    if abroad or (region or "").upper() != "VN":
        return StdIdentifier(value, compact, True, ())
    pattern = _VN_NATIONAL_ID if kind == "national_id" else _VN_TAX_ID
    if pattern.match(compact):
        return StdIdentifier(value, compact, True, ())
    full = _VN_FULL_LENGTH[kind].get(len(compact))
    if full and compact.isdigit() and compact[0] != "0":
        return StdIdentifier(value, compact.zfill(full), True, (f"{kind}_zero_restored",))
    if _HAS_LETTER_AND_DIGIT.match(compact):
        return StdIdentifier(value, compact, False, (f"{kind}_nonstandard",))
    return StdIdentifier(value, None, False, (f"{kind}_invalid",))


def standardise_national_id(
    value: str | None, region: str | None = "VN", country: str | None = None
) -> StdIdentifier:
    """A national id: CMND, CCCD or passport for Vietnam; any 5–20 letters and digits elsewhere, held
    to its check digits where the record's ``country`` (else ``region``) has them."""
    return _standardise(value, region, "national_id", country)


def standardise_tax_id(
    value: str | None, region: str | None = "VN", country: str | None = None
) -> StdIdentifier:
    """A tax id: 10- or 13-digit mã số thuế for Vietnam; any 5–20 letters and digits elsewhere.
    ``country`` is the record's own (default ``region``): its code before the id is left out."""
    return _standardise(value, region, "tax_id", country)


def code_country(value: str | None) -> str | None:
    """The country whose code a tax id is written with (``DE123456789``, ``VAT: EL094259216``: GR),
    None without one: an id a person types without its record is read as that country's."""
    compact = _compact(nfc_clean(value) or "")
    code = compact[:2]
    if not code.isalpha() or not compact[2:3].isdigit():
        return None
    code = next((c for c, written in _VAT_PREFIXES.items() if code in written), code)
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def different_documents(a: str, b: str) -> bool:
    """Two standardised identifiers of different kinds, which say nothing about each other: a
    CMND (9 digits) and the CCCD (12) that replaced it, a passport and an id card, a company's
    tax id and its branch's (13 digits). One person may hold both."""
    return abs(len(a) - len(b)) > 1 or a.isdigit() != b.isdigit()
