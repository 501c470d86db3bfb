"""Marked blocks: `<!-- vaultkeeper:NAME -->` … `<!-- /vaultkeeper -->` in any note.

Their content belongs to vaultkeeper, so it is never read as input.
"""

from __future__ import annotations

import re
from typing import NamedTuple

OPEN = re.compile(r"^\s*<!--\s*vaultkeeper:\s*([\w-]+)\s*-->\s*$")
CLOSE = re.compile(r"^\s*<!--\s*/vaultkeeper\s*-->\s*$")


class Block(NamedTuple):
    """A marked block: `start` and `end` are the 0-based indexes of its marker lines."""

    name: str
    start: int
    end: int


def find_blocks(lines: list[str], first_line: int = 1) -> tuple[list[Block], list[tuple[int, str]]]:
    """The well-formed blocks, and (line, message) problems for bad markers.

    Well-formed pairs are returned even when other markers are wrong, so their
    content is still never read; a writer must leave a note with problems alone.
    """
    if not any("vaultkeeper" in line for line in lines):
        return [], []
    blocks: list[Block] = []
    problems: list[tuple[int, str]] = []
    names: set[str] = set()
    open_at: int | None = None
    open_name = ""
    for index, line in enumerate(lines):
        start = OPEN.match(line)
        if start:
            if open_at is not None:
                problems.append((first_line + index, "nested vaultkeeper block marker"))
                continue
            open_at, open_name = index, start.group(1).lower()
        elif CLOSE.match(line):
            if open_at is None:
                problems.append((first_line + index, "closing vaultkeeper marker without an opening one"))
                continue
            if open_name in names:
                problems.append((first_line + open_at, f"duplicate vaultkeeper block '{open_name}'"))
            names.add(open_name)
            blocks.append(Block(open_name, open_at, index))
            open_at = None
    if open_at is not None:
        problems.append((first_line + open_at, f"vaultkeeper block '{open_name}' is never closed"))
    return blocks, problems
