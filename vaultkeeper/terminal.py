"""The human view of `status`: what to do today first, in aligned columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import NamedTuple

from vaultkeeper.launch import counted
from vaultkeeper.model import Focus, PersonState, Problem
from vaultkeeper.standing import Standing

Style = Callable[[str, str], str]


def plain(text: str, _kind: str) -> str:
    return text


def ansi(text: str, kind: str) -> str:
    codes = {"head": "1", "bad": "31", "warn": "33", "good": "32", "dim": "2"}
    return f"\x1b[{codes[kind]}m{text}\x1b[0m" if kind in codes else text


def width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count 2)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _one_line(text: str) -> str:
    """Text as one terminal line: a value written with a line break or a tab (YAML allows
    them in a name or an idea) would break a row, so white space runs become one space."""
    return text if text.isprintable() else " ".join(text.split())


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows padded into aligned columns (the last column is not padded)."""
    if not rows:
        return []
    rows = [[_one_line(cell) for cell in row] for row in rows]
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row[:-1])]
        out.append((indent + "  ".join([*cells, row[-1]])).rstrip())
    return out


def days_text(days: int) -> str:
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    return f"in {days} day{'s' if days != 1 else ''}"


def _last(state: PersonState, today: date) -> str:
    if state.last_contact is None:
        return "never contacted"
    ago = (today - state.last_contact).days
    return f"last {state.last_contact.isoformat()} ({ago}d ago)"


def _next_birthday(state: PersonState) -> date:
    """The next birthday of someone known to have one (listed for it, or with a birthday field)."""
    assert state.next_birthday is not None
    return state.next_birthday


def _due_rows(states: list[PersonState], today: date) -> list[list[str]]:
    return [
        [
            s.name,
            days_text(s.days_until_due or 0),
            f"due {s.next_due.isoformat() if s.next_due else '-'}",
            _last(s, today),
            f"every {s.cadence.human()}" if s.cadence else "no cadence",
        ]
        for s in states
    ]


class StatusView(NamedTuple):
    """What the terminal status lists, each list in the order shown."""

    today: date
    people: int
    overdue: list[PersonState]
    soon: list[PersonState]  # due today or within the week
    focus: Focus
    members: list[PersonState]
    owes: list[PersonState]
    fading: list[PersonState]
    birthdays: list[PersonState]
    problems: tuple[Problem, ...]


def status_view(standing: Standing, problems: Iterable[Problem], preload: Callable[[], None] | None = None) -> StatusView:
    """The lists, from the standing's orderings: only the people listed are loaded (`preload`,
    if given, when they are more than one in eight: reading all the cache's rows at once is
    then cheaper)."""
    assert standing.day is not None, "call Standing.at() first"
    orders = standing.orders
    soon, _, week_end = standing.due_bounds(standing.day[0])
    owes = sorted(orders["owes"], key=lambda key: key[1:])  # (balance, name, path): listed by name
    listed = week_end + len(owes) + len(orders["fading"]) + len(orders["birthdays"]) + len(orders["members"])
    if preload is not None and listed * 8 > len(orders["by_name"]):
        preload()  # before anyone is loaded
    head = standing.report(problems, everyone=False)  # the day, the focus list, the problems
    return StatusView(
        today=head.today,
        people=len(orders["by_name"]),
        overdue=standing.ordered("due", 0, soon),
        soon=standing.ordered("due", soon, week_end),
        focus=head.focus,
        members=standing.ordered("members"),
        owes=[standing.states[key[-1]] for key in owes],
        fading=standing.ordered("fading"),
        birthdays=standing.ordered("birthdays"),
        problems=head.problems,
    )


def render_status(view: StatusView, style: Style = plain) -> str:
    """The terminal status view; `style` adds colour when the caller wants it."""
    today = view.today
    lines = [style(f"vaultkeeper · {today.isoformat()} · {counted(view.people, 'person', 'people')}", "head")]

    def section(title: str, kind: str, rows: list[str]) -> None:
        if rows:
            lines.append("")
            lines.append(style(title, kind))
            lines.extend(rows)

    overdue, soon = view.overdue, view.soon
    section(f"Overdue ({len(overdue)})", "bad", table(_due_rows(overdue, today)))
    section(f"Due today and this week ({len(soon)})", "warn", table(_due_rows(soon, today)))

    focus = view.focus
    states = {s.person.path: s for s in view.members}
    focus_rows = []
    for path in focus.member_paths:
        s = states[path]
        due = f"due {s.next_due.isoformat()}" if s.next_due else "no due date"
        extra = "ready to graduate" if "ready-to-graduate" in s.flags else ""
        focus_rows.append([s.name, s.person.fields.stage or "pinned", due, extra])
    title = f"Focus {len(focus.members)}/{focus.limit}"
    if focus.over_capacity:
        title += " — over capacity: graduate or pause someone before taking on more"
    section(title, "bad" if focus.over_capacity else "head", table(focus_rows) or ["  (nobody yet)"])
    if focus.suggested_targets:
        lines.append("  next up: " + _one_line(", ".join(focus.suggested_targets)))

    owes = view.owes
    section(
        f"You owe ({len(owes)})",
        "warn",
        table([[s.name, f"gave {s.gave}", f"got {s.got}"] for s in owes]),
    )
    fading = view.fading
    section(
        f"Fading ({len(fading)}) — met once, never followed up",
        "warn",
        table([[s.name, _last(s, today)] for s in fading]),
    )
    birthdays = view.birthdays
    section(
        f"Birthdays ({len(birthdays)})",
        "good",
        table([[s.name, _next_birthday(s).isoformat(), days_text((_next_birthday(s) - today).days)] for s in birthdays]),
    )
    problems = list(view.problems)
    shown = [f"  {p.as_text()}" for p in problems[:10]]
    if len(problems) > 10:
        shown.append(f"  … and {len(problems) - 10} more (vaultkeeper doctor lists them all)")
    section(f"Problems ({len(problems)})", "bad", shown)
    return "\n".join(lines) + "\n"


def render_card(state: PersonState, today: date, style: Style = plain) -> str:
    """One person's card for `vaultkeeper show`: state, reasons, items, timeline."""
    person, fields = state.person, state.person.fields
    lines = [style(_one_line(state.name), "head") + f"  ({person.path})"]
    reasons = {
        "plan": "a planned interaction",
        "next": "the `next` date",
        "cadence": "last contact + cadence",
        "met": "met + cadence (never contacted)",
        "new": "a cadence and no contact yet",
        "snooze": "snoozed until then",
    }
    due = "none"
    if state.next_due is not None:
        due = f"{state.next_due.isoformat()} ({days_text(state.days_until_due or 0)}; from {reasons[state.due_reason or 'cadence']})"
    rows = [
        ["stage", fields.stage or "(none)"],
        ["cadence", f"every {state.cadence.human()}" if state.cadence else "(none)"],
        ["last contact", _last(state, today).removeprefix("last ")],
        ["next due", due],
        ["gave / got", f"{state.gave} / {state.got} (balance {state.balance:+d})"],
    ]
    if fields.aliases:
        rows.append(["aliases", ", ".join(fields.aliases)])
    if fields.met:
        rows.append(["met", fields.met.isoformat()])
    if fields.birthday:
        rows.append(["birthday", f"{fields.birthday.iso()} (next {_next_birthday(state).isoformat()})"])
    if state.focus:
        rows.append(["focus", "yes"])
    if state.flags:
        rows.append(["flags", ", ".join(state.flags)])
    rows += [[key, value] for key, value in fields.extra]
    lines += table(rows)

    def section(title: str, body: list[str]) -> None:
        if body:
            lines.append("")
            lines.append(style(title, "head"))
            lines.extend(body)

    section("Ideas", [f"  - {_one_line(idea)}" for idea in fields.ideas])
    section("Open loops", [f"  - {loop.text}  ({loop.path}:{loop.line})" for loop in person.open_loops])
    items = [
        f"  {i.date.isoformat()} {kind}: {text}"
        for i in person.interactions
        if i.date <= today
        for kind, texts in (("gave", i.gave), ("got", i.got))
        for text in texts
    ]
    section("Given and received", items)
    timeline = [
        [i.date.isoformat() + (" (plan)" if i.date > today else ""), i.text or "-", f"{i.path}:{i.line}"]
        for i in reversed(person.interactions)
    ]
    section("Timeline", table(timeline))
    return "\n".join(lines) + "\n"
