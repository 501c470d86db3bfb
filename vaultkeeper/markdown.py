"""Line-level Markdown reading: headings, list items, tasks, links, inline fields.

Only what vaultkeeper needs, line by line, so a note is read in one pass.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vaultkeeper.model import Link

_ITEM_STARTS = frozenset("-*+0123456789")
_FIELD_HINT = re.compile(r"g(?:ave|ot)::", re.IGNORECASE)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
LIST_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|$)")
TASK = re.compile(r"^\[(.)\](?:[ \t]+(.*)|$)")
WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
# [text](destination "title"), the destination bare or in <>; an image or embed starts with !
MARKDOWN_LINK = re.compile(r"(!?)\[[^\[\]\n]*\]\(\s*(<[^<>\n]+>|[^\s()<>]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # https:, mailto:, obsidian:
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
BRACKET_FIELD = re.compile(r"[\[(][ \t]*(gave|got)::", re.IGNORECASE)
PLAIN_FIELD = re.compile(r"(?<![\w-])(gave|got)::", re.IGNORECASE)
_MARKS = "\U000F0000-\U000FFFFD"  # inline code spans while a line is read (see `CodeSpans`)
_TAG_CHAR = rf"[^\s#\[\](){{}}<>,;:!?\"'`|\\.*{_MARKS}]"
TAG = re.compile(rf"(?<![^\s(,{_MARKS}])#({_TAG_CHAR}+)")
TAG_START = re.compile(f"#{_TAG_CHAR}")  # where a tag may be, whatever comes before it
DATE_START = re.compile(
    r"(?:\[\[(\d{4}-\d{2}-\d{2})(?:\|[^\]]*)?\]\]|(\d{4}-\d{2}-\d{2}))"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    rf"(?=$|[\s,:;.)\u2013\u2014{_MARKS}-])[ \t]*(?:[-\u2013\u2014:][ \t]*)?(.*)$"
)


class Fields(NamedTuple):
    """The `gave::`/`got::` items of one line, and the line with their values blanked."""

    gave: tuple[str, ...]
    got: tuple[str, ...]
    rest: str


def closes_fence(line: str, fence: str) -> bool:
    """Whether a line closes a code block opened by `fence` (same character, at least as long)."""
    text = line.strip()
    return text.startswith(fence) and set(text) == {fence[0]}


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) for an ATX heading line."""
    if "#" not in line[:4]:
        return None  # the common case, without a regex
    match = HEADING.match(line)
    if not match:
        return None
    return len(match.group(1)), (match.group(2) or "").strip()


def list_item(line: str) -> tuple[int, int, str] | None:
    """(indent, content column, content) for a list item line, tabs counted as 4."""
    if not line.lstrip(" \t")[:1] in _ITEM_STARTS:
        return None  # the common case, without a regex
    expanded = line.expandtabs(4) if "\t" in line else line
    match = LIST_ITEM.match(expanded)
    if not match:
        return None
    indent = len(match.group(1))
    content = match.group(3) or ""
    column = len(expanded) - len(content) if content else indent + len(match.group(2)) + 1
    return indent, column, content.rstrip()


_QUOTE = re.compile(r"(?: {0,3}> ?)+")


def unquoted(line: str) -> str:
    """A block quote's line (or a callout's) without its `>` markers, however nested."""
    quoted = _QUOTE.match(line)
    return line[quoted.end() :] if quoted else line


def task_state(content: str) -> tuple[str, str] | None:
    """(' ', text) for `[ ] text`, ('x', text) for done, other states as written."""
    match = TASK.match(content)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def indent_of(line: str) -> int:
    expanded = line.expandtabs(4) if "\t" in line else line
    return len(expanded) - len(expanded.lstrip(" "))


def link_target(inner: str) -> str:
    """`X|label`, `X#Heading`, `folder/X.md` → the target as written, without `.md`."""
    target = inner.split("|", 1)[0].split("#", 1)[0].strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    return target.strip()


class CodeSpans:
    """The inline code spans of one note: blanked in the lines read (nothing is a link, a
    field, a tag or a date inside code), and put back in every text the note shows.

    A span is blanked as one private-use character standing for it, which the rules
    take as they took spaces where a span may touch what they read (a tag's end, a
    date's end, what may come before a tag); `shown` puts the spans back. A note that
    writes those characters itself, or has more spans than there are of them, has its
    spans blanked with spaces: its texts show spaces where its code was.
    """

    def __init__(self, note: str) -> None:
        self.spans: dict[int, str] = {}  # by the character standing for each
        self._marked = CODE_MARK.search(note) is None

    def blank(self, line: str) -> str:
        if "`" not in line:
            return line
        return INLINE_CODE.sub(self._blanked, line)

    def _blanked(self, span: re.Match[str]) -> str:
        code = span.group()
        if not self._marked or len(self.spans) == _MOST_SPANS:
            return " " * len(code)
        mark = _FIRST_CODE_MARK + len(self.spans)
        self.spans[mark] = code
        return chr(mark)

    def shown(self, text: str) -> str:
        """`text`, made from blanked lines, with their code spans back."""
        return text.translate(self.spans) if self.spans else text


_FIRST_CODE_MARK = 0xF0000  # Supplementary Private Use Area-A: no font, keyboard or editor writes them
_MOST_SPANS = 0xFFFFE - _FIRST_CODE_MARK
CODE_MARK = re.compile(f"[{_MARKS}]")


def links(text: str, line: int) -> tuple[Link, ...]:
    """Links that point somewhere, not embeds: wikilinks, and Markdown links to notes (what
    Obsidian writes with wikilinks turned off); `text` should be code-free."""
    found: list[Link] = []
    if "[[" in text:
        for match in WIKILINK.finditer(text):
            target = "" if match.group(1) else link_target(match.group(2))
            if target:
                found.append(Link(target, line))
    if "](" in text:
        for match in MARKDOWN_LINK.finditer(text):
            target = "" if match.group(1) else markdown_link_target(match.group(2))
            if target:
                found.append(Link(target, line))
    return tuple(found)


def markdown_link_target(destination: str) -> str:
    """A Markdown link's destination as a link target: `<People/Ada Lovelace.md>`,
    `People/Ada%20Lovelace.md#Log` or `../People/Ada%20Lovelace.md` all give
    `People/Ada Lovelace` (the folders a relative link climbs are not needed to find a note
    by the end of its path); "" for a web address or a file that is not a note."""
    if destination.startswith("<"):
        destination = destination[1:-1]
    if _SCHEME.match(destination):
        return ""
    destination = destination.split("#", 1)[0]
    if "%" in destination:
        destination = _PERCENT.sub(_unescaped, destination)
    if not destination.lower().endswith(".md"):
        return ""
    return "/".join(part for part in destination[:-3].split("/") if part not in ("", ".", "..")).strip()


def _unescaped(escapes: re.Match[str]) -> str:
    """`%20`, `%C3%AB`: the text a run of URL escapes stands for."""
    return bytes.fromhex(escapes.group().replace("%", "")).decode("utf-8", "replace")


def fields(text: str) -> Fields:
    """Dataview-style `gave:: x`, `[gave:: x]` and `(gave:: x)` items of one line.

    A bracketed field ends at its matching bracket; a plain one runs to the end
    of the line or to the next plain `gave::`/`got::`.
    """
    if not _FIELD_HINT.search(text):
        return Fields((), (), text)
    items: list[tuple[int, str, str]] = []
    chars = list(text)
    pos = 0
    closing: dict[int, int] | None = None
    while True:
        match = BRACKET_FIELD.search(text, pos)
        if not match:
            break
        if closing is None:
            closing = closing_brackets(text)
        end = closing.get(match.start())
        if end is None:
            pos = match.end()
            continue
        items.append((match.start(), match.group(1).lower(), text[match.end() : end]))
        chars[match.start() : end + 1] = " " * (end + 1 - match.start())
        pos = end + 1
    rest = "".join(chars)
    plain = list(PLAIN_FIELD.finditer(rest))
    for index, match in enumerate(plain):
        stop = plain[index + 1].start() if index + 1 < len(plain) else len(rest)
        items.append((match.start(), match.group(1).lower(), rest[match.end() : stop]))
    if plain:
        rest = rest[: plain[0].start()]
    items.sort()
    gave = tuple(v.strip() for _, kind, v in items if kind == "gave" and v.strip())
    got = tuple(v.strip() for _, kind, v in items if kind == "got" and v.strip())
    return Fields(gave, got, rest)


_BRACKET = re.compile(r"[\[\]()]")


def closing_brackets(text: str) -> dict[int, int]:
    """For each `[` and `(` that is closed, the index of the bracket closing it (nesting
    counted, each kind apart), found in one pass: a line of many unclosed fields took
    a scan to its end for each."""
    found: dict[int, int] = {}
    opened: dict[str, list[int]] = {"]": [], ")": []}
    for match in _BRACKET.finditer(text):
        char, index = match.group(), match.start()
        if char == "[":
            opened["]"].append(index)
        elif char == "(":
            opened[")"].append(index)
        elif opened[char]:
            found[opened[char].pop()] = index
    return found


def tags(text: str) -> list[str]:
    """`#tags` in a line of body text (code-free), lower case, not pure numbers."""
    if "#" not in text:
        return []
    return [t.lower() for t in TAG.findall(text) if not t.replace("/", "").isdigit()]


def is_person_tag(tag: str) -> bool:
    tag = tag.lower().lstrip("#")
    return tag in ("person", "people") or tag.startswith(("person/", "people/"))
