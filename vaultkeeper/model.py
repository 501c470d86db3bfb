"""Plain values that cross module boundaries: parsed notes, people, computed state.

Everything here is a frozen dataclass of plain values so a parsed note can be
cached, compared and pickled without knowing where it came from.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TypeVar

from vaultkeeper.cadence import Cadence
from vaultkeeper.dates import Birthday

STAGES = ("target", "new", "growing", "established", "dormant")
T = TypeVar("T")


def _pickled_as_tuple(cls: type[T]) -> type[T]:
    """Pickle a slots dataclass as its class and field values: twice as fast both ways as
    the default state dict (the cache stores a log entry per line of every log)."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    assert len(names) > 1, "attrgetter returns a tuple only for several names"
    values = operator.attrgetter(*names)

    def __reduce__(self: T) -> tuple[type[T], tuple[object, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Problem:
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


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Link:
    """A wikilink as written: `target` is the part before `|`/`#`, without `.md`."""

    target: str
    line: int


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class LogEntry:
    """One dated item or sub-heading in a person's own log."""

    date: date
    line: int
    text: str
    gave: tuple[str, ...] = ()
    got: tuple[str, ...] = ()


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Mention:
    """A daily-note line that links people: contact with each of them that day."""

    line: int
    text: str
    links: tuple[Link, ...]
    gave: tuple[str, ...] = ()
    got: tuple[str, ...] = ()


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Task:
    """An unchecked task `- [ ]`: an open loop for itself's note and linked people."""

    line: int
    text: str
    links: tuple[Link, ...] = ()


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting note's front matter: one interaction with each attendee."""

    date: date
    line: int
    title: str
    attendees: tuple[Link, ...]


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class PersonFields:
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
    priority: float = 0
    ideas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class ParsedNote:
    """Everything one file says, with no knowledge of any other file."""

    path: str
    problems: tuple[Problem, ...] = ()
    person: PersonFields | None = None
    log: tuple[LogEntry, ...] = ()
    daily_date: date | None = None
    mentions: tuple[Mention, ...] = ()
    meeting: Meeting | None = None
    tasks: tuple[Task, ...] = ()
    blocks: tuple[str, ...] = ()  # names of well-formed vaultkeeper blocks, to be filled


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Interaction:
    """Contact with one person on one date, from one place in the vault."""

    date: date
    path: str
    line: int
    text: str
    gave: tuple[str, ...] = ()
    got: tuple[str, ...] = ()


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class OpenLoop:
    path: str
    line: int
    text: str


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class Person:
    """A person note joined with everything the vault says about them."""

    path: str
    fields: PersonFields
    interactions: tuple[Interaction, ...] = ()
    open_loops: tuple[OpenLoop, ...] = ()

    @property
    def name(self) -> str:
        return self.fields.name


@_pickled_as_tuple
@dataclass(frozen=True, slots=True)
class PersonState:
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

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def balance(self) -> int:
        return self.gave - self.got


@dataclass(frozen=True)
class Focus:
    limit: int
    members: tuple[str, ...]
    open_slots: int
    suggested_targets: tuple[str, ...]
    member_paths: tuple[str, ...] = ()
    target_paths: tuple[str, ...] = ()

    @property
    def over_capacity(self) -> bool:
        return len(self.members) > self.limit


@dataclass(frozen=True)
class Report:
    """The whole computed state of a vault on one day."""

    today: date
    people: tuple[PersonState, ...]
    focus: Focus
    problems: tuple[Problem, ...] = field(default_factory=tuple)
