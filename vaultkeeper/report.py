"""Turning a computed Report into the `status --json` contract and terminal text."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from vaultkeeper.model import PersonState, Problem, Report


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


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
