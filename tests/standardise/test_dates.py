"""Birth dates in the many ways people write them; placeholders and impossible dates dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.standardise import StdDate, nfc_clean, standardise_birth_date, standardise_timestamp

TODAY = dt.date(2026, 6, 30)
MARCH_25 = dt.date(1990, 3, 25)
JUNK = [
    "\x00\x01",
    "\u200b\ufeff",
    "😀" * 3,
    "1" * 100_000,
    "1/" * 10_000,
    "\ud800",
    "2024-01-05" + "0" * 10_000,
]
REJECTIONS = {"dob_impossible", "dob_placeholder", "dob_future", "date_unparseable"}


@pytest.mark.parametrize(
    "value",
    [
        "1990-03-25",
        "1990/03/25",
        "19900325",
        "25/03/1990",
        "25-03-1990",
        "25.03.1990",
        "25/3/1990",
        "March 25, 1990",
        "Sunday, March 25, 1990",  # a long date format names the day of the week
        "25 Mar 1990",
        "25th March 1990",
        "1990 Mar 25",
        "25 tháng 3 năm 1990",
        "ngày 25 tháng 03 năm 1990",
        "1990-03-25T00:00:00",
        "1990-03-25T08:30:00+07:00",
        "1990-03-25 08:30:00+07",  # PostgreSQL's timestamptz, whose offset leaves out zero minutes
        "25/03/1990 00:00",
        " 25 / 03 / 1990 ",
        "25031990",
        "\u202e25/03/1990\u200b",
    ],
)
def test_written_forms_of_one_date(value: str) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, MARCH_25, ())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6. März 1969", dt.date(1969, 3, 6)),
        ("6. Maerz 1969", dt.date(1969, 3, 6)),
        ("24. Dez. 1969", dt.date(1969, 12, 24)),
        ("1. Jänner 1969", dt.date(1969, 1, 1)),
        ("6 mars 1969", dt.date(1969, 3, 6)),
        ("1er mai 1969", dt.date(1969, 5, 1)),
        ("14 juil. 1969", dt.date(1969, 7, 14)),
        ("6 févr. 1969", dt.date(1969, 2, 6)),
        ("15 août 1969", dt.date(1969, 8, 15)),
        ("6 de marzo de 1969", dt.date(1969, 3, 6)),
        ("6 de marzo del 1969", dt.date(1969, 3, 6)),
        ("12 ene 1969", dt.date(1969, 1, 12)),
        ("6 marzo 1969", dt.date(1969, 3, 6)),
        ("3 gennaio 1969", dt.date(1969, 1, 3)),
        ("3 giu 1969", dt.date(1969, 6, 3)),
        ("6 maart 1969", dt.date(1969, 3, 6)),
        ("6 mrt. 1969", dt.date(1969, 3, 6)),
        ("6 mei 1969", dt.date(1969, 5, 6)),
        ("6 de março de 1969", dt.date(1969, 3, 6)),
        ("6 out 1969", dt.date(1969, 10, 6)),
        # Abbreviations several languages share are one month in each
        ("6 mar 1969", dt.date(1969, 3, 6)),
        ("6 mai 1969", dt.date(1969, 5, 6)),
        ("6 set 1969", dt.date(1969, 9, 6)),
        ("6 ago 1969", dt.date(1969, 8, 6)),
        ("6 dez 1969", dt.date(1969, 12, 6)),
        ("6 tháng 3 năm 1969", dt.date(1969, 3, 6)),
        ("ngày 6 tháng 3 năm 1969", dt.date(1969, 3, 6)),
    ],
)
def test_month_names_of_european_languages(value: str, expected: dt.date) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, expected, ())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Russian and Ukrainian CRMs write the month's name in the genitive, the year's word after it
        ("2 февраля 1985", dt.date(1985, 2, 2)),
        ("2 февраля 1985 г.", dt.date(1985, 2, 2)),
        ("15 Сентября 1979 года", dt.date(1979, 9, 15)),
        ("02 лютого 1985 р.", dt.date(1985, 2, 2)),
        ("3 листопада 1990", dt.date(1990, 11, 3)),
        # Hungarian writes the year first
        ("1968. március 3.", dt.date(1968, 3, 3)),
        ("1985. szept. 12.", dt.date(1985, 9, 12)),
        # Chinese, Japanese and Korean: year, month and day each followed by its word
        ("1985年2月1日", dt.date(1985, 2, 1)),
        ("１９８５年２月１日", dt.date(1985, 2, 1)),
        ("1985 年 02 月 01 日", dt.date(1985, 2, 1)),
        ("1985年2月1号", dt.date(1985, 2, 1)),
        ("1985년 2월 1일", dt.date(1985, 2, 1)),
    ],
)
def test_month_names_and_date_words_of_eastern_europe_and_east_asia(value: str, expected: dt.date) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, expected, ())


@pytest.mark.parametrize(("value", "expected"), [
    ("14 Φεβρουαρίου 1980", dt.date(1980, 2, 14)),  # a Greek CRM's date, the month in the genitive
    ("1 ΜΑΪΟΥ 1985", dt.date(1985, 5, 1)),  # in capitals, the diaeresis kept
    ("3 Ιουνίου 1990", dt.date(1990, 6, 3)), ("3 Ιουλίου 1990", dt.date(1990, 7, 3)),
    ("Αύγουστος 5, 1990", dt.date(1990, 8, 5)), ("12 Δεκ. 1990", dt.date(1990, 12, 12)),
])
def test_greek_month_names(value: str, expected: dt.date) -> None:
    """Before, each was flagged date_unparseable and gave no date of birth to match on."""
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, expected, ())
    assert standardise_timestamp(f"{value} 10:00") == dt.datetime.combine(expected, dt.time(10))


def test_a_time_whose_month_is_named_in_another_language() -> None:
    assert standardise_timestamp("6 mars 2024 10:00") == dt.datetime(2024, 3, 6, 10, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1 марта 2024 г.", dt.datetime(2024, 3, 1)),  # a Russian CRM's update date, as its birth dates
        ("1 березня 2024 р. 10:30", dt.datetime(2024, 3, 1, 10, 30)),
        ("1. März 2024 10:00", dt.datetime(2024, 3, 1, 10)),  # a month's name with a letter beyond a-z
        ("2024年3月1日", dt.datetime(2024, 3, 1)),
        ("2024年3月1日 10:30", dt.datetime(2024, 3, 1, 10, 30)),
        ("2024년 3월 1일", dt.datetime(2024, 3, 1)),
    ],
)
def test_an_update_time_whose_date_is_written_as_a_birth_date_is(value: str, expected: dt.datetime) -> None:
    assert standardise_timestamp(value) == expected


def test_day_first_and_month_first() -> None:
    assert standardise_birth_date("03/04/1990", today=TODAY).value == dt.date(1990, 4, 3)
    assert standardise_birth_date("03/04/1990", today=TODAY, day_first=False).value == dt.date(1990, 3, 4)
    assert standardise_birth_date("25/03/1990", today=TODAY, day_first=False) == StdDate(
        "25/03/1990", MARCH_25, ("dob_day_month_swapped",)
    )
    assert standardise_birth_date("03/25/1990", today=TODAY) == StdDate(
        "03/25/1990", MARCH_25, ("dob_day_month_swapped",)
    )


def test_two_digit_year_pivot() -> None:
    """A two-digit year is the latest such date not after today, always flagged: its century is a
    guess. The date, not only the year: a birthday later this year is last century's."""
    two_digit = ("dob_two_digit_year",)
    assert standardise_birth_date("25/03/90", today=TODAY) == StdDate("25/03/90", MARCH_25, two_digit)
    assert standardise_birth_date("01/02/26", today=TODAY).value == dt.date(2026, 2, 1)
    assert standardise_birth_date("01/02/27", today=TODAY).value == dt.date(1927, 2, 1)
    born = standardise_birth_date("25/12/26", today=TODAY)
    assert (born.value, born.flags) == (dt.date(1926, 12, 25), two_digit)
    assert standardise_birth_date("25 Mar 90", today=TODAY).flags == two_digit
    assert standardise_birth_date("12/25/26", today=TODAY).flags == ("dob_day_month_swapped", *two_digit)
    assert standardise_birth_date("25/12/2026", today=TODAY).flags == ("dob_future",)  # as written


A_HUNDRED_YEARS_AGO = dt.date(TODAY.year - 100, TODAY.month, TODAY.day)


@given(st.dates(min_value=A_HUNDRED_YEARS_AGO + dt.timedelta(days=1), max_value=TODAY))
def test_a_two_digit_year_reads_the_last_hundred_years(date: dt.date) -> None:
    if date != dt.date(1970, 1, 1):
        assert standardise_birth_date(date.strftime("%d/%m/%y"), today=TODAY) == StdDate(
            date.strftime("%d/%m/%y"), date, ("dob_two_digit_year",)
        )


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("31/02/1990", "dob_impossible"),
        ("13/13/1990", "dob_impossible"),
        ("0001-01-01", "dob_impossible"),
        ("1800-05-05", "dob_impossible"),
        ("00/00/0000", "dob_impossible"),
        ("1900-01-01", "dob_placeholder"),
        ("01/01/1970", "dob_placeholder"),
        ("2026-07-01", "dob_future"),
        ("01/01/2090", "dob_future"),
        ("garbage", "date_unparseable"),
        ("1990", "date_unparseable"),
        ("25/03", "date_unparseable"),
        ("25 Foo 1990", "date_unparseable"),
        ("6 jui 1969", "date_unparseable"),  # French juin or juillet
        ("25/03/990", "date_unparseable"),
    ],
)
def test_rejected(value: str, flag: str) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, None, (flag,))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("32874", StdDate("32874", dt.date(1990, 1, 1), ("dob_spreadsheet_serial",))),
        ("32957.0", StdDate("32957.0", MARCH_25, ("dob_spreadsheet_serial",))),
        ("45000", StdDate("45000", dt.date(2023, 3, 15), ("dob_spreadsheet_serial",))),
        ("99999", StdDate("99999", None, ("dob_future",))),
        ("32957.5", StdDate("32957.5", None, ("date_unparseable",))),  # a time of day: not a birth date
        ("1985", StdDate("1985", None, ("date_unparseable",))),  # four digits are a year
    ],
)
def test_a_spreadsheets_date_serial(value: str, expected: StdDate) -> None:
    """A cell formatted as a number exports days since 1899-12-30."""
    assert standardise_birth_date(value, today=TODAY) == expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, None, ())


@given(st.none() | st.text(), st.booleans())
def test_never_raises(value: str | None, day_first: bool) -> None:
    result = standardise_birth_date(value, today=TODAY, day_first=day_first)
    assert result.original == value
    if result.value is not None:
        assert dt.date(1900, 1, 2) <= result.value <= TODAY
        assert set(result.flags) <= {"dob_day_month_swapped", "dob_two_digit_year"}
    elif nfc_clean(value) is None:
        assert result.flags == ()
    else:
        assert len(result.flags) == 1 and result.flags[0] in REJECTIONS


@given(st.dates(min_value=dt.date(1900, 1, 2), max_value=TODAY))
def test_iso_value_is_a_fixed_point(date: dt.date) -> None:
    result = standardise_birth_date(date.isoformat(), today=TODAY)
    if date != dt.date(1970, 1, 1):
        assert result.value == date
        assert standardise_birth_date(date.strftime("%d/%m/%Y"), today=TODAY).value == date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05T10:00:00Z", dt.datetime(2024, 1, 5, 10)),
        ("2024-01-05 10:00", dt.datetime(2024, 1, 5, 10)),
        ("2024-01-05T17:00:00+07:00", dt.datetime(2024, 1, 5, 10)),
        ("2024-01-05", dt.datetime(2024, 1, 5)),
        ("05/01/2024 10:00:05", dt.datetime(2024, 1, 5, 10, 0, 5)),
        ("05/01/2024", dt.datetime(2024, 1, 5)),
        ("2024/01/05 10:00", dt.datetime(2024, 1, 5, 10)),
        ("1704448800", dt.datetime(2024, 1, 5, 10)),
        ("1704448800000.0", dt.datetime(2024, 1, 5, 10)),  # a float column's milliseconds
        ("1704448800.25", dt.datetime(2024, 1, 5, 10, 0, 0, 250000)),  # Python's time.time()
        ("45296.4166666667", dt.datetime(2024, 1, 5, 10)),  # a spreadsheet's date serial
        ("2024-01-05 10:00:00 UTC", dt.datetime(2024, 1, 5, 10)),  # BigQuery, Google Sheets
        ("2024-01-05 10:00:00.250 GMT", dt.datetime(2024, 1, 5, 10, 0, 0, 250000)),
        ("2024-01-05 17:00:00 +0700", dt.datetime(2024, 1, 5, 10)),  # Java's "yyyy-MM-dd HH:mm:ss Z"
        ("2024-01-05 17:00:00.000 +07:00", dt.datetime(2024, 1, 5, 10)),
        ("05/01/2024 10:00 PM", dt.datetime(2024, 1, 5, 22)),  # a 12-hour clock
        ("05/01/2024, 10:00:05 a.m.", dt.datetime(2024, 1, 5, 10, 0, 5)),
        ("05/01/2024 12:30 AM", dt.datetime(2024, 1, 5, 0, 30)),
        ("2024-1-5 12:30 pm", dt.datetime(2024, 1, 5, 12, 30)),
        ("05/01/2024 13:00 PM", None),
        ("05-Jan-2024 10:00:05", dt.datetime(2024, 1, 5, 10, 0, 5)),  # a month's name
        ("05-JAN-24 10.00.00.000000 PM", dt.datetime(2024, 1, 5, 22)),  # Oracle's default
        ("Jan 5, 2024 10:00 AM", dt.datetime(2024, 1, 5, 10)),
        ("Jan 5, 2024", dt.datetime(2024, 1, 5)),
        ("05 Jan 2024 17:00:00 +0700", dt.datetime(2024, 1, 5, 10)),  # its offset, not midnight UTC
        ("05-Jan-2024 05:00 PM +07:00", dt.datetime(2024, 1, 5, 10)),
        ("Fri, 05 Jan 2024 10:00:00 GMT", dt.datetime(2024, 1, 5, 10)),  # RFC 2822, HTTP, toUTCString()
        ("Fri, 05 Jan 2024 17:00:00 +0700", dt.datetime(2024, 1, 5, 10)),
        ("Friday, January 5, 2024 10:00 AM", dt.datetime(2024, 1, 5, 10)),
        ("30-Feb-2024 10:00", None),
        ("January 2024", None),
        ("garbage", None),
        ("32/01/2024", None),
        ("", None),
        (None, None),
    ],
)
def test_timestamp(value: str | None, expected: dt.datetime | None) -> None:
    assert standardise_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05 17:00", dt.datetime(2024, 1, 5, 10)),  # local time: seven hours ahead of UTC
        ("05/01/2024 17:00:00", dt.datetime(2024, 1, 5, 10)),
        ("2024-01-05", dt.datetime(2024, 1, 4, 17)),
        ("2024-01-05T17:00:00+07:00", dt.datetime(2024, 1, 5, 10)),  # an offset says it all
        ("2024-01-05T10:00:00Z", dt.datetime(2024, 1, 5, 10)),
        ("1704448800", dt.datetime(2024, 1, 5, 10)),  # epoch seconds are UTC
        ("45296.7083333333", dt.datetime(2024, 1, 5, 10)),  # a spreadsheet's serial is local time
        ("2024-01-05 10:00:00 UTC", dt.datetime(2024, 1, 5, 10)),  # a zone's name says it all too
        ("05/01/2024 5:00 PM", dt.datetime(2024, 1, 5, 10)),
    ],
)
def test_timestamp_without_an_offset_is_the_sources_local_time(value: str, expected: dt.datetime) -> None:
    assert standardise_timestamp(value, "Asia/Ho_Chi_Minh") == expected


@given(
    st.none()
    | st.text()
    | st.datetimes().map(str)
    | st.datetimes(timezones=st.timezones()).map(dt.datetime.isoformat)
)
def test_timestamp_never_raises_and_is_naive(value: str | None) -> None:
    result = standardise_timestamp(value)
    assert result is None or (isinstance(result, dt.datetime) and result.tzinfo is None)


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_birth_date(value, today=TODAY).original == value
    assert standardise_timestamp(value) is None


def test_a_sources_time_zone_reaches_its_records() -> None:
    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    def updated(**zone: str) -> dt.datetime:
        spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                          fields={"full_name": "n", "updated_at": "u"}, **zone)
        return standardise_record(spec, "1", {"u": "2024-01-05 17:00"}, today=dt.date(2026, 1, 1))["updated_at"]

    assert updated() == dt.datetime(2024, 1, 5, 17)
    assert updated(timezone="Asia/Ho_Chi_Minh") == dt.datetime(2024, 1, 5, 10)


def test_a_birth_date_written_as_a_utc_time_is_the_sources_day() -> None:
    """A JavaScript app or MongoDB in Vietnam exports the birth date picked as 4 May as local
    midnight in UTC, 3 May 17:00Z: a day early in every match, unless read in the source's zone.
    A date stored as UTC midnight is the day written, in zones east and west."""
    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    def born(value: str, zone: str) -> dt.date | None:
        spec = SourceSpec(name="s", path="s.jsonl", format="jsonl", id_column="id", timezone=zone,
                          fields={"date_of_birth": "dob"})
        return standardise_record(spec, "1", {"dob": value}, today=TODAY)["date_of_birth"]

    may_4 = dt.date(1990, 5, 4)
    assert born("1990-05-03T17:00:00.000Z", "Asia/Ho_Chi_Minh") == may_4
    assert born("1990-05-03 17:00:00+00:00", "Asia/Ho_Chi_Minh") == may_4  # a Parquet timestamp in UTC
    assert born("1990-05-03 17:00:00+00", "Asia/Ho_Chi_Minh") == may_4  # PostgreSQL's timestamptz in UTC
    assert born("1990-05-04T04:00:00Z", "America/New_York") == may_4
    assert born("1990-05-04T00:00:00Z", "Asia/Ho_Chi_Minh") == may_4
    assert born("1990-05-04T00:00:00.000Z", "America/New_York") == may_4
    assert born("1990-05-04T00:00:00+07:00", "UTC") == may_4  # its own offset: the day written
    assert born("1990-05-03T17:00:00Z", "UTC") == dt.date(1990, 5, 3)


def test_a_month_first_sources_update_times_are_read_month_first() -> None:
    """A US export (Salesforce, Excel) writes 03/01/2024 for 1 March: read day first, its update
    would be 3 January, and lose ``most_recent`` to an older one."""
    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    def updated(order: str, value: str) -> dt.datetime:
        spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id", date_order=order,
                          fields={"full_name": "n", "updated_at": "u"})
        return standardise_record(spec, "1", {"u": value}, today=dt.date(2026, 1, 1))["updated_at"]

    assert updated("month_first", "03/01/2024 10:00") == dt.datetime(2024, 3, 1, 10)
    assert updated("day_first", "03/01/2024 10:00") == dt.datetime(2024, 1, 3, 10)
    assert updated("month_first", "03/25/2024") == updated("day_first", "25/03/2024") \
        == dt.datetime(2024, 3, 25)
    assert updated("month_first", "2024-03-01 10:00") == dt.datetime(2024, 3, 1, 10)  # ISO is ISO


def test_a_dotted_date_is_day_first_in_a_month_first_source_too() -> None:
    """06.03.1969 is 6 March wherever dots are written (German, Russian, Vietnamese): a
    month_first source read it as 3 June. Its slashed dates stay month first."""
    born = standardise_birth_date
    assert born("06.03.1969", today=TODAY, day_first=False).value == dt.date(1969, 3, 6)
    assert born("06.03.69", today=TODAY, day_first=False).value == dt.date(1969, 3, 6)
    assert born("06/03/1969", today=TODAY, day_first=False).value == dt.date(1969, 6, 3)
    assert born("03.25.1990", today=TODAY, day_first=False) == StdDate(
        "03.25.1990", MARCH_25, ("dob_day_month_swapped",))
    assert standardise_timestamp("06.03.2024 10:00", day_first=False) == dt.datetime(2024, 3, 6, 10)
    assert standardise_timestamp("06/03/2024 10:00", day_first=False) == dt.datetime(2024, 6, 3, 10)


def test_an_update_time_after_the_run_is_flagged_and_not_used() -> None:
    """A time past the run's day (2062 for 2026, a clock set wrong) would win ``most_recent``
    against every real update after it; a day's slack allows for zones and clocks a little fast."""
    from mdm.sources.config import SourceSpec
    from mdm.standardise.record import standardise_record

    spec = SourceSpec(name="s", path="s.csv", format="csv", id_column="id",
                      fields={"updated_at": "u", "full_name": "n"})

    def std(value: str) -> tuple[dt.datetime | None, list[str]]:
        record = standardise_record(spec, "1", {"u": value, "n": "Nguyen An"}, today=TODAY)
        return record["updated_at"], record["dq_flags"]

    assert std("2062-06-30 09:00") == (None, ["updated_at_future"])
    assert std("02/07/2026 00:00") == (None, ["updated_at_future"])
    assert std("2026-07-01T23:59:59") == (dt.datetime(2026, 7, 1, 23, 59, 59), [])
    assert std("2026-06-30 09:00") == (dt.datetime(2026, 6, 30, 9), [])


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("486432000000", "UTC", dt.date(1985, 6, 1)),  # milliseconds at UTC midnight: a date stored so
        ("486432000000", "America/New_York", dt.date(1985, 6, 1)),
        ("486406800000", "Asia/Ho_Chi_Minh", dt.date(1985, 6, 1)),  # local midnight in Vietnam, 17:00Z
        ("486406800000", "UTC", dt.date(1985, 5, 31)),
        ("486432000", "UTC", dt.date(1985, 6, 1)),  # seconds
        ("1262304000", "UTC", dt.date(2010, 1, 1)),
        ("1262304000000", "UTC", dt.date(2010, 1, 1)),
        ("-315619200000", "UTC", dt.date(1960, 1, 1)),  # before 1970, negative
        ("-315619200", "UTC", dt.date(1960, 1, 1)),
        ("19850312", "UTC", dt.date(1985, 3, 12)),  # eight digits are still a date, not seconds
        ("486432000000.0", "UTC", dt.date(1985, 6, 1)),  # as a float column writes them: pandas,
        ("19850312.0", "UTC", dt.date(1985, 3, 12)),  # an integer column with a gap
    ],
)
def test_a_birth_date_written_as_a_time_since_1970(value: str, zone: str, expected: dt.date) -> None:
    """JSON exports of JavaScript apps write a date as milliseconds since 1970 (``getTime()``),
    some systems seconds: they were unparseable. The day is the source's, as for a UTC time."""
    assert standardise_birth_date(value, today=TODAY, zone=zone) == StdDate(value, expected, ())


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("9999999999999", "dob_future"),  # 2286
        ("-9999999999999", "dob_impossible"),  # 1653
        ("0", "date_unparseable"),
        ("197603150930", "date_unparseable"),  # 15 March 1976 09:30, or 6 April 1976 in milliseconds
        ("1985031200", "date_unparseable"),  # 12 March 1985 at midnight, or seconds in 2032
        ("12345678901234", "date_unparseable"),  # too long for a time since 1970
    ],
)
def test_a_time_since_1970_that_is_no_birth_date_or_is_ambiguous_is_not_read(value: str, flag: str) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, None, (flag,))


@pytest.mark.parametrize(
    "value",
    ["Donnerstag, 6. März 1969", "jeudi 6 mars 1969", "jueves, 6 de marzo de 1969", "giovedì 6 marzo 1969",
     "donderdag 6 maart 1969", "quinta-feira, 6 de março de 1969", "Thursday, March 6, 1969"],
)
def test_a_long_date_with_its_weekday_named_in_a_european_language(value: str) -> None:
    """A CRM's long date format names the weekday; it was flagged date_unparseable but in English."""
    read = standardise_birth_date(value, today=dt.date(2026, 12, 7))
    assert read == StdDate(value, dt.date(1969, 3, 6), ())


def test_a_float_columns_date_written_with_a_decimal_comma() -> None:
    """19850312,0: a German spreadsheet's float; its ",0" was read as part of the date."""
    assert standardise_birth_date("19850312,0", today=TODAY).value == dt.date(1985, 3, 12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thứ Năm, 06/03/1969", dt.date(1969, 3, 6)),
        ("thứ 5, 6/3/1969", dt.date(1969, 3, 6)),
        ("T5, 6/3/1969", dt.date(1969, 3, 6)),
        ("Chủ nhật, 09/03/1969", dt.date(1969, 3, 9)),
        ("CN, 9/3/1969", dt.date(1969, 3, 9)),
        ("Thứ Hai, ngày 3 tháng 3 năm 1969", dt.date(1969, 3, 3)),
        ("6 tháng 3, 1969", dt.date(1969, 3, 6)),
        ("6 tháng Ba 1969", dt.date(1969, 3, 6)),
        ("6 tháng Mười Hai 1969", dt.date(1969, 12, 6)),
        # English keeps its day after the weekday
        ("Thu 5 Mar 1969", dt.date(1969, 3, 5)),
    ],
)
def test_a_vietnamese_weekday_and_month_in_words(value: str, expected: dt.date) -> None:
    """A Vietnamese weekday before a date ("thứ 5", "Chủ nhật") was flagged date_unparseable."""
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, expected, ())


@pytest.mark.parametrize(
    "value",
    ["6/3/1969 (Thứ Năm)", "06/03/1969 - thứ 5", "06/03/1969 - Thứ Sáu", "6/3/1969 (T5)", "06/03/1969 (CN)",
     "06/03/1969 Chủ nhật", "06/03/1969 (thứ bảy)", "6/3/1969, thứ hai", "ngày 6 tháng 3 năm 1969 (thứ 5)",
     # English, before or after, was read already
     "Thursday, 6 March 1969", "6 March 1969 (Thu)", "06/03/1969 Thursday"],
)
def test_a_weekday_written_after_a_date(value: str) -> None:
    """A date picker's weekday after the date ("06/03/1969 - thứ 5") was flagged date_unparseable: only
    "Thứ Năm" was read, its words being English "Thu" and "năm" (year). Not checked against the date."""
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, dt.date(1969, 3, 6), ())


@pytest.mark.parametrize("value", ["06/03/1969 T8", "06/03/1969 thứ 9", "06/03/1969 (T 10)"])
def test_no_weekday_after_a_date_is_still_unparseable(value: str) -> None:
    assert standardise_birth_date(value, today=TODAY) == StdDate(value, None, ("date_unparseable",))


@pytest.mark.parametrize("value", ["Tháng 3 6, 1969", "ngày 6 tháng 3 năm 1969"])
@pytest.mark.parametrize("day_first", [True, False])
def test_the_number_after_thang_is_the_month_in_any_date_order(value: str, day_first: bool) -> None:
    """"Tháng 3 6, 1969" (month first, as English writes "March 6, 1969") was read as 3 June; a
    month-first source read "ngày 6 tháng 3" as 3 June too."""
    assert standardise_birth_date(value, today=TODAY, day_first=day_first).value == dt.date(1969, 3, 6)
