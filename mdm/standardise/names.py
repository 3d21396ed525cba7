"""Person names: a display form and a folded, family-first form for matching.

Vietnamese names are written family–middle–given ("Nguyễn Văn An") but Western-facing systems
often store them given-first ("An Văn Nguyễn"); Western names come given-first or as
"Family, Given". Putting every name into one canonical order lets the linker compare family with
family and given with given, whatever the source did.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from mdm.standardise.companies import names_a_company
from mdm.standardise.han import han_name
from mdm.standardise.hangul import hangul_name
from mdm.standardise.text import ARABIC_FORMS, fold, nfc_clean


@dataclass(frozen=True, slots=True)
class StdName:
    original: str | None
    display: str | None
    folded: str | None
    family: str | None
    given: str | None
    middles: str | None
    flags: tuple[str, ...]


# Family names that are also common given or middle names ("Thu Hà", "Văn", "Khánh Ly"): when one
# leads a name that ends in an unambiguous family name ("Mai Trần"), the name is given-first.
_GIVEN_LIKE_FAMILY = frozenset(
    "van mai lam ha giang chau thai kieu trinh la to ta lai lu ly vi han diep phi".split()
)
# Vietnamese family names no other language gives a child: "Nguyễn Peter" (family-first, a Western
# given name) stays Nguyễn's, where "Luc Bélanger" is Luc's (_foreign_family_last).
_ONLY_FAMILY = frozenset("nguyen tran pham hoang huynh phan vu vo dang bui ngo duong dinh truong".split())
_STRONG_VN_FAMILY = frozenset(
    (
        "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong dinh truong dao cao luong"
        " quach tang ton khuc luu doan phung trieu dam ong tieu au bach banh chu dieu giap hua khong"
        " khuat lac lieu mac nghiem nong tat thach than thieu tong ung vuong ninh luc cu"
    ).split()
)
VN_FAMILY_NAMES = _STRONG_VN_FAMILY | _GIVEN_LIKE_FAMILY
_VN_FAMILIES_LONGEST_FIRST = sorted(VN_FAMILY_NAMES, key=lambda family: (-len(family), family))

_WESTERN_HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir madam madame mme mlle mister doctor professor rev revd"
    # German, Dutch, Spanish, Portuguese, French and Italian forms of address: Herr, Frau (Hr., Fr.),
    # de heer, mevrouw, Señor, Señora, Señorita (Sr., Sra., Srta.), Monsieur, Signor, Signora.
    " herr frau hr fr dhr mevr mevrouw meneer senor senora senorita sr sra srta monsieur signor"
    " signora".split()
)
# Indian (Shri, Shrimati, Smt.) and Thai (Khun) forms of address; not "Sri", an Indonesian given name.
_ASIAN_HONORIFICS = frozenset("shri shree shrimati smt khun".split())
# Degrees and professions written before a name, never names: tiến sĩ, thạc sĩ, (phó) giáo sư,
# bác sĩ, kỹ sư, luật sư ("TS. Nguyễn Văn An").
_DEGREES = frozenset("ts ths pgs gs bs ks ls".split())
# German and Austrian academic titles, written with a dot: "Dr. med.", "Dr. rer. nat.", "Dr.-Ing.",
# "Dipl.-Ing.", "Mag.".
_ACADEMIC = frozenset("dr prof dipl ing med rer nat jur phil dent vet oec pol mag kfm".split())
_VN_HONORIFICS = frozenset("ong ba anh chi em co chu bac thay cu".split())
# Vietnamese honorifics that are also family names ("Chu Văn An", "Ông Văn Tùng"): stripped only
# when an unambiguous family name follows ("Ông Nguyễn Văn An").
_FAMILY_HONORIFICS = _VN_HONORIFICS & _STRONG_VN_FAMILY
# Titles as written that are no given name ("Chi" is one, "Chị" is not), and those no family
# name either (the family names are written Chu and Cù).
_NEVER_GIVEN = frozenset("ông bà chị chú bác cô cụ thầy bac".split())
_NEVER_FAMILY = frozenset("chú cụ".split())
# Titles abbreviated to an initial: "M." (Monsieur), "A." (Anh), "C." (Chị).
_INITIAL_HONORIFICS = frozenset("m a c".split())
# ... and anh, chị and em cut to their letter as sales staff type them, in lower case and without
# a dot before a capitalised name ("a Hùng", "c Nguyễn Thị Hương", "e Linh"): an initial is neither.
_TYPED_TITLES = frozenset("a c e".split())
# Malay and Singaporean titles: Madam, Encik, Puan, Cik, Dato', Datuk, Haji, Hajjah.
_MALAY_HONORIFICS = frozenset("mdm encik puan cik dato datuk haji hajjah".split())
# ... and their abbreviations, titles only when written with their dot ("En." Encik, "Pn." Puan,
# "Tn." Tuan, "Hj." Haji, "Hjh." Hajjah): "En" alone may be a name (Vietnamese Én).
_MALAY_ABBREVIATED = frozenset("en pn tn hj hjh".split())
_ALL_HONORIFICS = _WESTERN_HONORIFICS | _ASIAN_HONORIFICS | _MALAY_HONORIFICS | _DEGREES | _VN_HONORIFICS
# Words between a person's name and their father's: son of, daughter of ("s/o", "d/o", Malaysian
# "a/l", "a/p"), Malay "bin", "binti". Kept for display, left out of the name's parts: "Muthu s/o
# Rajan" is the same name as "Muthu Rajan".
_CONNECTORS = frozenset("s/o d/o a/l a/p bin binti bte ibni".split())
# Written after a name, never names: generations, and degrees and honours ("John Smith, PhD").
_SUFFIXES = frozenset("jr jnr junior sr snr senior ii iii iv phd dphil md dds esq mba cpa".split())
# Middle names only, never the name one is called by: "Thị" marks a woman's name and "Văn" a
# man's. Written last ("Hồ Thảo Thị", a first-name box "Tuấn Văn") they are a given-first box,
# and the given name is the word before. Only with their accents: "Van" may be Vân, "Thi" Thi.
_MIDDLE_ONLY = {"thị": "thi", "văn": "van"}

_TOKEN = re.compile(r"[^\s,]+|,")
# Notes typed with the name: "Nguyễn Văn An (gọi trước khi giao)", "Lê Thị Hoa - giao giờ hành chính".
_BRACKETED = re.compile(r"\s*(?:\([^)]*\)?|\[[^\]]*\]?)")
_BRACKETS = str.maketrans("()[]", "    ")
# A birth name after a married one ("Anna Schmidt geb. Meyer", "Mary Smith née Jones") is such a note:
# the name in use is the one matched on. "nee" and "geb" without their mark only in lower case, as
# "Nee" is also a Chinese name ("Lim Nee Ling"). "geb." is often typed with no space after its dot
# ("Anna Schmidt geb.Meyer"), which read "Meyer" as the family name.
_NOTE_SEPARATOR = re.compile(r"\s[-\u2013\u2014/|]\s|,?\s(?:(?i:geb\.)\s*|(?:(?i:geborene|née)|nee|geb)\s)")
_ANY_LETTER = re.compile(r"[^\W\d_]")
# Hyphens and apostrophes join the parts of one name ("Jean-Paul" → "jeanpaul", "O'Brien" → "obrien").
_JOINERS = str.maketrans("", "", "-\u2010\u2011'\u2018\u2019\u02bc`")
_LETTER = re.compile(r"[a-z]")
_VOWEL = re.compile(r"[aeiouy]")
_WORD = re.compile(r"[^\W\d_]+")

_Token = tuple[str, tuple[str, ...]]  # (as written, folded parts that contain a letter)


# "Thị" mistyped: "Thj" (Telex's key for its dot below, the i left out), "hị" (its T left out). Neither
# is a name, in Vietnamese ("j" is no letter of it) or anywhere else (nor is "ị" outside it).
_MISTYPED_THI = frozenset(("thj", "hị"))


# Arabic script writes no short vowels: transliterated to ASCII, its names collapse into one skeleton
# (علي Ali and عالية Aliya are both "ly"; أحمد Ahmad, حمد Hamad and حامد Hamid all "hmd"), then read by
# the rules for Latin and Vietnamese names ("ly" as the family name Lý). A name written in it is
# compared in it, its letters' variant forms made one (hamza on alif, tā' marbūṭa, alif maqṣūra,
# Persian yā' and kāf, vowel marks and tatweel dropped), and flagged ``name_arabic_script``: it says
# nothing of the same person's Latin spelling, which a steward or a Latin name column must give.
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_NOT_ARABIC_LETTER = re.compile(r"[^\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]+")


# "Ma." is María, as Filipino and Spanish records write it before a second given name ("Ma. Cristina").
_ABBREVIATED_MARIA = "ma."


@lru_cache(maxsize=1 << 16)  # name words repeat heavily ("Nguyễn", "Văn", "Thị")
def _folded_parts(raw: str) -> tuple[str, ...]:
    if raw.lower().rstrip(".") in _MISTYPED_THI:
        return ("thi",)
    if raw.lower() == _ABBREVIATED_MARIA:
        return ("maria",)
    if _ARABIC_LETTER.search(raw):
        return tuple(_NOT_ARABIC_LETTER.sub(" ", raw.translate(ARABIC_FORMS)).split())
    folded = fold(raw.translate(_JOINERS))
    return tuple(_abdul(p) for p in folded.split() if _LETTER.search(p)) if folded else ()


def _abdul(word: str) -> str:
    """A name opened by "Abd" and its article as "abdul" opens it ("abdelrahman": abdulrahman)."""
    return _ABD_SPELLING.sub("abdul", word) if word.startswith("abd") else word


def _count_named(tokens: list[_Token]) -> int:
    return sum(1 for _, parts in tokens if parts)


def _is_honorific(tokens: list[_Token]) -> bool:
    """Whether the first token is a title.

    Western titles are never names. Vietnamese ones ("Anh", "Chị", "Ông") are names too: one is a
    title before two names, or before a single name that is not a family name ("Chị Lan"; but
    "Anh Trần" is a given-first name).
    """
    raw, parts = tokens[0]
    named = _count_named(tokens)
    if named > 1 and parts and all(p in _DEGREES for p in parts):  # "TS.", "PGS.TS"
        return True
    if named > 2 and _is_academic(tokens[0]):  # "Phil. Smith" may be Philip
        return True
    if len(parts) != 1 or named < 2:
        return False
    word = parts[0]
    if word in _WESTERN_HONORIFICS or word in _ASIAN_HONORIFICS or word in _MALAY_HONORIFICS:
        return True
    if word in _MALAY_ABBREVIATED and raw.endswith("."):
        return True
    if raw in _TYPED_TITLES and any(typed[:1].isupper() for typed, parts in tokens[1:] if parts):
        return True
    rest = _parts(tokens[1:])
    following = rest[0]
    if word in _INITIAL_HONORIFICS and raw.endswith("."):
        if word == "m":  # "M. Jean Dupont", Monsieur; in "M. J. García" both are initials
            return named > 2 and len(following) > 1
        as_typed = all(_typed_syllable(p) for p in rest)
        if not (as_typed and any(len(p) > 1 and _VN_SYLLABLE.match(p) for p in rest)):
            return False  # "A. Smith", "C. Van Damme", "A. J. Lee": an initial
        if named == 2:  # "A. Tuấn", "C. Lan": a title before a given name
            return following not in _STRONG_VN_FAMILY
        # "C. Tô K. Quỳnh", "A. N. Hải", "A. Nguyeenx Minh Hưng" (the family name mistyped).
        return (following in VN_FAMILY_NAMES or len(following) == 1 or _family_likeness(following)[0] > 0
                or rest[-1] in _STRONG_VN_FAMILY)  # "A. Hải Trần": a given-first name after the title
    if word not in _VN_HONORIFICS:
        return False
    written = raw.lower()  # the text is NFC already (``nfc_clean``)
    if named == 2:  # "Chị Lan" but "Anh Trần", and "Anh N." (the family name as an initial)
        if written in _NEVER_GIVEN:  # "Bác Vũ", "Ông Hoàng": a title before whichever name
            return len(following) > 1
        return following not in _STRONG_VN_FAMILY and len(following) > 1
    # "Ông P. Duy": the title before a family name cut to its initial. The family name Ông, written
    # the same, is rare beside the title, and "Ông Văn Tùng" (below) keeps it where a name follows.
    if written == "ông" and len(following) == 1:
        return True
    # "Ông Lý Hữu Trí": a family name after the title and two names after it; "Văn" is a middle.
    if named > 3 and following in VN_FAMILY_NAMES and following != "van":
        return True
    # "Ông Hưng Văn Đặng", "Ông Hùng Phạm": a given-first name after the title, ending in its family name.
    if rest[-1] in _STRONG_VN_FAMILY and following not in VN_FAMILY_NAMES:
        return True
    return word not in _FAMILY_HONORIFICS or written in _NEVER_FAMILY or following in _STRONG_VN_FAMILY


def _strip_titles(tokens: list[_Token]) -> list[_Token]:
    """Drop commas at either end, trailing suffixes (keeping two names) and leading honorifics."""
    while tokens and (
        not tokens[-1][1]
        or (len(tokens[-1][1]) == 1 and tokens[-1][1][0] in _SUFFIXES and _count_named(tokens) > 2)
    ):
        tokens = tokens[:-1]
    while tokens and (not tokens[0][1] or _is_honorific(tokens)):
        tokens = tokens[1:]
    return tokens


# Titles written after the comma of a family-first name ("Müller, Dr. Hans", "Smith, Hans, Dr."): not
# the Vietnamese ones, which are given names there too ("Trần, Anh Tuấn").
_TITLES_AFTER_COMMA = _WESTERN_HONORIFICS | _ASIAN_HONORIFICS | _MALAY_HONORIFICS


def _strip_comma_titles(tokens: list[_Token]) -> list[_Token]:
    """Drop the titles that open the given names after a family name's comma, or follow them after
    another comma: as those before a name, they are no given name. A suffix the family name ends
    with ("Smith Jr., John") is dropped as one after the whole name is."""
    comma = next((i for i, (raw, _) in enumerate(tokens) if raw == ","), None)
    if comma is None or not _count_named(tokens[:comma]):
        return tokens
    if _count_named(tokens[:comma]) > 1 and tokens[comma - 1][1] and tokens[comma - 1][1][-1] in _SUFFIXES:
        return _strip_comma_titles([*tokens[:comma - 1], *tokens[comma:]])
    after = tokens[comma + 1:]
    if len(after) > 2 and after[-2][0] == "," and _is_title_after_comma(after[-1]):
        after = after[:-2]
    while _count_named(after) > 1 and _is_title_after_comma(after[0]):
        after = after[1:]
    return [*tokens[:comma + 1], *after]


def _is_title_after_comma(token: _Token) -> bool:
    return (len(token[1]) == 1 and token[1][0] in _TITLES_AFTER_COMMA) or _is_academic(token)


def _is_academic(token: _Token) -> bool:
    raw, parts = token
    return raw.endswith(".") and bool(parts) and all(p in _ACADEMIC for p in parts)


def _single_case(tokens: list[_Token]) -> bool:
    text = "".join(raw for raw, _ in tokens)
    return text.isupper() or text.islower()


def _recase(tokens: list[_Token], title: bool, beside: tuple[_Token, ...] = ()) -> list[_Token]:
    """Title-case names typed all in one case; mixed case is the writer's choice and is kept.
    ``beside``: the name's other box, whose letters say too whether the name is Turkish.

    Parts are re-folded from the cased text (a few letters, like "µ", fold differently once
    capitalised), so standardising the display again gives the same result.
    """
    if not title:
        return tokens
    turkish = any(_TURKISH_LETTER.search(raw) for raw, _ in (*tokens, *beside))
    cased: list[_Token] = []
    for raw, parts in tokens:
        raw = unicodedata.normalize("NFC", _WORD.sub(
            lambda m: _turkish_capitalised(m[0]) if turkish else m[0].capitalize(), raw))
        cased.append((raw, parts if raw.isascii() else _folded_parts(raw)))
    return cased


# Turkish (and Azerbaijani) pair dotted İ/i and dotless I/ı: "İSMAİL YILDIZ" capitalised as other
# names are was "İsmai̇l Yildiz", an i with a combining dot (Python's lower() of İ) and the wrong i.
# A name holding one of the letters only they write is cased their way: "İsmail Yıldız".
_TURKISH_LETTER = re.compile("[İıĞğ]")


def _turkish_capitalised(word: str) -> str:
    first, rest = word[:1], word[1:]
    first = {"i": "İ", "ı": "I"}.get(first, first.upper())
    return first + rest.replace("I", "ı").replace("İ", "i").lower()


# A Vietnamese syllable without its tones: an initial consonant (cluster), vowels, a final.
_VN_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?$")


def _vietnamese_family(family_part: list[str], given_part: list[str] = ()) -> bool:
    """A family box opening with a Vietnamese family name, and Vietnamese throughout: "Nguyễn
    Văn" is family and middle, but "van Groesen" or "La Porte" is one Western surname. A
    mistyped one counts when the given box is Vietnamese too ("Nguyenn | Minh Vũ"), its rhymes
    as Vietnamese spells them: "WANG Xiao Ming" is a Chinese name, not a mistyped Đặng."""
    head = family_part[0]
    known = head in VN_FAMILY_NAMES or (
        _family_likeness(head)[0] > 0 and bool(given_part)
        and _rhymed(given_part)
    )
    return known and _vietnamese(family_part[1:])


def _vietnamese(parts: list[str]) -> bool:
    """Every part a Vietnamese syllable or an initial."""
    return all(len(p) == 1 or _VN_SYLLABLE.match(p) for p in parts)


def _given_last(family: str, rest: list[str]) -> tuple[str, list[str], str]:
    """Family, middles and given of a Vietnamese name in family-first order. The given name is
    the one a person is called by and is never cut to an initial: in "Nguyễn Hiếu V." (a
    given-first box, "Hiếu V.") the initial is the middle name."""
    given = len(rest) - 1
    if len(rest[given]) == 1:
        given = next((i for i in range(given - 1, -1, -1) if len(rest[i]) > 1), given)
    return family, rest[:given] + rest[given + 1 :], rest[given]


def _order_parts(family_part: list[str], given_part: list[str]) -> tuple[str, list[str], str]:
    """Family and given written in separate parts (fields, or "Family, Given")."""
    if _vietnamese_family(family_part, given_part):
        # Vietnamese data splits either "Nguyễn | Văn An" or "Nguyễn Văn | An".
        return _given_last(_telex_family(family_part[0]) or family_part[0], family_part[1:] + given_part)
    # "García López, María José", "García Luna, María José": as "María José García López" reads.
    # Both words are written as the family name, so the second needs no list: no Filipino or
    # Portuguese name writes its mother's surname there.
    if _spanish_surnames(family_part, spanish=True):
        return family_part[0], [*given_part[1:], family_part[1]], given_part[0]
    return " ".join(family_part), given_part[1:], given_part[0]


# Spanish surnames, those that are no common given name (Martín, Cruz, León) nor Portuguese (Silva,
# Santos: Portuguese names put the father's surname last). A Spanish name carries two, the father's
# then the mother's ("María José García López"), and is often written with the father's alone
# ("García, María José"): the father's is read as the family name, the mother's after the middles.
# With the most common of Mexico and Colombia (Rivera, Castro, Velázquez, Restrepo), which a list of
# Spain's left out: "María José García Rivera" read Rivera as the family name.
_SPANISH_SURNAMES = frozenset(
    "garcia rodriguez gonzalez fernandez lopez martinez sanchez perez gomez jimenez ruiz hernandez diaz"
    " moreno alvarez munoz romero alonso gutierrez navarro torres dominguez vazquez ramos ramirez serrano"
    " blanco suarez molina morales ortega delgado ortiz rubio sanz nunez iglesias medina garrido cortes"
    " castillo lozano guerrero cano prieto mendez calvo gallego vidal marquez herrera pena flores cabrera"
    " campos vega fuentes carrasco caballero reyes nieto aguilar herrero montero hidalgo gimenez ibanez"
    " ferrer duran benitez vargas arias carmona crespo soto saez velasco moya soler parra bravo gallardo"
    " rojas mendoza contreras espinoza chavez sandoval salazar aguirre valdez castaneda rios acosta"
    " figueroa guzman juarez estrada cardenas orozco villanueva zamora quintero bermudez"
    " rivera castro velazquez avila cervantes carrillo mejia solis rosas ibarra maldonado pacheco robles"
    " rosales trejo camacho zuniga galvan villegas alvarado escobar cordova sosa benavides quintana"
    " restrepo ospina cardona osorio londono pineda palacios arroyo salinas valenzuela tapia beltran"
    " villalobos bustamante zapata montes cisneros peralta ponce olvera ochoa padilla trujillo"
    " nava meza".split()
)


def _spanish_surnames(words: list[str], spanish: bool) -> bool:
    """Two words, a Spanish surname (a father's) and a mother's surname: one of the list too, or
    any word when the name is ``spanish`` ("García Luna": Luna is also a given name)."""
    return (len(words) == 2 and words[0] in _SPANISH_SURNAMES and len(words[1]) > 1
            and (spanish or words[1] in _SPANISH_SURNAMES))


# Spanish writes its names with these marks only; Portuguese has its own too (João, Gonçalves,
# Antônio) and puts the father's surname last, as Filipino names do (the middle name is the
# mother's), mostly written without any.
_SPANISH_MARKS = frozenset("áéíóúñü")


def _written_spanish(tokens: list[_Token]) -> bool:
    """A name written with Spanish marks and no others ("María José García Luna")."""
    marks = {ch for raw, _ in tokens for ch in raw.lower() if not ch.isascii()}
    return bool(marks) and marks <= _SPANISH_MARKS


def _second_surname(
    parts: list[str], parsed: tuple[str, list[str], str], spanish: bool
) -> tuple[str, list[str], str]:
    """(family, middles, given) of a name written given-first with two Spanish surnames last: the
    father's, the first, is the family name and the mother's follows the middles. The father's
    is never a given name (``_SPANISH_SURNAMES``); the mother's may be one ("Luna", "Cruz"), and is
    read so in a name written in Spanish (``_written_spanish``)."""
    family, middles, given = parsed
    if (len(parts) > 2 and family == parts[-1] and middles[-1:] == parts[-2:-1]
            and _spanish_surnames(parts[-2:], spanish)):
        return parts[-2], [*middles[:-1], family], given
    return parsed


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or swap of neighbours away."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in letters),
        *(a + c + b for a, b in splits for c in letters),
    }


# Family names mistyped: one key off ("Nguyễ", "Nugyễn", "Pahn"), or typed in Telex with the
# keyboard's Vietnamese input off ("Nguyeenx" for Nguyễn, "Traanf" for Trần). Two-letter names
# are left out of the one-edit table: they are one key away from too many syllables. Each typo
# maps to the length of the longest name it is one key from: a slip in "nguyen" says more than
# one in "chu", which "thu" also is.
_MISTYPED_FAMILY: dict[str, int] = {
    typo: len(family)
    for family in sorted(_STRONG_VN_FAMILY, key=len)  # the longer name wins a typo both are one key from
    if len(family) > 2
    for typo in _one_edit(family) - VN_FAMILY_NAMES
}
_TELEX_TONE = re.compile(r"(?<=[a-z])[sfrxj]$")
_TELEX_VOWELS = (("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"), ("dd", "d"))
_DOUBLED = re.compile(r"(.)\1")


def _untelexed(word: str) -> str:
    """``word`` with the Telex keys for tones and marks dropped: "hieenf" → "hien"."""
    plain = _TELEX_TONE.sub("", word)
    for typed, letter in _TELEX_VOWELS:
        plain = plain.replace(typed, letter)
    return plain


def _telex_family(word: str) -> str | None:
    """The family name ``word`` is when typed in Telex ("nguyeenx", "traanf", "lee") or with a
    key held down ("buui", "nngo"), or None."""
    plain = _untelexed(word)
    if plain not in _STRONG_VN_FAMILY:
        plain = _DOUBLED.sub(r"\1", word)
    return plain if plain != word and plain in _STRONG_VN_FAMILY else None


# A syllable with only the vowel groups Vietnamese writes ("ieu", "uo", "oai", not "oui"), for
# reading a word as Telex: "Louis" must not become "loui" because "s" is also a tone key.
_VN_RHYMED_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
    r"(uye|uya|uyu|uoi|uou|oai|oay|oeo|ieu|yeu|uay"
    r"|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ye|[aeiouy])"
    r"(ch|ng|nh|[cmnpt])?$"
)



def _rhymed(words: list[str]) -> bool:
    """Every word an initial or a syllable whose rhyme Vietnamese writes."""
    return all(len(w) == 1 or _VN_RHYMED_SYLLABLE.match(w) for w in words)


@lru_cache(maxsize=1 << 16)  # run on every word of every Vietnamese name; the words repeat
def _as_syllable(word: str) -> str:
    """``word``, or the Vietnamese syllable it is when typed in Telex ("hieenf", "thuw",
    "ddung"); an initial or a word that is a syllable as typed is left as it is."""
    if len(word) < 2 or _VN_SYLLABLE.match(word):
        return word
    plain = _untelexed(word)
    return plain if _VN_RHYMED_SYLLABLE.match(plain) else word


def _typed_syllable(word: str) -> bool:
    """An initial, or a Vietnamese syllable as typed, in Telex ("vawn") or with a key held
    down ("hongg")."""
    return len(word) == 1 or bool(
        _VN_SYLLABLE.match(word) or _VN_RHYMED_SYLLABLE.match(_DOUBLED.sub(r"\1", _untelexed(word)))
    )


def _family_likeness(word: str) -> tuple[int, int]:
    """How surely ``word`` is a mistyped Vietnamese family name, (0, 0) when it is none: typed
    in Telex or with a key held down, then one key off into no syllable ("Dnag"), then one key
    off into another syllable ("Buu"); between two alike, the longer name they are one key from
    ("nguye" says more than "thu", one key from "chu")."""
    if _telex_family(word):
        return 3, 0
    length = _MISTYPED_FAMILY.get(word, 0)
    if not length:
        return 0, 0
    return (1 if _VN_SYLLABLE.match(word) else 2), length


def _mistyped_syllable(word: str) -> bool:
    """A family name typed wrong into no Vietnamese syllable at all ("Phna", "Nguyenn", "Traanf")."""
    return _family_likeness(word)[0] >= 2


def _family_first_by_typo(parts: list[str]) -> bool:
    """A Vietnamese name that opens with a mistyped family name ("Nguyễ Hồng Thu", "Buu Thi
    Khanh"): every other part a syllable, the last no family name (but a given-like one after a
    typo into no syllable: "Nguyyễn Mai") and no likelier a mistyped one
    ("Minh Vũ Nguyenn" stays given-first). Between two names as likely, three parts read
    family-first as Vietnamese names mostly are, two given-first ("Tony Chan")."""
    first, last = parts[0], parts[-1]
    likeness = _family_likeness(first)
    # A family name that is also a given name ("Mai", "Hà", "Giang") ends a name as its given
    # name after a family name typed into no syllable ("Nguyyễn Mai", "Trran Thi Kim Mai").
    if not likeness[0] or last in _STRONG_VN_FAMILY or (last in VN_FAMILY_NAMES and likeness[0] < 2):
        return False
    if len(parts) == 2 and (first in _FORMAL or first in _NICKNAME_GROUPS):
        return False  # "Tony Chan": an English given name, not "Tong" mistyped
    if not _vietnamese(parts[1:]):
        return False
    other = _family_likeness(last)
    return likeness > other or (likeness == other and len(parts) > 2)


_VOWELS = re.compile(r"[aeiouy]+")


def _foreign_family_last(parts: list[str]) -> bool:
    """Two names, the last a family name of more than one syllable, no Vietnamese word as typed,
    mistyped or two glued ("Minhanh"): "Luc Bélanger", "Mai Fournier" are given-first, their Luc
    and Mai given names."""
    last = parts[-1]
    cuts = range(1, len(last))
    return (
        len(parts) == 2 and len(_VOWELS.findall(last)) > 1 and not _typed_syllable(last)
        and not _family_likeness(last)[0]
        and not any(_VN_SYLLABLE.match(last[:cut]) and _VN_SYLLABLE.match(last[cut:]) for cut in cuts)
    )


def _order_sequence(parts: list[str]) -> tuple[str, list[str], str]:
    """One sequence of names: family-first when it opens with a Vietnamese family name, or
    with one mistyped."""
    first, last = parts[0], parts[-1]
    family_first = first in VN_FAMILY_NAMES and not (
        first in _GIVEN_LIKE_FAMILY and (last in _STRONG_VN_FAMILY or _mistyped_syllable(last))
        or first not in _ONLY_FAMILY and _foreign_family_last(parts)
    )
    if family_first or _family_first_by_typo(parts):
        return _given_last(_telex_family(first) or first, parts[1:])
    # Telex only in a Vietnamese name, its rhymes as Vietnamese spells them: "Dave Lee" and
    # "Li Ying Lee" keep their Lee, and so does "S. Lee" (an initial says nothing of the
    # language; Sophie Lee's records must agree).
    vietnamese = _rhymed(parts[:-1]) and any(len(p) > 1 for p in parts[:-1])
    return (vietnamese and _telex_family(last)) or last, parts[1:-1], first


# English nicknames that stand for one formal name ("Bill" is William), so "Bill Martin" and
# "William Martin" compare as the same name. Nicknames of two formal names ("Alex", "Chris",
# "Sam") and names that are also formal names ("Eliza", "Jamie") are left as written, and a
# formal name is never respelt: "Cathwrine" must stay one typo from "Catherine".
_NICKNAME_GROUPS = {
    "william": "bill billy will willy", "robert": "bob bobby rob robbie", "richard": "rick ricky dick rich richie",
    "elizabeth": "liz lizzie beth betty libby", "margaret": "maggie peggy meg", "james": "jim jimmy",
    "michael": "mike mikey mick", "thomas": "tom tommy", "katherine": "kate katie kathy kath", "catherine": "cathy",
    "jennifer": "jen jenny", "daniel": "dan danny", "joseph": "joe joey", "edward": "ed eddie",
    "matthew": "matt", "anthony": "tony", "nicholas": "nick nicky", "benjamin": "ben benny", "andrew": "andy",
    "rebecca": "becky becca bec", "victoria": "vicky vicki", "jessica": "jess", "steven": "steve stevie",
    "peter": "pete", "david": "dave davy", "gregory": "greg", "susan": "sue susie", "deborah": "debbie deb",
    "pamela": "pam", "barbara": "barb", "cynthia": "cindy", "amanda": "mandy", "jeffrey": "jeff", "timothy": "tim timmy",
    "kenneth": "ken kenny", "ronald": "ron ronnie", "donald": "don donny", "douglas": "doug", "philip": "phil",
    "frederick": "fred freddie", "charles": "charlie chuck", "joshua": "josh", "zachary": "zach zack",
    "abigail": "abby", "johannes": "hannes", "patricia": "trish tricia patty", "lachlan": "lachie",
    "charlotte": "lottie", "oliver": "ollie olly", "stephanie": "steph", "lawrence": "larry", "leonard": "lenny",
    "walter": "walt wally", "henry": "hank", "dorothy": "dottie", "isabella": "izzy",
}
# Romanised spellings of one Arabic name, in Malay, Singaporean and South Asian records
# ("Mohamed Rizal", "Bin Aziz, Mohammed Rizal", "Mohd Rizal", Bangladeshi "Md. Rafiqul Islam"):
# one name, read as one.
_SPELLINGS = {
    "muhammad": "mohammad mohammed mohamed mohamad muhamad muhammed mohd muhd md", "ahmad": "ahmed",
}
_FORMAL = {nick: formal for formal, nicks in _NICKNAME_GROUPS.items() for nick in nicks.split()}
# Each nickname and spelling, to the name it is read as.
_AS_ONE_NAME = _FORMAL | {spelt: name for name, spellings in _SPELLINGS.items() for spelt in spellings.split()}


def _result(
    original: str | None,
    display: str,
    family: str | None,
    middles: list[str],
    given: str,
    flags: tuple[str, ...] = (),
) -> StdName:
    if family in VN_FAMILY_NAMES:
        # A Vietnamese name typed with the Telex keyboard off ("Nguyễn Hieenf", "Trần Văn
        # Thawngs"): each other word that is no syllable as typed but is one without its Telex
        # keys is read as the syllable meant, as its family name is (``_telex_family``).
        given, middles = _as_syllable(given), [_as_syllable(m) for m in middles]
    elif family is None:
        # A given name alone (a first-name box, "Rob") reads as it does beside a family name.
        given = given if _VN_SYLLABLE.match(given) else _AS_ONE_NAME.get(given, given)
    elif family.split()[0] not in VN_FAMILY_NAMES or not _vietnamese(family.split()):
        # Every part: "Stephenson Danny" may be read with the names the other way round; but
        # not a mistyped Vietnamese family name ("Pạm" is no Pam). "van der Berg" is no Văn.
        # Each word of a family name written first ("Mohamed Rizal, Farah": a father's name).
        family = family if family in _MISTYPED_FAMILY else " ".join(_AS_ONE_NAME.get(w, w) for w in family.split())
        given, middles = _AS_ONE_NAME.get(given, given), [_AS_ONE_NAME.get(m, m) for m in middles]
    folded = " ".join([*([family] if family else []), *middles, given])
    return StdName(original, display, folded, family, given, " ".join(middles) or None, flags)


def _middle_only(raw: str) -> str | None:
    """The middle-only name (``_MIDDLE_ONLY``) a word is as written, mistyped Thị ("Thj") too."""
    word = raw.lower()
    return "thi" if word.rstrip(".") in _MISTYPED_THI else _MIDDLE_ONLY.get(word)


def _given_then_family_box(tokens: list[_Token], parts: list[str]) -> bool:
    """ "Lan Nguyễn Thị", "Lan Anh Trần Văn": a first-name box, then a last-name box holding the
    family name and its middle-only name, as Western forms make Vietnamese customers write them."""
    return (len(parts) > 2 and _middle_only(tokens[-1][0]) is not None and parts[-2] in _STRONG_VN_FAMILY
            and parts[0] not in VN_FAMILY_NAMES)


def _middle_written_last(
    parsed: tuple[str, list[str], str], last_written: str
) -> tuple[str, list[str], str]:
    """(family, middles, given) with a middle-only word read as the given name put back among
    the middles, and the word before it as the given name."""
    family, middles, given = parsed
    if _middle_only(last_written) == given and middles and len(middles[-1]) > 1:
        return family, [*middles[:-1], given], middles[-1]
    return parsed


def _split_comma(tokens: list[_Token]) -> tuple[list[str], list[str]] | None:
    """("Smith", "Alan") for "Smith, Alan"; None when there is no comma between names."""
    for i, (raw, _) in enumerate(tokens):
        if raw == ",":
            before, after = _parts(tokens[:i]), _parts(tokens[i + 1 :])
            if before and after:
                vietnamese = any(part in VN_FAMILY_NAMES for part in before)  # "Nguyen, Van An"
                run = 0 if vietnamese else _particles_after_given(tokens[i + 1 :])
                return [*after[len(after) - run:], *before], after[:len(after) - run]
            return None
    return None


def _particles_after_given(given: list[_Token]) -> int:
    """How many particles written in lower case end the given names after a family name's comma,
    as indexes write a Portuguese, Spanish, French or Dutch name ("Souza, José de", "Cruz, Luis de
    la", "Berg, J. van der"): they open the family name, as in "José de Souza". Only in a name not
    written in one case, and not when particles alone follow the comma."""
    run = 0
    while (run < len(given) - 1 and given[-1 - run][0].islower() and len(given[-1 - run][1]) == 1
           and given[-1 - run][1][0] in _PARTICLES):
        run += 1
    return run if run and any(ch.isupper() for raw, _ in given for ch in raw) else 0


# A title mistyped ("MRR Brian Roberts", "ME Steven Edwards") before a name: no family name.
_MISTYPED_TITLES = frozenset().union(*(_one_edit(title) for title in ("mr", "mrs", "ms", "dr")))


def _split_capitals(tokens: list[_Token]) -> tuple[list[str], list[str]] | None:
    """("Dupont", "Jean") for "DUPONT Jean": in a name written in mixed case, the words in
    capitals that open it are the family name, as French and many Asian forms and passports
    write it ("TANAKA Hiroshi", "NGUYEN Van An"). Initials ("L.T Hạnh") are not."""
    run = 0
    while run < len(tokens):
        raw = tokens[run][0]
        if "." in raw or not raw.isupper() or sum(ch.isalpha() for ch in raw) < 2:
            break
        run += 1
    family, given = _parts(tokens[:run]), _parts(tokens[run:])
    if not run or not any(ch.islower() for raw, _ in tokens[run:] for ch in raw):
        return None
    if family[0] in _MISTYPED_TITLES and len(given) > 1:
        return None
    return family, given


def _display(tokens: list[_Token]) -> str:
    return " ".join(raw for raw, _ in tokens).replace(" ,", ",")


def _tokens(text: str) -> list[_Token]:
    """Name tokens and commas; stray punctuation and numbers are dropped."""
    return [(raw, parts) for raw in _TOKEN.findall(text) if (parts := _folded_parts(raw)) or raw == ","]


def _parts(tokens: list[_Token]) -> list[str]:
    return [p for _, parts in tokens for p in parts]


def _without_notes(text: str) -> str:
    """The text without bracketed notes, and cut at a " - ", " / " or birth name that follows a name."""
    stripped = _BRACKETED.sub("", text)
    if not _LETTER.search(fold(stripped) or ""):  # "(Nguyễn Văn An)": the brackets hold the name
        return text.translate(_BRACKETS)
    first_letter = _ANY_LETTER.search(stripped)
    separator = _NOTE_SEPARATOR.search(stripped, first_letter.end()) if first_letter else None
    return stripped[: separator.start()] if separator else stripped


# "Smith & Co": the folded "co" alone is also a given name (Lê Văn Cơ), so it is told by the "&".
_AND_COMPANY = re.compile(r"(?i)(?:&|\band)\s*co\.?\s*$")


@lru_cache(maxsize=256)  # asked twice of most names: before two people are told apart, and after
def _names_a_company(text: str) -> bool:
    return names_a_company(fold(text) or "") or _AND_COMPANY.search(text) is not None


def _company(original: str | None) -> StdName:
    """A company written where a person's name belongs: no person's name, and flagged so."""
    return StdName(original, None, None, None, None, None, ("name_is_company",))


# The finals "nh" and "ch" follow only these vowels ("thanh", "bệnh", "quỳnh", "oanh"), and a
# syllable ending in a stop (p, t, c, ch) takes only the rising or the heavy tone: "Nguyễnh" and
# "Lêt" are no syllables, "Ngọc" and "Thành" are.
_BEFORE_NH_CH = frozenset("a e i y oa ue uy".split())
_STOP_TONES = frozenset("\u0301\u0323")  # sắc, nặng


def _spelt_syllable(raw: str) -> bool:
    """A Vietnamese syllable as Vietnamese spells one: rhyme, final and tone together. Without
    its marks a word is judged on its letters alone."""
    m = _VN_RHYMED_SYLLABLE.match(fold(raw) or "")
    if not m or (m[3] in ("nh", "ch") and m[2] not in _BEFORE_NH_CH):
        return False
    if m[3] in ("p", "t", "c", "ch") and _marked(raw):
        return any(ch in _STOP_TONES for ch in unicodedata.normalize("NFD", raw))
    return True


@lru_cache(maxsize=1 << 16)
def _syllable(word: str) -> bool:
    return bool(_VN_SYLLABLE.match(fold(word) or ""))


def _slipped(left: str, right: str, by_syllables: bool = True) -> tuple[str, str] | None:
    """Two words with the space between them typed one letter off, put back; None if not.

    The case shows it in mixed-case text ("Hoàn gMỹ", "LeT hi"); in one case, two Vietnamese
    syllables do ("L EVAN" is "LE VAN", and neither "l" nor "evan" is a syllable) when
    ``by_syllables``."""
    if not (left[-1:].isalpha() and right[:1].isalpha()):
        return None
    if len(right) > 1 and right[0].islower() and right[1].isupper():
        return left + right[0], right[1:]
    if len(left) > 1 and left[-1].isupper() and left[-2].islower() and right[0].islower():
        return left[:-1], left[-1] + right
    if (len(left) > 1 and left[0].isupper() and left[-1].islower() and right[0].isupper()
            and left[-1] != left[-2]  # "Phạmm Anh": a key held down, not a slip
            and fold(left[:-1]) in _STRONG_VN_FAMILY and not _spelt_syllable(left)
            and _syllable(left[-1] + right)):
        # Recased after the slip, each word capitalised: "Nguyễnh Iếu" is "Nguyễn Hiếu".
        return left[:-1], left[-1].upper() + right[0].lower() + right[1:]
    one_case = (left + right).isupper() or (left + right).islower()
    if not by_syllables or not one_case or (_syllable(left) and _syllable(right)):
        return None
    for moved in ((left + right[0], right[1:]), (left[:-1], left[-1] + right)):
        if all(moved) and _syllable(moved[0]) and _syllable(moved[1]):
            return moved
    return None


def _mend_spaces(tokens: list[_Token], by_syllables: bool = True) -> list[_Token]:
    """Put back slipped spaces (``_slipped``), again until none is left: a mend can make the
    word before it one ("k a yA" → "k ay A" → "ka y A"), which the display, read again, would
    mend."""
    words = [raw for raw, _ in tokens]
    for _ in range(len(words)):
        changed = False
        for i in range(1, len(words)):
            if mended := _slipped(words[i - 1], words[i], by_syllables):
                words[i - 1], words[i] = mended
                changed = True
        if not changed:
            break
    return [(w, parts) for w in words if (parts := _folded_parts(w)) or w == ","]


# Irish family names written with "O" apart ("O Brien" for O'Brien); "John O Smith" keeps his initial.
_O_NAMES = frozenset(
    "brien connor conner neill neil sullivan donnell reilly hara leary keefe malley shea connell rourke"
    " dwyer callaghan mahony mahoney toole doherty grady gorman halloran driscoll meara loughlin donovan"
    " flaherty hanlon kelly regan riordan dea".split()
)


# Irish particles that open a family name of two words or more ("Ó Briain", "Ní Bhriain", "Mac
# Giolla", "Nic Dhonncha", "Bean Uí Bhriain"), as written with their accents: "Ó" is no name alone,
# the others only before a word no Vietnamese syllable ("Ní", "Mac" are also Vietnamese words).
_IRISH_PARTICLES = frozenset("ní uí mac nic mhic".split())
# "Giolla" (servant of) continues one: "Mac Giolla Phádraig" is one family name.
_GIOLLA = ("giolla", "ghiolla")


# The Arabic article written apart from the name it opens ("Al Hassan", "El Sayed"): one name with
# "Al-Hassan" and "Alhassan", which fold to "alhassan" (a glued "Alhassan" cannot be cut apart:
# "Albert"). Only before a capitalised word, and after a name or in a family name: "Al Pacino" and
# "Al Gore" keep the given name Al. "Van" and "de" stay apart ("van der Berg").
_ARABIC_ARTICLES = frozenset(("al", "el"))
# ... "El" leading a name too: it is no given name, as "Al" is ("El Sayed Ahmed" is Elsayed Ahmed);
# not before a Vietnamese syllable ("El Thi Linh": Lê mistyped).
_NEVER_GIVEN_ARTICLES = frozenset(("el",))
# "Abd" (servant of) is no name alone: with its article, however spelt ("Abdel", "Abdul", "Abdur" before
# its sun letter, "Abd al", "عبد"), it opens one given name with the word after it ("Abdel Rahman",
# "Abdul-Rahman" and "Abdulrahman" are one name). Each Latin spelling is read as "abdul" ("Abdallah"
# as Abdullah).
_ABD = frozenset(("abd", "abdel", "abdul", "abdal", "abdol", "abdur", "abdar", "abdus", "abdas", "عبد"))
_ABD_SPELLING = re.compile(r"^abd(?:[aeou]l|[aeou]([dnrstz])(?=\1)|(?=[^aeiouy]))(?=[a-z]{3})")


def _opens_name(before: list[_Token], raw_next: str, parts: tuple[str, ...], family_box: bool) -> bool:
    """Whether the last of the tokens ``before`` opens an Irish family name the word ``raw_next``
    (folded: ``parts``) continues, or is the Arabic article of it. "Mac" and "Nic" lead a given name
    too ("Mac Miller"): only after a name in one part of it, or in a family name (a last-name box,
    or before a comma: "Mac Giolla, Seán")."""
    raw, glued = before[-1]
    if raw in ("Ó", "ó"):
        return True
    word = raw.lower()
    after_name = len(before) > 1 and before[-2][0] != ","
    in_family = family_box and all(written != "," for written, _ in before)
    if word in _ARABIC_ARTICLES:  # before the syllable test: "Salah El Din" as "El-Din"
        leads = word in _NEVER_GIVEN_ARTICLES and not _VN_SYLLABLE.match(parts[0])
        return raw_next[:1].isupper() and (after_name or in_family or leads)
    if _VN_SYLLABLE.match(parts[0]):
        return False
    if " " in raw and glued[-1].endswith(_GIOLLA):
        return True
    return word in _IRISH_PARTICLES and (word in ("ní", "uí") or after_name or in_family)


def _glued(tokens: list[_Token], family_box: bool = False) -> list[_Token]:
    """The tokens with "Mc", never a name alone, an Irish "O", the Irish particles, "Abd" (``_ABD``)
    and the Arabic article (see ``_opens_name``; ``family_box``: a last-name box, or a name with a
    comma) joined to the name they open, written apart ("Mary Mc Donald", "Sean O Brien", "Seán Ó
    Briain", "Mac Giolla", "Abdel Rahman", "Ahmed Al Hassan"), as "McDonald", "O'Brien", "MacGiolla",
    "Abdulrahman" and "Al-Hassan" read: the
    family name, not a middle name "o" before it. The text keeps its space: the display is what the
    source wrote."""
    glued: list[_Token] = []
    for raw, parts in tokens:
        if glued and parts and raw != "," and (
            glued[-1][1] == ("mc",) or (glued[-1][0] in ("O", "o") and parts[0] in _O_NAMES)
            or (len(glued[-1][1]) == 1 and glued[-1][1][0] in _ABD)
            or _opens_name(glued, raw, parts, family_box)
        ):
            before, prefix = glued.pop()
            raw, parts = f"{before} {raw}", (_abdul(prefix[0] + parts[0]), *parts[1:])
        glued.append((raw, parts))
    return glued


def _without_connectors(tokens: list[_Token], family_first: bool) -> list[_Token]:
    """The tokens without the connectors between a name and a father's name ("Muthu s/o Rajan"),
    nor one that leads a family name written first ("bin Aziz, Mohammed Rizal", a last-name box
    "binti Abdullah"): the father's name is read as the family name either way. A connector
    alone, or last, is left as a name ("Bin")."""
    return [
        t for i, t in enumerate(tokens)
        if not (t[0].lower() in _CONNECTORS and i < len(tokens) - 1 and (i > 0 or family_first) and tokens[i + 1][0] != ",")
    ]


# Dutch writes "van der" (or "van den", "van de") short: "J. v.d. Berg", "J. vd Berg", "J. v/d Berg".
_SHORT_VAN_DER = frozenset(("v.d.", "v.d", "vd", "vd.", "v/d"))


def _dutch_particles(tokens: list[_Token]) -> list[_Token]:
    """The tokens with "v.d." written in lower case before a family name, or after the given names
    behind a family name's comma, read as "van der", which opens the family name as in "Jan van der
    Berg" and "Berg, J. van der": "J. v.d. Berg" had the family name berg, "v d" its middles."""
    out: list[_Token] = []
    for i, token in enumerate(tokens):
        after_comma = any(raw == "," for raw, _ in tokens[:i])
        if token[0] in _SHORT_VAN_DER and i and (i < len(tokens) - 1 or after_comma):
            out.extend((("van", ("van",)), ("der", ("der",))))
        else:
            out.append(token)
    return out


# A Russian, Ukrainian or Belarusian patronymic as transliterated: Ivanovich, Sergeevna, Petrivna; and
# a family name's ending in Latin letters (Ivanov, Petrova, Shevchenko, Kovalchuk, Zelenskyi).
_PATRONYMIC = re.compile(r".{2,}(?:[oe]v(?:ich|ych|na)|ivna|ichna)$")
_EAST_SLAVIC_FAMILY = re.compile(r".{2,}(?:[oe]va?|[iy]na?|sk(?:y|iy|ii|yi|aya)|enko|[cy]?uk)$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _patronymic_last(tokens: list[_Token], parts: list[str]) -> bool:
    """ "Иванов Иван Иванович": family, given and patronymic, the order of an East Slavic form and
    passport, where "Иван Иванович Иванов" writes the family name last. Not when the middle word is
    the patronymic ("Roman Arkadyevich Abramovich", a family name of the same ending), nor in Latin
    letters after a first word of no East Slavic family name's ending ("Mary Anne Petrovich")."""
    return (len(tokens) == len(parts) == 3 and bool(_PATRONYMIC.match(parts[2]))
            and not _PATRONYMIC.match(parts[1])
            and bool(_CYRILLIC.search(tokens[0][0]) or _EAST_SLAVIC_FAMILY.match(parts[0])))


def _from_full(original: str | None, text: str) -> StdName:
    text = _without_notes(text)
    if _names_a_company(text):
        return _company(original)
    if korean := hangul_name(text):  # "김 민준" read given-first, as "Min Jun" written before "Kim" is
        return _result(original, " ".join(text.split()), korean[0], [], korean[1])
    if chinese := han_name(text):  # "王小明" as "Wang Xiaoming" reads
        return _result(original, " ".join(text.split()), chinese[0], [], chinese[1])
    tokens = _strip_comma_titles(_strip_titles(_mend_spaces(_tokens(text))))
    # Again after casing: a letter like "µ" folds differently once capitalised ("µr" → "Μr").
    tokens = _strip_titles(_recase(tokens, _single_case(tokens)))
    tokens = _glued(tokens, family_box=any(raw == "," for raw, _ in tokens))
    display = _display(tokens)
    tokens = _dutch_particles(_without_connectors(tokens, family_first=any(raw == "," for raw, _ in tokens)))
    parts = _parts(tokens)
    if not parts:
        return StdName(original, None, None, None, None, None, ("name_invalid",))
    if len(parts) == 1:
        return _result(original, display, None, [], parts[0], ("name_single_token",))
    split = _split_comma(tokens) or _split_capitals(tokens)
    if split:
        parsed = _order_parts(*split)
    elif _family_initial(parts, tokens[-1][0]) or _korean_family_first(tokens) or _east_asian_joined_given(tokens, parts):
        parsed = parts[0], [], parts[1]
    elif _east_asian_family_first(tokens, parts):
        parsed = parts[0], [parts[2]], parts[1]  # as "Wei Ming Tan" reads
    elif _english_name_first(tokens, parts):
        parsed = parts[1], [parts[2]], parts[0]  # "Peter Chan Tai-man": family chan, given peter
    elif _patronymic_last(tokens, parts):
        parsed = parts[0], [parts[2]], parts[1]  # as "Иван Иванович Иванов" reads
    elif _given_then_family_box(tokens, parts):
        parsed = _given_last(parts[-2], [parts[-1], *parts[:-2]])  # as "Nguyễn Thị Lan" reads
    else:
        parsed = _second_surname(
            parts, _with_particles(tokens, _order_sequence(parts)), _written_spanish(tokens))
    family, middles, given = _middle_written_last(parsed, tokens[-1][0])
    return _result(original, display, family, middles, given)


# Words that open a family name ("van der Berg", "de la Cruz", "dos Santos", "von Trapp"), as
# written in lower case; those that are no Vietnamese or Chinese name (Văn, Lê, Đỗ, Du) in any case.
# Filipino names join "de la" and "de los" ("Juan dela Cruz", "Delos Santos").
_PARTICLES = frozenset(
    "van von der den de del della dela delos da das dos ter ten zu la le do di du al el".split())
_SURE_PARTICLES = frozenset("von der den de del della dela delos da das dos ter ten zu".split())
# ... and two capitalised as often ("Ludwig Van Beethoven", "Omar Al Farouk"), read so outside
# Vietnamese names: "Van" is also Văn, their commonest middle name ("Hùng Van Tuấn").
_CAPITALISED_PARTICLES = frozenset("van al".split())


def _with_particles(tokens: list[_Token], parsed: tuple[str, list[str], str]) -> tuple[str, list[str], str]:
    """(family, middles, given) with the particles before a family name written last read into it,
    as "van der Berg, Jan" and a last-name box "van der Berg" read: "Jan van der Berg" is not Jan
    van der with the family name Berg."""
    family, middles, given = parsed
    run = 0
    while run < len(tokens) - 2 and len(tokens[-2 - run][1]) == 1 and tokens[-2 - run][1][0] in _PARTICLES:
        run += 1
    written = tokens[len(tokens) - 1 - run:-1]
    particles = [parts[0] for _, parts in written]
    if (not run or family != tokens[-1][1][-1] or family in VN_FAMILY_NAMES or middles[-run:] != particles
            or not (all(raw.islower() for raw, _ in written) or _SURE_PARTICLES.intersection(particles)
                    or _foreign_particles(written, _parts(tokens[:len(tokens) - 1 - run]), family))):
        return parsed
    return " ".join([*particles, family]), middles[:-run], given


def _foreign_particles(written: list[_Token], before: list[str], family: str) -> bool:
    """Capitalised "Van" or "Al" before a family name in a name that is no Vietnamese one: written
    without marks (Văn), the family name no Vietnamese syllable nor one mistyped, the names before
    them not all Vietnamese syllables ("Nguyen Van An", "An Van Nguyen" and "Hung Van Tuan" keep
    Văn as a middle name)."""
    vietnamese_before = _vietnamese(before) and any(len(p) > 1 for p in before)
    return (
        all(parts[0] in _CAPITALISED_PARTICLES and not _marked(raw) for raw, parts in written)
        and not (vietnamese_before or _VN_SYLLABLE.match(family) or _family_likeness(family)[0])
    )


# Chinese and English surnames that are also Vietnamese syllables when written without marks:
# "R. Tan", "S. Ang", "J. King" keep the initial as the given name.
_SYLLABLE_SURNAMES = frozenset(
    "tan lim ang sim chua chan chong chia teo tay lau neo chin kang pang phua tham heng leong"
    " king long lang may chen huang xu sun ma hu he gao lin luo liang song deng peng tian dong pan"
    " cai du cheng su lu ding li liu kim".split()
)


def _family_initial(parts: list[str], last_written: str) -> bool:
    """ "N. Hưng", "T. Quynh": an initial before a Vietnamese given name is the family name cut
    short, as "J. Smith" is a given name before a family name. A syllable written with Vietnamese
    marks is read so; one without, unless it is also a Chinese or English surname ("R. Tan")."""
    if len(parts) != 2 or len(parts[0]) != 1 or parts[1] in VN_FAMILY_NAMES:
        return False
    word = parts[1]
    return bool(_VN_RHYMED_SYLLABLE.match(word)) and (_marked(last_written) or word not in _SYLLABLE_SURNAMES)


# Korean family names as romanised; a Korean name is family-first with a hyphenated given name
# ("Lee Min-ho", "Park Ji-sung"), where a Western one with a hyphen leads with it ("Jean-Paul Roux").
_KOREAN_FAMILIES = frozenset(  # as a token's folded parts
    (name,) for name in
    "kim lee yi rhee park pak choi choe jung jeong chung kang cho jo yoon yun jang chang lim im han oh"
    " seo suh shin sin kwon hwang ahn song jeon jun hong yoo yu ryu ko go moon mun yang son sohn"
    " bae baek paek heo huh nam noh roh kwak gwak sung seong cha joo woo min jin um eom byun byeon chae".split()
)
_HYPHENS = frozenset("-\u2010\u2011")


def _korean_family_first(tokens: list[_Token]) -> bool:
    """ "Lee Min-ho": a Korean family name before a hyphenated given name."""
    return len(tokens) == 2 and tokens[0][1] in _KOREAN_FAMILIES and any(ch in _HYPHENS for ch in tokens[1][0])


# Chinese surnames as Singapore and Malaysia write them (Hokkien, Teochew, Cantonese, pinyin),
# those that are no Vietnamese family name (the Vietnamese order reads those first already).
_CHINESE_FAMILIES = frozenset(
    "tan lim lee ng goh chua chan koh teo ang yeo tay low toh sim chong chia seah lau yap foo leong teh"
    " liew khoo quek heng tee soh neo kwek wee poh chew chin chiang cheong loh phua pang yong chee kok"
    " lin wang zhang liu chen yang huang zhao zhou xu sun zhu guo gao luo zheng liang xie feng deng"
    " peng zeng xiao tian yuan cai jiang cheng shen yao zhong".split()
)
_EAST_ASIAN_FAMILIES = _CHINESE_FAMILIES | {name for (name,) in _KOREAN_FAMILIES}
# ... those that are no Vietnamese family name too: a name led or ended by one is no Vietnamese name.
_EAST_ASIAN_ONLY_FAMILIES = _EAST_ASIAN_FAMILIES - VN_FAMILY_NAMES
# ... and of them, those that end a given name at least as often ("Park Hyun Woo", "Kim Min Jun").
_GIVEN_SYLLABLE_FAMILIES = frozenset("woo min jin jun yu song".split())
# Short English given names that follow a first name ("Lee Ann Smith", "Chin Ann Marie").
_SECOND_GIVEN_NAMES = frozenset("ann anne marie mae may lou sue jo joy rose kay jean lynn beth grace".split())


# Hong Kong and Macau family names in Cantonese romanisation, those no other list above holds.
_CANTONESE_FAMILIES = frozenset(
    "wong cheung leung ho lai yip tsang kwok fung tse mak siu lo chow tam yeung hui au kwan chu chiu"
    " tong tsui choy cheng".split()
)


def _english_name_first(tokens: list[_Token], parts: list[str]) -> bool:
    """ "Peter Chan Tai-man", "Mary Tan Wei-ling": an English given name before a Chinese name written
    family-first with its given name hyphenated, as Hong Kong and Singapore write it. The hyphenated
    name was read as the family name; each of its pieces is a Chinese syllable ("Smith-Jones" is none)."""
    if len(tokens) != 3 or len(parts) != 3 or any(ch in _HYPHENS for ch in tokens[0][0] + tokens[1][0]):
        return False
    pieces = re.split("[-\u2010\u2011]", tokens[2][0])
    return (
        len(pieces) == 2
        and parts[1] in _EAST_ASIAN_FAMILIES | _CANTONESE_FAMILIES
        and all(_EAST_ASIAN_SYLLABLE.fullmatch(fold(piece) or "") for piece in pieces)
    )


def _english_given(word: str) -> bool:
    """A formal English given name, a nickname of one, or a short second given name ("Ann")."""
    return word in _FORMAL or word in _NICKNAME_GROUPS or word in _SECOND_GIVEN_NAMES


def _east_asian_family_first(tokens: list[_Token], parts: list[str]) -> bool:
    """ "Tan Wei Ming", "Lee Ji Eun": a Chinese or Korean surname before a two-syllable given name,
    as Singapore and Korea write names, where "Wei Ming Tan" puts it last. Not when the last word
    is as much a surname ("Min Ji Kim"), nor a Vietnamese name ("Tân Văn Nguyễn")."""
    if len(tokens) != 3 or len(parts) != 3:
        return False
    first, given, last = parts
    return (
        first in _EAST_ASIAN_ONLY_FAMILIES
        and (last not in _EAST_ASIAN_FAMILIES or last in _GIVEN_SYLLABLE_FAMILIES)
        and last not in VN_FAMILY_NAMES
        and not _mistyped_syllable(last)
        and not any(p in _MIDDLE_ONLY.values() or _english_given(p) or len(p) > 6 for p in (given, last))
        and not any(_marked(raw) for raw, _ in tokens)
    )


# A syllable of a Chinese or Korean given name as romanised ("wei", "hock", "jia", "hoon",
# "young", "seo"): an onset, a glide, one to three vowels, a final. English words mostly fail
# it twice over ("anderson", "hudson"); "mason" passes and reads as a given name after a surname.
_EAST_ASIAN_SYLLABLE = re.compile(
    r"(?:ch|sh|zh|ts|kh|hw|kw|ph|th|[bcdfghjklmnpqstxz])?[yw]?[aeiou]{1,3}(?:ng|ck|n|m|k|p|t|h|l)?"
)


def _two_east_asian_syllables(word: str) -> bool:
    """ "weihock", "jihoon", "seoyeon": two given-name syllables written as one word, the second
    with an onset of its own."""
    return len(word) <= 9 and any(
        _EAST_ASIAN_SYLLABLE.fullmatch(word[:i]) and _EAST_ASIAN_SYLLABLE.fullmatch(word[i:])
        and word[i] not in "aeiou"
        for i in range(1, len(word))
    )


def _east_asian_joined_given(tokens: list[_Token], parts: list[str]) -> bool:
    """ "Tay Weihock", "Lee Jihoon": a Chinese or Korean surname before a two-syllable given name
    written as one word, as "Tay Wei Hock" reads family-first; not an English name after it
    ("Lee Anne"), nor a second surname ("Goh Tan"), nor a Vietnamese name."""
    if len(tokens) != 2 or len(parts) != 2:
        return False
    first, given = parts
    return (
        first in _EAST_ASIAN_ONLY_FAMILIES
        and given not in _EAST_ASIAN_FAMILIES
        and _two_east_asian_syllables(given)
        and not _english_given(given)
        and not any(_marked(raw) for raw, _ in tokens)
    )


def spacing_key(name: StdName) -> str | None:
    """The name without its spaces, for one written with them elsewhere ("Nguyen Vanan"): the
    family name, then the other names in the order they are written, so a given name written
    in two words and one hyphenated agree. A Vietnamese name writes its middle names before the
    given name ("nguyenvanan"); others write them after it ("Jean Pierre Dupont", "Jean-Pierre
    Dupont" and "Dupont, Jean Pierre" are all "dupontjeanpierre"). A Chinese or Korean given name
    of two syllables keeps their written order after the family name, in whichever order the
    name was written or however its given name was spaced ("Tay Wei Hock", "Wei Hock Tay",
    "Weihock Tay" and "Tay Weihock" are all "tayweihock"): its second syllable is read as a
    middle name."""
    if not name.folded:
        return None
    family, middles, given = name.family, name.middles, name.given
    if family and middles and given and (
        (family in _EAST_ASIAN_ONLY_FAMILIES and " " not in middles and not _marked(name.display or ""))
        or not _reads_vietnamese(name.folded.split(), family.split())
    ):
        return family.replace(" ", "") + given + middles.replace(" ", "")
    return name.folded.replace(" ", "")


def _reads_vietnamese(words: list[str], family: list[str]) -> bool:
    """A name of Vietnamese syllables, or one led by a Vietnamese family name (mistyped or not)."""
    return _vietnamese(words) or (family[0] in VN_FAMILY_NAMES and _vietnamese(family)) or bool(
        _family_likeness(family[0])[0])


def word_parts(name: StdName) -> str | None:
    """The name's words and the parts of its hyphenated ones, sorted: a double-barrelled family
    name is one word joined ("Davis-Yarwell": davisyarwell), and the same person's records cut it
    to one part ("Jenny Yarwell") or write a Korean given name in two ("Young-ho Kim", "Kim Young
    Ho"). With the parts, either is a name within the other."""
    if not name.folded:
        return None
    words = set(name.folded.split())
    for raw in (name.display or "").split():
        if "-" in raw.strip("-"):
            words.update((fold(raw) or "").split())
    return " ".join(sorted(words))


def name_from_email(name: StdName, email_key: str | None) -> StdName:
    """The name completed by what its holder's e-mail spells. A form with one box for the name, or
    a clerk in a hurry, leaves the middle name out or cuts a name to an initial ("Nguyễn Nghĩa",
    "Nguyễn V. An", "M. Robinson", "Vy H."); the address the customer chose often writes it whole
    (nguyengianghia90@, nguyenvanan@, margaret_robinson@, hoangthivy@). Read only where the
    address's letters are the name's own around the missing part, which starts with the initial."""
    if (not (email_key and name.family and name.given) or " " in name.family
            or (name.middles is not None and len(name.middles) > 1)):
        return name
    letters = "".join(_LETTER.findall(email_key.partition("@")[0]))
    family, given, middles = name.family, name.given, name.middles
    if len(family) > 1 and len(given) > 1:
        middles = next((rest for rest, _ in _beside(letters, family, given)
                        if 2 <= len(rest) <= 8 and rest.startswith(middles or "")), middles)
    elif len(given) == 1 and len(family) > 1 and middles is None:
        for rest, at_start in _beside(letters, family):
            # "Hòa P." with phamquanghoa@: a Vietnamese given name written first, its family name cut.
            written_family = _VN_SYLLABLE.match(family) and _vn_family_in(rest, at_start, given)
            if written_family:
                family, given, middles = written_family[0], family, written_family[1]
                break
            if len(rest) <= 12 and rest.startswith(given) and (
                    family not in VN_FAMILY_NAMES or _VN_SYLLABLE.match(rest)):
                given = rest
                break
    elif len(family) == 1 and len(given) > 1 and middles is None:
        for rest, at_start in _beside(letters, given):
            written_family = _vn_family_in(rest, at_start, family)
            if written_family:
                family, middles = written_family
                break
            if len(rest) <= 12 and rest.startswith(family):
                family = rest
                break
    if (family, given, middles) == (name.family, name.given, name.middles):
        return name
    folded = " ".join(part for part in (family, middles, given) if part)
    return StdName(name.original, name.display, folded, family, given, middles, (*name.flags, "name_from_email"))


def _beside(letters: str, first: str, last: str = "") -> list[tuple[str, bool]]:
    """What the letters hold between `first` and `last` written in either order, when that has a
    vowel; and whether that part stands at the start of the letters."""
    found = []
    for head, tail in ((first, last), (last, first)):
        if letters.startswith(head) and letters.endswith(tail) and len(letters) > len(head) + len(tail):
            rest = letters[len(head):len(letters) - len(tail)]
            if _VOWEL.search(rest):
                found.append((rest, not head))
    return found


def _vn_family_in(rest: str, at_start: bool, initial: str) -> tuple[str, str | None] | None:
    """The Vietnamese family name of that initial and the middle name an e-mail writes beside the
    given name, family first ("hoangthi" + vy) or last (giang + "kimnguyen")."""
    for family in _VN_FAMILIES_LONGEST_FIRST:
        if family[0] != initial or not (rest.startswith(family) if at_start else rest.endswith(family)):
            continue
        middle = rest[len(family):] if at_start else rest[:len(rest) - len(family)]
        if not middle:
            return family, None
        if 2 <= len(middle) <= 8 and _VOWEL.search(middle):
            return family, middle
    return None


def _marked(raw: str) -> bool:
    """Written with diacritics ("Hưng", "Đức")."""
    return "đ" in raw.lower() or any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", raw))


# The tone of "oa", "oe" and "uy" ending a syllable, written on its first vowel ("Hòa", "Thúy") or,
# in the older style, on its second ("Hoà", "Thuý"): one name either way. After "q" the "u" is the
# consonant's ("Quý"), and the tone is on the second vowel in both.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # combining: grave, acute, tilde, hook above, dot below
_OLD_STYLE_TONE = re.compile(f"(?<!q)(o[ae]|uy)([{TONE_MARKS}])$")


def written_given(name: StdName) -> str | None:
    """The given name as written, lower case with its diacritics and its tone placed in the newer
    style, where the name is written with diacritics: "Hùng" and "Hưng" fold alike to "hung" but
    are two names (so are "Lân" and "Lan" in names written with marks). None for a name written
    without them ("NGUYEN VAN HUNG" may be either), or whose written words do not show its given
    name (read from an e-mail, typed with Telex keys)."""
    if not name.given or not name.display or not _marked(name.display):
        return None
    written = {_newer_tone_style(raw) for raw, parts in _tokens(name.display) if parts == (name.given,)}
    return written.pop() if len(written) == 1 else None


def _newer_tone_style(raw: str) -> str:
    letters = "".join(ch for ch in raw.lower() if ch.isalpha() or unicodedata.combining(ch))
    word = unicodedata.normalize("NFD", letters)
    return unicodedata.normalize("NFC", _OLD_STYLE_TONE.sub(lambda m: m[1][0] + m[2] + m[1][1], word))


def _boxes_swapped(family_part: list[str], given_part: list[str]) -> bool:
    """ "Nguyễn" typed as the first name and "Văn An" as the last name (or "Nguyeen", "Phsn":
    a family name mistyped into no syllable, before a Vietnamese last-name box)."""
    if len(given_part) != 1 or not family_part or family_part[0] in _STRONG_VN_FAMILY:
        return False
    head = given_part[0]
    if head in _STRONG_VN_FAMILY:
        return True
    # A mistyped one only before a Vietnamese last-name box, and one key off only before two
    # names or more: "Lee | Zogopoulos" and "Adam | Yu" stay.
    if not _vietnamese(family_part):
        return False
    return _telex_family(head) is not None or (_mistyped_syllable(head) and len(family_part) > 1)


def _given_names_only(parts: list[str]) -> bool:
    """A first-name box, the last-name box empty, that holds a Vietnamese middle and given name
    ("Thanh Long", "Thị Khánh"), not a whole name: no family name leads or ends it."""
    return (
        len(parts) > 1
        and _vietnamese(parts)
        and parts[0] not in VN_FAMILY_NAMES
        and parts[-1] not in _STRONG_VN_FAMILY
        and not any(_mistyped_syllable(p) for p in (parts[0], parts[-1]))
    )


def _from_parts(original: str, first: str | None, last: str | None) -> StdName:
    """Separate first/last fields; a lone field is parsed as a full name unless it is one surname."""
    written = " ".join(filter(None, (last, first)))
    if korean := hangul_name(written):  # in Hangul the script tells the family name, in whichever box
        return _result(original, written, korean[0], [], korean[1])
    if chinese := han_name(written):  # the family box's characters, then the given box's
        return _result(original, written, chinese[0], [], chinese[1])
    # In a box only the case shows a slipped space: "sachi n" may be an initial.
    family_tokens = [t for t in _mend_spaces(_tokens(last or ""), by_syllables=False) if t[0] != ","]
    given_tokens = [t for t in _mend_spaces(_tokens(first or ""), by_syllables=False) if t[0] != ","]
    if len(family_tokens) > 1 and family_tokens[-1][1][-1] in _SUFFIXES:
        family_tokens = family_tokens[:-1]
    # Any title may lead the first-name box: the given name is its last token either way.
    while len(given_tokens) > 1 and (given_tokens[0][1][0] in _ALL_HONORIFICS
                                     or _is_academic(given_tokens[0])):
        given_tokens = given_tokens[1:]
    title = _single_case(family_tokens + given_tokens)
    family_tokens, given_tokens = (
        _glued(_recase(family_tokens, title, tuple(given_tokens)), family_box=True),
        _glued(_recase(given_tokens, title, tuple(family_tokens))))
    family_part, given_part = _parts(_without_connectors(family_tokens, family_first=True)), _parts(given_tokens)
    if _boxes_swapped(family_part, given_part):
        family_tokens, given_tokens = given_tokens, family_tokens
        family_part, given_part = given_part, family_part
    if not given_part:
        if len(family_part) == 1:
            return StdName(
                original,
                _display(family_tokens),
                family_part[0],
                family_part[0],
                None,
                None,
                ("name_single_token",),
            )
        return _from_full(original, last or "")
    if not family_part:
        if _given_names_only(given_part):
            family, middles, given = _middle_written_last(_given_last(None, given_part), given_tokens[-1][0])
            return _result(original, _display(given_tokens), family, middles, given)
        return _from_full(original, first or "")
    family, middles, given = _middle_written_last(_order_parts(family_part, given_part), given_tokens[-1][0])
    if _vietnamese_family(family_part, given_part):
        display = _display(family_tokens + given_tokens)
    elif len(family_part) == 1:
        display = _display(given_tokens + family_tokens)
    else:  # "Smith Jones, Ann" re-parses to the same family name
        display = _display(family_tokens + [(",", ())] + given_tokens)
    return _result(original, display, family, middles, given)


# Written with a name, about the person, not part of the name: "Alan Smith (deceased)", "DECEASED
# Alan Smith", "The Estate of Alan Smith", "Nguyễn Văn An (đã mất)".
_DECEASED = re.compile(
    r"(?i)[(\[]?\s*\b(?:deceased|dec'd|decd|đã mất|đã qua đời)(?!\w)\s*[)\]]?"
    r"|^\s*(?:the\s+)?estate\s+of\s+"
)
# "c/o": whom the mail goes through, another person than the customer.
_CARE_OF = re.compile(r"(?i)(?:^|\s)c/o(?:\s|$)")
# Between two people in one name: "Nguyễn Văn An & Trần Thị Bình", "Alan and Jane Smith".
_TWO_PEOPLE = re.compile(r"(?i)\s+(?:and|và|\+)\s+|\s*&\s*")
# A couple's titles written as one: "Ông bà Nguyễn Văn An", "Anh/chị Lan", "Mr/Mrs Smith".
# A title before them is read as theirs ("Ông Ông Bà Văn" left "Ông Bà Văn", a couple read again).
_COUPLE = re.compile(
    r"(?i)^\s*(?:(?:ông|bà|anh|chị|mr|mrs)\.?\s+)*(?:ông\s*/?\s*bà|anh\s*/?\s*chị|mr\.?\s*/\s*mrs)\.?\s+"
)


def _one_person(text: str) -> tuple[str, tuple[str, ...]]:
    """The name of the one person ``text`` names, and flags for what else it held: a field naming
    two people is matched on the first, as a phone or e-mail field holding two is (name_multiple);
    a note that the person died is left out (name_deceased), and so is a "c/o" name (name_care_of).
    A company's name is left whole ("Smith & Sons Ltd")."""
    if _names_a_company(text):
        return text, ()
    flags = []
    text, deceased = _DECEASED.subn(" ", text)
    if deceased:
        flags.append("name_deceased")
    care_of = _CARE_OF.search(text)
    if care_of:
        text = text[: care_of.start()]
        flags.append("name_care_of")
    text, couple = _COUPLE.subn("", text)
    if couple:
        flags.append("name_multiple")
    halves = _TWO_PEOPLE.split(text, maxsplit=1)
    if len(halves) == 2:
        first, second = (_parts(_tokens(h)) for h in halves)
        if first and second and not couple:
            flags.append("name_multiple")
            text = _first_of_two(halves[0], first, halves[1], second)
    return text, tuple(flags)


def _first_of_two(written: str, first: list[str], rest: str, second: list[str]) -> str:
    """The first of two people: "Mr and Mrs Smith" names the family, "Alan & Jane Smith" Alan Smith
    (their family name written once, after a given-first name), else the first half is the name."""
    if all(p in _ALL_HONORIFICS for p in first):
        return rest
    if len(first) == 1 and len(second) > 1 and second[0] not in VN_FAMILY_NAMES:
        return f"{written} {[raw for raw, parts in _tokens(rest) if parts][-1]}"
    return written


def standardise_name(
    full_name: str | None, first_name: str | None = None, last_name: str | None = None
) -> StdName:
    """Standardise a person's name; first/last are used only when full_name is blank."""
    text = nfc_clean(full_name)
    if text is not None:
        text, flags = _one_person(text)
        flags = (*flags, *("name_arabic_script",) * bool(_ARABIC_LETTER.search(text)))
        return _flagged(_from_full(full_name, text) if text.strip() else _no_name(full_name), flags)
    first, last = nfc_clean(first_name), nfc_clean(last_name)
    given_parts = [str(p) for p in (first_name, last_name) if p is not None]
    original = " ".join(given_parts) if given_parts else full_name
    if first is None and last is None:
        return StdName(original, None, None, None, None, None, ())
    if _names_a_company(" ".join(filter(None, (first, last)))):
        return _company(original)
    first, first_flags = _one_person(first) if first else (None, ())
    last, last_flags = _one_person(last) if last else (None, ())
    first, last = (nfc_clean(box) if box else None for box in (first, last))
    flags = tuple(dict.fromkeys((*first_flags, *last_flags)))
    flags = (*flags, *("name_arabic_script",) * bool(_ARABIC_LETTER.search(f"{first} {last}")))
    named = _from_parts(original or "", first, last) if first or last else _no_name(original)
    return _flagged(named, flags)


def _no_name(original: str | None) -> StdName:
    return StdName(original, None, None, None, None, None, ())


def _flagged(name: StdName, flags: tuple[str, ...]) -> StdName:
    return replace(name, flags=(*name.flags, *flags)) if flags else name
