"""The relationship state of every person on a given day: pure functions of values."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from operator import attrgetter

from vaultkeeper.cadence import Cadence
from vaultkeeper.config import Config
from vaultkeeper.model import Interaction, Person, PersonFields, PersonState

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


def person_state(person: Person, config: Config, today: date) -> PersonState:
    """Everything SPEC 4 computes for one person on `today`."""
    fields = person.fields
    interactions = person.interactions  # by date: the past, then the plans
    split = bisect_right(interactions, today, key=_date)
    past, plans = interactions[:split], interactions[split:]
    last = past[-1].date if past else None
    cadence = cadence_of(person, config)
    due, reason = due_date(person, cadence, last, [plans[0].date] if plans else [], today)
    gave = sum(map(len, map(_gave, past)))
    got = sum(map(len, map(_got, past)))
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
    if not past:
        flags.append("never-contacted")
    first = past[0].date if past else None  # the first contact, or the meeting if that was earlier
    if fields.met is not None and (first is None or fields.met < first):
        first = fields.met
    fades = None  # the day the person counts as fading, unless contact comes first
    if fields.stage in MAY_FADE and len(past) <= 1 and not plans and first is not None:
        fades = config.fading_after.after(first)
        if fades <= today:
            flags.append("fading")
    if got > gave:
        flags.append("owes")
    if fields.stage in GROWING and gave >= 1 and got >= 1 and len(past) >= config.graduate_after:
        flags.append("ready-to-graduate")
    if birthday is not None and (birthday - today).days <= BIRTHDAY_SOON:
        flags.append("birthday-soon")

    return PersonState(
        person=person,
        cadence=cadence,
        interactions=len(past),
        last_contact=last,
        next_due=due,
        due_reason=reason,
        days_until_due=days,
        gave=gave,
        got=got,
        plans=plans,
        flags=tuple(sorted(flags)),
        next_birthday=birthday,
        focus=is_member(fields),
        changes_on=_changes_on(today, plans, reason, fields.snooze, fades, birthday),
    )


def _changes_on(
    today: date,
    plans: tuple[Interaction, ...],
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
    days = [plans[0].date.toordinal()] if plans else []  # the first plan: they are by date
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
