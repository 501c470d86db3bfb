"""An iCalendar feed of follow-ups and birthdays, for the calendar people already look at.

Every event's UID comes from the person's note path and the event's kind, so
a calendar that subscribes to the file (or imports it again) updates events
instead of duplicating them. The output is deterministic: sorted, and DTSTAMP
is the start of "today", not the time of the run.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import icalendar

from vaultkeeper import __version__
from vaultkeeper.model import PersonState
from vaultkeeper.standing import Standing


def uid(path: str, kind: str) -> str:
    """Stable across runs and machines: the note's path and the event's kind."""
    return hashlib.sha1(f"{path}\0{kind}".encode()).hexdigest()[:24] + "@vaultkeeper"


def _follow_up(state: PersonState, today: date, stamp: datetime) -> icalendar.Event:
    due = max(state.next_due or today, today)  # overdue follow-ups show up today
    event = icalendar.Event()
    event.add("uid", uid(state.person.path, "follow-up"))
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", f"Follow up: {state.name}")
    since = f"due since {state.next_due.isoformat()}" if state.next_due and state.next_due < today else "due"
    last = state.last_contact.isoformat() if state.last_contact else "never"
    event.add("description", f"{since}; last contact {last}; {state.person.path}")
    event.add("transp", "TRANSPARENT")
    return event


def _birthday(state: PersonState, stamp: datetime) -> icalendar.Event:
    birthday = state.person.fields.birthday
    assert birthday is not None
    event = icalendar.Event()
    event.add("uid", uid(state.person.path, "birthday"))
    event.add("dtstamp", stamp)
    if birthday.month == 2 and birthday.day == 29:  # every year, on Feb 28 when there is no 29th
        start = date(birthday.year or 2000, 2, 29)
        event.add("rrule", {"freq": "yearly", "bymonth": 2, "bymonthday": -1})
    else:
        start = date(birthday.year or 2000, birthday.month, birthday.day)
        event.add("rrule", {"freq": "yearly"})
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(days=1))
    event.add("summary", f"Birthday: {state.name}")
    event.add("description", state.person.path)
    event.add("transp", "TRANSPARENT")
    return event


def calendar_text(standing: Standing, today: date) -> str:
    """The feed: a follow-up per person with a due date, a yearly event per birthday."""
    stamp = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    feed = icalendar.Calendar()
    feed.add("prodid", f"-//vaultkeeper//{__version__}//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", "vaultkeeper")
    for state in standing.each_state():  # made as they are reached, not kept
        if state.next_due is not None:
            feed.add_component(_follow_up(state, today, stamp))
        if state.person.fields.birthday is not None:
            feed.add_component(_birthday(state, stamp))
    return feed.to_ical().decode("utf-8")
