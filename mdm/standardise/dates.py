"""Dates of birth and record timestamps.

Birth dates arrive day-first (Vietnamese), ISO, with month names (English and the common European
languages'), in Vietnamese words
("ngày 25 tháng 3 năm 1990"), as a spreadsheet's date serial (32874) or as a time since 1970 in
milliseconds or seconds (JavaScript's 486432000000). Placeholder and
impossible dates are dropped with a flag: a shared 1900-01-01 would otherwise look like strong
evidence that two people are the same.

A birth date's two-digit year ("03/05/25") is the latest such date not after today: an age of 0
to 99. Its century is a guess either way (a one-year-old customer, or a 101-year-old), but minors
outnumber centenarians in any customer base, and it is how such dates were read before, so two
readings of one person disagree no more than they did. It is always flagged `dob_two_digit_year`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

from mdm.standardise.text import fold, nfc_clean, to_ascii_lower, unaccented_lower, without_float_fraction


@dataclass(frozen=True, slots=True)
class StdDate:
    original: str | None
    value: dt.date | None
    flags: tuple[str, ...]


# Month names and abbreviations, folded, in English, German, French, Spanish, Italian, Dutch,
# Portuguese, Hungarian, and Russian and Ukrainian as transliterated, in the genitive a date writes
# too ("6. März 1969", "6 de marzo de 1969", "1969. március 6.", "6 марта 1969"). A token shared by
# several languages ("mar", "mai", "set", "ago", "dez", "listopad") is the same month in each; "jui"
# (June or July in French) is left out.
_MONTHS = MappingProxyType(
    {
        name: number
        for number, names in enumerate(
            (
                "jan january januar janner jaenner janvier janv enero ene gennaio gen januari janeiro"
                " ianvar ianvaria ianv sichen sichnia",
                "feb february februar fevrier fevr fev febrero febbraio februari fevereiro febr fevral"
                " fevralia liutii liutogo",
                "mar march marz maerz mars marzo maart mrt marco marcius marc mart marta berezen bereznia",
                "apr april avril avr abril abr aprile aprilis aprel aprelia kviten kvitnia",
                "may mai mayo maggio mag mei maio majus maj maia traven travnia",
                "jun june juni juin junio giugno giu junho junius iiun iiunia cherven chervnia",
                "jul july juli juillet juil julio luglio lug julho julius iiul iiulia lipen lipnia",
                "aug august aout agosto ago augustus augusztus avgust avgusta avg serpen serpnia",
                "sep sept september septembre septiembre setiembre set settembre setembro szeptember"
                " szept sentiabr sentiabria veresen veresnia",
                "oct october oktober okt octobre octubre ottobre ott outubro out oktiabr oktiabria"
                " zhovten zhovtnia",
                "nov november novembre noviembre novembro noiabr noiabria listopad listopada",
                "dec december dezember dez decembre diciembre dic dicembre dezembro dekabr dekabria"
                " dek gruden grudnia",
            ),
            start=1,
        )
        for name in names.split()
    }
)
# "ngày 25 tháng 3 năm 1990"; "6 de marzo de 1969", "6 de março de 1969"; "le 6 mars", "den 6. März";
# the year's word after it, "6 марта 1969 г." ("goda"), Ukrainian "р." ("roku")
_FILLER = frozenset("ngay thang thg nam sinh of the de del le den g goda r roku".split())
# Weekday names, folded, in the month names' languages ("Donnerstag, 6. März 1969", "jeudi 6 mars 1969",
# "jueves, 6 de marzo de 1969", Portuguese "quinta-feira"), as long dates write them; their
# abbreviations are left out where they are other words (French "mar", German "do").
_WEEKDAYS = frozenset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday"
    " montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag"
    " lundi mardi mercredi jeudi vendredi samedi dimanche"
    " lunes martes miercoles jueves viernes sabado domingo"
    " lunedi martedi mercoledi giovedi venerdi domenica"
    " maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"
    " segunda terca quarta quinta sexta feira".split()
)
# A Vietnamese weekday before a date ("Thứ Năm, 06/03/1969", "thứ 5, 6/3/1969", "T5", "Chủ nhật", "CN"),
# written in words or as its number: only before a date of digits or "ngày" (English "Thu 5 Mar 1969"
# keeps its day). After a date, as a form's date picker writes it ("06/03/1969 - thứ 5", "6/3/1969
# (Thứ Tư)", "(T5)"), only after its year's last digit. Like an English weekday, it is not checked
# against the date: the date is what was picked, the weekday what the picker added.
_VN_WEEKDAY_WORD = r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn|t[2-7])"
_VN_WEEKDAY = re.compile(
    rf"^{_VN_WEEKDAY_WORD}(?:\s*[,.]\s*|\s+)(?=ngay\b|\d{{1,2}}\s*[/.-]\s*\d)"
    rf"|(?<=\d)(?:\s*[,(-]\s*|\s+){_VN_WEEKDAY_WORD}\s*\)?$"
)
# The number or word after "tháng" is its month, wherever it stands ("Tháng 3 6, 1969" is 6 March, and
# "ngày 6 tháng 3" is in any source's date order); "tháng Năm" (May) is left out, as "năm" is also "year".
_VN_MONTH = re.compile(
    r"\b(?:thang|thg)\s*(1[0-2]|0?[1-9]|gieng|hai|ba|tu|sau|bay|tam|chin|muoi mot|muoi hai|muoi|chap)\b"
)
_VN_MONTH_WORDS = MappingProxyType({
    "gieng": 1, "hai": 2, "ba": 3, "tu": 4, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10,
    "muoi mot": 11, "muoi hai": 12, "chap": 12,
})
_MONTH_NAME = {number: name for name, number in reversed(_MONTHS.items())}  # its first name: 3 is "mar"
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er)$")  # French "1er mars"
# A time of day after the date ("1990-03-25T00:00:00Z", "25/03/1990 00:00"): ignored for a birth date.
# Its offset may leave out zero minutes, as PostgreSQL writes a timestamptz ("... 00:00:00+07").
_TRAILING_TIME = re.compile(
    r"(?i)(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:am|pm|z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_PLACEHOLDERS = frozenset({dt.date(1900, 1, 1), dt.date(1970, 1, 1)})
_EARLIEST = dt.date(1900, 1, 1)

# A time of day may be on a 12-hour clock, as US spreadsheets and CRM reports write it ("10:00 PM").
_CLOCK = r"(?:,?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?$"
_DMY_TIME = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _CLOCK)
# A date written with dots ("06.03.1969") is day-first wherever people write it so (German, Russian,
# Vietnamese, Turkish ...): a month_first source's dotted date is no US one's 03/06/1969.
_DOTTED = re.compile(r"^\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})\b")
_YMD_TIME = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})" + _CLOCK)
# A time zone written as a word after the time: BigQuery and Google Sheets export "... 10:00:00 UTC".
_UTC_WORD = re.compile(r"(?i)\s+(?:UTC|GMT)$")
# An offset set off by a space, as Java's "yyyy-MM-dd HH:mm:ss Z" writes it: "... 10:00:00 +0700".
_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
# A date with its month's name, then maybe a time and its offset: "1 Mar 2024 10:00", "Mar 1, 2024
# 10:00 AM", Oracle's default "01-MAR-24 10.00.00.000000 AM", RFC 2822's "1 Mar 2024 10:00:00 +0700";
# the name in any letters ("1. März 2024", "1 марта 2024 г.") or a 年月日 date ("2024年3月1日 10:00"),
# read as a birth date's is.
_NAMED_MONTH_TIME = re.compile(
    r"(?i)^(?P<date>.*?(?:[^\W\d_]{3}|[年년]).*?)"
    r"(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?\s*(?:([ap])\.?m\.?)?"
    r"(?:\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?))?)?$"
)
# Seconds since 1970 may hold a fraction, as Python's time.time() writes them into JSON.
_EPOCH = re.compile(r"^\d{10}(?:\.\d+)?$|^\d{13}$")
# A spreadsheet's date serial (days since 1899-12-30, a fraction for the time of day), as a
# cell formatted as a number exports it: 32874 is 1990-01-01. Five digits only: 1927 to 2173;
# four digits are a year, and a birth before 1927 written as a serial is rare enough to lose.
_SERIAL = re.compile(r"^([0-9]{5})(\.[0-9]+)?$")
_SERIAL_EPOCH = dt.datetime(1899, 12, 30)
# A time since 1970 (JSON exports of JavaScript apps: ``"dob": 486432000000``), negative before it:
# 9 or 10 digits are seconds (1973 to 2286), 11 to 13 milliseconds (1970 to 2286, seconds would be
# past 5000). Fewer digits are a date (19850312) or a serial. One that is also a date and time
# written without separators (197603150930: 15 March 1976, or 6 April 1976 in milliseconds) is not read.
_UNIX_TIME = re.compile(r"^-?[0-9]{9,13}$")
_COMPACT_DATE_TIME = re.compile(
    r"^(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?:[01][0-9]|2[0-3])(?:[0-5][0-9])?$"
)
_UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_TIMESTAMP_LENGTH = 40  # "2024-01-05T10:00:00.123456+07:00" is 32; longer is not a timestamp


class _Impossible(Exception):
    """The text has a date's shape but no calendar has that day."""


def _year(token: str, today: dt.date) -> int | None:
    if len(token) == 4:
        return int(token)
    if len(token) == 2:
        yy = int(token)
        return 1900 + yy if yy > today.year % 100 else 2000 + yy
    return None


def _day_month(first: int, second: int, day_first: bool) -> tuple[int, int, bool]:
    """(day, month, swapped): an order that cannot be right is swapped when the other one can be."""
    day, month = (first, second) if day_first else (second, first)
    if month > 12 and day <= 12:
        return month, day, True
    return day, month, False


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as e:
        raise _Impossible from e


def _from_tokens(tokens: list[str], today: dt.date, day_first: bool) -> tuple[dt.date, bool, bool] | None:
    """(date, day/month swapped, year written with two digits) from folded tokens, or None when
    they are not a date."""
    months = [_MONTHS[t] for t in tokens if t in _MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) + len(numbers) != len(tokens):
        return None
    if len(numbers) == 1 and len(numbers[0]) == 8 and not months:
        n = numbers[0]
        try:
            return dt.date(int(n[:4]), int(n[4:6]), int(n[6:])), False, False
        except ValueError:
            numbers = [n[:2], n[2:4], n[4:]]
    if len(numbers) == 3 and not months and len(numbers[0]) == 4:
        numbers = [numbers[2], numbers[1], numbers[0]]  # ISO order; swapped like any other
        day_first = True
    if len(months) + len(numbers) != 3 or len(months) > 1:
        return None
    if months and len(numbers[0]) == 4:  # "1990 Mar 25"
        numbers.reverse()
    if any(len(n) > 2 for n in numbers[:-1]):
        return None
    year = _year(numbers[-1], today)
    if year is None:
        return None
    two_digit = len(numbers[-1]) == 2
    if months:
        return _make(year, months[0], int(numbers[0])), False, two_digit
    day, month, swapped = _day_month(int(numbers[0]), int(numbers[1]), day_first)
    return _make(year, month, day), swapped, two_digit


def _vn_month(found: re.Match[str]) -> str:
    month = found[1]
    return f" {_MONTH_NAME[int(month) if month.isdigit() else _VN_MONTH_WORDS[month]]} "


# A date as Chinese, Japanese and Korean write it: year, month, day, each followed by its word
# ("1985年2月1日", "1985년 2월 1일"; mainland China also ends it with 号). Transliterated, the words
# would be read as names ("1985 Nian 2 Yue 1 Ri"): the date is written year first with dashes.
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日号일]?")


# Greek month names, in the genitive a date writes ("14 Φεβρουαρίου 1980"), the nominative, or their
# first letters ("Φεβ."), read in Greek letters without accents: their transliteration is not settled
# (Φεβρουαρίου is "phebrouariou" or "fevrouariou").
_GREEK_MONTH = re.compile(r"(?<!\w)(ιαν|φεβ|μαρ|απρ|μαι|ιουν|ιουλ|αυγ|σεπ|οκτ|νοε|δεκ)\w*\.?")
_GREEK_MONTHS = MappingProxyType({stem: number for number, stem in enumerate(
    "ιαν φεβ μαρ απρ μαι ιουν ιουλ αυγ σεπ οκτ νοε δεκ".split(), start=1)})
_GREEK_LETTERS = re.compile(r"[\u0370-\u03ff]")


def _greek_months(text: str) -> str:
    """``text`` with a Greek month's name as the English one, read as any other month's."""
    return _GREEK_MONTH.sub(lambda found: f" {_MONTH_NAME[_GREEK_MONTHS[found[1]]]} ", unaccented_lower(text))


def _tokens(text: str) -> list[str]:
    text = _CJK_DATE.sub(lambda m: "-".join(str(int(part)) for part in m.groups()), text)
    if _GREEK_LETTERS.search(text):
        text = _greek_months(text)
    plain = _VN_WEEKDAY.sub("", to_ascii_lower(_TRAILING_TIME.sub("", text)) or "")
    folded = _VN_MONTH.sub(_vn_month, fold(plain) or "")
    tokens: list[str] = []
    for token in folded.split():
        ordinal = _ORDINAL.match(token)
        if ordinal:
            tokens.append(ordinal.group(1))
        elif token not in _FILLER and token not in _WEEKDAYS:
            tokens.append(token)
    return tokens


# A date and time in UTC ("1990-03-24T17:00:00.000Z"): how JavaScript apps and MongoDB export a
# date picked as local midnight, so its day is the source's, not UTC's.
_UTC_INSTANT = re.compile(r"(?i)^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00(?::?00)?)$")


def standardise_birth_date(
    value: str | None, *, today: dt.date, day_first: bool = True, zone: str = "UTC"
) -> StdDate:
    """A plausible date of birth, or None with the reason in flags. ``zone`` is the source's time
    zone: a birth date written as a UTC time is the day it is there, but at UTC midnight (a date
    stored as one) the day written."""
    text = nfc_clean(value)
    if text is None:
        return StdDate(value, None, ())
    text = without_float_fraction(text)  # a float column's 19850312.0 or 486432000000.0
    if zone != "UTC" and _UTC_INSTANT.match(text):
        try:
            moment = dt.datetime.fromisoformat(text.upper())
        except ValueError:
            return StdDate(value, None, ("dob_impossible",))
        if moment.time() != dt.time(0):
            return _plausible(value, moment.astimezone(ZoneInfo(zone)).date(), today, ())
    if _UNIX_TIME.match(text) and not _COMPACT_DATE_TIME.match(text):
        return _unix_birth_date(value, int(text), len(text.lstrip("-")) > 10, today, zone)
    serial = _SERIAL.match(text)
    if serial and (serial.group(2) is None or not serial.group(2).strip(".0")):
        return _plausible(value, (_SERIAL_EPOCH + dt.timedelta(days=int(serial.group(1)))).date(), today,
                          ("dob_spreadsheet_serial",))
    try:
        parsed = _from_tokens(_tokens(text), today, day_first or bool(_DOTTED.match(text)))
        if parsed is None:
            return StdDate(value, None, ("date_unparseable",))
        date, swapped, two_digit = parsed
        if two_digit and date > today:  # "25/12/26" on 7 December 2026: born in 1926, not dropped
            date = _make(date.year - 100, date.month, date.day)
    except _Impossible:
        return StdDate(value, None, ("dob_impossible",))
    flags = ("dob_day_month_swapped",) * swapped + ("dob_two_digit_year",) * two_digit
    return _plausible(value, date, today, flags)


def _unix_birth_date(value: str | None, number: int, millis: bool, today: dt.date, zone: str) -> StdDate:
    """A time since 1970 as a birth date: the calendar day it is in the source's zone, but at UTC
    midnight (a date stored as one) the day in UTC, as for a UTC time written out. 13 digits
    reach back to 1653 and on to 2286: no overflow."""
    moment = _UNIX_EPOCH + (dt.timedelta(milliseconds=number) if millis else dt.timedelta(seconds=number))
    if moment.time() != dt.time(0):
        moment = moment.astimezone(ZoneInfo(zone))
    return _plausible(value, moment.date(), today, ())


def _plausible(value: str | None, date: dt.date, today: dt.date, flags: tuple[str, ...]) -> StdDate:
    """The date as a birth date, or None with the reason it cannot be one."""
    if date < _EARLIEST:
        return StdDate(value, None, ("dob_impossible",))
    if date in _PLACEHOLDERS:
        return StdDate(value, None, ("dob_placeholder",))
    if date > today:
        return StdDate(value, None, ("dob_future",))
    return StdDate(value, date, flags)


def _naive_utc(moment: dt.datetime, zone: str) -> dt.datetime:
    """UTC without its tzinfo; a time written without an offset is the source's local time."""
    if moment.tzinfo is None:
        if zone == "UTC":
            return moment
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _from_groups(
    year: str, month: str, day: str, hh: str | None, mm: str | None, ss: str | None, half: str | None,
    day_first: bool = True,
) -> dt.datetime:
    d, m, _ = _day_month(int(day), int(month), day_first)
    return dt.datetime.combine(dt.date(int(year), m, d), _clock(hh, mm, ss, half))


def _clock(hh: str | None, mm: str | None, ss: str | None, half: str | None) -> dt.time:
    """A time of day, on a 24-hour clock or, with ``half`` (A or P), a 12-hour one."""
    hour = int(hh or 0)
    if half is not None:  # 12 AM is midnight, 12 PM noon; 13 PM is no time
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} on a 12-hour clock")
        hour = hour % 12 + (12 if half in "Pp" else 0)
    return dt.time(hour, int(mm or 0), int(ss or 0))


def standardise_timestamp(value: str | None, zone: str = "UTC", day_first: bool = True) -> dt.datetime | None:
    """A naive UTC datetime for an updated_at value, or None when it cannot be read. ``zone``
    (an IANA name) is the time zone of a time written without an offset: systems that store
    local time and systems that store UTC must agree on which update came last. ``day_first``
    is the source's date order, as for its birth dates (a US export writes 03/01/2024 for 1 March)."""
    text = nfc_clean(value)
    if text is None or len(text) > _MAX_TIMESTAMP_LENGTH:
        return None
    text = without_float_fraction(text)  # a float column's 1704448800000.0
    if _UTC_WORD.search(text):
        text, zone = _UTC_WORD.sub("", text), "UTC"
    text = _SPACED_OFFSET.sub(r"\1", text)
    try:
        if _EPOCH.match(text):
            seconds = float(text) / (1000 if len(text) == 13 and text.isdigit() else 1)
            return dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
        if _SERIAL.match(text):  # a spreadsheet's local date and time, to the second
            return _naive_utc(_SERIAL_EPOCH + dt.timedelta(seconds=round(float(text) * 86_400)), zone)
        dmy = _DMY_TIME.match(text)
        if dmy:
            first, second, year, *clock = dmy.groups()
            day_first = day_first or bool(_DOTTED.match(text))
            return _naive_utc(_from_groups(year, second, first, *clock, day_first), zone)
        ymd = _YMD_TIME.match(text)
        if ymd:
            return _naive_utc(_from_groups(*ymd.groups()), zone)
        return _naive_utc(dt.datetime.fromisoformat(text), zone)
    except ValueError:
        return _named_month_time(text, zone, day_first)
    except (OverflowError, OSError):
        return None


def _named_month_time(text: str, zone: str, day_first: bool) -> dt.datetime | None:
    """A time whose date names its month, read as a birth date's is (its two-digit year the
    latest one not after today's)."""
    named = _NAMED_MONTH_TIME.match(text)
    if named is None:
        return None
    try:
        date = _from_tokens(_tokens(named["date"]), dt.date.today(), day_first)
        if date is None:
            return None
        moment = dt.datetime.combine(date[0], _clock(*named.groups()[1:5]))
        offset = named["offset"]
        return _naive_utc(moment if offset is None else moment.replace(tzinfo=_utc_offset(offset)), zone)
    except (ValueError, OverflowError, _Impossible):
        return None


def _utc_offset(text: str) -> dt.tzinfo:
    """``Z``, ``+0700``, ``+07:00`` or ``-05`` as a fixed offset from UTC."""
    if text.upper() == "Z":
        return dt.UTC
    digits = text[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return dt.timezone(-delta if text[0] == "-" else delta)
