"""One file in, plain values out: the person, log, mentions, meeting and tasks it holds.

Nothing here knows about any other file, so a parsed note can be cached and
re-parsed alone when it changes. Bad input becomes a Problem, never an exception.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from vaultkeeper import front_matter, markdown
from vaultkeeper.blocks import find_blocks
from vaultkeeper.cadence import CadenceError, parse_cadence
from vaultkeeper.dates import DateError, parse_birthday, parse_date
from vaultkeeper.model import (
    STAGES,
    Interaction,
    Link,
    Meeting,
    Mention,
    ParsedNote,
    PersonFields,
    Problem,
    Task,
    made,
)

ATTENDEE_KEYS = ("attendees", "people", "participants")
PERSON_KEYS = {
    "name", "aliases", "stage", "cadence", "next", "snooze", "met", "birthday",
    "focus", "priority", "ideas", "tags", "type",
}  # fmt: skip


class Context(NamedTuple):
    """What the rest of the vault decides about one file, by its path alone."""

    in_people_folder: bool = False
    daily_date: date | None = None
    log_headings: tuple[str, ...] = ("log", "interactions")  # lower case


def parse_note(path: str, data: bytes, context: Context) -> ParsedNote:
    """Read one note's bytes; never raises for any content."""
    problems: list[Problem] = []
    if b"\x00" in data:
        return ParsedNote(path, (Problem(path, None, "binary file, not a Markdown note"),))
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark (what "utf-8-sig" does, without loading that codec)
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(path, line, f"not valid UTF-8 (byte 0x{data[error.start]:02x}); read with replacement characters"))
        text = data.decode("utf-8", errors="replace")
    return _NoteReader(path, text, context, problems).read()


class _Item:
    """A log interaction being collected (a list item or a dated sub-heading)."""

    __slots__ = ("date", "line", "text", "column", "blank", "gave", "got")

    def __init__(self, day: date | None, line: int, text: str, column: int = 0) -> None:
        self.date = day
        self.line = line
        self.text = text
        self.column = column
        self.blank = False
        self.gave: list[str] = []
        self.got: list[str] = []

    @classmethod
    def resumed(cls, entry: Interaction, blank: bool) -> _Item:
        """A plain log item (see `_plain_items`) collected again (`blank`: an empty line
        came below it)."""
        item = cls(entry.date, entry.line, entry.text, 2)
        item.gave.extend(entry.gave)
        item.got.extend(entry.got)
        item.blank = blank
        return item

    def add(self, found: markdown.Fields) -> None:
        self.gave.extend(found.gave)
        self.got.extend(found.got)

    def entry(self, path: str) -> Interaction | None:
        if self.date is None:
            return None
        return Interaction(self.date, path, self.line, self.text, tuple(self.gave), tuple(self.got))


class _NoteReader:
    def __init__(self, path: str, text: str, context: Context, problems: list[Problem]):
        self.path = path
        self.context = context
        self.problems = problems
        self.split = front_matter.split(text)
        self.meta: dict[str, Any] = {}
        self._key_lines: dict[str, int] | None = None  # found when a line is first asked for (rarely)
        self.log: list[Interaction] = []
        self.mentions: list[Mention] = []
        self.tasks: list[Task] = []
        self.body_tags: list[str] = []
        self.blocks: list[str] = []
        self.code = markdown.CodeSpans(text) if "`" in text else None
        # no marker without the word (checked on the whole text at once): most notes have none
        self.skip = self._skipped_lines(self.split.lines, self.split.body_start) if "vaultkeeper" in text else set()

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def read(self) -> ParsedNote:
        split = self.split
        if split.error:
            self.problem(1, split.error)
        if split.front is not None:
            self.meta, error = front_matter.load(split.front)
            if error:
                self.problem(*error)
        is_person = self.is_person_by_meta() or self.context.in_people_folder
        if is_person or self.context.daily_date is not None or not FAST_LOG or self.body_may_give():
            self.read_body(is_person)
        if not is_person and any(markdown.is_person_tag(t) for t in self.body_tags):
            is_person = True
            self.log.clear()
            self.read_body(True, log_only=True)
        person = self.person_fields() if is_person else None
        daily = self.context.daily_date if not is_person else None
        meeting = self.meeting(daily) if not is_person else None
        if self.code is not None and self.code.spans:
            self._show_code(self.code.shown)
        return ParsedNote(
            path=self.path,
            problems=tuple(self.problems),
            person=person,
            log=tuple(self.log),
            daily_date=daily,
            mentions=tuple(self.mentions) if daily else (),
            meeting=meeting,
            tasks=tuple(self.tasks),
            blocks=tuple(self.blocks),
        )

    def _show_code(self, shown: Callable[[str], str]) -> None:
        """Put the code spans blanked in the lines read back in every text the note shows."""

        def texts(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(map(shown, values))

        def links(found: tuple[Link, ...]) -> tuple[Link, ...]:
            return tuple(link._replace(target=shown(link.target)) for link in found)

        self.log = [e._replace(text=shown(e.text), gave=texts(e.gave), got=texts(e.got)) for e in self.log]
        self.tasks = [t._replace(text=shown(t.text), links=links(t.links)) for t in self.tasks]
        self.mentions = [
            m._replace(text=shown(m.text), links=links(m.links), gave=texts(m.gave), got=texts(m.got))
            for m in self.mentions
        ]
        self.problems[:] = [p._replace(message=shown(p.message)) for p in self.problems]

    def _code_free(self, line: str) -> str:
        """A line as its links, fields, tags and dates are read: inline code blanked."""
        return line if self.code is None else self.code.blank(line)

    # --- who the note is about -------------------------------------------

    def is_person_by_meta(self) -> bool:
        kind = self.meta.get("type")
        if isinstance(kind, str) and kind.strip().lower() == "person":
            return True
        return any(markdown.is_person_tag(tag) for tag in self.front_tags())

    def front_tags(self) -> list[str]:
        value = self.meta.get("tags")
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if not isinstance(value, list):
            return []
        return [str(tag).strip().lstrip("#").lower() for tag in value if tag is not None and str(tag).strip()]

    def line_of(self, key: str) -> int | None:
        if self._key_lines is None:
            front = self.split.front
            self._key_lines = front_matter.key_lines(front) if front is not None else {}
        return self._key_lines.get(key)

    def person_fields(self) -> PersonFields:
        meta = self.meta
        stem = self.path.rsplit("/", 1)[-1]
        stem = stem[:-3] if stem.lower().endswith(".md") else stem
        name = self.text_value("name") if "name" in meta else None
        stage = None
        raw_stage = meta.get("stage")
        if _present(raw_stage):
            candidate = str(raw_stage).strip().lower()
            if candidate in STAGES:
                stage = candidate
            else:
                self.problem(self.line_of("stage"), f'unknown stage "{raw_stage}" (stages: {", ".join(STAGES)})')
        cadence = None
        if _present(meta.get("cadence")):
            try:
                cadence = parse_cadence(meta["cadence"])
            except CadenceError as error:
                self.problem(self.line_of("cadence"), str(error))
        birthday = None
        if _present(meta.get("birthday")):
            try:
                birthday = parse_birthday(meta["birthday"])
            except DateError as not_a_birthday:  # (another name than above's: mypyc gives a name one type)
                self.problem(self.line_of("birthday"), f"birthday: {not_a_birthday}")
        return made(  # a key the note does not set is not looked at again
            PersonFields,
            (
                name or stem,
                self.line_of("name") if name else None,
                tuple(dict.fromkeys(self.text_list("aliases"))) if "aliases" in meta else (),
                stage,
                cadence,
                _present(meta.get("cadence")),
                self.date_value("next") if "next" in meta else None,
                self.date_value("snooze") if "snooze" in meta else None,
                self.date_value("met") if "met" in meta else None,
                birthday,
                self.bool_value("focus") if "focus" in meta else None,
                self.number_value("priority") if "priority" in meta else 0.0,
                tuple(self.text_list("ideas")) if "ideas" in meta else (),
                tuple(self.front_tags()) if "tags" in meta else (),
                tuple(
                    [(key, _display(value)) for key, value in meta.items() if key not in PERSON_KEYS and _present(value)]
                ),
            ),
        )

    def text_value(self, key: str) -> str | None:
        value = self.meta.get(key)
        if not _present(value):
            return None
        if isinstance(value, (dict, list)):
            self.problem(self.line_of(key), f"{key}: expected text, found a {type(value).__name__}")
            return None
        return str(value).strip() or None

    def text_list(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if not _present(value):
            return []
        if not isinstance(value, list):
            value = [value]
        out = []
        for item in value:
            if isinstance(item, list) and len(item) == 1:
                item = item[0]  # an unquoted [[link]]
            if isinstance(item, dict):
                self.problem(self.line_of(key), f"{key}: expected text, found a mapping")
                continue
            if _present(item) and str(item).strip():
                out.append(str(item).strip())
        return out

    def date_value(self, key: str) -> date | None:
        value = self.meta.get(key)
        if not _present(value):
            return None
        try:
            return parse_date(value)
        except DateError as error:
            self.problem(self.line_of(key), f"{key}: {error}")
            return None

    def bool_value(self, key: str) -> bool | None:
        value = self.meta.get(key)
        if not _present(value):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on"):
            return True
        if text in ("false", "no", "off"):
            return False
        self.problem(self.line_of(key), f"{key}: expected true or false, not {value!r}")
        return None

    def number_value(self, key: str) -> float:
        """A finite number, always a float (compiled code makes an int returned here one, so
        plain Python must too); 0 with a problem for anything else."""
        value = self.meta.get(key)
        if not _present(value):
            return 0.0
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        try:
            number = float(value if isinstance(value, (int, float)) else str(value).strip())
        except (ValueError, OverflowError):
            number = math.nan
        if not math.isfinite(number):  # NaN sorts unpredictably; neither it nor infinity is JSON
            self.problem(self.line_of(key), f"{key}: expected a number, not {value!r}")
            return 0.0
        return number

    def meeting(self, daily: date | None) -> Meeting | None:
        key = next((k for k in ATTENDEE_KEYS if _present(self.meta.get(k))), None)
        if key is None:
            return None
        if not _present(self.meta.get("date")) and daily is None:
            return None
        when = self.date_value("date") if _present(self.meta.get("date")) else daily
        if when is None:
            return None
        line = self.line_of(key) or 1
        attendees = []
        for name in self.text_list(key):
            target = _attendee(name)
            if target:
                attendees.append(Link(target, line))
        stem = self.path.rsplit("/", 1)[-1][:-3]
        title = self.text_value("title") or stem
        return Meeting(when, line, title, tuple(attendees))

    # --- the body --------------------------------------------------------

    def body_may_give(self) -> bool:
        """Whether the body of a note that is neither a person's nor a daily note may hold a
        task or a tag: none can without a `[` or a `#` before a tag's character (one search
        of the body instead of the rules line by line; code and quotes only take them away)."""
        body = "\n".join(self.split.lines[self.split.body_start :])
        return "[" in body or markdown.TAG_START.search(body) is not None

    def read_body(self, is_person: bool, log_only: bool = False) -> None:
        """One pass over the body: log entries, daily mentions, tasks and tags."""
        lines = self.split.lines
        start = self.split.body_start
        skip = self.skip
        daily = self.context.daily_date is not None and not is_person and not log_only
        headings = self.context.log_headings
        log_level: int | None = None
        item: _Item | None = None
        simple_last = False  # the log's last entry is a plain item (which lines below may still add to)...
        simple_blank = False  # ...with an empty line below it
        parents: list[tuple[int, tuple[Link, ...], bool]] = []
        fence: str | None = None
        end = len(lines)
        index = start - 1
        while (index := index + 1) < end:
            raw = lines[index]
            number = index + 1
            if fence is not None:
                if markdown.closes_fence(raw, fence):
                    fence = None
                continue
            opened = markdown.FENCE.match(raw) if ("`" in raw[:6] or "~" in raw[:6]) else None
            if opened:
                fence = opened.group(1)
                continue
            if index in skip:
                continue
            if not raw and FAST_LOG:  # an empty line only spaces out a log item's lines (see `_log_line`)
                if simple_last:
                    simple_blank = True
                elif item is not None:
                    item = self._log_line(item, raw, None, None, number)
                continue
            if daily and raw[:2] == "- " and FAST_LOG and (said := _plain_daily_item(raw, number)) is not None:
                if isinstance(said, Task):  # a top-level item: what the rules below make of it
                    parents[:] = [(0, said.links, True)]
                    self.tasks.append(said)
                else:
                    parents[:] = [(0, said.links, False)]
                    self.mentions.append(said)
                continue
            if log_level is None and is_person and "[" not in raw and "#" not in raw[:4] and FAST_LOG:
                continue  # outside its log a person note's line gives only a task (a heading may start a log)
            if log_level is not None and raw[:2] == "- " and (item is None or item.column >= 0) and FAST_LOG:
                stop, plain = self._plain_items(lines, index, end)
                if plain:  # the usual `- YYYY-MM-DD text` items: what the rules below make of them
                    self._finish(item)
                    item = None
                    self.log.extend(plain)
                    index = stop - 1
                    simple_last, simple_blank = True, False
                    continue
            head = markdown.heading(raw)
            if head:
                self._finish(item)
                item, simple_last = None, False
                parents.clear()
                level, title = head
                title_text = self._code_free(title)
                if not is_person:  # tags tell only whether a note is a person's
                    self.body_tags.extend(markdown.tags(title_text))
                    if daily:  # `## Call with [[Ada]]` is a body line that links her (SPEC 3b)
                        self._daily_line(title_text, None, None, number, parents)
                if log_level is not None and level <= log_level:
                    log_level = None
                if log_level is None:
                    if is_person and title.lower() in headings:
                        log_level = level
                    continue
                dated = markdown.DATE_START.match(title_text)
                if dated:
                    item = self._item(dated, number, column=-1)
                    if item.date is not None:
                        item.add(markdown.fields(item.text))
                continue
            if raw.lstrip()[:1] == ">":  # a block quote: not contact, not a log entry...
                if "[ ]" in raw and not log_only:  # ...but a task in it (or in a callout) is still open
                    self._open_loop(_listed_task(self._code_free(markdown.unquoted(raw)))[1], number)
                continue
            code_free = self._code_free(raw)
            listed, task = _listed_task(code_free)
            if task and not log_only:
                self._open_loop(task, number)
            if not is_person:
                self.body_tags.extend(markdown.tags(code_free))
            if log_level is not None:
                if simple_last:  # the lines below a plain item may add to it: it is the one being collected
                    item, simple_last = _Item.resumed(self.log.pop(), simple_blank), False
                item = self._log_line(item, code_free, listed, task, number)
            if daily:
                self._daily_line(code_free, listed, task, number, parents)
        self._finish(item)

    def _open_loop(self, task: tuple[str, str] | None, number: int) -> None:
        """Keep a line's task (see `_listed_task`) if it is an unchecked one: an open loop."""
        if task and task[0] == " ":
            self.tasks.append(Task(number, task[1], markdown.links(task[1], number)))

    def _plain_items(self, lines: list[str], index: int, end: int) -> tuple[int, list[Interaction]]:
        """The plain log items from `index` on, as the rules of `read_body` would make them one
        by one, and the index of the first line that is not one. A plain item is a top-level
        `- YYYY-MM-DD text` of plain text with at most one trailing `gave::`/`got::` field (or
        `[gave:: …]`, with at most one plain wikilink in it); links, code, tags, other
        brackets, tasks, odd dates and times are left to the rules. Few items have lines
        below them that add to them (`_Item.resumed` takes those up). None is in a marked
        block: its marker line, not a list item, would end them first.

        Lines are read a chunk at a time by one `_PLAIN_RUN` search (a match a line: 0.7
        against 1.7 µs a line read one by one); chunks grow from a few lines, so the lines
        searched past the last item are never more than those taken."""
        path = self.path
        entries: list[Interaction] = []
        append = entries.append
        size = _FIRST_CHUNK
        while index < end and lines[index][:2] == "- ":
            chunk = "\n".join(lines[index : min(end, index + size)])
            for day_text, rest, head, value, kind, given in _PLAIN_RUN.findall(chunk):
                if not day_text:
                    return index, entries
                try:
                    day = _day(day_text)
                except ValueError:
                    return index, entries  # the general rules report it
                gave: tuple[str, ...]
                got: tuple[str, ...]
                if len(head) == len(rest):
                    gave = got = ()
                else:  # a trailing field: `[gave:: …]`, or `gave:: …` with its word at the head's end
                    if kind:
                        word, field = kind.lower(), given
                    else:
                        tail = head[-5:].lower()
                        word, field = ("gave" if tail == " gave" else "got" if tail[1:] == " got" else None), value
                    field = field.strip()  # all white space, as the rules strip a value
                    if word is None or not field:
                        return index, entries
                    gave, got = ((field,), ()) if word == "gave" else ((), (field,))
                append(made(Interaction, (day, path, index + 1, rest.strip(), gave, got)))
                index += 1
            size *= 2
        return index, entries

    def _skipped_lines(self, lines: list[str], start: int) -> set[int]:
        """Line indexes inside marked blocks: vaultkeeper's own output, never input."""
        body = lines[start:]
        blocks, problems = find_blocks(body, first_line=start + 1)
        self.blocks = [block.name for block in blocks] if not problems else []
        for line, message in problems:
            self.problem(line, message)
        skipped: set[int] = set()
        for block in blocks:
            skipped.update(range(start + block.start, start + block.end + 1))
        return skipped

    def _item(self, dated: Any, number: int, column: int) -> _Item:
        day_text = dated.group(1) or dated.group(2)  # YYYY-MM-DD, by the regex
        try:
            day: date | None = _day(day_text)
        except ValueError:
            self.problem(number, f"log entry: no such date: {day_text}")
            day = None
        return _Item(day, number, dated.group(3).strip(), column)

    def _finish(self, item: _Item | None) -> None:
        """Record a collected log item, if it had a valid date."""
        entry = item.entry(self.path) if item else None
        if entry:
            self.log.append(entry)

    def _log_line(
        self,
        item: _Item | None,
        text: str,
        listed: tuple[int, int, str] | None,
        task: tuple[str, str] | None,
        number: int,
    ) -> _Item | None:
        """Apply the log rules of SPEC 3a to one line of a log section."""
        if item is not None and item.column < 0:  # inside a dated sub-heading
            if not (task and task[0] == " "):
                item.add(markdown.fields(text))
            return item
        if listed and listed[0] <= 3 and (item is None or listed[0] < item.column):
            self._finish(item)
            indent, column, content = listed
            if task:
                if task[0] != "x":  # open loop or other state: not an interaction
                    return _Item(None, number, "", column)
                content = task[1]
            dated = markdown.DATE_START.match(content)
            if not dated:
                self.problem(number, f"log item has no date: {_clip(content)}")
                return _Item(None, number, "", column)
            new = self._item(dated, number, column)
            if new.date is not None:
                new.add(markdown.fields(new.text))
            return new
        if item is None:
            return None
        if not text.strip():
            item.blank = True
            return item
        if listed or markdown.indent_of(text) > 0 or not item.blank:
            if not (task and task[0] == " "):
                item.add(markdown.fields(text))
            return item
        self._finish(item)
        return None

    def _daily_line(
        self,
        text: str,
        listed: tuple[int, int, str] | None,
        task: tuple[str, str] | None,
        number: int,
        parents: list[tuple[int, tuple[Link, ...], bool]],
    ) -> None:
        """A daily-note line: links are contact that day, unless in an open task.

        A line with gave/got items but no link of its own gives them to the
        people of the list item it belongs to.
        """
        if not text.strip():
            return
        indent = listed[0] if listed else markdown.indent_of(text)
        while parents and parents[-1][0] >= indent:
            parents.pop()
        inside_task = any(open_task for _, _, open_task in parents)
        around = parents[-1][1] if parents else ()
        not_contact = task is not None and task[0] != "x"
        content = task[1] if task else listed[2] if listed else text
        found = markdown.fields(content)
        own = markdown.links(found.rest, number)
        if listed:
            parents.append((indent, own or around, not_contact))
        if inside_task or not_contact:
            return
        people = own or (around if found.gave or found.got else ())
        if people:
            self.mentions.append(Mention(number, content.strip(), people, found.gave, found.got))


FAST_LOG = True  # the fast paths (plain log items, empty lines); tests turn them off to check the general rules agree
# Plain log items (see `_NoteReader._plain_items`), a chunk of lines at once, a match a line: the date,
# the rest of the line, its head (up to a field, with the field's word) and the field's parts; or, for
# any other line, nothing. `_plain_items` checks what the one search cannot.
_PLAIN = r"[^`#\[\]()<>|\\*_~!\t:\n]"  # what the plain text and fields are made of ("\n" ends a line)
_PLAIN_RUN = re.compile(
    rf"^(?:- (\d{{4}}-\d{{2}}-\d{{2}}) +(([^\s\-\u2013\u2014:]{_PLAIN}*+)"
    rf"(?:::({_PLAIN}*+)|\[((?i:gave|got))::({_PLAIN}*+(?:\[\[{_PLAIN}++\]\]{_PLAIN}*+)?)\])?)|.*)$",
    re.MULTILINE,
)
_FIRST_CHUNK = 4  # lines

_DAYS: dict[str, date] = {}


def _listed_task(line: str) -> tuple[tuple[int, int, str] | None, tuple[str, str] | None]:
    """A code-free line's list item and its task, if it is one (see `markdown`)."""
    listed = markdown.list_item(line)
    return listed, markdown.task_state(listed[2]) if listed else None


def _day(text: str) -> date:
    """The date `YYYY-MM-DD`, one object per day however many log lines share it."""
    day = _DAYS.get(text)
    if day is None:
        day = _DAYS[text] = date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    return day


# `- text [[link]] text` in a daily note, or an open task `- [ ] text [[link]]`: one plain link and
# at most one plain `gave::`/`got::` at the end; no tag, code, embed or other bracket
_DAILY_TEXT = r"[^\[\]`#:!\t]"  # no bracket, code, tag, colon, embed or tab
_PLAIN_DAILY = re.compile(
    rf"- +(\[ \] +)?({_DAILY_TEXT}*\[\[([^\[\]|#\n]+)\]\]{_DAILY_TEXT}*?"
    rf"(?: +(?i:(gave|got))::({_DAILY_TEXT}*))?)$"
)


def _plain_daily_item(line: str, number: int) -> Mention | Task | None:
    """The mention, or open task, a plain top-level item of a daily note makes (see
    `_PLAIN_DAILY`), or None for anything else (the general rules read it)."""
    match = _PLAIN_DAILY.match(line)
    if match is None:
        return None
    task, content, inner, kind, value = match.groups()
    target = markdown.link_target(inner)
    if not target:
        return None
    links = (made(Link, (target, number)),)
    if task:
        return made(Task, (number, content.strip(), links))
    given = (value.strip(),) if value and value.strip() else ()
    if kind is not None and kind.lower() == "gave":
        return made(Mention, (number, content.strip(), links, given, ()))
    return made(Mention, (number, content.strip(), links, (), given))


def _present(value: object) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _display(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attendee(name: str) -> str:
    match = markdown.WIKILINK.search(name)
    return markdown.link_target(match.group(2)) if match else name.strip()


def _clip(text: str, width: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 3] + "..."
