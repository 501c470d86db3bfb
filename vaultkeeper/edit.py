"""Surgical edits of a note's text: change the lines meant to change, keep every other byte.

Pure functions from text to text. The user's YAML is never re-serialised: a
front matter key is added or replaced as one line; line endings and the BOM
are kept.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vaultkeeper import front_matter, markdown

_KEY = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#:'"\-?][^:]*?))[ \t]*:(?:[ \t]|$)""")
_PLAIN_SCALAR = re.compile(r"^[\w+(][\w .,'/()&+@:=?%~-]*$", re.UNICODE)
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


class EditError(ValueError):
    """The note cannot be edited safely; the message says why."""


class _Text(NamedTuple):
    """A note split into lines without endings, remembering its BOM and each line's ending
    (a note edited on two systems may mix them): an edit changes the lines it means to, and
    every other line keeps its bytes."""

    bom: str
    lines: list[str]
    endings: list[str]  # each line's: "\n", "\r\n", or "" for a last line without one

    @classmethod
    def of(cls, text: str) -> _Text:
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        lines, endings = [], []
        *ended, rest = text[len(bom) :].split("\n")
        for line in ended:
            crlf = line.endswith("\r")
            lines.append(line[:-1] if crlf else line)
            endings.append("\r\n" if crlf else "\n")
        if rest:
            lines.append(rest)
            endings.append("")
        return cls(bom, lines, endings)

    @property
    def newline(self) -> str:
        """The ending of the lines vaultkeeper adds: the first line's."""
        return self.endings[0] if self.endings and self.endings[0] else "\n"

    def edited(self, start: int, stop: int, new: list[str]) -> str:
        """The text with lines[start:stop] replaced by `new`. New lines end as the note's first
        line does, but one replacing lines ends as the last of them did; a note without a final
        line break still has none."""
        endings = [*self.endings[:start], *[self.newline] * len(new), *self.endings[stop:]]
        if new and stop > start:
            endings[start + len(new) - 1] = self.endings[stop - 1]
        for index in range(len(endings) - 1):
            endings[index] = endings[index] or self.newline  # a line is followed by another now
        if endings and self.endings and not self.endings[-1]:
            endings[-1] = ""
        lines = [*self.lines[:start], *new, *self.lines[stop:]]
        return self.bom + "".join(line + ending for line, ending in zip(lines, endings, strict=True))


def yaml_scalar(value: str, flow: bool = False) -> str:
    """A string as a YAML scalar that reads back as exactly that string, in any YAML reader.

    `flow` is for an item of a `[a, b]` list, where commas and brackets end it.
    """
    plain_ok = not (flow and any(char in value for char in ",[]{}"))
    if plain_ok and _PLAIN_SCALAR.match(value) and value.lower() not in _YAML_WORDS and value == value.strip():
        import yaml  # only here: pages and blocks render without PyYAML

        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            plain = yaml.load(f"k: {value}", Loader=loader)  # noqa: S506 - YAML 1.1's full set of implicit types
        except yaml.YAMLError:
            plain = None
        if plain == {"k": value}:
            return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]", _escape_char, escaped)
    return f'"{escaped}"'


def yaml_list(values: list[str] | tuple[str, ...]) -> str:
    """A flow list `[a, "b, c"]` of strings."""
    return "[" + ", ".join(yaml_scalar(value, flow=True) for value in values) + "]"


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def check_front_matter(text: str) -> None:
    """Raise EditError when the note's front matter cannot be parsed."""
    split = front_matter.split(text.lstrip("\ufeff"))
    if split.error:
        raise EditError(split.error)
    if split.front is not None:
        _, problem = front_matter.load(split.front)
        if problem:
            raise EditError(f"line {problem[0]}: {problem[1]}")


def set_key(text: str, key: str, value: str) -> str:
    """Add or replace one top-level front matter key, as one line, keeping all else."""
    check_front_matter(text)
    note = _Text.of(text)
    lines = note.lines
    if not lines or lines[0].rstrip() != "---":
        return note.edited(0, 0, ["---", f"{key}: {value}", "---"])
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    for index in range(1, end):
        match = _KEY.match(lines[index])
        if match is None:
            continue
        found = (match.group(1) or match.group(2) or match.group(3)).strip()
        if found.lower() == key.lower():
            stop = index + 1
            while stop < end and (lines[stop][:1] in (" ", "\t") or lines[stop].lstrip().startswith("- ")):
                stop += 1  # the old value's continuation lines (a block list, folded text)
            written_key = lines[index][: match.end()].rstrip().rstrip(":")
            return note.edited(index, stop, [f"{written_key}: {value}"])
    return note.edited(end, end, [f"{key}: {value}"])


class _Section(NamedTuple):
    """Where a note's log is: its heading, level, end and dated entries."""

    heading: int | None  # index of the heading line; None when the note has no log
    level: int
    end: int  # index after the section's last non-blank line
    entries: list[tuple[int, str]]  # (index of the entry's first line, its date)
    sub_headings: bool  # entries are dated sub-headings


def _log_section(lines: list[str], body_start: int, headings: tuple[str, ...]) -> _Section:
    """Find the log section with the same rules the parser uses (SPEC 3a)."""
    wanted = {h.lower() for h in headings}
    start: int | None = None
    level = 0
    entries: list[tuple[int, str]] = []
    sub_headings = False
    column: int | None = None  # content column of the current top-level item
    fence: str | None = None
    for index in range(body_start, len(lines)):
        line = lines[index]
        if fence is not None:
            fence = None if markdown.closes_fence(line, fence) else fence
            continue
        opened = markdown.FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        head = markdown.heading(line)
        if head:
            if start is not None and head[0] <= level:
                return _Section(start, level, _after(lines, start, index), entries, sub_headings)
            if start is None and head[1].lower() in wanted:
                start, level = index, head[0]
            elif start is not None:
                dated = markdown.DATE_START.match(head[1])
                if dated:
                    entries.append((index, dated.group(1) or dated.group(2)))
                    sub_headings = True
            continue
        listed = markdown.list_item(line) if start is not None and not sub_headings else None
        if listed and listed[0] <= 3 and (column is None or listed[0] < column):
            column = listed[1]
            task = markdown.task_state(listed[2])
            dated = markdown.DATE_START.match(task[1] if task and task[0] == "x" else listed[2])
            if dated and not (task and task[0] != "x"):
                entries.append((index, dated.group(1) or dated.group(2)))
    if start is None:
        return _Section(None, 0, len(lines), [], False)
    return _Section(start, level, _after(lines, start, len(lines)), entries, sub_headings)


def _after(lines: list[str], start: int, stop: int) -> int:
    """The index after the last non-blank line of lines[start:stop]."""
    end = stop
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def log_entry(day: str, text: str, gave: tuple[str, ...] = (), got: tuple[str, ...] = ()) -> str:
    """`2026-11-25 text [gave:: x] [got:: y]`, on one line."""
    parts = [day, " ".join(text.split())]
    parts += [f"[gave:: {' '.join(item.split())}]" for item in gave]
    parts += [f"[got:: {' '.join(item.split())}]" for item in got]
    return " ".join(part for part in parts if part)


def append_log(text: str, entry: str, headings: tuple[str, ...] = ("Log", "Interactions")) -> tuple[str, int]:
    """The note with `entry` as its newest log entry, and the entry's 1-based line.

    The entry goes where the note's own order puts the newest one: first in a
    log written newest-first, last otherwise. A log of dated sub-headings gets a
    sub-heading. A note without a log gets `## Log` after its last line.
    """
    check_front_matter(text)
    note = _Text.of(text)
    lines = note.lines
    body_start = front_matter.split("\n".join(lines)).body_start
    section = _log_section(lines, body_start, headings)
    if section.heading is None:
        end = len(lines)
        while end > body_start and not lines[end - 1].strip():
            end -= 1
        insert = ([""] if end > 0 else []) + ["## Log", f"- {entry}"]
        return note.edited(end, end, insert), end + len(insert)
    if section.sub_headings:
        new_lines = [f"{'#' * min(section.level + 1, 6)} {entry}"]
    else:
        new_lines = [f"- {entry}"]
    dates = [day for _, day in section.entries]
    if len(set(dates)) > 1 and dates[0] > dates[-1]:  # newest first: the new entry leads
        position = section.entries[0][0]
        insert = new_lines + ([""] if section.sub_headings else [])
    else:
        position = section.end
        insert = ([""] if section.sub_headings else []) + new_lines
    return note.edited(position, position, insert), position + insert.index(new_lines[0]) + 1
