"""Splitting a note's front matter from its body and reading it without surprises.

Simple front matter is read directly (`_simple`); the rest goes to PyYAML's
safe loader (the C one when available). Both cut YAML 1.1's implicit types
down: `NO`/`on` stay strings, `10:00` is not 600, `0123` is not octal, and
dates stay strings so vaultkeeper reads them itself (and reports `2026-02-30`
as a problem instead of failing the whole block).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


@cache
def _loader() -> Any:
    """PyYAML's safe loader with the implicit types cut down to the four above.

    Imported on first use: most front matter is read by `_simple` alone.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    Loader: Any = type("Loader", (base,), {"yaml_implicit_resolvers": resolvers})  # (mypyc compiles no class here)

    Loader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    return Loader


_KEY_LINE = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#:'"\-?][^:]*?))[ \t]*:(?:[ \t]|$)""")


class Split(NamedTuple):
    """A note's lines, split at its front matter.

    `front` is None when the note has none; `body_start` is the 0-based index
    of the first body line; `error` says why a front matter block is unusable.
    """

    lines: list[str]
    front: list[str] | None
    body_start: int
    error: str | None = None


def split(text: str) -> Split:
    """Front matter is `---` on the first line up to the next `---` or `...`."""
    lines = text.split("\n")
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines or lines[0].rstrip() != "---":
        return Split(lines, None, 0)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return Split(lines, lines[1:index], index + 1)
    return Split(lines, None, 0, "front matter starts with --- but is never closed")


def load(front: list[str]) -> tuple[dict[str, Any], tuple[int | None, str] | None]:
    """The front matter as a dict with lower-case keys, or a (line, message) problem.

    Lines are 1-based and counted from the file's first line (the opening `---`).
    """
    source = "\n".join(front)
    if not source.strip():
        return {}, None
    data: object = _simple(front)  # (YAML's may be anything: see below)
    if data is None:
        data, problem = _yaml(source, len(front))
        if problem:
            return {}, problem
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        kinds: dict[type, str] = {list: "a list", str: "text"}
        kind = kinds.get(type(data), type(data).__name__)
        return {}, (2, f"front matter is {kind}, not a mapping of keys to values")
    return fold(data), None


def fold(data: dict[Any, Any]) -> dict[str, Any]:
    """Keys as lower-case text; of keys that fold alike, the first wins."""
    folded: dict[str, Any] = {}
    for key, value in data.items():
        folded.setdefault(str(key).strip().lower(), value)
    return folded


def _yaml(source: str, lines: int) -> tuple[Any, tuple[int | None, str] | None]:
    """The whole of YAML, through PyYAML, with problems pointing at a line."""
    import yaml

    try:
        data = yaml.load(source, Loader=_loader())  # noqa: S506 - a safe loader
        if "*" in source and _holds_more_than(data, MOST_VALUES):
            line = next((n for n, text in enumerate(source.split("\n"), 2) if _ALIAS.search(text)), 1)
            return None, (line, f"front matter expands to more than {MOST_VALUES:,} values through YAML aliases; not read")
        return data, None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        if mark is None or (mark.line >= lines and error.context_mark is not None):
            mark = error.context_mark  # an error at the very end: point at what was left open
        line = min(mark.line, lines - 1) + 2 if mark is not None else 1
        reason = error.problem or error.context or "cannot be parsed"
        if error.context and error.problem:
            reason = f"{error.problem} ({error.context})"
        return None, (line, f"invalid YAML: {reason}")
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        return None, (1, f"invalid YAML: {error}".splitlines()[0])


MOST_VALUES = 10_000  # in one front matter, its aliases expanded: a few aliases can stand for billions
_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*[^\s,\]}]")


def _holds_more_than(data: Any, most: int) -> bool:
    """Whether `data` holds more than `most` values counted as anything walking it meets them:
    an alias once per use (a value that holds itself never ends)."""
    stack = [data]
    while stack:
        most -= 1
        if most < 0:
            return True
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


# The front matter most notes have: `key: plain value`, `key: [a, b]` and `key:` with `- item`
# lines under it, values quoted without escapes, no comments after values, anchors, tags or nesting. `_simple` reads
# exactly that (three times faster than PyYAML's C loader, which builds every value in Python)
# and gives up on anything else; tests check it agrees with PyYAML wherever it does not give up.
_SIMPLE_KEY = re.compile(r"([A-Za-z_](?:[\w -]*\w)?):(?: +(.*))?$")
_SIMPLE_ITEM = re.compile(r"( *)- +(.*)$")
_NULL_KEYS = frozenset(("null", "Null", "NULL"))  # what `_NULL` matches of what `_SIMPLE_KEY` takes as a key
_NOT_PLAIN_START = frozenset("?:,[]{}#&*!|>'\"%@`")
_NOT_PLAIN_ANYWHERE = frozenset("#[]{}\t")


def _simple(front: list[str]) -> dict[Any, Any] | None:
    """The front matter as PyYAML (with `_loader`'s types) would read it, or None if not simple."""
    data: dict[Any, Any] = {}
    key: str | None = None  # a `key:` with no value yet, which `- item` lines may fill
    items: list[Any] | None = None
    indent = -1
    for line in front:
        if "\t" in line or not line.isprintable():
            return None  # tabs are not indentation in YAML; PyYAML reports control characters
        if line[:1] in " #" and (not line.strip(" ") or line.lstrip(" ").startswith("#")):
            continue  # blank, or a comment (most lines start with their key)
        item = _SIMPLE_ITEM.match(line) if key is not None else None  # else not simple: a key is tried
        if item:
            if indent not in (-1, len(item.group(1))):
                return None
            indent = len(item.group(1))
            value = _plain(item.group(2), flow=False)
            if value is _NOT_SIMPLE:
                return None
            if items is None:
                items = data[key] = []
            items.append(value)
            continue
        match = _SIMPLE_KEY.match(line)
        if not match or match.group(1) in _NULL_KEYS:
            return None  # indented, a list, quoted or odd key: let PyYAML decide
        key, items, indent = None, None, -1
        text = (match.group(2) or "").rstrip(" ")
        if not text:
            key = match.group(1)
            data[key] = None
            continue
        value = _flow_list(text) if text[0] == "[" else _plain(text, flow=False)
        if value is _NOT_SIMPLE:
            return None
        data[match.group(1)] = value
    return data


_NOT_SIMPLE = object()


def _flow_list(text: str) -> Any:
    if not text.endswith("]") or text.count("[") != 1 or text.count("]") != 1:
        return _NOT_SIMPLE
    inner = text[1:-1].strip(" ")
    if not inner:
        return []
    values = [_plain(part.strip(" "), flow=True) for part in inner.split(",")]
    return _NOT_SIMPLE if any(value is _NOT_SIMPLE for value in values) else values


def _plain(text: str, flow: bool) -> Any:
    """A plain scalar with its implicit type, a quoted one outside flow lists (a link is quoted:
    `- "[[Ada]]"`), or _NOT_SIMPLE."""
    text = text.rstrip(" ")
    if text[:1] in ('"', "'") and not flow:
        quote = text[0]
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != quote or quote in inner or "\\" in inner:
            return _NOT_SIMPLE  # escapes, doubled quotes, or more after it: PyYAML decides
        return inner
    if (
        not text
        or text[0] in _NOT_PLAIN_START
        or (text[0] == "-" and (len(text) == 1 or text[1] == " "))
        or not _NOT_PLAIN_ANYWHERE.isdisjoint(text)
        or ": " in text
        or text.endswith(":")
        or (flow and ":" in text)
    ):
        return _NOT_SIMPLE
    first = text[0]  # each implicit type starts with one of a few characters: most text tries none
    if first in "~nN" and _NULL.match(text):
        return None
    if first in "tTfF" and _BOOL.match(text):
        return first in "tT"
    if first in "-+0123456789.":
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
    return text


def key_lines(front: list[str]) -> dict[str, int]:
    """The 1-based file line where each top-level key (lower case) is first set."""
    found: dict[str, int] = {}
    for index, line in enumerate(front):
        match = _KEY_LINE.match(line)
        if match:
            key = (match.group(1) or match.group(2) or match.group(3)).strip().lower()
            found.setdefault(key, index + 2)
    return found
