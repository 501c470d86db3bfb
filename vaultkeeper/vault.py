"""Reading a whole vault: scan, parse every note, join them into people."""

from __future__ import annotations

import contextlib
import marshal
import pickle
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from vaultkeeper import codec
from vaultkeeper.aside import ASIDE_AFTER, Aside, save_aside
from vaultkeeper.cache import CACHE_FILE, UNREAD, ParseCache, SavedState, StaleState, Stamp, decode_row
from vaultkeeper.collector import without_cycle_collection
from vaultkeeper.ics import FeedMemo
from vaultkeeper.lazy import LazyMap
from vaultkeeper.model import ParsedNote, Person, Problem, Report
from vaultkeeper.people import Directory, Names, PeopleIndex
from vaultkeeper.reading import Gist, Read, gist, read_many, read_one
from vaultkeeper.scan import Layout, list_notes, name_problems, read_layout_of, scan_notes, stamps_of
from vaultkeeper.spill import SPILL_AFTER, Fresh, Held, Spill
from vaultkeeper.standing import Standing
from vaultkeeper.views import ViewCache

T = TypeVar("T")


class Vault(NamedTuple):
    """A vault as read: its layout, every parsed note, and the people they make."""

    layout: Layout
    notes: Mapping[str, ParsedNote]
    people: Mapping[str, Person]  # by path
    problems: tuple[Problem, ...]
    block_notes: tuple[str, ...]  # notes with vaultkeeper blocks to fill, sorted
    standing: Standing
    views: ViewCache
    feed: FeedMemo
    preload: Callable[[], None] | None  # reads every note's cached parse at once
    directory: Directory  # who a name means, without reading anyone's note

    def at(self, today: date) -> Standing:
        """Everyone's state on `today`."""
        if self.preload is not None and self.standing.refills(today, self.layout.config):
            self.preload()  # everyone is needed: read the cache in bulk, not note by note
        return self.standing.at(today, self.layout.config)

    def report(self, today: date) -> Report:
        return self.at(today).report(self.problems)


def read_note(layout: Layout, path: str, data: bytes | None = None) -> ParsedNote:
    """Parse one note from disk; a file that vanished or cannot be read is a problem."""
    return read_one(layout, path, data).parsed()


class NoteSet:
    """The parsed notes of a vault by path, refreshable one file at a time.

    People are joined incrementally and their computed states cached, so an
    update costs what changed, not the size of the vault. Restored from the
    cache's saved state, notes, people and states are read only when used.
    """

    def __init__(self, layout: Layout, index: PeopleIndex | None = None):
        self.layout = layout
        self.index = index or PeopleIndex()
        self.standing = Standing()
        self.views = ViewCache()
        self.feed = FeedMemo()
        self._blocks: set[str] = set()
        self._troubled: set[str] = set()  # notes with problems
        self._pickles: Held | Spill = Held()  # notes read (in a full read, every note), for the cache
        self._state_from: ParseCache | None = None  # the cache whose saved state this was restored from
        self._preloaded = False  # whether `_preload` read the restored rows already
        self._unread: set[str] = set()  # notes that could not be read this time
        self._aside: Aside | None = None  # a forked process saving the rows of a full read

    @property
    def notes(self) -> Mapping[str, ParsedNote]:
        return self.index.notes

    @classmethod
    def read(
        cls,
        layout: Layout,
        cache: ParseCache | None = None,
        paths: list[str] | None = None,
        stamps: dict[str, Stamp] | None = None,
        progress: Callable[[int], None] | None = None,
        use_state: bool = True,
        today: date | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> NoteSet:
        """Parse every note, reusing the cache's parses of unchanged files.

        With the state the last build saved, only changed notes are read and
        put; the rest is loaded from the cache when used (`StaleState` if it
        cannot be: read again with `use_state=False`). A whole vault read for
        `today` is sorted on that day without making everyone's Person; see
        `reading.read_many` for `meanwhile`.
        """
        cache = cache if cache is not None and cache.usable else None
        if paths is None and cache is None:
            paths = list_notes(layout)  # each note is stamped as it is read
        elif paths is None:
            stamps = scan_notes(layout)  # one walk lists and stats
            paths = list(stamps)
        if cache is None:
            return cls(layout)._read_all(paths, (), {} if stamps is None else stamps, {}, progress, today, meanwhile)
        stamps = stamps_of(layout.root, paths) if stamps is None else stamps
        valid, already_read = cache.check(stamps, layout.parse_key, layout.root)
        saved = cache.state() if use_state else None
        if len(valid) * 2 < len(cache.known):  # most notes changed (another layout, a checkout): read afresh
            saved = None
        restored = cls._restore(layout, saved, cache) if saved is not None else None
        if restored is not None:
            try:
                return restored._update(paths, valid, stamps, already_read, progress)
            except StaleState:  # a row the state needs is unreadable: read it all instead
                pass
        rows = cache.rows(sorted(valid))
        return cls(layout)._read_all(paths, rows, stamps, already_read, progress, today, meanwhile)

    def _read_all(
        self,
        paths: list[str],
        cached: Iterable[tuple[ParsedNote, bytes]],
        stamps: dict[str, Stamp],
        already_read: dict[str, bytes],
        progress: Callable[[int], None] | None,
        today: date | None,
        meanwhile: Callable[[], object] | None,
    ) -> NoteSet:
        """Every note, from `cached` (parses with their bytes) or read, joined as they come:
        everyone's names at once, and, with another process reading, the notes that link
        people once everyone in the people folder is named; the rest in `fill`.

        Notes are held encoded (`vaultkeeper.codec`) and decoded again when used: a
        vault's parses take several times the memory of their bytes, which the cache
        stores anyway. In a large vault the bytes are held on disk (`Spill`).
        """
        paths = sorted(paths)  # the order a spill keeps them in, and the order they are read in
        blobs = self._pickles = Spill(paths) if len(paths) >= SPILL_AFTER else Held()
        people: dict[str, Names] = {}
        own: dict[str, codec.Own | bytes] = {}
        linking: list[str] = []  # notes that may link someone, not resolved yet
        unnamed: int | None = None  # notes in the people folder whose person is not named yet, once counted
        resolving = stopped = False  # notes are resolved as they are read (see `resolve_while_read`)...
        in_folder, loads_links = self.layout.in_people_folder, codec.loads_links

        def links_of(path: str) -> ParsedNote:
            return loads_links(blobs[path])

        def count_folder() -> None:  # while another process reads, which makes it cost half
            nonlocal unnamed
            unnamed = sum(map(in_folder, paths)) - sum(map(in_folder, people))
            if meanwhile is not None:
                meanwhile()

        def hold(path: str, brief: Gist, note: ParsedNote | None = None) -> None:
            nonlocal unnamed, resolving, stopped
            if brief.names is not None:
                people[path] = brief.names
                self.index.name(path, brief.names)  # folded now: the join waits for no one
                if brief.own is not None:
                    own[path] = brief.own
                if unnamed is not None and in_folder(path):
                    unnamed -= 1
                elif resolving:  # ...until someone outside the folder is named after all in it: the
                    resolving, stopped = False, True  # rest in `fill`, lest each such person resolve it again
            if brief.links:
                linking.append(path)
            self._flags(path, brief.blocks, brief.problems)
            if unnamed == 0 and not (resolving or stopped):  # everyone in the people folder is named
                resolving = True
                self.index.resolve_while_read(people, links_of)
            if resolving and linking:
                for source in linking:
                    self.index.resolve(source, note if source == path and note is not None else links_of(source))
                linking.clear()

        for note, blob in cached:
            blobs.add(note.path, blob)
            hold(note.path, gist(note, today))
        todo = [path for path in paths if path not in blobs]
        if progress:
            progress(len(paths) - len(todo))
        for read in read_many(self.layout, todo, already_read, today, count_folder):
            self._keep(read, stamps)
            hold(read.path, read.gist, read.note)
            if progress:
                progress(1)
        decoded = LazyMap(lambda path: codec.loads(blobs[path]), blobs)
        own_notes = (today, own) if today is not None else None
        self.index.fill(decoded, people, sorted(linking), own_notes, links_of, named=True)
        return self

    def _update(
        self,
        paths: list[str],
        valid: set[str],
        stamps: dict[str, Stamp],
        already_read: dict[str, bytes],
        progress: Callable[[int], None] | None,
    ) -> NoteSet:
        """Forget notes no longer there; read those new or changed since the cache saw them."""
        for path in set(self.notes) - set(paths):
            self.forget(path)
        todo = sorted(path for path in paths if path not in valid)  # a valid path has a row, so a note here
        if progress:
            progress(len(paths) - len(todo))
        for read in read_many(self.layout, todo, already_read):
            self.put(read.parsed())
            self._keep(read, stamps)
            if progress:
                progress(1)
        return self

    def _keep(self, read: Read, stamps: dict[str, Stamp]) -> None:
        """Hold a note just read, encoded, and what the cache keeps of it: its stamp and digest.
        The stamp it was read under, if known, replaces the walk's in `stamps`."""
        path = read.path
        blob = read.blob or codec.dumps(read.parsed())
        if read.stamp is not None:
            stamps[path] = read.stamp
        if read.digest is None:  # could not be read: the cache must not keep an older parse of it
            self._unread.add(path)
            stamps.setdefault(path, UNREAD)  # nor may the next build trust that nothing changed
        self._pickles.add(path, blob, stamps.get(path), read.digest)

    @classmethod
    def _restore(cls, layout: Layout, saved: dict[str, Any], cache: ParseCache) -> NoteSet | None:
        """The notes as the saved state left them, or None if it is not a state this version saved."""
        try:
            return cls._restored(layout, saved, cache)
        except (KeyError, TypeError, ValueError, AttributeError, EOFError):
            return None

    @classmethod
    def _restored(cls, layout: Layout, saved: dict[str, Any], cache: ParseCache) -> NoteSet:
        index = PeopleIndex.restore(marshal.loads(saved["index"]), cache.known, cache.note, cache.resolved)
        notes = cls(layout, index)
        notes._state_from = cache
        rows = index.notes  # a note that could not be read has no row: it is read again
        notes._blocks = {path for path in saved["blocks"] if path in rows}
        notes._troubled = {path for path in saved["troubled"] if path in rows}
        notes.standing.restore(saved["standing"], index.people(), layout.config)
        with contextlib.suppress(Exception):  # a bad blob: people are shown from their notes
            notes.views = ViewCache(pickle.loads(saved["views"]))  # noqa: S301 - written by vaultkeeper
        with contextlib.suppress(Exception):  # a bad memo: everyone's events are written afresh
            notes.feed = FeedMemo(marshal.loads(saved["feed"]))
        return notes

    def save_aside(self, cache: ParseCache) -> None:
        """After a full read of many notes, have a forked process save their rows while this
        one goes on (see `vaultkeeper.aside`); `save` then saves the rest."""
        if self._state_from is not None or self._aside is not None or len(self.notes) < ASIDE_AFTER:
            return
        resolved = {source: self.index.resolved(source) for source in self.index.resolved_changes()}
        self._aside = save_aside(
            cache,
            self._pickles.fresh(),
            self.layout.parse_key,
            self._gone(cache),
            {source: value for source, value in resolved.items() if value is not None},
        )

    def wait_aside(self) -> Aside | None:
        """Wait for the forked process saving a full read's rows, if any: it, if it saved them."""
        aside, self._aside = self._aside, None
        return aside if aside is not None and aside.saved() else None

    def save(self, cache: ParseCache) -> None:
        """Keep new parses, changed links and (after a build) the joined state in the cache."""
        self.index.people()
        changed = self.index.take_resolved_changes()
        resolved = {source: self.index.resolved(source) for source in changed if source in self.notes}
        entries: Iterable[Fresh] = self._pickles.fresh()
        reset = self._state_from is None  # every note was resolved
        state, gone = self._state(cache), self._gone(cache)  # made while the aside may still be saving
        aside = self.wait_aside()
        if aside is not None and cache.generation is not None:  # it saved the rows and resolved links
            cache.generation += 1  # (its save): only what changed since is left
            resolved = {source: value for source, value in resolved.items() if aside.resolved.get(source) is not value}
            entries, reset = (), False
        elif reset:  # rows need only the notes that link someone
            resolved = {source: value for source, value in resolved.items() if value is not None}
        cache.store(entries, self.layout.parse_key, gone, resolved, state, reset)
        self._pickles.saved()

    def _gone(self, cache: ParseCache) -> set[str]:
        """Rows to forget: notes no longer in the vault, or unreadable now."""
        return set(cache.known).difference(self.notes).union(self._unread.intersection(cache.known))

    def _state(self, cache: ParseCache) -> SavedState | None:
        """The joined state to save, if there is a whole one (after a build), marshalled while
        the aside may still be saving."""
        if self.standing.day is None or self.standing.pending:
            return None
        index = None  # most edits change no name or link: the index is then left as saved
        if self._state_from is not cache or self.index.names_or_links_changed:
            try:
                index = marshal.dumps(self.index.snapshot())
            except StaleState:  # a part of the saved index never needed until now is unreadable
                return None  # no state: the next build reads afresh
        rest = {
            "standing": self.standing.snapshot(),
            "views": pickle.dumps(self.views.shown, 5),  # not plain values: pickled apart
            "feed": marshal.dumps(self.feed.made) if self.feed.made is not None else None,
            "blocks": self._blocks,
            "troubled": self._troubled,
        }
        return SavedState(index, marshal.dumps(rest))

    def load_rest(self) -> None:
        """Read all that a restored state still needs of the cache, so that it can be closed
        (`StaleState` if some of it cannot be read)."""
        if self._state_from is not None:
            self._preload()
            if not self.index.preloaded():
                raise StaleState("a row the saved state needs cannot be read")

    def refill(self, written: Iterable[tuple[str, bytes]]) -> bool:
        """Take the notes a plan fills blocks in as they will read once written: a block's new
        length moves the lines below it. Whether any parse changed (then plan again)."""
        moved = False
        for path, data in written:
            if path in self.notes:  # a note, not a page
                note = read_one(self.layout, path, data).parsed()
                if note != self.notes[path]:
                    self.put(note)
                    moved = True
        return moved

    def put(self, note: ParsedNote) -> None:
        self.index.put(note)
        self._note_flags(note)

    def _note_flags(self, note: ParsedNote) -> None:
        self._flags(note.path, bool(note.blocks), bool(note.problems))

    def _flags(self, path: str, blocks: bool, problems: bool) -> None:
        (self._blocks.add if blocks else self._blocks.discard)(path)
        (self._troubled.add if problems else self._troubled.discard)(path)

    def forget(self, path: str) -> None:
        if path in self.notes:
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
        problems = [*self.layout.problems, *name_problems(self.layout), *self.index.problems()]
        for path in self._troubled:
            problems.extend(self.notes[path].problems)
        people = self.index.people()
        self.standing.changed(people, self.index.take_changes(), self.index.take_contacts)
        blocks = tuple(sorted(self._blocks))
        preload = self._preload if self._state_from is not None else None
        return Vault(
            self.layout, self.notes, people, tuple(problems), blocks,
            self.standing, self.views, self.feed, preload, self.index.directory,
        )  # fmt: skip

    def _preload(self) -> None:
        """Everyone is about to be needed: read the restored people's rows in bulk, held as
        they are stored and decoded when used (a whole vault's parses take several times
        the memory of their rows), and every resolved link. Other notes are rarely needed
        again (a problem to show): they are read from their files if they are."""
        cache = self._state_from
        assert cache is not None
        if self._preloaded:  # (a command may ask twice: for a new day's states, then for a list)
            return
        self._preloaded = True

        def notes_of(paths: list[str]) -> Callable[[str], ParsedNote]:
            people = self.index.directory.people
            rows = cache.encoded([path for path in paths if path in people])

            def note_of(path: str) -> ParsedNote:
                note = decode_row(path, rows.get(path))  # not a person's, or a row that cannot be read
                return note if note is not None else read_note(self.layout, path)

            return note_of

        self.index.preload(notes_of, cache.resolved_many)


def load_vault(root: Path, use_cache: bool = True) -> Vault:
    """Read every note of the vault at `root`, through the cache the last build left if any.

    Reading only: the cache is neither created, saved nor started again when it is
    of another version (all that is the build's), and everything is loaded from it
    before it is closed, so the vault returned never needs it again.
    """

    def loaded(notes: NoteSet) -> Vault:
        notes.load_rest()
        return notes.vault()._replace(preload=None)

    return _through_cache(root, use_cache, loaded)


def with_vault(root: Path, use: Callable[[Vault], T], use_cache: bool = True) -> T:
    """`use(vault)` on the vault at `root`, read as `load_vault` reads it but with the cache
    open meanwhile, so that only what `use` needs is loaded (one person, who a name means).

    If a row the saved state names turns out to be unreadable, `use` runs again on the
    vault read without the cache: `use` must write nothing before it has all it needs.
    """
    return _through_cache(root, use_cache, lambda notes: use(notes.vault()))


def _through_cache(root: Path, use_cache: bool, finish: Callable[[NoteSet], T]) -> T:
    """`finish(notes)` while the cache (opened to read only) is open; again on the notes read
    without it if a row it needs is unreadable."""
    layout = read_layout_of(root)
    with without_cycle_collection():
        if use_cache and (root / CACHE_FILE).is_file():
            cache = ParseCache(root, read_only=True)
            try:
                return finish(NoteSet.read(layout, cache))
            except StaleState:  # a row the saved state needs is unreadable
                pass
            finally:
                cache.close()
        return finish(NoteSet.read(layout))
