"""Compile the declarative matching spec into Splink 5 settings: the only place that does.

Each comparison *kind* has fixed, documented levels over the standardised columns. Level
conditions are written in DuckDB's SQL dialect and marked as such, so Splink translates them
for another backend (Spark) with sqlglot. Only the names of the fuzzy-matching functions
differ by backend, so they are looked up per dialect; list functions are spelt the way sqlglot
carries over to Spark (``array_length``, not ``len``, which becomes a string length).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import ascii_lowercase

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.dialects import SplinkDialect

from matching_rules import ComparisonSpec, MatchingSpec
from mdm.standardise.addresses import AREA_WORDS
from mdm.standardise.cities import ABSORBED_2025
from mdm.standardise.emails import PERSONAL_MAIL_SERVICES
from mdm.standardise.names import TONE_MARKS
from mdm.store.work import WORD_LISTS, births_near

DIALECT = "duckdb"  # the dialect level conditions are written in


@dataclass(frozen=True)
class _Functions:
    """Fuzzy-matching function names of the backend the settings are for."""

    jaro_winkler: str
    damerau_levenshtein: str

    @classmethod
    def of(cls, dialect: str) -> _Functions:
        d = SplinkDialect.from_string(dialect)
        # On Spark, DuckDB's Jaro-Winkler as registered by the Spark engine (mdm/spark/
        # similarity.py): Splink's jar computes another value on long strings.
        jaro_winkler = "mdm_jaro_winkler" if dialect == "spark" else d.jaro_winkler_function_name
        return cls(jaro_winkler, d.damerau_levenshtein_function_name)


def _level(sql: str, label: str, *, tf: str | None = None) -> cll.CustomLevel:
    level = cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=DIALECT)
    if tf is not None:
        # The level's own u is the base the value's frequency adjusts: Splink would otherwise
        # borrow the u of some plain-equality level of the comparison, which for a level
        # split by type (mobile vs landline) is the wrong population.
        level.configure(tf_adjustment_column=tf, tf_adjustment_weight=1.0, disable_tf_exact_match_detection=True)
    return level


def _no_evidence(sql: str, label: str) -> cll.CustomLevel:
    """A level that takes its pairs away from the levels below it and weighs nothing (Splink's
    null level): agreement that the other comparisons already count."""
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=DIALECT).configure(is_null_level=True)


def _null(*columns: str) -> cll.CustomLevel:
    sql = " OR ".join(f"{_l(c)} IS NULL OR {_r(c)} IS NULL" for c in columns)
    return cll.CustomLevel(sql, label_for_charts="missing", base_dialect_str=DIALECT).configure(is_null_level=True)


def _else() -> cll.ElseLevel:
    return cll.ElseLevel()


def _l(column: str) -> str:
    return f'"{column}_l"'


def _r(column: str) -> str:
    return f'"{column}_r"'


def _jw(fn: _Functions, column: str) -> str:
    # Rounded: implementations differ in the last bits (0.92 vs 0.9199999999999999), which
    # must not decide a level's threshold differently on two backends.
    return f"round({fn.jaro_winkler}({_l(column)}, {_r(column)}), 9)"


def _two_thresholds(spec: ComparisonSpec, default: tuple[float, float]) -> tuple[float, float]:
    t = spec.thresholds
    return (t[0], t[1]) if len(t) >= 2 else (t[0], default[1]) if t else default


def _person_name(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    hi, lo = _two_thresholds(spec, (0.92, 0.85))
    tf = "name_key" if spec.term_frequency else None
    return [
        _null("name_nospace"),
        # Given names written with other diacritics reach none of the levels of names alike (_alike).
        _alike('"name_key_l" = "name_key_r"', _SAME_NAME_ANY_ORDER, tf=tf),
        _alike(
            f'("family_l" = "family_r" AND "given_l" = "given_r" AND {_MIDDLES_MAY_AGREE})'
            ' OR "name_nospace_l" = "name_nospace_r"',
            "same family and given name (a middle name left out or cut to an initial, or spacing)",
        ),
        # Two middle names both written and different (Nguyễn Quốc Hải, Nguyễn Đức Hải) are what
        # namesakes look like more often than one person: a level of its own.
        _alike(_SAME_NAME, "same family and given name, other middle names"),
        _alike(  # a typo: a key missed, added, mistaken, or two swapped ("Thắgn")
            f'(("family_l" = "family_r" AND {fn.damerau_levenshtein}("given_l", "given_r") <= 1)'
            f' OR ("given_l" = "given_r" AND {fn.damerau_levenshtein}("family_l", "family_r") <= 1))'
            f" AND NOT {_woman_and_man()}",
            "same family and given name but one typo",
        ),
        _alike(
            f'({_jw(fn, "name_nospace")} >= {hi} OR {_jw(fn, "name_key")} >= {hi}) AND NOT {_siblings(fn)}'
            f" AND NOT {_woman_and_man()}",
            f"name Jaro-Winkler >= {hi}",
        ),
        _alike(
            f"{_words_within('name_words')} = 1"
            # A given-name box alone ("Thanh Long", family unknown) against a name without its
            # middle name ("Lê Long").
            ' OR (("family_l" IS NULL OR "family_r" IS NULL) AND "given_l" = "given_r")',
            "all words of one name within the other (given name only, extra names)",
        ),
        _alike(
            '("family_l" = "family_r" AND (length("given_l") = 1 OR length("given_r") = 1)'
            ' AND substr("given_l", 1, 1) = substr("given_r", 1, 1))'
            # "Anh N." for Nguyễn Bá Anh: the family name cut to an initial.
            ' OR ("given_l" = "given_r" AND (length("family_l") = 1 OR length("family_r") = 1)'
            ' AND substr("family_l", 1, 1) = substr("family_r", 1, 1))'
            # "T. Phương" for Trần Thị Phương: the same, read given-first.
            f' OR {_cut_and_swapped("given", "family")}'
            # "Murphy C." for Charlie Murphy: a family name with the given name's initial after it,
            # read as a given name before a family initial ("Anh N.").
            f' OR {_cut_and_swapped("family", "given")}',
            "same family name with the given name as an initial, or the family name as an initial",
        ),
        # One name written in Arabic script, the other in Latin letters: nothing above compares them.
        _level(
            f'"name_skeleton_l" = "name_skeleton_r" AND {_in_arabic("l")} <> {_in_arabic("r")}',
            _ACROSS_SCRIPTS,
            tf="name_skeleton" if spec.term_frequency else None,
        ),
        _alike(
            f'({_jw(fn, "name_nospace")} >= {lo} OR {_jw(fn, "name_key")} >= {lo}) AND NOT {_siblings(fn)}'
            f" AND NOT {_woman_and_man()}",
            f"name Jaro-Winkler >= {lo}",
        ),
        _level('"family_l" = "family_r"', "same family name only"),
        _else(),
    ]


_SAME_NAME_ANY_ORDER = "same name, any word order"
_ACROSS_SCRIPTS = "same name across scripts (Arabic and Latin), by its consonants"


def _in_arabic(side: str) -> str:
    """Whether one side's name is written in Arabic script (``names`` keeps it in its letters)."""
    return f"(regexp_matches(\"family_{side}\", '[\u0620-\u06ff]'))"  # bracketed: Spark's RLIKE binds loosely


def _alike(sql: str, label: str, *, tf: str | None = None) -> cll.CustomLevel:
    """A level of names alike that given names written with other diacritics never reach: they
    fall to "same family name only", as a woman's and a man's names do (``_other_marks``)."""
    return _level(f"({sql}) AND NOT {_other_marks()}", label, tf=tf)


def _cut_and_swapped(initial: str, name: str) -> str:
    """SQL: one record's ``initial`` part is a single letter, its ``name`` part is the other
    record's ``initial`` part, and the letter begins the other record's ``name`` part: the two
    parts were read in the other order and one of them cut to its initial. Either way round."""

    def one_way(a: str, b: str) -> str:
        return (f'length("{initial}{a}") = 1 AND "{name}{a}" = "{initial}{b}"'
                f' AND "{initial}{a}" = substr("{name}{b}", 1, 1)')

    return f"({one_way('_l', '_r')}) OR ({one_way('_r', '_l')})"


def _siblings(fn: _Functions) -> str:
    """SQL: the same family and middle names (or none) and two other given names, as siblings
    have ("Nguyễn Thị Kim Lan", "Nguyễn Thị Kim Nga"; "Phan Hương", "Phan Long"). The shared
    words make the whole names alike by Jaro-Winkler; the given names, the words that tell
    people apart, are not alike at all (a typo of one keeps them above 0.8: "Quyên", "Quyeen")."""
    return (  # never NULL: "NOT NULL" would leave the level unreached by names without middle names
        'coalesce("family_l" = "family_r" AND "middles_l" IS NOT DISTINCT FROM "middles_r"'
        f' AND length("given_l") > 1 AND length("given_r") > 1 AND {_jw(fn, "given")} < 0.8, FALSE)'
    )


def _thi(middles: str) -> str:
    return f"""({middles} = 'thi' OR {middles} LIKE 'thi %')"""


def _woman_and_man() -> str:
    """SQL: the same family name, two given names, and middle names that tell a woman from a man:
    one opens with Thị, the other with another word ("Nguyễn Văn Hùng", "Nguyễn Thị Hương"; "La
    Đình Cường", "La Thị Hương"). A household's members, whose given names one letter apart read
    as a typo: measured on the samples' stored pairs at that level, 18 such links were two people
    and 2 one."""
    return (  # never NULL, as _siblings
        f'coalesce("family_l" = "family_r" AND "given_l" <> "given_r" AND NOT {_MIDDLES_MAY_AGREE}'
        f' AND {_thi(_l("middles"))} <> {_thi(_r("middles"))}, FALSE)'
    )


def _other_marks() -> str:
    """SQL: one given name when folded, written with diacritics by both records, each with a mark
    the other lacks, and other vowel shapes or "đ" ("Nguyễn Văn Hùng", "Nguyễn Văn Hưng"; "Đức",
    "Dục"): two names a Vietnamese reader tells apart. One without some of the other's marks
    ("Hung", "Huơng" for "Hùng", "Hương") may be the same name with marks left out, as a name
    written without any ("NGUYEN VAN HUNG") may be either; and another tone alone ("Tuấn", "Tuần";
    "Hà", "Hạ") is as often a tone mistyped (sources that swapped tones lost true pairs to it)."""
    def marks(column: str) -> str:  # its letters beyond a-z: those with diacritics, and "đ"
        return f"translate({column}, '{ascii_lowercase}', '')"

    def shapes(column: str) -> str:
        return f"translate({marks(column)}, '{_TONED}', '{_TONED_SHAPE}')"

    def apart(a: str, b: str) -> str:  # a holds a letter b lacks
        return f"translate({a}, {b}, '') <> ''"

    l, r = _l("given_accented"), _r("given_accented")
    return (  # never NULL, as _siblings
        f'coalesce("given_l" = "given_r" AND {apart(marks(l), marks(r))} AND {apart(marks(r), marks(l))}'
        f" AND ({apart(shapes(l), shapes(r))} OR {apart(shapes(r), shapes(l))}), FALSE)"
    )


# Vietnamese vowels with a tone, and each with its shape alone ("ừ": "ư", "ạ": "a"): a vowel's
# tone put aside, what is left of its marks is its shape.
_SHAPES = "aăâeêioôơuưy"
_TONED = "".join(unicodedata.normalize("NFC", shape + tone) for shape in _SHAPES for tone in TONE_MARKS)
_TONED_SHAPE = "".join(shape for shape in _SHAPES for _ in TONE_MARKS)


# Middle names that may be one person's: one left out, or the same first letter ("V." for Văn,
# "Thị Thu" and "Thu").
_MIDDLES_MAY_AGREE = (
    '("middles_l" IS NULL OR "middles_r" IS NULL OR substr("middles_l", 1, 1) = substr("middles_r", 1, 1))'
)


def _shared(items: str) -> str:
    """SQL: how many items of the left record's list are in the right one's. Over a list
    column derived once per record (mdm/store/work.py WORD_LISTS), not split per pair."""
    assert items in WORD_LISTS
    return f"array_length(list_filter({_l(items)}, lambda w: list_contains({_r(items)}, w)))"


def _words_within(words: str) -> str:
    """Share of the shorter value's distinct words found in the other (overlap coefficient):
    1 when one is contained in the other whatever the word order."""
    return f"({_shared(words)} / least(array_length({_l(words)}), array_length({_r(words)})))"


def _numbers_apart(numbers: str) -> str:
    """Both values hold numbers (a house number, an alley, a ward) and share none of them."""
    return f"(array_length({_l(numbers)}) > 0 AND array_length({_r(numbers)}) > 0 AND {_shared(numbers)} = 0)"


def _date_of_birth(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    l, r = _l("date_of_birth"), _r("date_of_birth")
    return [
        _null("date_of_birth"),
        _level(f"{l} = {r}", "same date of birth"),
        _level(births_near(l, r), "one typo, or day and month swapped"),
        _level(f"substr({l}, 1, 4) = substr({r}, 1, 4)", "same birth year"),
        _else(),
    ]


def _phone(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    tf = "phone" if spec.term_frequency else None
    return [
        _null("phone"),
        # One switchboard, two extensions ("030 1234567 DW 12", "DW 34"): colleagues at one
        # company, not one customer's number twice, so no agreement; nor a disagreement, as one
        # person may be written at the switchboard's "-0" and at their own line.
        _no_evidence(
            '"phone_l" = "phone_r" AND "phone_extension_l" <> "phone_extension_r"',
            "same switchboard, other extensions",
        ),
        _level('"phone_l" = "phone_r" AND "phone_type_l" = \'mobile\'', "same mobile number", tf=tf),
        _level('"phone_l" = "phone_r"', "same landline or other number", tf=tf),
        _level('levenshtein("phone_l", "phone_r") <= 1', "one digit different"),
        _level(
            'right("phone_l", 9) = right("phone_r", 9)',
            "same number under another country code (written without one)",
        ),
        # A mobile and a landline are numbers of different kinds: a customer's office or home line
        # beside their own mobile differs whoever they are, so no evidence either way.
        _no_evidence(
            "'mobile' IN (\"phone_type_l\", \"phone_type_r\")"
            " AND 'fixed_line' IN (\"phone_type_l\", \"phone_type_r\")",
            "a mobile and a landline (numbers of different kinds)",
        ),
        _else(),
    ]


_DIGITS_NAMESAKES = "same email (local part has digits), same family and given name"
_NAME_ONLY_NAMESAKES = "same name-only email, names agree"
_SAME_NAME = '"family_l" = "family_r" AND "given_l" = "given_r"'
_NAME_UNKNOWN = "same email, a name unknown"
_APART_EMAIL = (_NAME_UNKNOWN, "same email (local part has digits)", "same email (name-only local part)")

# Levels whose m is the sum of the first levels named, u that of the second: agreement over all
# pairs (u over the levels not counted among namesakes). The email's levels split on the name's
# agreement; where a name is missing, Fellegi-Sunter counts the email alone, as it would without
# the split (weighed as between names that disagree, a newsletter's email-only records lost
# two bits).
MARGINAL_LEVELS = {_NAME_UNKNOWN: ((*_APART_EMAIL, _DIGITS_NAMESAKES, _NAME_ONLY_NAMESAKES), _APART_EMAIL)}


# The frequencies the level where the email is all a pair compares (a name unknown) reads: the
# email_key's values under a column of their own, so that once the model is trained they can be
# set to score such a pair at its holders' odds (``mdm.linking.model.anchor_to_holders``).
ALONE_COLUMN = "email_alone"


def _email(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    tf = "email_key" if spec.term_frequency else None
    l, r = _l("email_key"), _r("email_key")
    return [
        _null("email_key"),
        # With one record's name unknown, the levels below (names agree or not) cannot be told
        # apart: the same email weighs what it weighs over all pairs (``MARGINAL_LEVELS``).
        _level(f'{l} = {r} AND ("name_key_l" IS NULL OR "name_key_r" IS NULL)', _NAME_UNKNOWN,
               tf=ALONE_COLUMN if spec.term_frequency else None),
        # Addresses with digits are mostly personal, but many are made from the name and a year
        # (an.nguyen88@): between namesakes they are weaker evidence. A level of their own,
        # whose u is counted among namesakes (``CountedLevel.among``).
        _level(
            f'{l} = {r} AND "email_local_digits_l" AND {_SAME_NAME}',
            _DIGITS_NAMESAKES,
        ),
        _level(f'{l} = {r} AND "email_local_digits_l"', "same email (local part has digits)"),
        # A name-only address (anh.nguyen@gmail.com) is made from the name, and namesakes share
        # it: between records whose names agree it is far weaker evidence than its rarity says.
        # A level of its own, whose u is counted among namesakes too.
        _level(f'{l} = {r} AND ("name_key_l" = "name_key_r" OR {_SAME_NAME})', _NAME_ONLY_NAMESAKES),
        _level(f"{l} = {r}", "same email (name-only local part)", tf=tf),
        # Two similar addresses between people of the same name are what namesakes' addresses
        # look like (an.nguyen88@ and an.nguyen89@): no further evidence either.
        _no_evidence(f'{_jw(fn, "email_key")} >= 0.92 AND {_SAME_NAME}',
                     "similar email, same family and given name (no further evidence)"),
        _level(f'{_jw(fn, "email_key")} >= 0.92', "email Jaro-Winkler >= 0.92"),
        # The same name-only local part at another domain (tranngoc@yahoo, tranngoc@gmail) is
        # again the name, as namesakes write it.
        _no_evidence(
            f"split_part({l}, '@', 1) = split_part({r}, '@', 1) AND NOT coalesce(\"email_local_digits_l\", FALSE)"
            f' AND ("name_key_l" = "name_key_r" OR {_SAME_NAME})',
            "same name-only local part at another domain, names agree (no further evidence)",
        ),
        _level(f"split_part({l}, '@', 1) = split_part({r}, '@', 1)", "same local part, other domain"),
        _no_evidence(f"{_at_mail_service(l)} <> {_at_mail_service(r)}",
                     "a personal address and a work one (addresses of different kinds)"),
        _else(),
    ]


_PERSONAL_MAIL_SERVICES_SQL = ", ".join(f"'{s}'" for s in sorted(PERSONAL_MAIL_SERVICES))


def _at_mail_service(email: str) -> str:
    """SQL: whether ``email`` is at a mail service people sign up to for themselves."""
    return f"(split_part(split_part({email}, '@', 2), '.', 1) IN ({_PERSONAL_MAIL_SERVICES_SQL}))"


def _email_faces_birth_date(email: str, born: str) -> str:
    """SQL: the comparison of ``email``'s address with ``born``'s birth date is the only one
    of the two: the email's own record has no birth date (else the birth dates are compared)
    and the other record's email, if any, differs (else the emails are)."""
    return (
        f'(coalesce("email_local_digits_{email}", FALSE) AND "date_of_birth_{email}" IS NULL'
        f' AND "date_of_birth_{born}" IS NOT NULL'
        f' AND ("email_key_{born}" IS NULL OR "email_key_{born}" <> "email_key_{email}"))'
    )


def _email_holds(email: str, born: str, form: str) -> str:
    """SQL: ``email``'s local part holds ``born``'s birth date as ``form`` says (digits written
    together). Null unless ``born`` has a birth date, so of the two directions only the one
    the null level let through can hold."""
    local = f"split_part(\"email_key_{email}\", '@', 1)"
    dob = f'CAST("date_of_birth_{born}" AS DATE)'  # a DATE in batch, text in real time
    return {
        "date": " OR ".join(f"contains({local}, strftime({dob}, '{f}'))" for f in ("%d%m%Y", "%d%m%y", "%Y%m%d")),
        "day": f"contains({local}, strftime({dob}, '%d%m'))",
        "year": f"contains({local}, strftime({dob}, '%Y'))",
        "yy": f"ends_with({local}, strftime({dob}, '%y'))",
    }[form]


def _email_birth_date(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    """One record's email against the other's birth date. People put their birthday or birth
    year in their address (phamtung1982@, lan_111181@), and a sign-up without a birthday field
    then meets the billing record that has one. Where no such pair of values faces each other,
    there is no evidence."""
    def either(form: str) -> str:
        return f"({_email_holds('l', 'r', form)}) OR ({_email_holds('r', 'l', form)})"

    faces = f"{_email_faces_birth_date('l', 'r')} OR {_email_faces_birth_date('r', 'l')}"
    return [
        cll.CustomLevel(f"NOT ({faces})", label_for_charts="missing", base_dialect_str=DIALECT).configure(
            is_null_level=True
        ),
        _level(either("date"), "email holds the other's birth date"),
        _level(either("day"), "email holds the other's birthday (day and month)"),
        _level(either("year"), "email holds the other's birth year"),
        _level(either("yy"), "email's local part ends with the other's two-digit birth year"),
        _else(),
    ]


def _address(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    hi, lo = _two_thresholds(spec, (0.9, 0.8))
    l, r = _l("address_norm"), _r("address_norm")
    return [
        _null("address_norm"),
        # "Phường Tân An, Quận Ninh Kiều" names a ward, where tens of thousands live, and shares
        # five of its six words with an address in another ward of that district: the levels below
        # would weigh an area's words as a street's. The city comparison counts where one lives.
        _no_evidence(
            f"{_area_only(l)} OR {_area_only(r)}", "one address names only an area (ward, district)"
        ),
        _level(f"{l} = {r}", "same address"),
        _level(
            f'"house_number_l" = "house_number_r" AND {_jw(fn, "street")} >= {hi}',
            f"same house number, street Jaro-Winkler >= {hi}",
        ),
        # The same street at another house number is another address, however alike the words
        # ("64 avenue victor hugo", "288 avenue victor hugo"): a level of its own, above the
        # levels that count alike words.
        _level(
            f"{_numbers_apart('address_numbers')} AND ({_words_within('address_words')} >= 0.8"
            f" OR {_jw(fn, 'address_norm')} >= {lo})",
            "other house number, street alike",
        ),
        _level(
            f"{_words_within('address_words')} >= 0.8 AND least(array_length(string_split({l}, ' ')), array_length(string_split({r}, ' '))) >= 3",
            "most words of one address within the other (any order)",
        ),
        _level(f'{_jw(fn, "address_norm")} >= {hi}', f"address Jaro-Winkler >= {hi}"),
        _level(f'{_jw(fn, "address_norm")} >= {lo}', f"address Jaro-Winkler >= {lo}"),
        _else(),
    ]


def _area_only(address: str) -> str:
    """SQL: the address begins with an area's name ("phuong 14 quan 10"; "Ward 5, District 3" is
    standardised so too), so names no street. ``AREA_WORDS`` are the large areas only: the reader's
    small ones (a hamlet, a quarter) are where many a rural address ends."""
    return "(" + " OR ".join(f"{address} LIKE '{word} %'" for word in AREA_WORDS) + ")"


def _exact(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    c = spec.column
    assert c is not None
    by = spec.difference_counted_by
    counted = [] if by is None else [
        _no_evidence(f"{_l(c)} <> {_r(c)} AND {_l(by)} <> {_r(by)}", f"different {c}, {by} different too (counted there)")
    ]
    return [
        _null(c),
        _level(f"{_l(c)} = {_r(c)}", f"same {c}", tf=c if spec.term_frequency else None),
        *counted,
        _else(),
    ]


def _city(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    """The exact kind's levels, and a place beside the Vietnamese province that absorbed it in
    July 2025 (``ABSORBED_2025``) as no evidence: "Vũng Tàu" then and "TP. Hồ Chí Minh" now name
    one place. Two places that one province absorbed are still two places."""
    c = spec.column
    assert c is not None
    *levels, different = _exact(spec, fn)
    # One IN list of both orders, not a CASE per side: DuckDB 2.0 fails to bind two CASEs ORed.
    pairs = sorted(f"'{a}/{b}'" for place, into in ABSORBED_2025.items()
                   for a, b in ((place, into), (into, place)))
    absorbed = f"concat({_l(c)}, '/', {_r(c)}) IN ({', '.join(pairs)})"
    renamed = _no_evidence(absorbed, "a place and the province that absorbed it (2025)")
    return [*levels, renamed, different]


def _postcode(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    """The exact kind's levels, and below the same postcode a US ZIP+4 beside its own 5-digit ZIP
    ("20500-0003", "20500"): one record left the +4 out, so weaker evidence than the same ZIP+4 (a
    ZIP holds thousands of addresses, a ZIP+4 a block's side). Two other +4s under one ZIP stay a
    difference: the +4 tells neighbours apart."""
    c = spec.column
    assert c is not None
    missing, same, *rest = _exact(spec, fn)

    def plus4_of(full: str, zip5: str) -> str:
        return f"(length({full}) = 10 AND substr({full}, 6, 1) = '-' AND substr({full}, 1, 5) = {zip5})"

    either = f"{plus4_of(_l(c), _r(c))} OR {plus4_of(_r(c), _l(c))}"
    return [missing, same, _level(either, _ONE_WITHOUT_PLUS_4), *rest]


_ONE_WITHOUT_PLUS_4 = "same ZIP, one without its +4"


def at_most_as_strong(spec: ComparisonSpec) -> dict[str, str]:
    """Levels of ``spec`` that say less than another of its levels (label -> that level's label),
    so weigh no more than it: a ZIP beside its own ZIP+4 against the same ZIP+4, a name's consonants
    in two scripts (which namesakes share more often) against its letters."""
    return {
        "postcode": {_ONE_WITHOUT_PLUS_4: f"same {spec.column}"},
        "person_name": {_ACROSS_SCRIPTS: _SAME_NAME_ANY_ORDER},
    }.get(spec.kind, {})


def _jaro_winkler(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    c = spec.column
    assert c is not None
    levels = _exact(spec, fn)[:2]
    for t in spec.thresholds or (0.9,):
        levels.append(_level(f"{_jw(fn, c)} >= {t}", f"{c} Jaro-Winkler >= {t}"))
    return [*levels, _else()]


def _identifier(spec: ComparisonSpec, fn: _Functions) -> list[cll.ComparisonLevelCreator]:
    """Identifiers of different kinds (``different_documents``: a CMND and the CCCD that replaced
    it, a passport and an id card) are no evidence either way, as a missing one is."""
    c = spec.column
    assert c is not None
    l, r = _l(c), _r(c)
    kinds = f"abs(length({l}) - length({r})) > 1 OR ((lower({l}) = {l}) <> (lower({r}) = {r}))"
    return [
        _null(c),
        _no_evidence(kinds, "identifiers of different kinds"
                            " (an old CMND and its CCCD, a passport and an id card)"),
        _level(f"{l} = {r}", f"same {c}", tf=c if spec.term_frequency else None),
        _level(f"{fn.damerau_levenshtein}({l}, {r}) <= 1", f"{c} one character different or two swapped"),
        _else(),
    ]


@dataclass(frozen=True)
class CountedLevel:
    """A level reached by equal values of one column, so its u can be counted over the values
    (pairs per value) instead of sampled. Random sampling sees a few million of a million
    records' 5e11 pairs: an identifier agrees in about one in a million of them, too rare to
    be seen, and an unseen level would fall back to Splink's default."""

    label: str
    column: str
    where: str = "TRUE"  # the records the level applies to (SQL on one record's columns)
    # A level reached only by pairs that agree on these columns: u is the share of such pairs
    # equal on ``column`` among those that are different people for sure (both know
    # ``different`` and it differs), when that is larger than the share among all pairs.
    among: tuple[str, ...] = ()
    different: str | None = None
    # Whether u is counted among records of people known to be different (birth dates far
    # apart) instead: a value mostly shared by one customer's own records (a mobile number)
    # leaves little of the count over all pairs once the matches are taken out.
    among_strangers: bool = False
    # Whether such pairs are presumed to share the value (a name-only email: namesakes write
    # the same one) until the count shows otherwise: u is then the count's upper bound, and
    # the level weighs nothing where there are too few such pairs to count.
    presumed_shared: bool = False
    # The level below an ``among`` one: pairs equal on those columns reached that one instead.
    excluding: tuple[str, ...] = ()


def counted_levels(spec: ComparisonSpec) -> list[CountedLevel]:
    """The levels of ``spec`` whose u is counted, not sampled (a level with a term-frequency
    adjustment takes its u from the value's frequency instead)."""
    c = spec.column
    return {
        "phone": [
            CountedLevel("same mobile number", "phone", "phone_type = 'mobile'", among_strangers=True),
            CountedLevel("same landline or other number", "phone", "phone_type IS DISTINCT FROM 'mobile'",
                         among_strangers=True),
        ],
        "email": [
            CountedLevel(_DIGITS_NAMESAKES, "email_key", "email_local_digits", ("family", "given"), "date_of_birth"),
            CountedLevel("same email (local part has digits)", "email_key", "email_local_digits",
                         excluding=("family", "given")),
            CountedLevel(_NAME_ONLY_NAMESAKES, "email_key", "NOT email_local_digits", ("family", "given"),
                         "date_of_birth", presumed_shared=True),
        ],
        "date_of_birth": [CountedLevel("same date of birth", "date_of_birth")],
        "address": [CountedLevel("same address", "address_norm", among_strangers=True)],
    }.get(spec.kind, [CountedLevel(f"same {c}", c, among_strangers=True)] if c else [])


_KINDS = {
    "person_name": _person_name,
    "date_of_birth": _date_of_birth,
    "phone": _phone,
    "email": _email,
    "email_birth_date": _email_birth_date,
    "address": _address,
    "exact": _exact,
    "city": _city,
    "postcode": _postcode,
    "jaro_winkler": _jaro_winkler,
    "identifier": _identifier,
}


# How many of a kind's lowest levels mean "the values disagree" (gamma 0 is the else level).
# For names the weak fuzzy level and "same family name only" disagree too: Vietnamese names
# share family names and syllables, so those levels are reached by different people.
_DISAGREEING_LEVELS = {"person_name": 3}


def disagreeing_gammas(spec: ComparisonSpec) -> tuple[int, ...]:
    return tuple(range(_DISAGREEING_LEVELS.get(spec.kind, 1)))


# How many of a kind's strongest levels count as agreeing when a guard is lifted: an
# identifier one typo apart is still that person's (a twin's differs in many places); the
# same email is, whatever its levels make of the names.
_LIFTING_LEVELS = {"identifier": 2, "email": 5}


def lifting_gammas(spec: ComparisonSpec) -> tuple[int, ...]:
    """The gammas at which a comparison lifts a guard: its strongest level(s)."""
    levels = _KINDS[spec.kind](spec, _Functions.of(DIALECT))
    top = sum(not getattr(lv, "is_null_level", False) for lv in levels) - 1  # else = 0; null levels have none
    return tuple(range(top, top - _LIFTING_LEVELS.get(spec.kind, 1), -1))


@dataclass(frozen=True)
class AgreementGuard:
    """A comparison that must agree for a pair to link automatically (``must_agree``), unless
    all comparisons of one of its ``unless_agree`` groups agree exactly, or one of its
    ``unless_agree_unrelated`` ones does while this one is at its else level (gamma 0). Batch
    (SQL) and real time (Python) both apply it from here."""

    comparison: str
    disagreeing: tuple[int, ...]
    unless: tuple[tuple[tuple[str, tuple[int, ...]], ...], ...]  # groups of (comparison, its lifting gammas)
    unless_unrelated: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def blocks(self, gammas: Mapping[str, int]) -> bool:
        own = gammas[self.comparison]
        lifted = any(all(gammas[c] in g for c, g in group) for group in self.unless) or (
            own == 0 and any(gammas[c] in g for c, g in self.unless_unrelated)
        )
        return own in self.disagreeing and not lifted

    def sql(self) -> str:
        disagree = _gamma_in(self.comparison, self.disagreeing)
        lifts = [f"({' AND '.join(_gamma_in(c, g) for c, g in group)})" for group in self.unless]
        if self.unless_unrelated:
            either = " OR ".join(_gamma_in(c, g) for c, g in self.unless_unrelated)
            lifts.append(f"(gamma_{self.comparison} = 0 AND ({either}))")
        return f"({disagree} AND NOT ({' OR '.join(lifts)}))" if lifts else f"({disagree})"


def _gamma_in(comparison: str, gammas: tuple[int, ...]) -> str:
    return f"gamma_{comparison} IN ({', '.join(str(g) for g in gammas)})"


def agreement_guards(spec: MatchingSpec) -> list[AgreementGuard]:
    by_name = {c.name: c for c in spec.comparisons}

    def tops(names: list[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
        return tuple((n, lifting_gammas(by_name[n])) for n in names)

    return [
        AgreementGuard(
            c.name, disagreeing_gammas(c), tuple(tops(group) for group in c.unless_agree_groups),
            tops(c.unless_agree_unrelated),
        )
        for c in spec.comparisons
        if c.must_agree
    ]


def blocking_guard(guards: Sequence[AgreementGuard], gammas: Mapping[str, int]) -> str | None:
    """The comparison whose guard keeps a pair of these levels from linking, if any."""
    return next((guard.comparison for guard in guards if guard.blocks(gammas)), None)


def compile_comparison(spec: ComparisonSpec, dialect: str = DIALECT) -> ComparisonCreator:
    return cl.CustomComparison(
        comparison_levels=_KINDS[spec.kind](spec, _Functions.of(dialect)),
        output_column_name=spec.name,
        comparison_description=f"{spec.kind} comparison {spec.name}",
    )


def compile_settings(spec: MatchingSpec, dialect: str = DIALECT) -> SettingsCreator:
    """The Splink settings for a dedupe over all sources' standardised records in one table,
    for a backend of ``dialect`` (pass the same to ``get_settings``)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[compile_comparison(c, dialect) for c in spec.comparisons],
        blocking_rules_to_generate_predictions=[
            block_on(f"block_{i}") if rule.max_block_size is not None else block_on(*rule.columns)
            for i, rule in enumerate(spec.blocking_rules())
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
