"""`vaultkeeper watch`: keep the pages current while the user edits, re-reading only what changed.

A watchdog observer thread only records which paths changed; one loop waits
for a quiet period, re-parses those files, rebuilds and writes what changed.
The loop survives failed updates, a bad config, a dead observer and the date
rolling over at midnight.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler, FileSystemMovedEvent
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from vaultkeeper.build import apply_plan, plan_notes
from vaultkeeper.cache import ParseCache
from vaultkeeper.collector import without_cycle_collection
from vaultkeeper.config import CONFIG_PATH, load_config
from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.pages import USER_TEMPLATES, Renderer
from vaultkeeper.scan import (
    DAILY_SETTINGS,
    TEMPLATER_SETTINGS,
    TEMPLATES_SETTINGS,
    Layout,
    is_text,
    read_layout,
    read_layout_of,
    walk_for_names,
)
from vaultkeeper.vault import NoteSet

SETTINGS = (CONFIG_PATH, DAILY_SETTINGS, TEMPLATES_SETTINGS, TEMPLATER_SETTINGS)
DEFAULT_DEBOUNCE = 0.3
MISSING_GRACE = 1.0  # a note gone for less than this may be mid-save: keep it
HEALTH_EVERY = 1.0


@dataclass
class _Pending:
    """Paths changed since the last update, filled by the observer thread."""

    files: set[str] = field(default_factory=set)
    folders: set[str] = field(default_factory=set)
    renamed: set[str] = field(default_factory=set)  # notes renamed to other notes
    last_event: float = 0.0


class _Handler(FileSystemEventHandler):
    """Runs in watchdog's thread: only records paths, never raises."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            if event.event_type in ("opened", "closed_no_write") or (
                event.is_directory and event.event_type in ("modified", "closed")
            ):
                return  # a folder's own mtime changes with every file in it: the file events say more
            paths = [event.src_path]
            if isinstance(event, FileSystemMovedEvent):
                paths.append(event.dest_path)
            self.watcher.record(paths, folder=event.is_directory, moved=isinstance(event, FileSystemMovedEvent))
        except Exception as error:  # noqa: BLE001 - an exception here would kill the observer
            self.watcher.err(f"error while recording a file event: {error}")


class Watcher:
    """Keeps one vault's pages current. `run()` blocks until `stop()`."""

    def __init__(
        self,
        root: Path,
        *,
        poll: bool = False,
        debounce: float = DEFAULT_DEBOUNCE,
        poll_interval: float = 1.0,
        missing_grace: float = MISSING_GRACE,
        today: Callable[[], date] = date.today,
        out: Callable[[str], None] = print,
        err: Callable[[str], None] = print,
    ):
        self.root = root
        self.poll = poll
        self.debounce = debounce
        self.poll_interval = poll_interval
        self.missing_grace = missing_grace
        self.today = today
        self.out = out
        self.err = err
        self.updates = 0
        self.last_update_ms = 0.0  # the last update's own time, for benchmarks
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending = _Pending()
        self._busy = False
        self._missing_since: dict[str, float] = {}  # known notes seen missing, since when
        self._own: dict[str, tuple[int, int]] = {}
        self._observer: BaseObserver | None = None
        self.notes = NoteSet(read_layout_of(root))
        self.renderer = Renderer(root)
        self.day = today()
        self.ready = threading.Event()

    # --- called from the observer thread ------------------------------------

    def record(self, paths: list[str | bytes], folder: bool, moved: bool = False) -> None:
        """Note that paths changed. A note renamed to another note is gone at once;
        one renamed to anything else (a backup, a temp file) may be mid-save."""
        found = [self._relative(p) for p in paths]
        rels = [rel for rel in found if rel is not None and self._interesting(rel, folder)]
        if not rels:
            return
        with self._lock:
            if moved and not folder and len(rels) == 2 and all(self.notes.is_note(r) for r in rels):
                self._pending.renamed.add(rels[0])
            (self._pending.folders if folder else self._pending.files).update(rels)
            self._pending.last_event = time.monotonic()
        self._wake.set()

    def _relative(self, path: str | bytes) -> str | None:
        text = os.fsdecode(path)
        try:
            rel = os.path.relpath(text, self.root)
        except ValueError:
            return None
        if rel == "." or rel.startswith(".."):
            return None
        return rel.replace(os.sep, "/")

    def _interesting(self, rel: str, folder: bool) -> bool:
        """Notes, folders that may hold notes, settings and user templates; nothing else."""
        if rel in SETTINGS or rel.startswith(USER_TEMPLATES + "/"):
            return True
        if not is_text(rel):  # not read, but reported: see `_update`
            return folder or rel.lower().endswith(".md")
        if self.notes.layout.is_skipped(rel):
            return False
        return folder or rel.lower().endswith(".md")

    # --- the loop ------------------------------------------------------------

    def idle(self) -> bool:
        """Nothing is waiting to be processed (for tests and benchmarks)."""
        with self._lock:
            pending = self._pending.files or self._pending.folders or self._missing_since
            return not pending and not self._busy

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Build once, then update after each quiet period until stopped."""
        started = time.monotonic()
        self.notes = self._read_all(self.notes.layout)
        self._start_observer()
        written = self._build()
        self.out(f"watching {self.root} · {len(self.notes.notes)} notes · {written} written · {_ms(started)} ms")
        self.ready.set()
        last_health = time.monotonic()
        try:
            while not self._stop.is_set():
                self._wake.wait(timeout=0.2)
                if self._stop.is_set():
                    break
                now = time.monotonic()
                if now - last_health >= HEALTH_EVERY:
                    last_health = now
                    self._guarded(self._check_observer)
                    self._check_day()
                self._requeue_missing(now)
                batch = self._take_quiet_batch()
                if batch is not None:
                    self._guarded(self._update, batch)
                    with self._lock:
                        self._busy = False
        finally:
            self._stop_observer()

    def _take_quiet_batch(self) -> _Pending | None:
        """The pending paths once nothing has happened for the debounce period."""
        with self._lock:
            pending = self._pending
            if not pending.files and not pending.folders:
                self._wake.clear()
                return None
            quiet = time.monotonic() - pending.last_event
            if quiet < self.debounce:
                wait = self.debounce - quiet
            else:
                self._pending = _Pending()
                self._busy = True
                return pending
        self._stop.wait(wait)
        return None

    def _guarded(self, action: Callable[..., object], *args: object) -> None:
        """Report a failed update and keep watching."""
        try:
            action(*args)
        except Exception as error:  # noqa: BLE001 - the watcher must outlive any one update
            self.err(f"error while updating: {type(error).__name__}: {error}")

    def _update(self, batch: _Pending) -> None:
        started = time.monotonic()
        files = {f for f in batch.files if not self._is_own_write(f)}
        folders = batch.folders
        if not files and not folders:
            return
        layout = self._reload_settings() if files & set(SETTINGS) else None
        if layout is not None:
            self.notes = self._read_all(layout)
        else:
            refreshed = [self._refresh(path, path in batch.renamed) for path in self._affected(files, folders)]
            if not all(map(is_text, files | folders)):  # a name that is not UTF-8 came or went
                refreshed.append(walk_for_names(self.notes.layout))
            touches_templates = any(f.startswith(USER_TEMPLATES + "/") for f in files)
            if touches_templates:
                self.renderer = Renderer(self.root)  # a new override hides a cached default
            elif not any(refreshed):
                return  # only notes that may be mid-save: look again after the grace period
        self._rebuild(self._describe(files | folders), started)

    def _rebuild(self, what: str, started: float) -> None:
        """Build, count the update and print its line: time, what, pages written, ms."""
        written = self._build()
        self.updates += 1
        self.last_update_ms = (time.monotonic() - started) * 1000
        self.out(f"{datetime.now():%H:%M:%S}  {what} · {written} written · {_ms(started)} ms")

    def _affected(self, files: set[str], folders: set[str]) -> set[str]:
        """The note paths to re-read: the files, and every note in or under a changed folder."""
        affected = set(files)
        for folder in folders:
            affected.update(self.notes.under(folder))
            affected.update(self._notes_on_disk(folder))
            if self.notes.is_note(folder):
                affected.add(folder)
        return {path for path in affected if self.notes.is_note(path)}

    def _notes_on_disk(self, folder: str) -> list[str]:
        found: list[str] = []
        base = self.root / folder
        if not base.is_dir() or base.is_symlink():
            return found
        for current, dirs, names in os.walk(base):
            rel = Path(current).relative_to(self.root).as_posix()
            dirs[:] = [d for d in dirs if not self.notes.layout.is_skipped(f"{rel}/{d}")]
            found.extend(f"{rel}/{name}" for name in names)
        return found

    def _refresh(self, path: str, renamed: bool = False) -> bool:
        """Re-read a note. One that vanished is kept until it has been gone a moment
        (editors delete and recreate a note while saving); returns False then."""
        if not renamed and not (self.root / path).is_file() and path in self.notes.notes:
            first = self._missing_since.setdefault(path, time.monotonic())
            if time.monotonic() - first < self.missing_grace:
                return False
        self._missing_since.pop(path, None)
        self.notes.refresh(path)
        return True

    def _requeue_missing(self, now: float) -> None:
        """Look again at notes whose grace period is over."""
        due = [path for path, since in self._missing_since.items() if now - since >= self.missing_grace]
        if due:
            with self._lock:
                self._pending.files.update(due)
            self._wake.set()

    def _read_all(self, layout: Layout) -> NoteSet:
        """Read every note, through the parse cache that `build` shares, and leave it today's state."""
        cache = ParseCache(self.root)
        try:
            with without_cycle_collection():
                today = self.today()
                notes = NoteSet.read(layout, cache, use_state=False, today=today)  # all of it: the cache closes now
                notes.vault().at(today)
                notes.save(cache)
            return notes
        finally:
            cache.close()

    def _reload_settings(self) -> Layout | None:
        """Re-read the config and Obsidian settings; a bad config keeps the last good one."""
        try:
            return read_layout(self.root, load_config(self.root))
        except VaultkeeperError as error:
            self.err(f"{error}; keeping the last good configuration")
            return None

    def _build(self) -> int:
        """Rebuild from the notes in memory; returns how many files were written."""
        self.day = self.today()
        plan = plan_notes(self.notes, self.day, renderer=self.renderer)
        errors = list(plan.errors)
        for notice in plan.notices:
            self.err(notice)
        errors += apply_plan(plan, self.root, self.notes.layout.config.output_dir)
        failed = {error.path for error in errors}
        written = [c for c in plan.changes if c.path not in failed]
        for change in written:
            self._remember_own_write(change.path)
        for error in errors:
            self.err(f"error: {error}")
        return len(written)

    def _remember_own_write(self, path: str) -> None:
        try:
            stat = os.stat(self.root / path)
        except OSError:
            return
        self._own[path] = (stat.st_size, stat.st_mtime_ns)

    def _is_own_write(self, path: str) -> bool:
        """Whether the file is still exactly as vaultkeeper last wrote it."""
        stamp = self._own.get(path)
        if stamp is None:
            return False
        try:
            stat = os.stat(self.root / path)
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == stamp

    def _check_day(self) -> None:
        """At local midnight the due lists change: rebuild without any file event."""
        if self.today() != self.day:
            self._guarded(self._rebuild, f"new day {self.today().isoformat()}", time.monotonic())

    # --- the observer -------------------------------------------------------

    def _start_observer(self) -> None:
        handler = _Handler(self)
        if not self.poll:
            observer: BaseObserver = Observer()
            try:
                observer.schedule(handler, str(self.root), recursive=True)
                observer.start()
                self._observer = observer
                return
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EMFILE):
                    raise
                self.err(f"cannot watch with inotify ({error.strerror}); polling every {self.poll_interval:g} s instead")
                self.poll = True
        observer = PollingObserver(timeout=self.poll_interval)
        observer.schedule(handler, str(self.root), recursive=True)
        observer.start()
        self._observer = observer

    def _check_observer(self) -> None:
        """Watchdog's threads die silently: notice, restart, and rescan what was missed."""
        observer = self._observer
        if observer is not None and observer.is_alive() and all(e.is_alive() for e in observer.emitters):
            return
        self.err("the file watcher stopped; restarting it and re-reading the vault")
        self._stop_observer()
        self._start_observer()
        self.notes = self._read_all(self.notes.layout)
        self._build()

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=1.0)

    @staticmethod
    def _describe(paths: set[str]) -> str:
        if len(paths) == 1:
            return f"{next(iter(paths))} changed"
        return f"{len(paths)} paths changed"


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
