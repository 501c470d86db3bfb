"""What the page templates display: everyone's standing arranged into plain, pre-formatted values.

Templates only display; every decision (sections, order, next step, escaping)
is made here so user templates stay simple and pages stay deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from vaultkeeper.model import OpenLoop, PersonState, Problem, sort_problems
from vaultkeeper.standing import Standing

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_UNLINKABLE = re.compile(r"[\[\]|#^]")


def escape(text: str) -> str:
    """Plain text made safe as Markdown: no emphasis, links, HTML or table breaks."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return "\\" + text if text.startswith(("#", "+", "-", ">", "=")) else text


def cell(text: str) -> str:
    """Text written by the user (may hold links) made safe inside a table cell."""
    return " ".join(text.split()).replace("\\|", "|").replace("|", "\\|")


def wikilink(path: str, name: str) -> str:
    """`[[People/Ada Lovelace|Ada Lovelace]]`: by path, so it is never ambiguous."""
    target = path[:-3] if path.lower().endswith(".md") else path
    if _UNLINKABLE.search(target):  # Obsidian cannot link such a file name
        return f"**{escape(name)}**"
    label = re.sub(r"[\[\]|]", lambda m: {"[": "(", "]": ")", "|": "/"}[m.group(0)], name)
    label = re.sub(r"([`*_<>])", r"\\\1", " ".join(label.split()))
    return f"[[{target}|{label}]]"


class Item(NamedTuple):
    date: str
    kind: str  # "gave" or "got"
    text: str


class PersonView(NamedTuple):
    """One person as the pages show them."""

    name: str
    link: str
    path: str
    stage: str
    cadence: str
    due: str
    due_reason: str
    last_contact: str
    met: str
    next_step: str
    open_loops: tuple[OpenLoop, ...]
    ideas: tuple[str, ...]
    gave: int
    got: int
    balance: int
    interactions: int
    recent_items: tuple[Item, ...]
    flags: tuple[str, ...]
    birthday: str
    ready_to_graduate: bool
    graduation: str

    @property
    def balance_text(self) -> str:
        return f"{self.balance:+d}" if self.balance else "0"


class ProblemView(NamedTuple):
    path: str
    line: int | None
    message: str
    where: str  # "People/Bad.md:3", escaped


class Section:
    """The first people of a list, in order, and how many there are in all.

    Pages show at most `page_limit` people per list so they stay readable (and
    fast to write) in a vault of thousands; `more` says how many are left out.
    """

    __slots__ = ("shown", "total")

    def __init__(self, shown: tuple[PersonView, ...] = (), total: int = 0) -> None:
        self.shown = shown
        self.total = total

    def __repr__(self) -> str:  # every field: the render memo is keyed by the pages' repr
        return f"Section(shown={self.shown!r}, total={self.total!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Section) and (self.shown, self.total) == (other.shown, other.total)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[PersonView]:
        return iter(self.shown)

    def __len__(self) -> int:
        return len(self.shown)

    def __bool__(self) -> bool:
        return self.total > 0

    def __getitem__(self, index: int) -> PersonView:
        return self.shown[index]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


class Pages(NamedTuple):
    """Everything the default templates show, grouped by section."""

    people: int
    overdue: Section
    today: Section
    this_week: Section
    later: Section
    focus_members: Section
    focus_limit: int
    over_capacity: bool
    open_slots: int
    suggested_targets: Section
    owes: Section
    fading: Section
    birthdays: Section
    ledger: Section
    problems: tuple[ProblemView, ...]
    more_problems: int


def _next_step(state: PersonState) -> str:
    """What to do next for this person, in a few words."""
    if state.due_reason == "plan" and state.plans:
        first = state.plans[0]  # interactions are sorted by date, path, line
        return f"planned {first.date.isoformat()}: {first.text}" if first.text else f"planned {first.date.isoformat()}"
    if state.person.open_loops:
        return f"open loop: {state.person.open_loops[0].text}"
    if state.person.fields.ideas:
        return f"idea: {state.person.fields.ideas[0]}"
    if state.interactions == 0:
        return "make first contact"
    return "get in touch"


def _graduation(state: PersonState, needed: int) -> str:
    if "ready-to-graduate" in state.flags:
        return "ready to graduate: move to established and free a focus slot"
    missing = []
    if state.gave < 1:
        missing.append("give something")
    if state.got < 1:
        missing.append("receive something")
    if state.interactions < needed:
        missing.append(f"{needed - state.interactions} more interaction{'s' if needed - state.interactions != 1 else ''}")
    return "to graduate: " + ", ".join(missing) if missing else ""


def person_view(state: PersonState, graduate_after: int) -> PersonView:
    fields = state.person.fields
    past_items = [
        Item(i.date.isoformat(), kind, text)
        for i in state.person.interactions
        if state.last_contact is not None and i.date <= state.last_contact
        for kind, texts in (("gave", i.gave), ("got", i.got))
        for text in texts
    ]
    return PersonView(
        name=state.name,
        link=wikilink(state.person.path, state.name),
        path=state.person.path,
        stage=fields.stage or "",
        cadence=state.cadence.human() if state.cadence else "",
        due=state.next_due.isoformat() if state.next_due else "",
        due_reason=state.due_reason or "",
        last_contact=state.last_contact.isoformat() if state.last_contact else "",
        met=fields.met.isoformat() if fields.met else "",
        next_step=_next_step(state),
        open_loops=state.person.open_loops,
        ideas=fields.ideas,
        gave=state.gave,
        got=state.got,
        balance=state.balance,
        interactions=state.interactions,
        recent_items=tuple(reversed(past_items[-3:])),
        flags=state.flags,
        birthday=state.next_birthday.isoformat() if state.next_birthday else "",
        ready_to_graduate="ready-to-graduate" in state.flags,
        graduation=_graduation(state, graduate_after),
    )


def problem_view(problem: Problem) -> ProblemView:
    where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
    return ProblemView(problem.path, problem.line, problem.message, escape(where))


class ViewCache:
    """PersonViews by person, rebuilt only when the person's state changed.

    `saved` holds the views the last build showed, for a standing restored
    from it: a person whose state did not change since is shown from there,
    without reading their notes. `shown` is what the last `arrange` showed.
    """

    def __init__(self, saved: dict[str, PersonView] | None = None) -> None:
        self.views: dict[str, tuple[PersonState, PersonView]] = {}
        self.saved = saved or {}
        self.shown: dict[str, PersonView] = {}

    def view(self, state: PersonState, graduate_after: int) -> PersonView:
        cached = self.views.get(state.person.path)
        if cached is None or cached[0] is not state:
            cached = self.views[state.person.path] = (state, person_view(state, graduate_after))
        return cached[1]

    def view_of(self, standing: Standing, path: str, graduate_after: int) -> PersonView:
        saved = self.saved.get(path)
        if saved is not None and standing.as_saved(path):
            view = saved
        else:
            view = self.view(standing.states[path], graduate_after)
        self.shown[path] = view
        return view


def arrange(
    standing: Standing,
    problems: Sequence[Problem],
    graduate_after: int,
    limit: int = 50,
    cache: ViewCache | None = None,
) -> Pages:
    """The sections the pages show, the first `limit` people of each, from sorted orderings."""
    cache = cache or ViewCache()
    cache.shown = {}
    assert standing.day is not None, "call Standing.at() first"
    today, config = standing.day

    def section(order: str, start: int = 0, stop: int | None = None) -> Section:
        total = len(standing.orders[order][start:stop])
        shown = standing.paths(order, start, start + min(limit, total))
        return Section(tuple(cache.view_of(standing, path, graduate_after) for path in shown), total)

    soon, tomorrow, week_end = standing.due_bounds(today)
    slots = standing.open_slots(config.focus_limit)
    ordered = sort_problems(list(problems))
    return Pages(
        people=len(standing.states),
        overdue=section("due", 0, soon),
        today=section("due", soon, tomorrow),
        this_week=section("due", tomorrow, week_end),
        later=section("due", week_end),
        focus_members=section("members"),
        focus_limit=config.focus_limit,
        over_capacity=len(standing.orders["members"]) > config.focus_limit,
        open_slots=slots,
        suggested_targets=section("targets", 0, slots),
        owes=section("owes"),
        fading=section("fading"),
        birthdays=section("birthdays"),
        ledger=section("ledger"),
        problems=tuple(problem_view(p) for p in ordered[:limit]),
        more_problems=max(0, len(ordered) - limit),
    )
