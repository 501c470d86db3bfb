"""Splitting a note's front matter from its body and reading it without surprises.

The YAML loader is PyYAML's safe loader (the C one when available) with YAML
1.1's implicit types cut down: `NO`/`on` stay strings, `10:00` is not 600,
`0123` is not octal, and dates stay strings so vaultkeeper reads them itself
(and reports `2026-02-30` as a problem instead of failing the whole block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)

_KEY_LINE = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#:'"\-?][^:]*?))[ \t]*:(?:[ \t]|$)""")


@dataclass(frozen=True)
class Split:
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
    if any(line.endswith("\r") for line in lines):
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
    try:
        data = yaml.load(source, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        if mark is None or (mark.line >= len(front) and error.context_mark is not None):
            mark = error.context_mark  # an error at the very end: point at what was left open
        line = min(mark.line, len(front) - 1) + 2 if mark is not None else 1
        reason = error.problem or error.context or "cannot be parsed"
        if error.context and error.problem:
            reason = f"{error.problem} ({error.context})"
        return {}, (line, f"invalid YAML: {reason}")
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        return {}, (1, f"invalid YAML: {error}".splitlines()[0])
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "text"}.get(type(data), type(data).__name__)
        return {}, (2, f"front matter is {kind}, not a mapping of keys to values")
    folded: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).strip().lower()
        folded.setdefault(name, value)
    return folded, None


def key_lines(front: list[str]) -> dict[str, int]:
    """The 1-based file line where each top-level key (lower case) is first set."""
    found: dict[str, int] = {}
    for index, line in enumerate(front):
        match = _KEY_LINE.match(line)
        if match:
            key = (match.group(1) or match.group(2) or match.group(3)).strip().lower()
            found.setdefault(key, index + 2)
    return found
