"""Phone numbers to E.164, with Vietnam's 2018 mobile renumbering undone before validation.

Customer records written before 2018 still carry 11-digit mobiles (0168 123 4567) that are the
same subscriber as today's 10-digit number (038 123 4567); matching needs both in one form.
A number phonenumbers calls invalid keeps its E.164 form: its metadata lags new ranges, so
validity is a quality flag, not a reason to lose a matching key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from mdm.standardise.text import in_scientific_notation, nfc_clean, without_float_fraction


@dataclass(frozen=True, slots=True)
class StdPhone:
    original: str | None
    e164: str | None
    is_valid: bool
    line_type: str | None  # "mobile" | "fixed_line" | "other"
    flags: tuple[str, ...]
    others: tuple[str, ...] = ()  # E.164 of the field's other numbers ("0912 345 678 / 028 3822 1234")
    # The extension written after the number ("Durchwahl 12", "030/1234567-12"): the E.164 is the
    # switchboard's, which a company's employees share; the extension tells them apart.
    extension: str | None = None


# Old 3-digit mobile prefixes (after the trunk 0) and their 2-digit replacements from 2018.
_OLD_VN_MOBILE = MappingProxyType(
    {
        **{f"16{d}": f"3{d}" for d in "23456789"},
        "120": "70",
        "121": "79",
        "122": "77",
        "126": "76",
        "128": "78",
        "123": "83",
        "124": "84",
        "125": "85",
        "127": "81",
        "129": "82",
        "186": "56",
        "188": "58",
        "199": "59",
    }
)
# Today's Vietnamese mobile prefixes (after the trunk 0), to type numbers in ranges phonenumbers
# does not know yet (MATCHING.md: mobile vs landline matters for matching).
_VN_MOBILE_PREFIXES = frozenset(
    (
        "32 33 34 35 36 37 38 39 52 55 56 58 59 70 76 77 78 79"
        " 81 82 83 84 85 86 87 88 89 90 91 92 93 94 96 97 98 99"
    ).split()
)
# German and Austrian numbers write it "Durchwahl 12", "DW 12", "Nebenstelle 12" (Nst.), French "poste 12",
# Spanish "extensión 12": left on, its digits were read as part of the number (+4930123456712). So do
# Russian "доб. 12", Ukrainian "дод.", Greek "εσωτ.", Italian "interno", Dutch "toestel", Polish "wew.",
# Portuguese "ramal", Turkish "dahili", Korean 내선, Japanese 内線, Chinese 转 or 分机.
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extensi[oó]n|x|#|máy lẻ|ml"
                        r"|durchwahl|dw\.?|nebenstelle|nst\.?|poste"
                        r"|доб\.?|добавочный|дод\.?|εσωτ\.?|εσωτερικό"
                        r"|interno|toestel|tst\.?|wew\.?|ramal|dahili"
                        r"|내선|内線|内线|转|轉|分机|分機)\s*:?\s*(\d{1,6})\s*$")
# DIN 5008 writes an extension after a hyphen ("030/1234567-12", "+49 30 1234567-0"): read as one only
# after a whole number (valid, and as long as its region's example of its type), as "0912-345-678" and
# "030 123-4567" group a number's own digits with hyphens.
_HYPHENATED_TAIL = re.compile(r"^(.*\d)\s*-\s*(\d{1,5})$")
_SEPARATOR = re.compile(r"[;,/|&\n]|\s(?:or|hoặc|hoac)\s")
# "0901234567 - 0912345678", "0901234567 0912345678": whole numbers one after another with only
# spaces or a dash between them, where the field read as one number gives none (see _side_by_side).
_GAP = re.compile(r"(?<=\d)[\s\-\u2013\u2014]+(?=[\d+(])")
_NOT_DIGIT_OR_PLUS = re.compile(r"[^\d+]")
_LINE_TYPES = MappingProxyType(
    {
        PhoneNumberType.MOBILE: "mobile",
        PhoneNumberType.FIXED_LINE_OR_MOBILE: "mobile",
        PhoneNumberType.FIXED_LINE: "fixed_line",
    }
)
_MIN_DIGITS = 7
_MAX_DIGITS = 17  # 15 (the E.164 maximum) plus a written trunk or "00" prefix
_MAX_E164_LENGTH = 16
_MIN_WITH_COUNTRY_CODE = 10  # a country code and a national number; shorter is a national number


def _digits(segment: str) -> tuple[bool, str]:
    """(written with an international prefix, the digits)."""
    compact = _NOT_DIGIT_OR_PLUS.sub("", segment)
    international = compact.startswith("+")
    digits = compact.replace("+", "")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    return international, digits


def _vn_renumber(nsn: str) -> str | None:
    """Today's national significant number for a pre-2018 10-digit one, else None."""
    if len(nsn) == 10 and nsn[:3] in _OLD_VN_MOBILE:
        return _OLD_VN_MOBILE[nsn[:3]] + nsn[3:]
    return None


# A Hà Nội landline written with its area code before 2017 ("04 3822 1234", now 024 3822 1234):
# no Vietnamese number starts with 4 today. HCMC's 08 (now 028) is left: "08 3822 1234" is also
# today's mobile 083 822 1234.
_OLD_HANOI = re.compile(r"\+844\d{8}")


# Brazil gave every mobile number a ninth digit, a 9 before its eight (2012–2016): a mobile written
# before then ("(21) 8765-4321", +55 21 8765 4321) is today's +55 21 98765 4321. Mobiles' eight digits
# started with 6 to 9; landlines' start with 2 to 5 and kept theirs.
_OLD_BR_MOBILE = re.compile(r"\+55([1-9][0-9])([6-9][0-9]{7})")


def _br_ninth_digit(parsed: tuple[str, bool, str]) -> tuple[str, bool, str] | None:
    """Today's number of an old Brazilian mobile that no reading makes valid, if valid."""
    old = _OLD_BR_MOBILE.fullmatch(parsed[0]) if not parsed[1] else None
    today = _parse(f"+55{old[1]}9{old[2]}", None, "") if old else None
    return today if today is not None and today[1] else None


def _candidate(international: bool, digits: str, region: str | None) -> tuple[str, bool]:
    """The string to parse and whether an old Vietnamese mobile prefix was converted."""
    if not international and region == "VN" and len(digits) in (11, 12) and digits.startswith("84"):
        international = True
    if international and digits.startswith("84"):
        nsn = digits[3:] if digits.startswith("840") else digits[2:]
    elif not international and region == "VN":
        nsn = digits[1:] if digits.startswith("0") else digits
    else:
        return ("+" if international else "") + digits, False
    renumbered = _vn_renumber(nsn)
    if renumbered is None:
        return ("+" if international else "") + digits, False
    return "+84" + renumbered, True


def _with_country_code(digits: str) -> phonenumbers.PhoneNumber | None:
    """The number read as "+digits" when that is valid: a country code written without "+"
    ("1-646-705-1859", a JSON number 61412345678) is not a national number of the region."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _own_code_first(digits: str, region: str | None) -> bool:
    """Whether digits written without "+" start with their region's country code and not its
    trunk prefix, as "4915112345678" in Germany: a national number starts with the trunk prefix
    (0151 ...), so this is the international form with its "+" lost, though the region's variable
    length numbers would read it as valid too (+49 4915 ...)."""
    if not region:
        return False
    trunk = getattr(phonenumbers.PhoneMetadata.metadata_for_region(region), "national_prefix", None)
    code = str(phonenumbers.country_code_for_region(region))
    return bool(trunk) and not digits.startswith(trunk) and digits.startswith(code)


def _line_type(number: phonenumbers.PhoneNumber, nsn: str, is_valid: bool) -> str:
    if not is_valid and number.country_code == 84 and len(nsn) == 9 and nsn[:2] in _VN_MOBILE_PREFIXES:
        return "mobile"
    return _LINE_TYPES.get(phonenumbers.number_type(number), "other")


def _is_stable(e164: str, nsn: str, is_valid: bool) -> bool:
    """Whether e164 is a usable key: a plausible length, not one repeated digit, and read back the
    same (phonenumbers may strip a leading trunk digit again from its own output for junk)."""
    if not _MIN_DIGITS < len(e164) <= _MAX_E164_LENGTH or len(set(nsn)) == 1:
        return False
    if is_valid:
        return True
    return phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.E164) == e164


def _vn_national(candidate: str, region: str | None) -> str | None:
    """The national significant number of a candidate written as a whole Vietnamese number
    ("+84912345678", or "0912345678" in region VN), else None."""
    if candidate.startswith("+84") and len(candidate) == 12:
        nsn = candidate[3:]
    elif region == "VN" and candidate.startswith("0") and len(candidate) == 10:
        nsn = candidate[1:]
    else:
        return None
    return nsn if nsn.isdigit() and nsn[0] != "0" else None


# Vietnam's numbering plan decides a number's type by its first digits and its length: every
# pattern in phonenumbers' VN metadata is a prefix of at most this many digits followed by
# any digits (a test checks it against the installed metadata).
VN_TYPE_PREFIX = 4


@lru_cache(maxsize=4096)
def vn_number_type(prefix: str, length: int) -> int:
    """phonenumbers' type of any Vietnamese national number of ``length`` digits that starts
    with ``prefix`` (VN_TYPE_PREFIX digits): typing each number costs more than the rest of it."""
    nsn = prefix + "0" * (length - len(prefix))
    return phonenumbers.number_type(phonenumbers.PhoneNumber(country_code=84, national_number=int(nsn)))


@lru_cache(maxsize=1 << 18)
def _parse(candidate: str, region: str | None, digits: str) -> tuple[str, bool, str] | None:
    """(E.164, valid, line type) of a candidate number; None when it gives no usable key.

    Most numbers are whole Vietnamese ones: those are built as a number directly, skipping
    phonenumbers' text parsing (a third of standardising a record); only a valid one is kept
    that way, anything else takes the general path."""
    nsn = _vn_national(candidate, region)
    if nsn is not None:
        # Vietnam is its calling code's only region: a number is valid there when it has a type.
        kind = vn_number_type(nsn[:VN_TYPE_PREFIX], len(nsn))
        if kind != PhoneNumberType.UNKNOWN and _is_stable("+84" + nsn, nsn, True):
            return "+84" + nsn, True, _LINE_TYPES.get(kind, "other")
    return _parse_text(candidate, region, digits)


def _parse_text(candidate: str, region: str | None, digits: str) -> tuple[str, bool, str] | None:
    """:func:`_parse` through phonenumbers' text parsing, for any number."""
    try:
        number = phonenumbers.parse(candidate, region)
        is_valid = phonenumbers.is_valid_number(number)
        if (not is_valid or _own_code_first(digits, region)) and not candidate.startswith("+") \
                and len(digits) >= _MIN_WITH_COUNTRY_CODE:
            alternative = _with_country_code(digits)
            if alternative is not None:
                number, is_valid = alternative, True
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        nsn = phonenumbers.national_significant_number(number)
        if not _is_stable(e164, nsn, is_valid):
            return None
        return e164, is_valid, _line_type(number, nsn, is_valid)
    except Exception:  # phonenumbers raises NumberParseException and, on odd input, others
        return None


def _is_placeholder(e164: str) -> bool:
    """A number typed to get past a required field: after its country code, nothing but digits
    counting up or down ("0123 456 789", "0987 654 321"); thousands of customers "share"
    +84123456789. A run inside a number ("0912 345 678") is left alone: Vietnamese operators
    sell such numbers, as they do 0988 888 888 (one digit repeated never parses)."""
    digits = e164.lstrip("+")
    # Country codes are prefix-free: the one of length 1, 2 or 3 that is known is the code.
    code = next((n for n in (1, 2, 3) if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE), 0)
    national = digits[code:]
    steps = {int(b) - int(a) for a, b in zip(national, national[1:], strict=False)}
    return len(national) >= 8 and steps in ({1}, {-1})


def standardise_phone(value: str | None, region: str | None = "VN", home: str | None = None) -> StdPhone:
    """E.164 form, validity and line type; region applies to numbers written without a country
    code. ``home`` is the record's own country, where known: a number invalid in ``region`` but
    valid there is read there ("07481 719029" from a customer in London)."""
    text = nfc_clean(value)
    if text is None:
        return StdPhone(value, None, False, None, ())
    if in_scientific_notation(text):
        return StdPhone(value, None, False, None, ("phone_scientific_notation",))
    text = without_float_fraction(text)
    region = region.upper() if region else None
    home = home.upper() if home else None
    # "0912 345 678 / 0987 654 321": two numbers, read as the first valid one (else the first
    # that gives a number, else the first);
    # "0157/57336695": one number with a slash.
    if _SEPARATOR.search(text):
        segments = [s for s in _SEPARATOR.split(text) if sum(ch.isdigit() for ch in s) >= _MIN_DIGITS]
        if len(segments) > 1:
            return _several([_standardise_one(value, s, region, home) for s in segments])
    phone = _standardise_one(value, text, region, home)
    if not phone.is_valid and sum(ch.isdigit() for ch in text) >= 2 * _MIN_DIGITS:
        phones = _side_by_side(value, text, region, home)
        if phones:
            return _several(phones)
    return phone


def _several(phones: list[StdPhone]) -> StdPhone:
    """The first valid of the numbers one field holds (else the first that gives a number, else the
    first), flagged ``phone_multiple``, with the others'."""
    phone = next((p for p in phones if p.is_valid), next((p for p in phones if p.e164), phones[0]))
    others = tuple(dict.fromkeys(p.e164 for p in phones if p.e164 not in (None, phone.e164)))
    return replace(phone, flags=("phone_multiple", *phone.flags), others=others)


def _side_by_side(value: str, text: str, region: str | None, home: str | None) -> list[StdPhone] | None:
    """The whole numbers ``text`` writes one after another with only spaces or a dash between them
    (a call centre's "0901234567 - 0912345678"), or None: each part must be a valid number as long
    as its type's (see :func:`_whole`), so an invalid number's digits are never cut into two."""
    for gap in _GAP.finditer(text):
        first = _standardise_one(value, text[:gap.start()], region, home)
        if not _whole(first):
            continue
        rest = _standardise_one(value, text[gap.end():], region, home)
        others = [rest] if _whole(rest) else _side_by_side(value, text[gap.end():], region, home)
        if others:
            return [first, *others]
    return None


def _whole(phone: StdPhone | phonenumbers.PhoneNumber) -> bool:
    """Whether a number is valid and as long as its region's example of its type: "030 123" is a
    valid German number, but the start of "030 1234567"."""
    if isinstance(phone, StdPhone):
        if not phone.is_valid or phone.extension is not None:
            return False
        phone = phonenumbers.parse(phone.e164, None)
    elif not phonenumbers.is_valid_number(phone):
        return False
    example = phonenumbers.example_number_for_type(
        phonenumbers.region_code_for_number(phone), phonenumbers.number_type(phone))
    return example is not None and len(phonenumbers.national_significant_number(phone)) >= len(
        phonenumbers.national_significant_number(example))


def _split_extension(text: str, region: str | None) -> tuple[str, str | None]:
    """(``text`` without its extension, the extension): one after a word (see :data:`_EXTENSION`)
    or after a hyphen (see :data:`_HYPHENATED_TAIL`)."""
    written = _EXTENSION.search(text)
    if written is not None:
        return text[:written.start()], written[1]
    tail = _HYPHENATED_TAIL.match(text)
    if tail is None:
        return text, None
    try:
        number = phonenumbers.parse(tail[1], region)
    except phonenumbers.NumberParseException:
        return text, None
    return (tail[1], tail[2]) if _whole(number) else (text, None)


# Numbers businesses rent to be spelt in letters: toll-free, shared-cost, premium-rate and
# universal access numbers ("1-800-FLOWERS", "0800 FLOWERS"). Letters past the number's length
# ("1-800-FLOWERS-NOW", which the keypad ignores) make it too long, and it is not read.
_VANITY_TYPES = frozenset((PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST,
                           PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN))
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _standardise_one(value: str, text: str, region: str | None, home: str | None) -> StdPhone:
    """:func:`standardise_phone` of one number ``text`` written in the field ``value``. A vanity
    number ("1-800-FLOWERS") is read with its letters as the keypad's digits, where that gives a
    business's number (flagged ``phone_vanity``): its digits alone were "1800", no number. Letters
    that spell no such number (a note, "0912 ABC 123") are left out as before."""
    number, extension = _split_extension(text, region)
    if _ASCII_LETTER.search(number) and phonenumbers.is_alpha_number(number):
        spelt = _read_number(value, phonenumbers.convert_alpha_characters_in_number(number), extension,
                             region, home)
        if spelt.is_valid and phonenumbers.number_type(phonenumbers.parse(spelt.e164)) in _VANITY_TYPES:
            return replace(spelt, flags=("phone_vanity", *spelt.flags))
    return _read_number(value, number, extension, region, home)


def _read_number(value: str, number: str, extension: str | None, region: str | None,
                 home: str | None) -> StdPhone:
    """The number ``number`` (its extension split off) of the field ``value``."""
    international, digits = _digits(number)
    if not (_MIN_DIGITS <= len(digits) <= _MAX_DIGITS) or len(set(digits)) == 1:
        return StdPhone(value, None, False, None, ("phone_unparseable",))
    candidate, renumbered = _candidate(international, digits, region)
    # With a "+", neither the region nor the written digits matter: "0912 345 678" and
    # "+84 912.345.678" share one parse.
    parsed = _parse(candidate, None, "") if candidate.startswith("+") else _parse(candidate, region, digits)
    if home and home != region and not international and (
            parsed is None or not parsed[1] or _not_national(digits, region)):
        at_home = _parse(digits, home, digits)
        if at_home is not None and at_home[1]:
            parsed, renumbered = at_home, False
    if (parsed is None or not parsed[1]) and not international and digits.startswith("80"):
        parsed = next((p for r in dict.fromkeys((region, home)) if (p := _long_distance_eight(digits, r))),
                      parsed)
    if parsed is None and region is None and not international and len(digits) >= _MIN_WITH_COUNTRY_CODE:
        # No region to read a national number in: digits that are a whole number with their country
        # code lost only its "+" (an integer column's 4915112345678), as they would with a region.
        with_code = _parse("+" + digits, None, "")
        parsed = with_code if with_code is not None and with_code[1] else None
    if parsed is not None and not parsed[1] and _OLD_HANOI.fullmatch(parsed[0]) \
            and (international or home in (None, "VN")):
        # Only a number no reading makes valid, of a customer not known to live abroad: "0409 997 608"
        # from Perth is an Australian mobile, and "0441 046 037" one in a range phonenumbers lacks.
        today = _parse("+8424" + parsed[0][4:], None, "")
        if today is not None and today[1]:
            parsed, renumbered = today, True
    if parsed is None:
        return StdPhone(value, None, False, None, ("phone_unparseable",))
    ninth = _br_ninth_digit(parsed)
    e164, is_valid, line_type = ninth or parsed
    if _is_placeholder(e164):
        return StdPhone(value, None, False, None, ("phone_placeholder",))
    flags = (("phone_old_vn_prefix_converted",) * renumbered
             + ("phone_old_br_mobile_converted",) * bool(ninth) + ("phone_invalid",) * (not is_valid))
    return StdPhone(value, e164, is_valid, line_type, flags, extension=extension)


# Former Soviet countries whose numbers are now written with the trunk "0": "80" opens none of them.
_SOVIET_EIGHT = frozenset("UA MD GE AM AZ KG".split())


def _long_distance_eight(digits: str, region: str | None) -> tuple[str, bool, str] | None:
    """A national number written after the Soviet long-distance 8, as Ukraine dialled until 2010 and
    its customers still write ("8 067 123 45 67": 067 123 45 67, +380671234567). Only where that
    makes it valid."""
    if region not in _SOVIET_EIGHT:
        return None
    parsed = _parse(digits[1:], region, digits[1:])
    return parsed if parsed is not None and parsed[1] else None


def _not_national(digits: str, region: str | None) -> bool:
    """Whether digits are not written as a national number of ``region`` is: without the trunk "0"
    its numbers are always written with (Sweden's 070-123 45 67, the Netherlands', Vietnam's). A
    Polish customer's "501 234 567" in a Swedish source is a Polish number, though +46 501234567
    is also a valid Swedish one (where a national number is written with no trunk prefix, as in
    Poland and Denmark, or an optional one, as in the US, a number tells nothing so)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "")
    return metadata is not None and metadata.national_prefix == "0" and not digits.startswith("0")


def phone_country(e164: str | None) -> str | None:
    """The country (ISO 3166 alpha-2) an E.164 number belongs to: None for one without a "+"
    (its country unknown) and for a non-geographic number."""
    if not e164 or not e164.startswith("+"):
        return None
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region.isalpha() and region != phonenumbers.UNKNOWN_REGION else None


# What the start of a number may be written with: its digits, "+", and the separators people type.
_NUMBER_START = re.compile(r"^[\d\s+().\-/]+$")


def e164_start(text: str, region: str | None) -> str | None:
    """The start of the E.164 form of the numbers ``text`` is the start of ("0901 23" in VN:
    "+8490123", its trunk 0 dropped), for a search by the digits a person has; None for text that
    is not a number's start (letters, or national digits with no region to read them in). A
    Vietnamese mobile's pre-2018 prefix is today's, as its records hold it ("0168 123": "+8438123")."""
    if not _NUMBER_START.match(text):
        return None
    international, digits = _digits(text)
    if not digits or not (international or region):
        return None
    if international:
        start = "+" + digits
    else:
        trunk = getattr(phonenumbers.PhoneMetadata.metadata_for_region(region), "national_prefix", None)
        if trunk and digits.startswith(trunk):
            digits = digits[len(trunk):]
        start = f"+{phonenumbers.country_code_for_region(region)}{digits}"
    if start.startswith("+84") and start[3:6] in _OLD_VN_MOBILE:
        return f"+84{_OLD_VN_MOBILE[start[3:6]]}{start[6:]}"
    return start
