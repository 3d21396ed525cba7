"""A name's consonant skeleton: one key for its spelling in Arabic script and in Latin letters.

Arabic writes no short vowels, and the Latin spellings of one Arabic name differ mostly in their
vowels (Mohammed, Muhammad, Mohamed) and in the letters written for one Arabic letter (kh, sh,
q or k, j or g): reduced to classes of consonants, both scripts give one key (محمد الحسن and
Mohammed Al-Hassan are both "hsn mhmd"). The key also joins names Arabic tells apart (Hassan and
Hussein, Hamad and Ahmad are "hsn" and "hmd"): it is evidence only across scripts, where the
letters themselves cannot be compared, and weaker than the same name.
"""

from __future__ import annotations

import re

# Arabic letters as their forms are made one (text.ARABIC_FORMS), to the class of Latin consonants
# they are spelt with; alif, wāw, yā', 'ayn and hamza are vowels or left out in Latin spellings.
_ARABIC = str.maketrans({
    **dict(zip("بتثجحخدذرزسشصضطظغفقكلمنهپچژگ", "bttjhxddrzscsdtzgfkklmnhbczj", strict=True)),
    **{letter: None for letter in "اويعء"},
})
# Latin letters and digraphs to the same classes: a letter or digraph left out is a vowel (y and
# w too, as wāw and yā' are).
_LATIN = {
    "kh": "x", "sh": "c", "ch": "c", "th": "t", "dh": "d", "gh": "g", "ph": "f",
    "q": "k", "c": "k", "g": "j", "p": "b", "x": "ks", "v": "",
    **{letter: "" for letter in "aeiouyw"},
}
_LATIN_SPELLING = re.compile("|".join(sorted(_LATIN, key=len, reverse=True)))
# The article opening a name ("Al-Hassan", "El-Sayed", "Ar-Rashid" before a sun letter, "الحسن"),
# left out: one source writes it, another does not. Not where it leaves a short word ("Alan").
_LATIN_ARTICLE = re.compile(r"^(?:[ae]l|[ae](?=([dnrstz])\1))(?=[a-z]{3})")
_ARABIC_ARTICLE = re.compile(r"^ال(?=..)")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """The consonant classes of one folded name word, in Arabic letters (variant forms made one)
    or in lower-case ASCII; a last h is left out (ة, ـه and -ah are written or not)."""
    if _ARABIC_LETTER.search(word):
        consonants = _ARABIC_ARTICLE.sub("", word).translate(_ARABIC)
    else:
        consonants = _LATIN_SPELLING.sub(lambda m: _LATIN[m.group()], _LATIN_ARTICLE.sub("", word))
    return _DOUBLED.sub(r"\1", consonants).removesuffix("h")


def name_skeleton(family: str | None, given: str | None) -> str | None:
    """The skeletons of the family and given names, in that order; None without both, or where
    either has no consonant left."""
    if not (family and given):
        return None
    family_key, given_key = "".join(skeleton(w) for w in family.split()), skeleton(given)
    return f"{family_key} {given_key}" if family_key and given_key else None
