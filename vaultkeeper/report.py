"""Turning a computed Report into the `status --json` contract and terminal text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from vaultkeeper.model import PersonState, Problem, Report
from vaultkeeper.standing import Standing


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _number(value: float) -> int | float:
    """A whole number as an int, unless too large for a float to hold it exactly."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def person_json(state: PersonState) -> dict[str, Any]:
    fields = state.person.fields
    return {
        "name": state.name,
        "path": state.person.path,
        "aliases": list(fields.aliases),
        "stage": fields.stage,
        "cadence": state.cadence.iso() if state.cadence else None,
        "interactions": state.interactions,
        "last_contact": _iso(state.last_contact),
        "next_due": _iso(state.next_due),
        "days_until_due": state.days_until_due,
        "gave": state.gave,
        "got": state.got,
        "balance": state.balance,
        "focus": state.focus,
        "open_loops": [
            {"path": loop.path, "line": loop.line, "text": loop.text} for loop in state.person.open_loops
        ],
        "flags": list(state.flags),
        "priority": _number(fields.priority),
        "birthday": fields.birthday.iso() if fields.birthday else None,
        "next_due_reason": state.due_reason,
    }


def problem_json(problem: Problem) -> dict[str, Any]:
    return {"path": problem.path, "line": problem.line, "message": problem.message}


def report_json(report: Report) -> dict[str, Any]:
    """The `status --json` object of SPEC 9."""
    focus = report.focus
    return {
        "today": report.today.isoformat(),
        "people": [person_json(s) for s in report.people],
        "focus": {
            "limit": focus.limit,
            "members": list(focus.members),
            "over_capacity": focus.over_capacity,
            "open_slots": focus.open_slots,
            "suggested_targets": list(focus.suggested_targets),
        },
        "problems": [problem_json(p) for p in report.problems],
    }


def dumps(report: Report) -> str:
    return json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"


def json_pieces(standing: Standing, problems: Iterable[Problem], size: int = 1 << 16) -> Iterator[str]:
    """`dumps(standing.report(problems))` in pieces of about `size` characters, each person's
    state made, written and let go in turn (`Standing.each_state`): at 50,000 people the
    whole report held 600 MB. One encoder writes it all: `json.dumps` makes reference
    cycles each call, which (the collector off while a command runs) would all be kept."""
    value = report_json(standing.report(problems, everyone=False))
    value["people"] = _Streamed(len(standing.orders["by_name"]), lambda: map(person_json, standing.each_state()))
    pieces: list[str] = []
    length = 0
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(value):
        pieces.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pieces)
            pieces, length = [], 0
    pieces.append("\n")
    yield "".join(pieces)


class _Streamed(list):  # type: ignore[type-arg]
    """A list to `json`'s encoder, whose items are made as the encoder reaches them. (With
    `indent` the encoder is Python's own, which asks a list for its length and iterates
    it; a test checks the text is what a real list gives.)"""

    def __init__(self, length: int, items: Callable[[], Iterator[Any]]) -> None:
        super().__init__()
        self._length = length
        self._items = items

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Any]:
        return self._items()
