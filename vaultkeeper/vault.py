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


class NoteSet:
    """The parsed notes of a vault by path, refreshable one file at a time."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.notes: dict[str, ParsedNote] = {}

    @classmethod
    def read(cls, layout: Layout) -> NoteSet:
        notes = cls(layout)
        for path in list_notes(layout):
            notes.notes[path] = read_note(layout, path)
        return notes

    def is_note(self, path: str) -> bool:
        """Whether a vault-relative path is one vaultkeeper reads (if it exists)."""
        return path.lower().endswith(".md") and not self.layout.is_skipped(path)

    def refresh(self, path: str) -> None:
        """Re-read one note, or forget it when it no longer exists."""
        if not self.is_note(path):
            return
        if (self.layout.root / path).is_file():
            self.notes[path] = read_note(self.layout, path)
        else:
            self.notes.pop(path, None)

    def under(self, folder: str) -> list[str]:
        """Known notes inside a folder (for folder moves and deletions)."""
        prefix = folder.rstrip("/") + "/"
        return [path for path in self.notes if path.startswith(prefix)]

    def vault(self) -> Vault:
        return assemble(self.layout, [self.notes[path] for path in sorted(self.notes)])


def read_layout_of(root: Path) -> Layout:
    """The configuration and Obsidian settings of the vault at `root`."""
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    return read_layout(root, load_config(root))


def load_vault(root: Path) -> Vault:
    """Read every note of the vault at `root`."""
    return NoteSet.read(read_layout_of(root)).vault()


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
