from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkeeper.cadence import Cadence, CadenceError, parse_cadence
from vaultkeeper.dates import Birthday, DateError, add_months, days_in_month, is_leap, parse_birthday, parse_date


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 11, 20),
        "2026-11-20",
        "2026-11-20T14:30",
        "2026-11-20 14:30",
        "2026-11-20T14:30:00Z",
        "[[2026-11-20]]",
        [["2026-11-20"]],  # unquoted [[2026-11-20]] as YAML reads it
        " 2026-11-20 ",
    ],
)
def test_every_date_form(value):
    assert parse_date(value) == date(2026, 11, 20)


@pytest.mark.parametrize("value", ["2026-02-30", "20.11.2026", "next week", 20261120, None, "[[Ada]]", ""])
def test_bad_dates_are_errors(value):
    with pytest.raises(DateError):
        parse_date(value)


def test_impossible_date_says_so():
    with pytest.raises(DateError, match="no such date: 2026-02-30"):
        parse_date("2026-02-30")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_month_arithmetic_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        (14, "P14D"),
        ("14", "P14D"),
        ("3 d", "P3D"),
        ("1 day", "P1D"),
        ("10 days", "P10D"),
        ("2w", "P14D"),
        ("2 weeks", "P14D"),
        ("every week", "P7D"),
        ("every 2 weeks", "P14D"),
        ("1 mo", "P1M"),
        ("3 months", "P3M"),
        ("1 m", "P1M"),
        ("1 quarter", "P3M"),
        ("2 quarters", "P6M"),
        ("1 q", "P3M"),
        ("1 year", "P1Y"),
        ("2y", "P2Y"),
        ("daily", "P1D"),
        ("Weekly", "P7D"),
        ("biweekly", "P14D"),
        ("fortnightly", "P14D"),
        ("monthly", "P1M"),
        ("quarterly", "P3M"),
        ("yearly", "P1Y"),
        ("annually", "P1Y"),
        ("P2W", "P14D"),
        ("P3M", "P3M"),
        ("p10d", "P10D"),
        ("P1Y", "P1Y"),
    ],
)
def test_cadence_forms(text, iso):
    assert parse_cadence(text).iso() == iso


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (0, "positive"),
        ("-2 weeks", "positive"),
        ("P0D", "positive"),
        ("P1M2D", "mixes units"),
        ("banana", "not a cadence"),
        ("1.5 weeks", "not a cadence"),
        ("PT1H", "not a cadence"),
        (True, "not a cadence"),
        ([1], "not a cadence"),
    ],
)
def test_bad_cadences(text, message):
    with pytest.raises(CadenceError, match=message):
        parse_cadence(text)


def test_cadence_after_uses_calendar_months():
    assert Cadence("M", 1).after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Cadence("Y", 1).after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Cadence("D", 14).after(date(2026, 12, 25)) == date(2027, 1, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-05-01", Birthday(5, 1, 1990)),
        ("--05-01", Birthday(5, 1)),
        ("05-01", Birthday(5, 1)),
        ("--0501", Birthday(5, 1)),
        (date(1990, 5, 1), Birthday(5, 1, 1990)),
        ("--02-29", Birthday(2, 29)),
    ],
)
def test_birthday_forms(text, expected):
    assert parse_birthday(text) == expected


@pytest.mark.parametrize("text", ["13-01", "--02-30", "May 1st", "0501"])
def test_bad_birthdays(text):
    with pytest.raises(DateError):
        parse_birthday(text)


def test_feb_29_birthday_is_feb_28_in_other_years():
    assert Birthday(2, 29).next_after(date(2026, 2, 1)) == date(2026, 2, 28)
    assert Birthday(2, 29).next_after(date(2028, 2, 1)) == date(2028, 2, 29)
    assert Birthday(1, 5).next_after(date(2026, 12, 30)) == date(2027, 1, 5)


@given(st.integers(1, 9999), st.integers(1, 12))
def test_month_lengths_are_the_calendar_modules(year, month):
    import calendar

    assert days_in_month(year, month) == calendar.monthrange(year, month)[1]
    assert is_leap(year) == calendar.isleap(year)


@given(st.sampled_from("DMY"), st.integers(1, 10**12), st.dates())
def test_a_cadence_past_the_calendars_end_ends_on_its_last_day(unit, amount, day):
    after = Cadence(unit, amount).after(day)
    assert day < after <= date.max
    if unit == "D" and amount <= (date.max - day).days:
        assert (after - day).days == amount
    elif after < date.max:
        assert after.year <= 9999 and (after.year - day.year) * 12 + after.month - day.month == amount * (
            12 if unit == "Y" else 1
        )


def test_the_next_birthday_after_the_calendars_last_one_is_its_last_day():
    assert Birthday(1, 5).next_after(date(9999, 12, 30)) == date.max
    assert Birthday(12, 31).next_after(date(9999, 12, 30)) == date(9999, 12, 31)
    assert Birthday(2, 29).next_after(date(9999, 2, 1)) == date(9999, 2, 28)


@given(st.integers(1, 12).flatmap(lambda m: st.tuples(st.just(m), st.integers(1, days_in_month(2000, m)))),
       st.dates(date(9999, 1, 1)) | st.dates())
def test_a_next_birthday_is_never_before_today(month_day, today):
    month, day = month_day
    found = Birthday(month, day).next_after(today)
    assert today <= found and (found == date.max or (found - today).days <= 366)
