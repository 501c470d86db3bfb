"""The relationship state of every person on a given day: pure functions of values."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from operator import attrgetter
from typing import NamedTuple

from vaultkeeper.cadence import Cadence
from vaultkeeper.config import Config
from vaultkeeper.model import Interaction, Person, PersonFields, PersonState, made

GROWING = ("new", "growing")
MAY_FADE = (*GROWING, None)  # stages
BIRTHDAY_SOON = 13  # days ahead a birthday is shown
_date, _gave, _got = attrgetter("date"), attrgetter("gave"), attrgetter("got")


def cadence_of(person: Person, config: Config) -> Cadence | None:
    """The person's own cadence wins (even a bad one, which means none), else the stage's."""
    fields = person.fields
    if fields.cadence_set:
        return fields.cadence
    if fields.stage is None:
        return None
    return config.stage_cadence.get(fields.stage)


def due_date(
    person: Person, cadence: Cadence | None, last: date | None, plans: list[date], today: date
) -> tuple[date | None, str | None]:
    """next_due and the rule that set it (SPEC 4), snooze applied last."""
    fields = person.fields
    due: date | None = None
    reason: str | None = None
    if fields.stage == "dormant":
        return None, None
    if plans:
        due, reason = min(plans), "plan"
    elif fields.next is not None and (last is None or fields.next > last):
        due, reason = fields.next, "next"
    elif last is not None and cadence is not None:
        due, reason = cadence.after(last), "cadence"
    elif cadence is not None:
        due, reason = (cadence.after(fields.met), "met") if fields.met else (today, "new")
    if due is not None and fields.snooze is not None and due < fields.snooze:
        due, reason = fields.snooze, "snooze"
    return due, reason


class Contact(NamedTuple):
    """What a person's interactions come to on a day: all SPEC 4 needs of them but the plans."""

    interactions: int = 0  # on or before the day (not `count`, which is a tuple's method)
    first: date | None = None
    last: date | None = None
    gave: int = 0
    got: int = 0
    next_plan: date | None = None  # the first interaction after the day


NO_CONTACT = Contact()


def contact_on(interactions: Iterable[Interaction], today: date, start: Contact = NO_CONTACT) -> Contact:
    """`start` with these interactions added, taken in any order (a note's log is in the
    order it was written)."""
    count, first, last, gave, got, plan = start
    for entry in interactions:
        day = entry.date
        if day <= today:
            count += 1
            gave += len(entry.gave)
            got += len(entry.got)
            if first is None or day < first:
                first = day
            if last is None or day > last:
                last = day
        elif plan is None or day < plan:
            plan = day
    return Contact(count, first, last, gave, got, plan)


def person_state(person: Person, config: Config, today: date) -> PersonState:
    """Everything SPEC 4 computes for one person on `today`."""
    interactions = person.interactions  # by date: the past, then the plans
    split = bisect_right(interactions, today, key=_date)
    past, plans = interactions[:split], interactions[split:]
    contact = Contact(
        len(past),
        past[0].date if past else None,
        past[-1].date if past else None,
        sum(map(len, map(_gave, past))),
        sum(map(len, map(_got, past))),
        plans[0].date if plans else None,
    )
    return state_of(person, contact, plans, config, today)


def sorting_state(path: str, fields: PersonFields, contact: Contact, config: Config, today: date) -> PersonState:
    """A state with what `Standing` sorts people by, made without the person's interactions
    (see `PeopleIndex.take_contacts`): its `person` has none and its `plans` are empty."""
    return state_of(made(Person, (path, fields, (), ())), contact, (), config, today)


def state_of(
    person: Person, contact: Contact, plans: tuple[Interaction, ...], config: Config, today: date
) -> PersonState:
    """The state of a person whose interactions up to `today` come to `contact`."""
    fields = person.fields
    count, first, last, gave, got, next_plan = contact
    cadence = cadence_of(person, config)
    due, reason = due_date(person, cadence, last, [next_plan] if next_plan is not None else [], today)
    days = (due - today).days if due is not None else None
    birthday = fields.birthday.next_after(today) if fields.birthday else None

    flags = []
    if days is not None:
        if days < 0:
            flags.append("overdue")
        elif days == 0:
            flags.append("due-today")
        elif days <= 7:
            flags.append("due-soon")
        if cadence is not None and due is not None and today >= cadence.after(due):
            flags.append("at-risk")
    if not count:
        flags.append("never-contacted")
    # the first contact, or the meeting if that was earlier
    if fields.met is not None and (first is None or fields.met < first):
        first = fields.met
    fades = None  # the day the person counts as fading, unless contact comes first
    if fields.stage in MAY_FADE and count <= 1 and next_plan is None and first is not None:
        fades = config.fading_after.after(first)
        if fades <= today:
            flags.append("fading")
    if got > gave:
        flags.append("owes")
    if fields.stage in GROWING and gave >= 1 and got >= 1 and count >= config.graduate_after:
        flags.append("ready-to-graduate")
    if birthday is not None and (birthday - today).days <= BIRTHDAY_SOON:
        flags.append("birthday-soon")

    return made(  # PersonState's fields, in order: made for everyone in a full build
        PersonState,
        (
            person,
            cadence,
            count,
            last,
            due,
            reason,
            days,
            gave,
            got,
            plans,
            tuple(sorted(flags)),
            birthday,
            is_member(fields),
            _changes_on(today, next_plan, reason, fields.snooze, fades, birthday),
        ),
    )


def _changes_on(
    today: date,
    next_plan: date | None,
    reason: str | None,
    snooze: date | None,
    fades: date | None,
    birthday: date | None,
) -> int | None:
    """The first day after `today` (as an ordinal) on which the date alone may change what
    `Standing` sorts this person by (due date, balance, fading, birthday), or None if
    it never does; a later day before then gives the same keys.

    Those change only when a plan's day comes (it becomes contact), a never-met
    person's due date (today) moves on, a snooze that held it back ends, the fading
    day comes, or a birthday enters its two weeks ahead or passes.
    """
    day = today.toordinal()
    days = [next_plan.toordinal()] if next_plan is not None else []
    if reason == "new":
        days.append(day + 1)
    elif reason == "snooze" and snooze is not None:  # what it held back may be "new"
        days.append(snooze.toordinal())
    if fades is not None and fades > today:
        days.append(fades.toordinal())
    if birthday is not None:
        soon = birthday.toordinal() - BIRTHDAY_SOON
        days.append(soon if soon > day else birthday.toordinal() + 1)
    return min(days, default=None)


def is_member(fields: PersonFields) -> bool:
    """On the focus list: stage new or growing, or `focus: true`; never `focus: false`."""
    return fields.focus is not False and (fields.stage in GROWING or fields.focus is True)
