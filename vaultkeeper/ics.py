"""An iCalendar feed of follow-ups and birthdays, for the calendar people already look at.

Every event's UID comes from the person's note path and the event's kind, so
a calendar that subscribes to the file (or imports it again) updates events
instead of duplicating them. The output is deterministic: sorted, and DTSTAMP
is the start of "today", not the time of the run.

The feed is written here, not with the icalendar library: it is a few fixed
properties, and icalendar took 1.8 s to write the 9,300 events of a
10,000-person vault (a build with `ics = true` took 2.4 s after one edit).
The text is what icalendar 7 wrote (its property order, escaping and
folding), so a feed written before does not change, except that a backslash
before an `N` is kept (icalendar read it as a line break).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from vaultkeeper import __version__
from vaultkeeper.model import PersonState
from vaultkeeper.standing import Standing

LINE_OCTETS = 75  # the most a line may hold, without its CRLF (RFC 5545, 3.1)


def uid(path: str, kind: str) -> str:
    """Stable across runs and machines: the note's path and the event's kind."""
    return hashlib.sha1(f"{path}\0{kind}".encode()).hexdigest()[:24] + "@vaultkeeper"


class FeedMemo:
    """Each person's events as last written, so that a person whose state did not change
    since is written from here, without making their state (which reads their notes): as
    the last build saved them with its standing (`Standing.as_saved`), and as this process
    wrote them last (`Standing.same_since`: under watch). After one edit at 10,000 people:
    a build 651 -> 234 ms, watch's planning 270 -> 16 ms."""

    def __init__(self, saved: object = None) -> None:
        self.saved: dict[str, str] = saved if isinstance(saved, dict) else {}
        self.made: dict[str, str] | None = None  # to be saved with the standing, once a feed is written
        self.made_from: tuple[Standing, int] | None = None  # the standing and its version they were written from


def calendar_text(standing: Standing, today: date, memo: FeedMemo | None = None) -> str:
    """The feed: a follow-up per person with a due date, a yearly event per birthday."""
    memo = memo or FeedMemo()
    stamp = f"{_day(today)}T000000Z"
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{text_value(f'-//vaultkeeper//{__version__}//EN')}",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:vaultkeeper",
    ]
    since = memo.made_from[1] if memo.made_from is not None and memo.made_from[0] is standing else None
    last = memo.made or {}
    made: dict[str, str] = {}
    for path in standing.paths("by_name"):
        if since is not None and standing.same_since(since, path):
            events = last.get(path)
        else:
            events = memo.saved.get(path) if standing.as_saved(path) else None
        if events is None:
            events = "".join(fold(line) + "\r\n" for line in _events(standing.passing_state(path), today, stamp))
        made[path] = events
    memo.made, memo.made_from = made, (standing, standing.version)
    return "".join(fold(line) + "\r\n" for line in head) + "".join(made.values()) + "END:VCALENDAR\r\n"


def _events(state: PersonState, today: date, stamp: str) -> list[str]:
    """A person's events' lines, unfolded: a follow-up if they have a due date, and a birthday."""
    lines = []
    if state.next_due is not None:
        lines += _follow_up(state, today, stamp)
    if state.person.fields.birthday is not None:
        lines += _birthday(state, stamp)
    return lines


def _follow_up(state: PersonState, today: date, stamp: str) -> list[str]:
    due = max(state.next_due or today, today)  # overdue follow-ups show up today
    since = f"due since {state.next_due.isoformat()}" if state.next_due and state.next_due < today else "due"
    last = state.last_contact.isoformat() if state.last_contact else "never"
    summary = f"Follow up: {state.name}"
    description = f"{since}; last contact {last}; {state.person.path}"
    return event(summary, due, stamp, uid(state.person.path, "follow-up"), description)


def _birthday(state: PersonState, stamp: str) -> list[str]:
    birthday = state.person.fields.birthday
    assert birthday is not None
    if birthday.month == 2 and birthday.day == 29:  # every year, on Feb 28 when there is no 29th
        start = date(birthday.year or 2000, 2, 29)
        rule = "FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2"
    else:
        start = date(birthday.year or 2000, birthday.month, birthday.day)
        rule = "FREQ=YEARLY"
    summary = f"Birthday: {state.name}"
    return event(summary, start, stamp, uid(state.person.path, "birthday"), state.person.path, rule)


def event(summary: str, start: date, stamp: str, event_uid: str, description: str, rule: str | None = None) -> list[str]:
    """An all-day event's lines, unfolded, in icalendar's order. A day with no day after it
    (9999-12-31) has no DTEND: an event with a date and no end lasts that day (RFC 5545, 3.6.1)."""
    lines = ["BEGIN:VEVENT", f"SUMMARY:{text_value(summary)}", f"DTSTART;VALUE=DATE:{_day(start)}"]
    if start < date.max:
        lines.append(f"DTEND;VALUE=DATE:{_day(start + timedelta(days=1))}")
    lines += [f"DTSTAMP:{stamp}", f"UID:{text_value(event_uid)}"]
    if rule is not None:
        lines.append(f"RRULE:{rule}")
    lines += [f"DESCRIPTION:{text_value(description)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def _day(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime leaves years before 1000 unpadded


def text_value(text: str) -> str:
    """A TEXT value escaped (RFC 5545, 3.3.11): backslash, semicolon, comma, and each line
    break (CRLF, LF or a lone CR) as `\\n`."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """A content line cut into lines of at most 75 octets, each after the first starting with
    a space (RFC 5545, 3.1). Cut where icalendar 7 cuts: before the character that would make
    75 octets, but before a backslash (or caret) that would end a line, so an escape stays whole."""
    if line.isascii():
        if len(line) < LINE_OCTETS:
            return line
        parts = []
        start = 0
        while len(line) - start >= LINE_OCTETS:  # every line holds 74 characters, or 73 and a carried one
            cut = start + LINE_OCTETS - 1
            if line[cut - 1] in "\\^":
                cut -= 1
            parts.append(line[start:cut])
            start = cut
        parts.append(line[start:])
        return "\r\n ".join(parts)
    parts = []
    start = size = 0  # the line being filled: where it starts, and its octets
    for index, char in enumerate(line):
        width = len(char.encode("utf-8"))
        if size + width >= LINE_OCTETS:  # (so the piece holds 71 octets at least)
            cut = index - 1 if line[index - 1] in "\\^" else index
            parts.append(line[start:cut])
            start, size = cut, index - cut  # a carried backslash or caret is one octet
        size += width
    parts.append(line[start:])
    return "\r\n ".join(parts)
