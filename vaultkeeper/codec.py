"""A parsed note as bytes and back, for the cache, the second process and the notes held
between builds: plain tuples (days as ordinals) through `marshal`.

Pickling a person note's named tuples costs about 24 µs and loading it 14 µs
(each tuple goes through `__reduce_ex__` and its class's Python `__new__`);
this costs 8 and 7, and nothing in it runs code when loaded. The layout below
follows the fields of the classes in `vaultkeeper.model` one by one; a test
fails when a class gains a field the codec does not know.
"""

from __future__ import annotations

import marshal
from datetime import date
from typing import Any

from vaultkeeper.cadence import Cadence
from vaultkeeper.compute import Contact
from vaultkeeper.dates import Birthday
from vaultkeeper.model import (
    Interaction,
    Link,
    Meeting,
    Mention,
    OpenLoop,
    ParsedNote,
    PersonFields,
    Problem,
    Task,
    made,
)

_DAYS: dict[int, date] = {}  # by ordinal: a vault's log lines share a few thousand days


def _day(ordinal: int) -> date:
    day = _DAYS.get(ordinal)
    if day is None:
        day = _DAYS[ordinal] = date.fromordinal(ordinal)
    return day


def dumps(note: ParsedNote) -> bytes:
    path, problems, person, log, daily, mentions, meeting, tasks, blocks = note
    return marshal.dumps(
        (
            path,
            tuple(map(tuple, problems)),
            None if person is None else _person(person),
            tuple([(day.toordinal(), line, text, gave, got) for day, _path, line, text, gave, got in log]),
            None if daily is None else daily.toordinal(),
            tuple((line, text, tuple(map(tuple, links)), gave, got) for line, text, links, gave, got in mentions),
            None if meeting is None else (meeting[0].toordinal(), meeting[1], meeting[2], tuple(map(tuple, meeting[3]))),
            tuple((line, text, tuple(map(tuple, links))) for line, text, links in tasks),
            blocks,
        )
    )


def loads(blob: bytes) -> ParsedNote:
    """The note `dumps` made (ValueError, TypeError, … on bytes it did not make)."""
    return _loads(blob, with_log=True)


def loads_links(blob: bytes) -> ParsedNote:
    """The note `dumps` made but for its log: what resolving its links needs of it (a person
    note's log, most of it, holds none; see `PeopleIndex.fill`)."""
    return _loads(blob, with_log=False)


def _loads(blob: bytes, with_log: bool) -> ParsedNote:
    path, problems, person, log, daily, mentions, meeting, tasks, blocks = marshal.loads(blob)
    day = _DAYS.get
    own_log = tuple(  # each entry's path is the note's
        [made(Interaction, (day(d) or _day(d), path, line, text, gave, got)) for d, line, text, gave, got in log]
        if with_log
        else ()
    )
    return made(
        ParsedNote,
        (
            path,
            tuple([made(Problem, problem) for problem in problems]),
            None if person is None else _fields(person),
            own_log,
            None if daily is None else _day(daily),
            tuple([made(Mention, (line, text, _links(links), gave, got)) for line, text, links, gave, got in mentions]),
            None if meeting is None else made(Meeting, (_day(meeting[0]), meeting[1], meeting[2], _links(meeting[3]))),
            tuple([made(Task, (line, text, _links(links))) for line, text, links in tasks]),
            blocks,
        ),
    )


Given = tuple[dict[str, list[Interaction]], dict[str, list[OpenLoop]], list[Problem], set[str]]


def dumps_given(
    interactions: dict[str, list[Interaction]],
    loops: dict[str, list[OpenLoop]],
    problems: list[Problem],
    keys: set[str],
) -> bytes:
    """What one note's links gave other people (`people._Resolved`), for the cache: by person,
    the interactions and open loops; the problems; the link keys used."""
    return marshal.dumps(
        (
            {person: [(i[0].toordinal(), *i[1:]) for i in given] for person, given in interactions.items()},
            {person: [tuple(loop) for loop in found] for person, found in loops.items()},
            [tuple(problem) for problem in problems],
            keys,
        )
    )


def loads_given(blob: bytes) -> Given:
    interactions, loops, problems, keys = marshal.loads(blob)
    day = _DAYS.get
    return (
        {
            person: [
                made(Interaction, (day(d) or _day(d), path, line, text, gave, got))
                for d, path, line, text, gave, got in given
            ]
            for person, given in interactions.items()
        },
        {person: [made(OpenLoop, loop) for loop in found] for person, found in loops.items()},
        [made(Problem, problem) for problem in problems],
        keys,
    )


Own = tuple[PersonFields, Contact]  # what sorting a person needs of their own note


def own(fields: PersonFields, contact: Contact) -> Own:
    """What sorting a person needs of their own note, as `loads_own` gives it back: held so
    by the process that read the note, encoded (`dumps_own`) by the other."""
    return made(PersonFields, (fields[0], fields[1], (), *fields[3:_SORTED_BY], (), (), ())), contact


def dumps_own(fields: PersonFields, contact: Contact) -> bytes:
    """What sorting a person needs of their own note, held from reading to sorting (see
    `reading.Gist`): their fields but for the lists only pages show, and a day's contact."""
    count, first, last, gave, got, plan = contact
    name, line, _aliases, *kept = _person(fields)[:_SORTED_BY]
    return marshal.dumps(((name, line, *kept), count, _ordinal(first), _ordinal(last), gave, got, _ordinal(plan)))


def loads_own(blob: bytes) -> tuple[PersonFields, Contact]:
    """The fields (aliases, ideas, tags and extra empty) and contact `dumps_own` kept."""
    (name, line, *kept), count, first, last, gave, got, plan = marshal.loads(blob)
    fields = _fields((name, line, (), *kept, (), (), ()))
    return fields, made(Contact, (count, _maybe_day(first), _maybe_day(last), gave, got, _maybe_day(plan)))


_SORTED_BY = 12  # PersonFields up to `priority`: ideas, tags and extra come after


def _ordinal(day: date | None) -> int | None:
    return None if day is None else day.toordinal()


def _maybe_day(ordinal: int | None) -> date | None:
    return None if ordinal is None else _day(ordinal)


def _person(fields: PersonFields) -> tuple[Any, ...]:
    name, line, aliases, stage, cadence, cadence_set, next_, snooze, met, birthday, *rest = fields
    return (
        name,
        line,
        aliases,
        stage,
        None if cadence is None else tuple(cadence),
        cadence_set,
        None if next_ is None else next_.toordinal(),
        None if snooze is None else snooze.toordinal(),
        None if met is None else met.toordinal(),
        None if birthday is None else tuple(birthday),
        *rest,  # focus, priority, ideas, tags, extra: plain values
    )


def _fields(saved: tuple[Any, ...]) -> PersonFields:
    name, line, aliases, stage, cadence, cadence_set, next_, snooze, met, birthday, *rest = saved
    return made(
        PersonFields,
        (
            name,
            line,
            aliases,
            stage,
            None if cadence is None else made(Cadence, cadence),
            cadence_set,
            None if next_ is None else _day(next_),
            None if snooze is None else _day(snooze),
            None if met is None else _day(met),
            None if birthday is None else made(Birthday, birthday),
            *rest,
        ),
    )


def _links(saved: tuple[tuple[str, int], ...]) -> tuple[Link, ...]:
    return tuple([made(Link, link) for link in saved])
