"""Street addresses, postcodes and countries (cities: mdm/standardise/cities.py).

Vietnamese addresses abbreviate administrative words freely ("Q.1", "quận 01", "P. Bến Nghé",
"TP.HCM"): one canonical word each makes the same address compare equal across sources.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType

from mdm.standardise.text import fold, nfc_clean, to_ascii_lower, whole_number


@dataclass(frozen=True, slots=True)
class StdAddress:
    original: str | None
    normalised: str | None
    house_number: str | None
    street: str | None
    flags: tuple[str, ...]


# One word per street type, however a country, a language or a form writes it: the abbreviations of
# Australia Post, Royal Mail and USPS Publication 28, German "Str."/"Straße", Dutch "straat", French
# "av." and Spanish "avda". Languages that share an abbreviation share the word ("str" is German, Dutch
# and English; "av" French, Spanish and English); French "rue" and Spanish "calle" keep theirs, as a
# longer word the streets of a town share would make their Jaro-Winkler alike.
_STREET_TYPES = (
    ("street", "st str strasse straat"),
    ("avenue", "ave av avenida avda"),
    ("road", "rd"),
    ("boulevard", "blvd bvd"),
    ("lane", "ln"),
    ("highway", "hwy"),
    ("drive", "dr"),
    ("place", ""),  # "pl" before a word (_canonical_tokens): "PL-00-950" is a Polish postcode
    ("court", "ct crt"),
    ("crescent", "cres"),
    ("parade", "pde"),
    ("terrace", "tce ter"),
    ("close", "cl"),
    ("gardens", "gdns"),
    ("way", "wy"),
    ("circuit", "cct"),
    ("heights", "hts"),
    ("square", "sq"),
    ("parkway", "pkwy"),
    ("circle", "cir"),
    ("esplanade", "esp"),
)
# Abbreviations that always mean one word.
_ABBREVIATIONS = MappingProxyType(
    {
        "q": "quan",
        "p": "phuong",
        "tp": "thanh pho",
        "tx": "thi xa",
        "tt": "thi tran",
        "kp": "khu pho",
        "tdp": "to dan pho",
        "kdc": "khu dan cu",
        "kcn": "khu cong nghiep",
        "fl": "floor",
        "bldg": "building",
        "blk": "block",
        # One apartment, unit, flat or suite: countries and forms name it differently.
        "apt": "unit",
        "apartment": "unit",
        "flat": "unit",
        "suite": "unit",
        "ste": "unit",
        # English renderings of Vietnamese units: "District 5, Ward 4" is "Quận 5, Phường 4".
        "district": "quan",
        "dist": "quan",
        "ward": "phuong",
        "hcm": "ho chi minh",
        "hcmc": "ho chi minh",
        "tphcm": "thanh pho ho chi minh",
        "tphn": "thanh pho ha noi",
        **{variant: word for word, variants in _STREET_TYPES for variant in variants.split()},
        # A street type's word written in two ways: Russian "ulitsa" is Polish "ulica"; Turkish with its
        # possessive ending or without ("Cadde", "Caddesi"), or shortened ("Cad.", "Sok.", "Blv.").
        "ulitsa": "ulica",
        "cadde": "caddesi",
        "cad": "caddesi",
        "sokagi": "sokak",
        "sok": "sokak",
        "bulvar": "bulvari",
        "bul": "bulvari",
        "blv": "bulvari",
        "mahalle": "mahallesi",
        # Greek "Λεωφ."/"Λεωφόρος" (an avenue), folded as Greek passports write it; "οδός" (street)
        # is a word of its own.
        "leof": "avenue",
        "leoforos": "avenue",
    }
)
# Single letters that are an abbreviation only before a name ("Đ. Lê Lợi", "H. Củ Chi", "X. Tân Phú");
# elsewhere they are block or unit letters.
_BEFORE_WORD = MappingProxyType({"d": "duong", "h": "huyen", "x": "xa"})
# "Th." begins a part as a hamlet's word ("Th. Đông, X. Tân Phú" is thôn Đông); within one it is a
# shortened Thị ("Nguyễn Th. Minh Khai"), and "TH" without its dot a primary school (tiểu học).
_HAMLET = re.compile(r"(^|,)\s*th\.(?=\s*[a-z0-9])")
# "Ng. 12" is ngõ 12, but "Ng. Trãi" is a shortened Nguyễn.
# Turkish "Kat 2" is floor 2, "Daire 3" flat 3 ("D:3" too, _TURKISH_FLAT).
# French "app."/"appartement" and "bureau" (an office) are a unit ("1234, rue Saint-Denis, app. 5"), Spanish
# "piso" a floor (as "piso 3, puerta B" after the house is, _SPANISH_FLOOR); "Rue du
# Bureau" is a street.
_BEFORE_NUMBER = MappingProxyType({"ng": "ngo", "f": "phuong", "u": "unit", "kat": "floor", "daire": "unit",
                                   "app": "unit", "appartement": "unit", "bureau": "unit", "piso": "floor"})
_TURKISH_FLAT = re.compile(r"\bd\s*:\s*(?=\d)")
_NUMBERED = frozenset(("quan", "phuong"))
# Street types that are other words elsewhere: only where a street's type stands, first or after the
# house number and before a name ("12 bd Voltaire", "r. de Rivoli"); "Thuận An, BD" is Bình Dương.
# Words other languages write for one ("Rua" is "rue"; "Plaza" and "Plac", as "Pl.", "place") are
# read there too: "Hồ Con Rùa" is a lake, "Westfield Plaza" a shopping centre.
_BEFORE_STREET_NAME = MappingProxyType(
    {
        "bd": "boulevard", "boul": "boulevard", "r": "rue", "rua": "rue", "pza": "place", "plaza": "place",
        "plac": "place", "trav": "travessa", "ul": "ulica", "prosp": "prospekt",
    }
)
# Spanish "C/ Mayor" (calle), but not "c/o" (care of) nor a house's "12/C".
_CALLE = re.compile(r"(?<![a-z0-9/])c/(?!o\b)(?=\s*[a-z])")
# Street types written before the street's name, shortened with a dot: Italian ("V.le", "P.zza",
# "C.so", "L.go"), Spanish ("C.", "Pza."), Portuguese ("Tv."), Polish ("ul.", "al."), Russian
# ("ул.", "пр-т", "просп.", "пер."), French ("boul."): one word each, read only where a street's
# type stands, opening the address or one of its parts, after a house number or none, and before a
# word. The one letter, or one that is a word too, needs its dot and a space: "V" is a Roman numeral
# ("Pio V"), "C" an initial ("C.ty", công ty), "Per" a name ("Per Albin Hanssons väg"), "Al"
# Arabic's article ("Al Wasl Road"). Without a dot, they are read as words (_BEFORE_STREET_NAME).
_TYPES_FIRST = MappingProxyType(
    {
        "v.": "via", "c.": "calle", "tv.": "travessa", "al.": "aleja", "per.": "pereulok",
        "v.le": "viale", "p.za": "piazza", "p.zza": "piazza", "c.so": "corso", "l.go": "largo",
        "pza.": "place", "trav.": "travessa", "ul.": "ulica", "pr-t": "prospekt", "prosp.": "prospekt",
        "boul.": "boulevard",
    }
)
_WORDS_TOO = frozenset(("v.", "c.", "tv.", "al.", "per."))
_TYPE_FIRST = re.compile(
    r"(^|,)(\s*(?:\d+[a-z]?\s*,?\s*)?)(?:({})[\s,]+|({})(?![a-z])[\s,]*)(?=[a-z])".format(
        "|".join(re.escape(short) for short in _TYPES_FIRST if short in _WORDS_TOO),
        "|".join(re.escape(short) for short in _TYPES_FIRST if short not in _WORDS_TOO),
    )
)
# Spanish "Pº" (paseo), read before the ordinal's sign folds to "o" ("Po" is Italy's river: "Via Po").
_PASEO = re.compile(r"(?i)\bp\.?\s*[º°]\.?(?=\s*\w)")
# A Spanish floor and door after the house ("Calle Mayor 5, 3º B", "3º 2ª", "bajo izda", "piso 3, puerta
# B"), read before the ordinal's sign folds: a floor, then a unit of a letter or number, or the left or
# right door. A slash that ends the address goes as later steps drop it ("12 bajo c/" is "12 bajo c").
_DOOR = (r"(?:\s*-?\s*(?:(\d{1,2})\s*ª|([a-z])\b|(izda|izq|izqda|izquierda)|(dcha|dcho|drcha|derecha))\.?"
         r"|[\s,]+(?:puerta|pta\.?)\s*(\d{1,2}|[a-z])\b)?")
_SPANISH_FLOOR = re.compile(
    rf"(?i)(?:(\d{{1,2}})\s*[º°]|(?<=\d)[\s,]+(bajo)\b|(?<=\d)[\s,]+piso\s+(\d{{1,2}})){_DOOR}"
    r"(?=\s*(?:,|/?\s*$))"
)


def _spanish_floor(floor: re.Match[str]) -> str:
    """The door first: a unit's letter before a floor's number ("unit b floor 3"), as a letter after
    it would take the number after (a postcode's, "unit b 28013") as its own."""
    number, _, piso, door_number, letter, left, right, puerta = floor.groups()
    number, door_number = number or piso, door_number or puerta
    door = (f"unit {door_number or letter}" if door_number or letter
            else "izquierda" if left else "derecha" if right else "")
    return f" {door} floor {number or 0} "


# Russian words before a number, read in Cyrillic before transliteration ("ул. Ленина, д. 5, кв. 12"):
# дом (a house) is its number's "No", as "Cad. No:5" is; квартира a flat; корпус and строение a
# building of the house ("к. 2", "стр. 1"), where "стр" would be read "str", a street.
_RUSSIAN_NUMBER_WORDS = MappingProxyType({
    "д": "no", "дом": "no", "кв": "unit", "квартира": "unit", "к": "block", "корп": "block",
    "корпус": "block", "стр": "building", "строение": "building",
})
_RUSSIAN_NUMBER = re.compile(rf"(?i)(?<!\w)({'|'.join(_RUSSIAN_NUMBER_WORDS)})(?:\.\s*|\s+)(?=\d)")


# A German or Dutch street type written into the street's name ("Bahnhofstr.", "Kalverstraat"): one
# ending, kept in the one word, so that "Bahnhofstraße 5" and "Goethestraße 5" share no word but the 5.
_COMPOUND_STREET = re.compile(r"^([a-z]{3,})(?:strasse|straat|str)$")
# The type hyphenated to the name ("Bahnhof-Straße", "Karl-Marx-Str.") joins the word before it, as in
# "Bahnhofstraße". Written apart it stays a word: German "strasse" after a name and before a number, where
# no number comes before it ("Berliner Str. 7", "Berliner Straße, 10115 Berlin"); else "street": "367
# Nguyen Trai Str." is Vietnamese written in English. English "Street" is never German: "Tampines Street
# 81" names a street by its number.
_GERMAN_STREET_TYPE = frozenset(("str", "strasse", "straat"))
# An umlaut written out in a street's name ("Muellerstrasse" for "Müllerstraße", which folds to
# "mullerstrasse"): first or after a consonant other than q, so "Bauerstraße", "Neuestraße" and
# "Quellenstraße" keep theirs. Only in a name one word with its type: person names and other
# languages' words ("Manuel", "Dueñas") are left alone.
_WRITTEN_UMLAUT = re.compile(r"(?:^|(?<=[bcdfghjklmnprstvwxyz]))([aou])e")
# "q1", "p12", "f5", "u16" (an Australian unit), "kp2" (khu phố)
_GLUED = re.compile(r"^(q|p|f|u|kp)(\d+)$")
_JOINED_NUMBER = re.compile(r"(\d)\s*([/-])\s*(?=\d)")  # "12 / 3" → "12/3", "45 - 47" → "45-47"
_ADDRESS_TOKEN = re.compile(r"[a-z0-9]+(?:[/-][a-z0-9]+)*")
# A house number may have a letter ("12a") or, in French, Italian and Spanish, "bis", "ter" or "quater"
# (the second, third, fourth house of one number: "12 bis rue de la Paix", written "12bis" too).
_HOUSE_NUMBER = re.compile(r"^\d+(?:[a-z]|bis|ter|quater)?(?:[/-]\d+[a-z]?)*$")
_REPEAT_SUFFIX = re.compile(r"\b(\d+) (bis|ter|quater)\b(?=[\s,]+[a-z])")  # "12 bis, rue" → "12bis, rue"
_NUMBER_JOINER = re.compile(r"[/-]")
# Where the house number follows the street (German, Dutch, Nordic, Spanish, Italian): after a street
# named in one word with its type ("Hauptstraße 5", "Keizersgracht 123", "Strandvej 5"), or after a street
# whose first word is its type ("Calle Mayor, 12", "Via Roma 10"). Numbers of at most three digits,
# so that the postcode of "Hauptstraße, 10115 Berlin" is none; English "Street" and "Avenue" after a
# name are left alone: "Tampines Street 81" is a street's name.
# The same types written apart from their name read the number after them too ("Berliner Straße 7",
# "Lange Laan 12", "Oude Gracht 5"); no language this service reads writes these words otherwise.
_STREET_TYPES_NAME_FIRST = frozenset(
    "strasse gasse weg platz allee damm ufer chaussee gracht laan plein kade singel dijk gatan vagen vej gade"
    " veien".split()
)
_NAMED_STREET = re.compile(rf"^[a-z]{{2,}}(?:{'|'.join(sorted(_STREET_TYPES_NAME_FIRST))})$")
_STREET_TYPE_FIRST = frozenset(
    "calle avenue boulevard rue via viale piazza corso largo rua praca place paseo carrer travessa ulica"
    " aleja prospekt pereulok odos".split()
)
# "St" and "Ste" after a street's type that comes first are Saint and Sainte ("Rue St-Denis", "Ave
# Ste-Catherine"), not a second type; "Main St" is a street.
_SAINTS = MappingProxyType({"st": "saint", "ste": "sainte"})
# Vietnam's wards, districts, towns and cities, too large to be where one lives: an address that begins
# with one names no street (the address comparison's "names only an area" level, mdm/linking/comparisons.py).
# Not a commune ("xa": "Xa lộ Hà Nội" is a highway) nor the small areas below: a hamlet, a residential group
# or a quarter of some hundred households is where many a rural address ends, and is evidence.
AREA_WORDS = ("phuong", "quan", "huyen", "thi tran", "thi xa", "thanh pho")
# A number after any Vietnamese area's word is that area's ("bd Q. 12", "bd TP 12", "bd Tổ 12"), never a
# house's: the large areas, a commune, and the small ones: a quarter (khu phố), a residential group (tổ,
# tổ dân phố), a hamlet (ấp, thôn, xóm). Folded, "tổ" is English "to"; it is read only as the last word of
# a street whose type comes first, before a number ("Calle Mayor to 12"), where none of the languages
# that write a street's type first writes "to" ("12 Road to Nowhere" keeps its house).
_AREA_BEFORE_NUMBER = re.compile(
    rf"\b(?:{'|'.join((*AREA_WORDS, 'xa', 'khu pho', 'to', 'to dan pho', 'ap', 'thon', 'xom'))})$"
)
# A number after a floor's, unit's, block's or room's word is theirs, not the house's ("Calle Mayor,
# Floor 3", "Avenida Paulista, Apt 12", "Rue de Rivoli, Bloc B 4", "Rue de Rivoli, Tầng 3"); apartment,
# flat and suite are "unit" by now. A block's letter may stand between. Folded, "phòng" and "tầng" are
# the names Phong and Tăng too: read as these words only there. Italian "piano" (a floor) is left out:
# "Via del Piano 5" is a street.
_UNIT_WORDS = "floor|level|unit|block|room|bloc|etage|piso|apto|tang|lau|phong|can ho"
_UNIT_BEFORE_NUMBER = re.compile(rf"\b(?:{_UNIT_WORDS})(?: [a-z])?$")
# A unit written before its street ("Flat 2, 10 Downing Street", "Level 5, 1 Martin Place", "Flat 2,
# Block B, 10 ..."): each unit's word and its number or letter, or both ("bloc b 4").
_UNITS = re.compile(rf"(?:(?:{_UNIT_WORDS})(?: (?:[a-z]|\d+[a-z]?(?:[/-]\d+[a-z]?)*)){{1,2}} ?)+")
_TRAILING_NUMBER = re.compile(r"^\d{1,3}[a-z]?(?:[/-]\d{1,3}[a-z]?)*$")
_NUMBER_WORDS = frozenset(("so", "no", "number"))
_ALLEY_WORDS = frozenset(("hem", "kiet"))  # Sài Gòn's and Đà Nẵng's word for an alley


def _fold_written_umlauts(word: str) -> str:
    while (folded := _WRITTEN_UMLAUT.sub(r"\1", word)) != word:  # "büe" written "buee" folds twice
        word = folded
    return word


def _address_tokens(text: str) -> list[str]:
    """Folded tokens; '/' and '-' survive only inside house numbers ("12/3", "45-47")."""
    tokens: list[str] = []
    text = _CALLE.sub("calle ", _JOINED_NUMBER.sub(r"\1\2", text.replace("'", "")))
    text = _REPEAT_SUFFIX.sub(r"\1\2", text)
    for token in _ADDRESS_TOKEN.findall(text):
        pieces = [token] if _HOUSE_NUMBER.match(token) else _NUMBER_JOINER.split(token)
        for j, piece in enumerate(pieces):
            piece = _COMPOUND_STREET.sub(r"\1strasse", piece)
            if piece in _GERMAN_STREET_TYPE and j and tokens[-1].isalpha() and len(tokens[-1]) >= 3:
                piece = tokens.pop() + "strasse"
            if piece.endswith("strasse"):
                piece = _fold_written_umlauts(piece)
            glued = _GLUED.match(piece)
            tokens.extend(glued.groups() if glued else (piece,))
    return tokens


# Turkish street types and the quarter's (mahalle, before the street) in two letters are other words too:
# "Cd." is Mexico's ciudad ("Cd. Juárez"), "SK" Saskatchewan or Slovakia, "MH" Maharashtra ("Pune, MH
# 411001"), and "Mah" a family name. Read only where the street's type stands: before the house's "No",
# or after a word and before a house number ("Gül Sk. 3"), or after a name that a house number opens
# ("3 Gül Sk."); a quarter before a Turkish street's type ("Cumhuriyet Mh. Gül Sk.").
_TURKISH_TYPES = MappingProxyType({"cd": "caddesi", "sk": "sokak", "mah": "mahallesi", "mh": "mahallesi"})
_STREET_TYPE_WORDS = frozenset(word for word, _ in _STREET_TYPES)
# Turkish street types, written after the street's name and before its house number ("Atatürk Cad. 5").
_TURKISH_STREET_TYPES = frozenset(("caddesi", "sokak", "bulvari"))
_ANY_STREET_TYPE = frozenset((*_STREET_TYPE_WORDS, *_STREET_TYPE_FIRST, *_STREET_TYPES_NAME_FIRST,
                              *_TURKISH_STREET_TYPES, *_BEFORE_STREET_NAME, *_BEFORE_STREET_NAME.values()))


def _turkish_type(tokens: list[str], i: int) -> bool:
    """Whether the Turkish type ``tokens[i]`` stands where a street's type does."""
    following = tokens[i + 1 : i + 2]
    if tokens[i] in ("mah", "mh"):
        return any(_ABBREVIATIONS.get(later, later) in _TURKISH_STREET_TYPES or later in ("cd", "sk")
                   for later in tokens[i + 1 :])
    if following and following[0] in _NUMBER_WORDS:
        return True
    if not tokens[i - 1].isalpha():
        return False
    if following and _TRAILING_NUMBER.match(following[0]):
        return True
    name = i
    while (name > 0 and tokens[name - 1].isalpha()
           and _ABBREVIATIONS.get(tokens[name - 1], tokens[name - 1]) not in _ANY_STREET_TYPE):
        name -= 1
    return name == 1 < i and _HOUSE_NUMBER.match(tokens[0]) is not None


def _canonical_tokens(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (token in _GERMAN_STREET_TYPE and i and tokens[i - 1].isalpha() and _HOUSE_NUMBER.match(following)
                and not any(earlier[0].isdigit() for earlier in tokens[:i])):
            token = "strasse"
        elif token in _SAINTS and out and out[-1] in _STREET_TYPE_FIRST and following.isalpha():
            token = _SAINTS[token]
        elif token in _ABBREVIATIONS:
            token = _ABBREVIATIONS[token]
        elif token == "pl" and not following[:1].isdigit():
            token = "place"
        elif token in _TURKISH_TYPES and i and _turkish_type(tokens, i):
            token = _TURKISH_TYPES[token]
        elif (token in _BEFORE_STREET_NAME and following.isalpha()
              and (i == 0 or _HOUSE_NUMBER.match(tokens[i - 1]))):
            token = _BEFORE_STREET_NAME[token]
        elif token in _BEFORE_WORD and following.isalpha():
            token = _BEFORE_WORD[token]
        elif token in _BEFORE_NUMBER and following.isdigit():
            token = _BEFORE_NUMBER[token]
        elif token.isdigit() and out and out[-1] in _NUMBERED:
            token = token.lstrip("0") or "0"  # "quận 01" → "quan 1"
        out.extend(token.split())  # "tp" is "thanh pho": two words, as the normalised address reads again
    return out


def _lane_numbers(tokens: list[str]) -> list[str]:
    """A house in an alley as one number: Hà Nội writes "số 5 ngõ 12", "5, ngõ 12" and "ngõ 12,
    số 5" as "5/12" too (house, then lane), and "hẻm 12/3" is "12/3". A "số" (or "số nhà") before a number
    anywhere is dropped, as are "No. số" together. Until nothing changes: one step can make
    another's ("hẻm số 12/3" is "hẻm 12/3" once "số" is dropped), and each makes fewer tokens."""
    while (again := _lane_numbers_once(tokens)) != tokens:
        tokens = again
    return tokens


def _lane_numbers_once(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        after = tokens[i + 1 : i + 4]
        if token == "so" and after[:1] == ["nha"] and len(after) > 1 and _HOUSE_NUMBER.match(after[1]):
            out.append(token)  # "số nhà 13" (house number 13) is "số 13"
            i += 2
            continue
        if token in _NUMBER_WORDS:
            end = i + 1
            while end < len(tokens) and tokens[end] in _NUMBER_WORDS:
                end += 1
            if not (end < len(tokens) and _HOUSE_NUMBER.match(tokens[end])):
                out.extend(tokens[i:end])  # "số" before no number is a word
            i = end
            continue
        if token in _ALLEY_WORDS and after and _HOUSE_NUMBER.match(after[0]) and "/" in after[0]:
            i += 1  # "hẻm 12/3": the house 12/3 names its alley already
            continue
        if _HOUSE_NUMBER.match(token) and len(after) >= 2 and after[0] == "ngo" and after[1].isdigit():
            out.append(f"{token}/{after[1]}")
            i += 3
            continue
        if (token == "ngo" and len(after) >= 3 and after[0].isdigit() and after[1] in _NUMBER_WORDS
                and _HOUSE_NUMBER.match(after[2])):
            out.append(f"{after[2]}/{after[0]}")
            i += 4
            continue
        out.append(token)
        i += 1
    return out


def _trailing_house_number(tokens: list[str], name_first: bool = False) -> int | None:
    """Where a house number written after its street stands, if one clearly does: after its name
    alone too where ``name_first`` says the country writes it so ("Ερμού 12" in Greece)."""
    for i, token in enumerate(tokens[:-1]):
        apart = token in _STREET_TYPES_NAME_FIRST and i > 0 and tokens[i - 1].isalpha()
        if (apart or _NAMED_STREET.match(token)) and _TRAILING_NUMBER.match(tokens[i + 1]):
            return i + 1
    start = 1 if tokens[0] in _STREET_TYPE_FIRST else 0 if name_first else None
    if start is not None and tokens[start : start + 1] and tokens[start].isalpha():
        name = start + 1
        while name < len(tokens) and tokens[name].isalpha():
            name += 1
        before = " ".join(tokens[:name])
        if (name < len(tokens) and _TRAILING_NUMBER.match(tokens[name])
                and not _AREA_BEFORE_NUMBER.search(before) and not _UNIT_BEFORE_NUMBER.search(before)):
            return name
    return None


# A unit's number written with a dot, floor and flat ("Căn hộ 14.15, Masteri Thảo Điền, 159 Xa lộ Hà
# Nội"), is one number, written with a hyphen: its dot made two, the second read as the house's.
_UNIT_WRITTEN = "|".join((_UNIT_WORDS, *(word for word, unit in _ABBREVIATIONS.items() if unit == "unit")))
_DOTTED_UNIT_NUMBER = re.compile(rf"\b((?:{_UNIT_WRITTEN})\W*(?:[a-z]\W+)?\d+)\.(?=\d)")
# "CH" and "căn" shorten "căn hộ": before a flat's dotted number ("CH 14.15", "căn A12.05") they
# are read as it, so the flat reads as "Căn hộ 14.15" does. Only there: "CH-8001", "CH 8001" are Swiss.
_SHORT_FLAT_WORD = re.compile(r"\b(?:ch|can)[\s.]*(?=[a-z]?\d+[.-]?[\d.]*\.\d)")
# ... and with no word at all, opening the address ("14.15 Vinhomes, 208"): no house number is written
# with a dot between its digits, and reading its floor (14) as the house's made one a neighbour shares.
_LEADING_FLAT = re.compile(r"^(?=\d{1,3}\.\d{1,3}\b(?!\.\d))")


def _units_last(tokens: list[str]) -> list[str]:
    """The tokens with the units written before a street that has a house number moved after it,
    as "10 Downing Street, Flat 2" writes them: "Flat 2, 10 Downing Street" has the house 10, and
    both forms one normalised address. The longest run of units after which a house number
    stands; none, the tokens as they were ("Unit 3 Industrial Estate"). A building's name of
    words alone before the units goes after them, as "10 High Street, Flat 2, Rose Court" writes
    it: "Rose Court, Flat 2, 10 High Street" has the house 10 too, and one after them, between the
    units and the house ("Flat 2, Rose Court, 10 High Street"), but not an area's ("Phòng 5, Quận 10,
    12 Nguyễn Huệ")."""
    name = 0
    while name < len(tokens) and tokens[name].isalpha() and not _UNITS.match(" ".join(tokens[name:])):
        name += 1
    # Not after Singapore's block, the building's number: "Blk 9 Yishun Central #08-2" has no house.
    between = not name and tokens[0] != "block"
    for end in range(len(tokens) - 1, name + 1, -1):
        if not _UNITS.fullmatch(" ".join(tokens[name:end])):
            continue
        rest = tokens[end:]
        if (_HOUSE_NUMBER.match(rest[0]) and rest[1:2] and rest[1].isalpha()
                or _trailing_house_number(rest) is not None):
            return rest + tokens[name:end] + tokens[:name]
        house = end
        while between and house < len(tokens) and tokens[house].isalpha() and not _UNITS.match(
                " ".join(tokens[house:])):
            house += 1
        rest = tokens[house:]
        if (house > end and rest[1:2] and _HOUSE_NUMBER.match(rest[0]) and rest[1].isalpha()
                and not _AREA_BEFORE_NUMBER.search(" ".join(tokens[:house]))):
            return rest + tokens[name:house]
    return tokens


# A unit written within an address ("12 High St, Unit 5, Sydney"): its word, then a letter, a number or
# both ("Block B", "Unit 5", "Bloc B 4"). One number only, so that a house after it stays the street's
# ("Rose Court, Flat 2, 10 High St").
_INNER_UNIT = re.compile(rf"(?<!\S)(?:{_UNIT_WORDS}) (?:(?:[a-z] )?\d+[a-z]?(?:[/-]\d+[a-z]?)*|[a-z])(?!\S)")


def _units_after_street(tokens: list[str]) -> list[str]:
    """The tokens with their units (those written first too, :func:`_units_last`) after the street's type
    that follows the house number, else at the end: "12 High St, Unit 5, Sydney", "Unit 5, 12 High
    St, Sydney" and "5/12 High St, Sydney" are "12 high street unit 5 sydney", as "12 High St,
    Unit 5" begins, and "208 Nguyễn Trãi, Căn hộ 14.15, Quận 1" ends with its flat, as "Căn hộ
    14.15, 208 Nguyễn Trãi, Quận 1" does. Units that open the address stay where no house follows
    them ("Unit 3, Block 4, Industrial Estate")."""
    if not _HOUSE_NUMBER.match(tokens[0]):
        tokens = _units_last(tokens)
    text = " ".join(tokens)
    kept, units, at, opening = [], [], 0, 0
    for unit in _INNER_UNIT.finditer(text):
        if unit.start() == opening:  # one of the units that open the address
            opening = unit.end() + 1
            continue
        kept.append(text[at : unit.start()])
        units.append(unit[0])
        at = unit.end() + 1
    if not units:
        return tokens
    rest = " ".join((*kept, text[at:])).split()
    street_type = next((i for i, token in enumerate(rest) if token in _STREET_TYPE_WORDS and i), None)
    at = street_type + 1 if street_type is not None and _HOUSE_NUMBER.match(rest[0]) else len(rest)
    return rest[:at] + " ".join(units).split() + rest[at:]


def _numbered_house_first(tokens: list[str]) -> list[str]:
    """The tokens with a number written after "No" behind a street's name moved first, where a
    leading house number is read: "Atatürk Cad. No:5" (the Turkish way) is "5 ataturk cad", as
    "5 Atatürk Cad." is; so is one after a Turkish street's type without "No" ("Atatürk Cad. 5").
    Not a unit's or an area's number ("Flat No 5", "Phường No 5"). A numbered Turkish street's number
    is its name's ("1203 Sk. No:5", "1203. Sokak No 5": "5 1203 sokak", house 5)."""
    numbered = tokens[0].isdigit() and tokens[1:2] and tokens[1] in _TURKISH_STREET_TYPES
    if _HOUSE_NUMBER.match(tokens[0]) and not numbered:
        return tokens
    for i in range(1, len(tokens) - 1):
        before = " ".join(tokens[:i])
        if (tokens[i] in ("no", "number") and (tokens[i - 1].isalpha() or numbered and i == 2)
                and _HOUSE_NUMBER.match(tokens[i + 1])
                and not _UNIT_BEFORE_NUMBER.search(before) and not _AREA_BEFORE_NUMBER.search(before)):
            return [tokens[i + 1], *tokens[:i], *tokens[i + 2 :]]
        if (tokens[i] in _TURKISH_STREET_TYPES and (tokens[i - 1].isalpha() or numbered)
                and _HOUSE_NUMBER.match(tokens[i + 1])):
            return [tokens[i + 1], *tokens[: i + 1], *tokens[i + 2 :]]
    return tokens


# Australia and New Zealand write a unit before its house with a slash ("5/12 High St": unit 5, house
# 12), where Sài Gòn's "317/48 Pasteur" is house 317 of alley 48: read so in a record of those
# countries only, as "12 High St, Unit 5" is, and not in one naming a Vietnamese ward or district (a
# Vietnamese customer of an Australian shop: "89/13 Hai Bà Trưng, Phường 4, Quận 10").
_UNIT_SLASH_COUNTRIES = frozenset(("AU", "NZ"))
_VIETNAMESE_AREA_WORDS = frozenset(word for word in AREA_WORDS if " " not in word)
_UNIT_SLASH_HOUSE = re.compile(r"^(\d+[a-z]?)/(\d+[a-z]?(?:-\d+[a-z]?)?)$")
# Canada writes it with a hyphen ("5-1234 Rue St-Denis": unit 5, house 1234, as "1234, rue Saint-Denis,
# app. 5"), where "45-47 rue de Rivoli" in France is a range of houses: read so in a Canadian record, and
# in one of no country before a French street's type only where the house has three digits or more and
# more than the unit ("8-10 rue" is a range).
_UNIT_HYPHEN_HOUSE = re.compile(r"^(\d+[a-z]?)-(\d+[a-z]?)$")
_FRENCH_STREET_TYPES = frozenset(("rue", "boulevard", "avenue", "chemin", "place", "route", "rang", "montee"))


def _canadian_unit_house(tokens: list[str], country: str | None) -> bool:
    """Whether a hyphen between two numbers that open ``tokens`` is a Canadian unit's, before its house."""
    if country == "CA":
        return True
    split = _UNIT_HYPHEN_HOUSE.match(tokens[0])
    return (country is None and split is not None and len(tokens) > 1 and tokens[1] in _FRENCH_STREET_TYPES
            and len(split[2]) >= 3 and len(split[2]) > len(split[1]))


def _unit_before_house(tokens: list[str], written: re.Pattern[str]) -> list[str]:
    """"5/12 high street" as "12 high street unit 5" (``written`` the unit's and house's numbers), as
    after a unit's word or after other units ("unit 5/12", "level 2 5/12 ..."; a number's word, "No
    5/12", is gone); other tokens as they are."""
    found = next(((i, split) for i, token in enumerate(tokens) if (split := written.match(token))), None)
    if found is None or not tokens[found[0] + 1 :] or not _VIETNAMESE_AREA_WORDS.isdisjoint(tokens):
        return tokens
    at, split = found
    before = tokens[:at]
    while before and before[-1] == "unit":  # "Unit No. 5/12" ("unit 5/12"): unit 5 too
        before = before[:-1]
    if before and not _UNITS.fullmatch(" ".join(before)):
        return tokens
    unit, house = split.groups()
    return [house, *tokens[at + 1 :], *before, "unit", unit]


# Vietnamese words before a number: a house's (số), a lane's (ngõ), a lane's branch (ngách), an alley's
# (hẻm, kiệt). Folded, "ngo" is Ngô too ("Ngô Quyền"): only before a number.
_VIETNAMESE_NUMBER_WORDS = frozenset(("so", "ngo", "ngach", "hem", "kiet"))


def _vietnamese_numbers(tokens: list[str]) -> bool:
    """Whether a Vietnamese word names a number of the address ("Số 24 ngõ 195 Hoàng Quốc Việt")."""
    return any(word in _VIETNAMESE_NUMBER_WORDS and following[:1].isdigit()
               for word, following in zip(tokens, tokens[1:], strict=False))


def _units_placed(tokens: list[str], country: str | None) -> list[str]:
    """The tokens with their units placed, an Australian unit's slash read first: on the tokens as
    the normalised address holds them, the alley's and number's words gone ("Hẻm 12/3 Pasteur",
    "số 5 ngõ 12 ..." are "12/3 pasteur", "5/12 ..."), so that reading it again reads the same.
    ``country`` is None where those words said the address is Vietnamese, whatever the record's: its
    output, without them, reads the same again as a Vietnamese record's ("24/195 hoang quoc viet")."""
    if country in _UNIT_SLASH_COUNTRIES:
        tokens = _unit_before_house(tokens, _UNIT_SLASH_HOUSE)
    elif _canadian_unit_house(tokens, country):
        tokens = _unit_before_house(tokens, _UNIT_HYPHEN_HOUSE)
    return _units_after_street(tokens)


def _read_again(tokens: list[str]) -> list[str]:
    """The tokens with abbreviations read, a house number after "No" first and lanes' numbers joined, until
    nothing changes: each can make another's neighbours ("Gül No:5 Sk." is "5 gul sk", where "Sk."
    after a name that the house number opens is Turkish: "5 gul sokak")."""
    while (again := _lane_numbers(_numbered_house_first(_canonical_tokens(tokens)))) != tokens:
        tokens = again
    return tokens


# Countries whose streets are written name then house number, with no type ("Ερμού 12" in Greece, the
# number the house's), and the type's word there that sources write or leave out ("οδός Ερμού 12").
_NAME_FIRST_COUNTRIES = MappingProxyType({"GR": frozenset(("odos",))})


def standardise_address(value: str | None, country: str | None = None) -> StdAddress:
    """Folded address with abbreviations unified, and its house number split off: the leading one, or
    one written after its street ("Hauptstraße 5", "Calle Mayor, 12"). ``country``, the record's
    (ISO 3166 alpha-2), reads a unit written before its house with a slash where one is ("5/12" in
    Australia), but in an address a Vietnamese word numbers ("Số 24 ngõ 195", "Hẻm 12/3")."""
    read = value and _RUSSIAN_NUMBER.sub(lambda word: f" {_RUSSIAN_NUMBER_WORDS[word[1].lower()]} ", value)
    text = to_ascii_lower(read and _SPANISH_FLOOR.sub(_spanish_floor, _PASEO.sub("paseo ", read)))
    if text is None:
        return StdAddress(value, None, None, None, ())
    text = _TYPE_FIRST.sub(lambda short: f"{short[1]}{short[2]}{_TYPES_FIRST[short[3] or short[4]]} ", text)
    text = _SHORT_FLAT_WORD.sub("can ho ", _LEADING_FLAT.sub("can ho ", _HAMLET.sub(r"\1 thon ", text)))
    text = _TURKISH_FLAT.sub("daire ", _DOTTED_UNIT_NUMBER.sub(r"\1-", text))
    tokens = _canonical_tokens(_address_tokens(text))
    if country in _NAME_FIRST_COUNTRIES:  # "οδός Ερμού 12", written or not: "Ερμού 12"
        tokens = [token for token in tokens if token not in _NAME_FIRST_COUNTRIES[country]]
    if not tokens:
        return StdAddress(value, None, None, None, ("address_invalid",))
    if _vietnamese_numbers(tokens):  # "Số 24 ngõ 195" is house 24 in lane 195 in an Australian record too
        country = None
    tokens = _read_again(tokens)  # "số 12" → "12", "số 5 ngõ 12" → "5/12"
    # Until nothing changes: a unit taken out can leave a "số" before a number ("số Floor 3 12"), an
    # abbreviation where it reads as one ("Unit R. 12 bd": "12 bd unit r" is "12 boulevard unit r"), or
    # make one of the words it stood between ("Unit Unit C o 12": "unit o", before the house 12), or a
    # Turkish type after a name ("bd Floor 12 Cd. 12": "boulevard cd 12 floor 12", "Cd." before 12).
    while (placed := _units_placed(tokens, country)) != tokens:
        tokens = _read_again(placed)
    name_first = country in _NAME_FIRST_COUNTRIES
    at = 0 if _HOUSE_NUMBER.match(tokens[0]) else _trailing_house_number(tokens, name_first)
    house_number = None if at is None else tokens[at]
    street = " ".join(tokens if at is None else tokens[:at] + tokens[at + 1 :]) or None
    return StdAddress(value, " ".join(tokens), house_number, street, ())


_POSTCODE_PLACEHOLDERS = frozenset("NA N/A NONE NULL UNKNOWN".split())
# Digits people write with a separator or without: Brazil's CEP (01310-100), India's PIN (110 001),
# Japan's (100-0001), Poland's, Portugal's, Sweden's; Japan's postal mark before one (〒100-0001) is no
# part. Five and four digits, a US ZIP+4 (20500-0003), are kept: its four are a finer level than the ZIP.
_DIGITS_SEPARATED = re.compile(r"(\d{2,5})[ \-‐‑–－](\d{2,4})")
_POSTAL_MARK = "〒"
# Postcodes of two parts that people write with the space or without ("sw1a1aa", "D02X285"): the
# UK's (outward, then a digit and two letters), Ireland's Eircode (routing key, then four), Canada's
# and the Netherlands'. Written with their one space, so that both spellings compare equal.
_TWO_PART_POSTCODE = re.compile(
    r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})"  # GB: SW1A 1AA, M1 1AE
    r"|([AC-FHKNPRTV-Y]\d{2}|D6W) ?([\dAC-FHKNPRTV-Y]{4})"  # IE: D02 X285
    r"|([A-Z]\d[A-Z]) ?(\d[A-Z]\d)"  # CA: K1A 0B1
    r"|(\d{4}) ?([A-Z]{2})"  # NL: 1012 AB
)


def standardise_postcode(value: str | None) -> str | None:
    """Upper-case with single spaces, a two-part postcode written without its space with it, one of
    digits without its separator (01310-100 is 01310100); None for junk without letters or digits."""
    # Full-width digits and letters, as Japanese, Chinese and Korean forms write a postcode
    # ("〒１００－０００１"), are the ASCII ones: compatibility-normalised (NFKC), as identifiers are.
    text = nfc_clean(value and unicodedata.normalize("NFKC", str(value)))
    text = text and text.removeprefix(_POSTAL_MARK).lstrip()
    if not text or not any(ch.isalnum() for ch in text):
        return None
    text = nfc_clean(unicodedata.normalize("NFKC", whole_number(text).upper()))
    if text is None:
        return None
    if parts := _TWO_PART_POSTCODE.fullmatch(text):
        text = " ".join(filter(None, parts.groups()))
    elif (digits := _DIGITS_SEPARATED.fullmatch(text)) and (len(digits[1]), len(digits[2])) != (5, 4):
        text = digits[1] + digits[2]
    return None if text in _POSTCODE_PLACEHOLDERS else text


_ZIP_PLUS_4 = re.compile(r"(\d{5})-\d{4}")


def zip_of_zip_plus_4(postcode: str) -> str | None:
    """The 5-digit ZIP of a standardised US ZIP+4 ("20500" of "20500-0003"), else None."""
    return m[1] if (m := _ZIP_PLUS_4.fullmatch(postcode)) else None


# ISO code and names, codes and Vietnamese names for it, folded without spaces ("Hàn Quốc" → "hanquoc"),
# and its German, French and Spanish names, as European and Latin American systems write them ("Österreich"),
# and its own where an address written in its language ends with it ("Nederland", "Sverige").
_COUNTRY_TABLE = (
    ("VN", "vietnam vn vnm socialistrepublicofvietnam"),
    ("US", "unitedstates unitedstatesofamerica usa us america hoaky"
           " vereinigtestaaten etatsunis estadosunidos eeuu"),
    (
        "GB",
        "unitedkingdom uk gb gbr greatbritain britain england scotland wales northernireland anh vuonganh"
        " vereinigteskonigreich grossbritannien royaumeuni reinounido inglaterra angleterre",
    ),
    ("SG", "singapore republicofsingapore sg sgp singapo xingapo singapur"),
    ("TH", "thailand th tha thailan thailande tailandia"),
    ("JP", "japan jp jpn nhatban nhat japon nihon nippon"),
    ("KR", "southkorea korea republicofkorea kr kor hanquoc sudkorea coreedusud coreadelsur"
           " hanguk daehanminguk"),
    ("CN", "china cn chn peoplesrepublicofchina prc trungquoc chine"),
    ("TW", "taiwan tw twn dailoan"),
    ("HK", "hongkong hk hkg"),
    ("MO", "macau macao mo mac"),
    ("AU", "australia au aus uc australien australie"),
    ("NZ", "newzealand nz nzl neuseeland nouvellezelande nuevazelanda"),
    ("FR", "france fr fra phap frankreich francia"),
    ("DE", "germany de deu deutschland duc allemagne alemania"),
    ("CA", "canada ca can kanada"),
    ("MY", "malaysia my mys malaisie malasia"),
    ("ID", "indonesia id idn indonesien indonesie"),
    ("PH", "philippines ph phl philippin philippinen filipinas pilipinas"),
    ("KH", "cambodia kh khm campuchia kambodscha cambodge camboya"),
    ("LA", "laos la lao"),
    ("MM", "myanmar mm mmr burma"),
    ("IN", "india in ind ando indien inde bharat"),
    ("RU", "russia russianfederation ru rus nga russland russie rusia rossiya rossija"),
    ("IT", "italy it ita italien italie italia"),
    ("ES", "spain es esp taybannha spanien espagne espana"),
    ("NL", "netherlands thenetherlands holland nl nld halan niederlande paysbas paisesbajos nederland"),
    ("BE", "belgium be bel belgien belgique belgica belgie"),
    ("CH", "switzerland ch che thuysi schweiz suisse suiza svizzera"),
    ("AT", "austria at aut osterreich oesterreich autriche"),
    ("SE", "sweden se swe thuydien schweden suede suecia sverige"),
    ("NO", "norway no nor nauy norwegen norvege noruega norge"),
    ("DK", "denmark dk dnk danmach danemark dinamarca danmark"),
    ("FI", "finland fi fin phanlan finnland finlande finlandia suomi"),
    ("IE", "ireland ie irl irland irlande irlanda eire"),
    ("PL", "poland pl pol balan polen pologne polonia polska"),
    ("CZ", "czechia czechrepublic cz cze sec tschechien tchequie chequia cesko ceskarepublika"),
    ("PT", "portugal pt prt bodaonha"),
    ("BR", "brazil brasil br bra brasilien bresil"),
    ("MX", "mexico mx mex mexiko mexique"),
    ("AE", "unitedarabemirates uae ae are emiratsarabesunis emiratosarabesunidos"),
    ("SA", "saudiarabia sa sau arapxeut saudiarabien arabiesaoudite arabiasaudita"),
    ("IL", "israel il isr"),
    ("TR", "turkey turkiye tr tur thonhiky turkei turquie turquia"),
    ("ZA", "southafrica za zaf namphi sudafrika afriquedusud sudafrica"),
    ("UA", "ukraine ua ukr ucrania ukraina"),
    ("GR", "greece gr grc hellas ellada ellas hellenicrepublic griechenland grece grecia"),
    ("CY", "cyprus cy cyp zypern chypre chipre kibris"),
    ("HU", "hungary hu hun hungari ungarn hongrie hungria magyarorszag"),
    ("RO", "romania ro rou rumani rumanien roumanie"),
    ("BG", "bulgaria bg bgr bungari bulgarien bulgarie"),
    ("HR", "croatia hr hrv kroatien croatie croacia hrvatska"),
    ("SI", "slovenia si svn slowenien slovenie eslovenia slovenija"),
    ("SK", "slovakia svk slowakei slovaquie eslovaquia slovensko"),
    ("RS", "serbia rs srb serbien serbie srbija"),
    ("BY", "belarus by blr weissrussland bielorussie bielorrusia"),
    ("KZ", "kazakhstan kz kaz kasachstan kazajistan"),
    ("LU", "luxembourg lu lux luxemburg luxemburgo letzebuerg"),
    ("EE", "estonia ee estland estonie eesti"),
    ("LV", "latvia lv lva lettland lettonie letonia latvija"),
    ("LT", "lithuania lt ltu litauen lituanie lituania lietuva"),
    ("IS", "iceland is isl island islande islandia"),
    ("AR", "argentina argentinien argentine"),
    ("CL", "chile cl chl chili"),
    ("CO", "colombia kolumbien colombie"),
    ("PE", "peru"),
    ("EG", "egypt eg egy agypten egypte egipto"),
)  # no "co", "ar", "pe" or "sk": Colorado, Arkansas, Prince Edward Island, Saskatchewan
# Its names in its own script, as an address or a country column written in it ends: folded as any
# value is, so "Ελλάδα" and "Россия" are GR and RU whatever letters the fold gives them.
_COUNTRY_IN_OWN_SCRIPT = (
    ("GR", "Ελλάδα|Ελλάς|Ελληνική Δημοκρατία"), ("CY", "Κύπρος"), ("RU", "Россия|Российская Федерация|РФ"),
    ("UA", "Україна|Украина"), ("BY", "Беларусь|Белоруссия"), ("KZ", "Казахстан|Қазақстан"),
    ("BG", "България"), ("RS", "Србија|Сербия"), ("CN", "中国|中國|中华人民共和国|中華人民共和國"),
    ("JP", "日本|日本国|日本國"), ("KR", "대한민국|한국|韩国|韓國|韓国"), ("TW", "台灣|臺灣|台湾|中華民國"),
    ("HK", "香港"), ("MO", "澳門|澳门"), ("SG", "新加坡"), ("VN", "越南"), ("TH", "ประเทศไทย|ไทย"),
    ("IL", "ישראל"), ("IN", "भारत"), ("AE", "الإمارات|الإمارات العربية المتحدة"),
    ("SA", "السعودية|المملكة العربية السعودية"),
)
COUNTRY_ALIASES = MappingProxyType(
    {alias: code for code, aliases in _COUNTRY_TABLE for alias in aliases.split()}
    | {
        (fold(alias) or "").replace(" ", ""): code
        for code, aliases in _COUNTRY_IN_OWN_SCRIPT for alias in aliases.split("|")
    }
)
_COUNTRY_PLACEHOLDERS = frozenset("na none null nil unknown khong".split())


def standardise_country(value: str | None) -> str | None:
    """ISO 3166 alpha-2 code for common names, codes and Vietnamese names; else the folded text upper-cased.

    Aliases are looked up without spaces, so "U.S.A." and "Viet Nam" need no entries of their own.
    """
    folded = fold(value)
    if folded is None:
        return None
    key = folded.replace(" ", "")
    if key in _COUNTRY_PLACEHOLDERS:
        return None
    return COUNTRY_ALIASES.get(key) or folded.upper()
