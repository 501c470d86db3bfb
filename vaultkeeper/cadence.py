"""Cadences: how often to be in touch, as written by people and as ISO 8601."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from vaultkeeper.dates import add_months

_UNITS = {
    "d": ("D", 1), "day": ("D", 1), "days": ("D", 1),
    "w": ("D", 7), "week": ("D", 7), "weeks": ("D", 7),
    "m": ("M", 1), "mo": ("M", 1), "month": ("M", 1), "months": ("M", 1),
    "q": ("M", 3), "quarter": ("M", 3), "quarters": ("M", 3),
    "y": ("Y", 1), "year": ("Y", 1), "years": ("Y", 1),
}  # fmt: skip
_WORDS = {
    "daily": ("D", 1), "weekly": ("D", 7), "biweekly": ("D", 14), "fortnightly": ("D", 14),
    "monthly": ("M", 1), "quarterly": ("M", 3), "yearly": ("Y", 1), "annually": ("Y", 1),
}  # fmt: skip
_AMOUNT = re.compile(r"(?:every\s+)?(-?\d+)?\s*([a-z]+)")
_ISO = re.compile(r"p((?:-?\d+[ymwd])+)")
_ISO_PART = re.compile(r"(-?\d+)([ymwd])")


class CadenceError(ValueError):
    """A cadence that cannot be read, or that is zero, negative or mixes units."""


class Cadence(NamedTuple):  # a named tuple: see vaultkeeper.model
    """`amount` days, months or years (`unit` D, M or Y); weeks are stored as days."""

    unit: str
    amount: int

    def after(self, day: date) -> date:
        """`day` plus the cadence; the calendar's last day when that is past its end (a date in
        9999, a cadence of millennia), so one note's far-off date never stops a build."""
        try:
            if self.unit == "D":
                return day + timedelta(days=self.amount)
            return add_months(day, self.amount * (12 if self.unit == "Y" else 1))
        except (OverflowError, ValueError):
            return date.max

    def iso(self) -> str:
        return f"P{self.amount}{self.unit}"

    def human(self) -> str:
        if self.unit == "D" and self.amount % 7 == 0:
            weeks = self.amount // 7
            return "1 week" if weeks == 1 else f"{weeks} weeks"
        noun = {"D": "day", "M": "month", "Y": "year"}[self.unit]
        return f"1 {noun}" if self.amount == 1 else f"{self.amount} {noun}s"


def parse_cadence(value: object) -> Cadence:
    """An integer (days), `N unit`, `every unit`, a word like `weekly`, or `P2W`."""
    if isinstance(value, bool) or value is None:
        raise CadenceError(f"not a cadence: {value!r}")
    if isinstance(value, int):
        return _checked("D", value, str(value))
    if not isinstance(value, str):
        raise CadenceError(f"not a cadence: {value!r}")
    text = value.strip().lower()
    if text in _WORDS:
        return _checked(*_WORDS[text], value)
    iso = _ISO.fullmatch(text)
    if iso:
        parts = _ISO_PART.findall(iso.group(1))
        if len(parts) > 1:
            raise CadenceError(f"cadence mixes units: {value!r} (use one unit, like P2W)")
        amount, letter = parts[0]
        unit, factor = _UNITS[letter if letter != "m" else "month"]
        return _checked(unit, int(amount) * factor, value)
    if re.fullmatch(r"-?\d+", text):
        return _checked("D", int(text), value)
    match = _AMOUNT.fullmatch(text)
    if match and match.group(2) in _UNITS:
        unit, factor = _UNITS[match.group(2)]
        amount = int(match.group(1)) if match.group(1) else 1
        return _checked(unit, amount * factor, value)
    raise CadenceError(
        f"not a cadence: {value!r} (try '2 weeks', 'monthly', 'every 3 months' or 'P2W')"
    )


def _checked(unit: str, amount: int, shown: object) -> Cadence:
    if amount <= 0:
        raise CadenceError(f"cadence must be positive: {shown!r}")
    return Cadence(unit, amount)
