"""Reading the date forms people write, and calendar arithmetic."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import NamedTuple

from vaultkeeper.errors import UsageError

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_WIKI = re.compile(r"\[\[\s*([^\]|#]+?)\s*(?:[|#][^\]]*)?\]\]")
_BIRTHDAY = re.compile(r"(?:(\d{4})-|--)?(\d{2})-?(\d{2})")


class DateError(ValueError):
    """A value that is not a date vaultkeeper understands; the message says why."""


def parse_date(value: object) -> date:
    """A YAML date, an ISO string (with optional time) or a wikilinked date.

    Unquoted `[[2026-11-20]]` arrives from YAML as `[["2026-11-20"]]`; it is
    accepted too. Raises DateError for anything else.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise DateError(f"not a date: {_show(value)}")
    text = value.strip()
    wiki = _WIKI.fullmatch(text)
    if wiki:
        text = wiki.group(1)
    match = _ISO.fullmatch(text)
    if not match:
        raise DateError(f"not a date: {_show(value)} (expected YYYY-MM-DD)")
    return _make_date(int(match[1]), int(match[2]), int(match[3]), text[:10])


def _make_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"no such date: {shown}") from None


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + "..."


def parse_iso_day(text: str) -> date:
    """A strict `YYYY-MM-DD`, as given on the command line."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise DateError(f"not a date: {_show(text)} (expected YYYY-MM-DD)")
    return _make_date(int(text[:4]), int(text[5:7]), int(text[8:10]), text.strip())


class Birthday(NamedTuple):  # a named tuple: see vaultkeeper.model
    """A birthday; `year` is None when unknown."""

    month: int
    day: int
    year: int | None = None

    def next_after(self, today: date) -> date:
        """The next occurrence on or after `today` (Feb 29 is Feb 28 in other years); the
        calendar's last day when the next is past its end (after the birthday in 9999)."""
        occurrence = _anniversary(today.year, self.month, self.day)
        if occurrence >= today:
            return occurrence
        return _anniversary(today.year + 1, self.month, self.day) if today.year < date.max.year else date.max

    def iso(self) -> str:
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _anniversary(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29 and not is_leap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def parse_birthday(value: object) -> Birthday:
    """`YYYY-MM-DD`, `--MM-DD` or `MM-DD`, or a YAML date."""
    if isinstance(value, (date, datetime)) or isinstance(value, list):
        born = parse_date(value)
        return Birthday(born.month, born.day, born.year)
    if isinstance(value, str):
        text = value.strip()
        match = _BIRTHDAY.fullmatch(text)
        if match and (match[1] or "-" in text):
            year = int(match[1]) if match[1] else None
            month, day = int(match[2]), int(match[3])
            try:
                date(year if year is not None else 2000, month, day)  # 2000 is a leap year
            except ValueError:
                raise DateError(f"no such birthday: {_show(value)}") from None
            return Birthday(month, day, year)
    raise DateError(f"not a birthday: {_show(value)} (expected YYYY-MM-DD, --MM-DD or MM-DD)")


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the end of the month (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


# Not the calendar module's: importing it (and locale) is 2 ms of every build's start.
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    return 29 if month == 2 and is_leap(year) else _DAYS[month - 1]


def resolve_today(option: str | None) -> date:
    """`--today` wins over $VAULTKEEPER_TODAY, which wins over the local date. An empty
    `--today` is an error (a script's unset variable must not mean the real date); an
    empty $VAULTKEEPER_TODAY is unset, as the shell's convention goes."""
    text = option if option is not None else os.environ.get("VAULTKEEPER_TODAY")
    if text is None or (option is None and not text):
        return date.today()
    try:
        return parse_iso_day(text)
    except DateError as error:
        source = "--today" if option is not None else "VAULTKEEPER_TODAY"
        raise UsageError(f"{source}: {error}") from None
