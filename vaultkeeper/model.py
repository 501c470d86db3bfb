"""Plain values that cross module boundaries: parsed notes, people, computed state.

Everything here is an immutable named tuple of plain values so a parsed note can
be cached, compared and pickled without knowing where it came from. Named
tuples rather than frozen dataclasses: a class is made ten times faster (about
20 ms of every command's start for these), an instance and its pickle several
times faster, which a cold build does millions of times. They compare as tuples:
compare values of one kind only.

(No `from __future__ import annotations` here: a named tuple's string
annotations are each compiled again when the class is made.)
"""

from datetime import date
from typing import NamedTuple

from vaultkeeper.cadence import Cadence
from vaultkeeper.dates import Birthday

STAGES = ("target", "new", "growing", "established", "dormant")

# `made(SomeTuple, (field, ...))`: a named tuple from all its fields, without the class's
# Python-level `__new__` (about three times faster, for the values made by the hundred thousand)
made = tuple.__new__


class Stamp(NamedTuple):
    """A file as a stat sees it: a different stamp means a different file (or a changed one)."""

    size: int
    mtime_ns: int


class Problem(NamedTuple):
    """Something wrong in the vault: shown to the user, never fatal."""

    path: str
    line: int | None
    message: str

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line if self.line is not None else 0, self.message)

    def as_text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


def sort_problems(problems: list[Problem] | tuple[Problem, ...]) -> list[Problem]:
    """Problems sorted by path, line (none first), message, without duplicates."""
    return sorted(set(problems), key=Problem.sort_key)


class Link(NamedTuple):
    """A wikilink as written: `target` is the part before `|`/`#`, without `.md`."""

    target: str
    line: int


class Interaction(NamedTuple):
    """Contact with one person on one date, from one place in the vault: a dated item or
    sub-heading of their own log, or a line of another note that links them."""

    date: date
    path: str
    line: int
    text: str
    gave: tuple[str, ...] = ()
    got: tuple[str, ...] = ()


class Mention(NamedTuple):
    """A daily-note line that links people: contact with each of them that day."""

    line: int
    text: str
    links: tuple[Link, ...]
    gave: tuple[str, ...] = ()
    got: tuple[str, ...] = ()


class Task(NamedTuple):
    """An unchecked task `- [ ]`: an open loop for itself's note and linked people."""

    line: int
    text: str
    links: tuple[Link, ...] = ()


class Meeting(NamedTuple):
    """A meeting note's front matter: one interaction with each attendee."""

    date: date
    line: int
    title: str
    attendees: tuple[Link, ...]


class PersonFields(NamedTuple):
    """A person note's front matter, validated; absent or bad values are None."""

    name: str
    name_line: int | None
    aliases: tuple[str, ...] = ()
    stage: str | None = None
    cadence: Cadence | None = None
    cadence_set: bool = False
    next: date | None = None
    snooze: date | None = None
    met: date | None = None
    birthday: Birthday | None = None
    focus: bool | None = None
    priority: float = 0.0
    ideas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()


class ParsedNote(NamedTuple):
    """Everything one file says, with no knowledge of any other file."""

    path: str
    problems: tuple[Problem, ...] = ()
    person: PersonFields | None = None
    log: tuple[Interaction, ...] = ()  # the person's own log (each with this note's path: joined as it is)
    daily_date: date | None = None
    mentions: tuple[Mention, ...] = ()
    meeting: Meeting | None = None
    tasks: tuple[Task, ...] = ()
    blocks: tuple[str, ...] = ()  # names of well-formed vaultkeeper blocks, to be filled


class OpenLoop(NamedTuple):
    path: str
    line: int
    text: str


class Person(NamedTuple):
    """A person note joined with everything the vault says about them."""

    path: str
    fields: PersonFields
    interactions: tuple[Interaction, ...] = ()  # sorted: by date (then path and line)
    open_loops: tuple[OpenLoop, ...] = ()

    @property
    def name(self) -> str:
        return self.fields.name


class PersonState(NamedTuple):
    """A person's relationship state on a given day (section 4 of the spec)."""

    person: Person
    cadence: Cadence | None
    interactions: int
    last_contact: date | None
    next_due: date | None
    due_reason: str | None
    days_until_due: int | None
    gave: int
    got: int
    plans: tuple[Interaction, ...]
    flags: tuple[str, ...]
    next_birthday: date | None
    focus: bool = False
    changes_on: int | None = None  # see compute._changes_on

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def balance(self) -> int:
        return self.gave - self.got


class Focus(NamedTuple):
    limit: int
    members: tuple[str, ...]
    open_slots: int
    suggested_targets: tuple[str, ...]
    member_paths: tuple[str, ...] = ()
    target_paths: tuple[str, ...] = ()

    @property
    def over_capacity(self) -> bool:
        return len(self.members) > self.limit


class Report(NamedTuple):
    """The whole computed state of a vault on one day."""

    today: date
    people: tuple[PersonState, ...]
    focus: Focus
    problems: tuple[Problem, ...] = ()
