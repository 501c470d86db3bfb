"""Reading a whole vault: scan, parse every note, join them into people."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vaultkeeper.cache import ParseCache, Stamp, digest
from vaultkeeper.model import ParsedNote, Person, Problem, Report
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import PeopleIndex
from vaultkeeper.scan import Layout, list_notes, read_layout_of, stamps_of
from vaultkeeper.standing import Standing
from vaultkeeper.views import ViewCache


@dataclass(frozen=True)
class Vault:
    """A vault as read: its layout, every parsed note, and the people they make."""

    layout: Layout
    notes: Mapping[str, ParsedNote]
    people: tuple[Person, ...]
    problems: tuple[Problem, ...]
    block_notes: tuple[str, ...] = ()  # notes with vaultkeeper blocks to fill, sorted
    standing: Standing = field(default_factory=Standing, compare=False)
    views: ViewCache = field(default_factory=ViewCache, compare=False)

    def at(self, today: date) -> Standing:
        """Everyone's state on `today`."""
        return self.standing.at(today, self.layout.config)

    def report(self, today: date) -> Report:
        return self.at(today).report(self.problems)


def context_for(layout: Layout, path: str) -> Context:
    """What a note's path alone says about it, for the per-file parser."""
    return Context(
        in_people_folder=layout.in_people_folder(path),
        daily_date=layout.daily_date(path),
        log_headings=tuple(h.lower() for h in layout.config.log_headings),
    )


def read_note(layout: Layout, path: str, data: bytes | None = None) -> ParsedNote:
    """Parse one note from disk; a file that vanished or cannot be read is a problem."""
    if data is None:
        data = read_bytes(layout, path)
    if isinstance(data, ParsedNote):
        return data
    return parse_note(path, data, context_for(layout, path))


def read_bytes(layout: Layout, path: str) -> bytes | ParsedNote:
    """A note's bytes, or a parsed note holding the problem of reading it."""
    try:
        return (layout.root / path).read_bytes()
    except FileNotFoundError:
        return ParsedNote(path, (Problem(path, None, "file disappeared while it was being read"),))
    except OSError as error:
        return ParsedNote(path, (Problem(path, None, f"cannot read: {error.strerror or error}"),))


class NoteSet:
    """The parsed notes of a vault by path, refreshable one file at a time.

    People are joined incrementally and their computed states cached, so an
    update costs what changed, not the size of the vault.
    """

    def __init__(self, layout: Layout):
        self.layout = layout
        self.notes: dict[str, ParsedNote] = {}
        self.index = PeopleIndex()
        self.standing = Standing()
        self.views = ViewCache()
        self._blocks: set[str] = set()
        self._troubled: set[str] = set()  # notes with problems

    @classmethod
    def read(
        cls,
        layout: Layout,
        cache: ParseCache | None = None,
        paths: list[str] | None = None,
        stamps: dict[str, Stamp] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> NoteSet:
        """Parse every note, reusing the cache's parses of unchanged files."""
        notes = cls(layout)
        paths = list_notes(layout) if paths is None else paths
        contexts = {path: context_for(layout, path) for path in paths}
        cache = cache if cache is not None and cache.usable else None
        hits: dict[str, ParsedNote] = {}
        already_read: dict[str, bytes] = {}
        keys: dict[str, str] = {}
        if cache is not None:
            stamps = stamps_of(layout.root, paths) if stamps is None else stamps
            keys = {path: repr(context) for path, context in contexts.items()}
            hits, already_read = cache.lookup(stamps, keys, layout.root)
        fresh = []
        for path in paths:
            note = hits.get(path)
            if note is None:
                data = already_read.pop(path, None) or read_bytes(layout, path)
                if isinstance(data, ParsedNote):  # could not be read: the note holds the problem
                    note = data
                else:
                    note = parse_note(path, data, contexts[path])
                    if cache is not None and stamps and path in stamps:  # keep the digest, not the bytes
                        fresh.append((note, keys[path], stamps[path], digest(data)))
            notes.put(note)
            if progress:
                progress(1)
        if cache is not None and (fresh or len(hits) != len(paths)):
            cache.store(fresh, keep=set(paths))
        return notes

    def put(self, note: ParsedNote) -> None:
        self.notes[note.path] = note
        self.index.put(note)
        (self._blocks.add if note.blocks else self._blocks.discard)(note.path)
        (self._troubled.add if note.problems else self._troubled.discard)(note.path)

    def forget(self, path: str) -> None:
        if self.notes.pop(path, None) is not None:
            self.index.remove(path)
            self._blocks.discard(path)
            self._troubled.discard(path)

    def is_note(self, path: str) -> bool:
        """Whether a vault-relative path is one vaultkeeper reads (if it exists)."""
        return path.lower().endswith(".md") and not self.layout.is_skipped(path)

    def refresh(self, path: str) -> None:
        """Re-read one note, or forget it when it no longer exists."""
        if not self.is_note(path):
            return
        if (self.layout.root / path).is_file():
            self.put(read_note(self.layout, path))
        else:
            self.forget(path)

    def under(self, folder: str) -> list[str]:
        """Known notes inside a folder (for folder moves and deletions)."""
        prefix = folder.rstrip("/") + "/"
        return [path for path in self.notes if path.startswith(prefix)]

    def vault(self) -> Vault:
        problems = [*self.layout.problems, *self.index.problems()]
        for path in self._troubled:
            problems.extend(self.notes[path].problems)
        people = self.index.people()
        self.standing.changed(people, self.index.take_changes())
        blocks = tuple(sorted(self._blocks))
        return Vault(
            self.layout, self.notes, tuple(people.values()), tuple(problems), blocks, self.standing, self.views
        )


def load_vault(root: Path) -> Vault:
    """Read every note of the vault at `root`."""
    return NoteSet.read(read_layout_of(root)).vault()
