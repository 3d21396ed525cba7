"""Shared text helpers for the value standardisers.

Source systems hand us NBSPs, tabs, zero-width spaces, byte-order marks and decomposed Vietnamese
diacritics; every comparison downstream assumes these are gone, so all standardisers start here.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_NOT_FOLDED = re.compile(r"[^a-z0-9]+")
# Arabic letters' variant forms made one (hamza on alif, tā' marbūṭa, alif maqṣūra, Persian yā' and
# kāf; vowel marks and tatweel dropped): one word is typed with either ("دبي", "دبى").
ARABIC_FORMS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ؤ": "و", "ئ": "ي",
     "\u0640": None, **{chr(c): None for c in (*range(0x064B, 0x0660), 0x0670)}}
)
_APOSTROPHES = str.maketrans("", "", "'`")
# Invisible characters (format and surrogate code points) are dropped rather than turned into
# spaces: a zero-width space pasted inside "Nguy\u200bễn" must not split the word.
_DROPPED_CATEGORIES = frozenset({"Cf", "Cs"})


class _Transliteration(dict[int, str]):
    """unidecode's replacements as a ``str.translate`` table, filled in as characters are met.

    unidecode replaces each character on its own, so translating with this table gives its
    exact output, in C instead of a Python loop over every character of every value."""

    def __missing__(self, codepoint: int) -> str:
        self[codepoint] = replacement = unidecode(chr(codepoint))
        return replacement


_TO_ASCII = _Transliteration()

# Greek as ELOT 743 writes it, the rule of Greek passports: unidecode spells Greek by its ancient
# letters ("Χρήστος" khrestos, "Ελένη" elene, "Βασιλείου" basileiou), as no customer writes
# beside the Greek; "Christos", "Eleni", "Vasileiou" are what the same customer types in Latin.
_GREEK_WORD = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]+")
# Accents and breathings go; the diaeresis stays, as it parts two vowels ("Μαΐου", "προϋπόθεση").
_GREEK_MARKS = str.maketrans("", "", "\u0300\u0301\u0313\u0314\u0342\u0345")
# Two letters read as one: μπ and ντ begin a word as b and d ("Μπάμπης" bampis, "Ντίνος" dinos);
# αυ, ευ, ηυ are af, ef, if before a voiceless consonant or at the end, else av, ev, iv ("Ευάγγελος").
_GREEK_PAIRS = re.compile(r"^μπ|^ντ|γγ|γξ|γχ|ου|(?<=[αεη])υ")
_GREEK_PAIR = {"μπ": "b", "ντ": "d", "γγ": "ng", "γξ": "nx", "γχ": "nch", "ου": "ou"}
_GREEK_LETTERS = str.maketrans(
    {**dict(zip("αβγδεζηικλμνξοπρσςτυφωϊϋ", "avgdeziiklmnxoprsstyfoiy")), "θ": "th", "χ": "ch",
     "ψ": "ps"}
)


def _greek_pair(pair: re.Match[str]) -> str:
    if pair[0] != "υ":
        return _GREEK_PAIR[pair[0]]
    return "f" if pair.string[pair.end():pair.end() + 1] in ("", *"θκξπστφχψ") else "v"


def _greek_word(word: re.Match[str]) -> str:
    """One lower-case Greek word in Latin letters, by ELOT 743 ("βασιλείου": vasileiou)."""
    letters = unicodedata.normalize("NFC", unicodedata.normalize("NFD", word[0]).translate(_GREEK_MARKS))
    return _GREEK_PAIRS.sub(_greek_pair, letters).translate(_GREEK_LETTERS)


def _scrub_char(ch: str) -> str:
    if ch.isprintable():
        return ch
    return "" if unicodedata.category(ch) in _DROPPED_CATEGORIES else " "


def nfc_clean(value: str | None) -> str | None:
    """NFC text with control/invisible characters removed and whitespace collapsed; None when empty.

    Decomposed and precomposed diacritics must compare equal, and copy-pasted invisible
    characters must not make two identical values differ.
    """
    if value is None:
        return None
    if not isinstance(value, str):  # a caller's JSON number or bool: its text is still worth reading
        value = str(value)
    if not value.isprintable():
        value = "".join(_scrub_char(ch) for ch in value)
    value = " ".join(unicodedata.normalize("NFC", value).split())
    return value or None


def to_ascii_lower(value: str | None) -> str | None:
    """nfc_clean'd text, lower-cased, in ASCII (Đ/đ → d, Greek by ELOT 743), punctuation kept."""
    text = nfc_clean(value)
    if text is None:
        return None
    text = text.lower()
    if not text.isascii():
        text = _GREEK_WORD.sub(_greek_word, text).translate(_TO_ASCII).lower()
    return text


def collapse(value: str) -> str | None:
    """Single spaces, trimmed; None when nothing is left."""
    return " ".join(value.split()) or None


def fold(value: str | None) -> str | None:
    """The comparison form: lower-case ASCII letters, digits and single spaces only.

    Apostrophes join ("O'Brien" → "obrien", "McDonald's" → "mcdonalds"); any other punctuation
    separates words.
    """
    text = to_ascii_lower(value)
    if text is None:
        return None
    return collapse(_NOT_FOLDED.sub(" ", text.translate(_APOSTROPHES)))


def unaccented_lower(value: str) -> str:
    """``value`` in lower case without its accents, in its own script ("Φεβρουαρίου": "φεβρουαριου"):
    for words looked up before transliteration, which may spell them another way."""
    marked = unicodedata.normalize("NFD", value.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in marked if not unicodedata.combining(ch)))


# A whole number that went through a spreadsheet or a float column: "912345678.0", or with a decimal
# comma, as German, French and Spanish spreadsheets write it ("4930123456,0").
_FLOAT_INTEGER = re.compile(r"^(\+?[0-9]{5,})[.,]0+$")


def without_float_fraction(text: str) -> str:
    """A number a float column wrote ("912345678.0", "912345678,0") without its fraction, which is no
    digit of it (+49301234560 was read from "4930123456,0"); any other text as it is."""
    return _FLOAT_INTEGER.sub(r"\1", text)


# Any whole number a float column wrote: pandas makes an integer column with a gap float (123.0).
_WHOLE_FLOAT = re.compile(r"^([0-9]+)\.0+$")


def whole_number(text: str) -> str:
    """A value that is all a float column's whole number ("34.0": a house number, a postcode, an id,
    a deleted flag's 1.0) without its ".0", as a JSON 34.0 reads; any other text as it is."""
    return _WHOLE_FLOAT.sub(r"\1", text)


# A long number a spreadsheet showed in scientific notation and exported so: "8.49123E+10".
_SCIENTIFIC = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+[0-9]{1,2}$")


def in_scientific_notation(text: str) -> bool:
    """Whether a number was exported in scientific notation, keeping only its first digits (six
    in Excel's): the rest are lost, and any number made of it would be another."""
    return _SCIENTIFIC.match(text) is not None


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are equal or one typo apart: a character inserted, deleted or
    replaced, or two neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) == 1 or (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
