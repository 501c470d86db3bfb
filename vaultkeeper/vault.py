"""Reading a whole vault: scan, parse every note, join them into people."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vaultkeeper.compute import build_report
from vaultkeeper.config import load_config
from vaultkeeper.dates import DateError, parse_iso_day
from vaultkeeper.errors import UsageError
from vaultkeeper.model import ParsedNote, Person, Problem, Report
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import join
from vaultkeeper.scan import Layout, list_notes, read_layout


@dataclass(frozen=True)
class Vault:
    """A vault as read: its layout, every parsed note, and the people they make."""

    layout: Layout
    notes: tuple[ParsedNote, ...]
    people: tuple[Person, ...]
    problems: tuple[Problem, ...]

    def report(self, today: date) -> Report:
        return build_report(list(self.people), list(self.problems), self.layout.config, today)


def context_for(layout: Layout, path: str) -> Context:
    """What a note's path alone says about it, for the per-file parser."""
    return Context(
        in_people_folder=layout.in_people_folder(path),
        daily_date=layout.daily_date(path),
        log_headings=tuple(h.lower() for h in layout.config.log_headings),
    )


def read_note(layout: Layout, path: str) -> ParsedNote:
    """Parse one note from disk; a file that vanished or cannot be read is a problem."""
    try:
        data = (layout.root / path).read_bytes()
    except FileNotFoundError:
        return ParsedNote(path, (Problem(path, None, "file disappeared while it was being read"),))
    except OSError as error:
        return ParsedNote(path, (Problem(path, None, f"cannot read: {error.strerror or error}"),))
    return parse_note(path, data, context_for(layout, path))


def assemble(layout: Layout, notes: list[ParsedNote]) -> Vault:
    """Join parsed notes into a Vault (the step a watcher or a cache redoes cheaply)."""
    people, join_problems = join(notes)
    problems = [*layout.problems, *join_problems]
    for note in notes:
        problems.extend(note.problems)
    return Vault(layout, tuple(notes), tuple(people), tuple(problems))


def load_vault(root: Path) -> Vault:
    """Read every note of the vault at `root`."""
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    layout = read_layout(root, load_config(root))
    return assemble(layout, [read_note(layout, path) for path in list_notes(layout)])


def resolve_today(option: str | None) -> date:
    """`--today` wins over $VAULTKEEPER_TODAY, which wins over the local date."""
    text = option or os.environ.get("VAULTKEEPER_TODAY")
    if not text:
        return date.today()
    try:
        return parse_iso_day(text)
    except DateError as error:
        source = "--today" if option else "VAULTKEEPER_TODAY"
        raise UsageError(f"{source}: {error}") from None
