"""An optional per-file parse cache in `.vaultkeeper/cache.sqlite`: speed only, never trusted blindly.

A note's parse is reused when its size and mtime are unchanged and the mtime
is older than the cache entry by a safety margin (mtimes can be coarse); when
the stamp differs, or is too fresh to trust, the content hash decides, so a
`git checkout` that rewrote identical files costs a hash, not a parse (once:
the row then takes the new stamp). Any
error (corrupt file, another version, a locked database) means "no cache":
the build goes on without it. SQLite's locking lets `watch` and `build` share it.

Beside the parses, a build leaves the joined state (who is who, which note
links whom, the sorted orderings of people) under the same transaction, so
the next build re-reads only the notes that changed and decodes only the
parses it touches. A reader works in one read transaction, so what it loads
lazily is consistent with what it checked; it saves only if nobody else saved
in between.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkeeper import __version__
from vaultkeeper.model import Stamp

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from vaultkeeper.model import ParsedNote

CACHE_FILE = ".vaultkeeper/cache.sqlite"
FORMAT = f"vaultkeeper {__version__} cache 22 python {sys.version_info[0]}.{sys.version_info[1]}"
GITIGNORE = ".vaultkeeper/.gitignore"
GITIGNORE_TEXT = "# vaultkeeper's cache: speed only, never needed\ncache*\n"
RACY_NS = 2_000_000_000  # an mtime this close to the cache entry's time may hide a later change
BUSY_TIMEOUT_MS = 5000  # how long to wait for another process's save
PAGE_SIZE = 16384  # bytes, of a new cache file: a cold build's save in a quarter of the pages (see _connect)
# every row's stamp as `check` compares it (SQLite does the rest: a third less time at 10,000 people):
# the size only under the given context, the mtime only when old enough to trust
CHECK = (
    "SELECT path, CASE WHEN context = ? THEN size END,"
    " CASE WHEN mtime_ns < stored_ns - ? THEN mtime_ns END FROM notes"
)


class SavedState(NamedTuple):
    """The joined state as a build saves it, marshalled: the people index (None: left as
    saved before; the largest part, kept in a row of its own), and the rest."""

    people_index: bytes | None
    rest: bytes


class StaleState(Exception):
    """A row the saved state needs cannot be read: read the vault without the saved state."""


UNREAD = Stamp(-1, -1)  # of a note listed but not read: no file has it, so it never matches


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class ParseCache:
    """Parsed notes by path, valid for one parse context each, and the last build's joined state."""

    def __init__(self, root: Path, read_only: bool = False):
        """`read_only`: a command that only reads (status …) uses the cache as it finds it, and
        leaves one of another version or a damaged one alone rather than starting it again."""
        self.path = root / CACHE_FILE
        self.read_only = read_only
        self.db: sqlite3.Connection | None = None
        self.generation: int | None = None  # of what this reader saw
        self.known: list[str] = []  # every path with a row, as this reader saw them
        self.restamped: dict[str, Stamp] = {}  # rows found valid by their hash, under a stamp of today
        self._suspended = False
        with contextlib.suppress(sqlite3.Error, OSError):
            self.db = self._open()

    def _open(self) -> sqlite3.Connection | None:
        if not self.path.parent.is_dir():
            return None  # no .vaultkeeper/ folder: the vault did not ask for one
        ignore = self.path.parent.parent / GITIGNORE
        if not ignore.exists() and not self.read_only:  # the cache is machine-local: keep it out of git
            ignore.write_text(GITIGNORE_TEXT, encoding="utf-8")
        db: sqlite3.Connection | None = None
        new = not self.read_only and not self.path.exists()
        try:
            db = self._connect()
            if new:  # made just now: this version's (rather than made, found foreign and made again)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != FORMAT:
                raise sqlite3.DatabaseError("another format")
        except sqlite3.DatabaseError:
            if db is not None:
                db.close()
            if self.read_only:
                return None
            with contextlib.suppress(OSError):  # corrupt, truncated or foreign: start again
                for suffix in ("", "-wal", "-shm", "-journal"):
                    os.unlink(str(self.path) + suffix)
            db = self._connect()
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        if self.read_only:
            return db  # as it is: this version's is WAL with every table already
        db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a new file's only (WAL fixes it once set)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (path TEXT PRIMARY KEY, context TEXT, size INTEGER,"
            " mtime_ns INTEGER, stored_ns INTEGER, digest BLOB, parsed BLOB, resolved BLOB)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS saved (key TEXT PRIMARY KEY, value BLOB)")
        # the stamps alone, so checking them does not read every parse from disk
        db.execute("CREATE INDEX IF NOT EXISTS stamps ON notes (path, context, size, mtime_ns, stored_ns)")
        return db

    @property
    def usable(self) -> bool:
        return self.db is not None

    @property
    def empty(self) -> bool:
        """Whether no note has a row (no cache, or a new one): every note is read, so none
        needs a stat to compare with one."""
        if self.db is None:
            return True
        try:
            return self.db.execute("SELECT 1 FROM notes LIMIT 1").fetchone() is None
        except sqlite3.Error:
            return True  # `check` finds it unusable too

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None
        self._suspended = False

    def empty_log(self) -> None:
        """Copy the write-ahead log into the database and empty it, unless someone else is
        using it (then leave it as it is, at once). After the aside's large save: otherwise
        the build's own save, a tenth of its size, pays for checkpointing all of it (at
        10,000 people that save took 50 ms, 17 after this)."""
        if self.db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA busy_timeout = 0")  # never wait for another process here
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextlib.contextmanager
    def rollback_journal(self) -> Iterator[None]:
        """Save through SQLite's rollback journal instead of its write-ahead log if no other
        connection has the cache open (else through the log, emptied after), then go back to
        the log. A save in the log is written twice, the second time when the log is copied
        into the database, and synced twice: for the 17,500 rows of a cold build at 10,000
        people, 101 ms against 74 written in place (see docs/benchmarks.md, item 73)."""
        self._resume()
        journal = False
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):  # "locked": someone else has it open
                self.db.execute("PRAGMA busy_timeout = 0")
                journal = self.db.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
                if journal:  # its safe setting, which costs this save nothing measurable
                    self.db.execute("PRAGMA synchronous=FULL")
            with contextlib.suppress(sqlite3.Error):
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            yield
        finally:
            if not journal:
                self.empty_log()
            elif self.db is not None:
                with contextlib.suppress(sqlite3.Error):  # else the next connection goes back to it
                    self.db.execute("PRAGMA journal_mode=WAL")
                    self.db.execute("PRAGMA synchronous=NORMAL")

    def suspend(self) -> None:
        """Close the connection but keep what `check` saw, so that the process can fork (an open
        SQLite connection must not cross a fork); the next save opens another."""
        if self.db is not None:
            self.close()
            self._suspended = True

    def _resume(self) -> None:
        if self._suspended:
            self._suspended = False
            with contextlib.suppress(sqlite3.Error):
                self.db = self._connect()

    def check(self, stamps: dict[str, Stamp], context: str, root: Path) -> tuple[set[str], dict[str, bytes]]:
        """Paths whose cached parse is still valid, and (for the rest) bytes already read.

        `context` is what a parse depends on besides the path and the bytes
        (the vault's layout); a parse made under another is not valid.

        Starts the read transaction that every later read of this cache sees.
        """
        valid: set[str] = set()
        read: dict[str, bytes] = {}
        if self.db is None:
            return valid, read
        try:
            self.db.execute("BEGIN")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            self.generation = row[0] if row else 0
            rows = self.db.execute(CHECK, (context, RACY_NS)).fetchall()
        except sqlite3.Error:
            self.close()  # any database error: go on without the cache
            return valid, read
        self.known = [row[0] for row in rows]
        unsure: list[str] = []  # the size matches but the mtime differs or is not to be trusted: the hash decides
        get = stamps.get
        for path, size, trusted_mtime_ns in rows:
            stamp = get(path)
            if stamp is None or stamp.size != size:
                continue
            if stamp.mtime_ns == trusted_mtime_ns:
                valid.add(path)
            else:
                unsure.append(path)
        digests = dict(self._blobs("digest", unsure)) if unsure else {}
        for path in unsure:
            try:
                data = (root / path).read_bytes()
            except OSError:
                continue
            read[path] = data
            if digest(data) == digests.get(path):
                valid.add(path)
                self.restamped[path] = stamps[path]
        return valid, read

    def parsed(self, paths: list[str]) -> dict[str, ParsedNote]:
        """The cached parses of these (valid) paths; a row that cannot be read is left out."""
        return {note.path: note for note, _ in self.rows(paths)}

    def rows(self, paths: list[str]) -> Iterator[tuple[ParsedNote, bytes]]:
        """The cached parses of these (valid) paths with their bytes, as they are read (so a
        whole vault's are never all in memory at once); unreadable rows left out."""
        for path, blob in self._blobs("parsed", paths):
            note = decode_row(path, blob)
            if note is not None:
                yield note, blob

    def encoded(self, paths: list[str]) -> dict[str, bytes]:
        """The cached parses of these (valid) paths as they are stored (see `decode_row`)."""
        return dict(self._blobs("parsed", paths))

    def note(self, path: str) -> ParsedNote:
        """One cached parse the saved state refers to."""
        note = self.parsed([path]).get(path)
        if note is None:
            raise StaleState(path)
        return note

    def resolved_many(self, paths: list[str]) -> dict[str, Any]:
        """What these notes' links contributed, as the last build saved it (readable rows only)."""
        found = {path: _unpickle(blob) for path, blob in self._blobs("resolved", paths)}
        return {path: value for path, value in found.items() if value is not None}

    def resolved(self, path: str) -> Any:
        """What a note's links contributed, as the last build saved it."""
        for _, blob in self._blobs("resolved", [path]):
            value = _unpickle(blob)
            if value is not None:
                return value
        raise StaleState(path)

    def _blobs(self, column: str, paths: list[str]) -> Iterator[tuple[str, bytes]]:
        """(path, value) of a column for these paths, as they are read; a database error ends them."""
        if self.db is None:
            return
        try:
            if len(paths) > 2000:  # most of the vault: one pass over the table
                wanted = set(paths)
                for path, blob in self.db.execute(f"SELECT path, {column} FROM notes"):  # noqa: S608 - a fixed column
                    if path in wanted:
                        yield path, blob
                return
            for start in range(0, len(paths), 500):
                chunk = paths[start : start + 500]
                marks = ",".join("?" * len(chunk))
                yield from self.db.execute(f"SELECT path, {column} FROM notes WHERE path IN ({marks})", chunk).fetchall()  # noqa: S608
        except sqlite3.Error:
            return

    def state(self) -> dict[str, Any] | None:
        """The joined state the last build saved, consistent with the rows `check` saw.

        It is plain values only (marshal), never anything that runs code when loaded.
        """
        blob = self._saved("state")
        try:
            value = marshal.loads(blob) if isinstance(blob, bytes) else None
        except Exception:  # noqa: BLE001 - a bad state is no state
            return None
        if not isinstance(value, dict):
            return None
        value["index"] = self._saved("index")  # kept apart, loaded by whoever restores it
        return value

    def store(
        self,
        entries: Iterable[tuple[str, Stamp, bytes, bytes]],
        context: str,
        gone: Iterable[str],
        resolved: Mapping[str, object],
        state: SavedState | None,
        reset_resolved: bool = False,
    ) -> bool:
        """Remember parses (path, stamp, content digest, the note encoded) made under
        `context`, what notes' links resolved to, and the joined state; forget the
        rows of `gone` (no longer in the vault, or unreadable now: not a row `check`
        did not see); see `SavedState`.

        `reset_resolved` forgets every row's resolved links first (when all were
        resolved again). Nothing is saved when another process saved since this
        one's `check`: the state this one derived would not match the rows.
        Whether it was saved.
        """
        self._resume()
        if self.db is None:
            return False
        now = time.time_ns()
        pending = dict(resolved)  # what is not written with a new row is updated after
        rows = (
            (path, context, stamp.size, stamp.mtime_ns, now, hashed, blob, _pickled(pending.pop(path, None)))
            for path, stamp, hashed, blob in entries
        )
        try:
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            self.db.execute("BEGIN IMMEDIATE")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            if self.generation is not None and (row[0] if row else 0) != self.generation:
                self.db.execute("ROLLBACK")
                return False
            if reset_resolved:
                self.db.execute("UPDATE notes SET resolved = NULL WHERE resolved IS NOT NULL")
            self.db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.db.executemany(  # the next build trusts the stamp instead of hashing again (after a checkout)
                "UPDATE notes SET size = ?, mtime_ns = ?, stored_ns = ? WHERE path = ?",
                ((stamp.size, stamp.mtime_ns, now, path) for path, stamp in self.restamped.items()),
            )
            self.db.executemany("DELETE FROM notes WHERE path = ?", ((path,) for path in gone))
            self.db.executemany(  # rows that were not new (a rewrite costs a cold build 50 ms at 10,000 people)
                "UPDATE notes SET resolved = ? WHERE path = ?",
                ((_pickled(value), path) for path, value in pending.items()),
            )
            if state is None:
                self.db.execute("DELETE FROM saved WHERE key IN ('state', 'index')")
            else:
                if state.people_index is not None:  # None: as saved before, not written again
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('index', ?)", (state.people_index,))
                self.db.execute("INSERT OR REPLACE INTO saved VALUES ('state', ?)", (state.rest,))
            self.generation = (row[0] if row else 0) + 1
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (self.generation,))
            self.db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            return False
        return True

    def output(self) -> tuple[str, object] | None:
        """The fingerprint and record the last build remembered."""
        value = _unpickle(self._saved("last"))
        if not isinstance(value, tuple) or len(value) != 2:
            return None
        return value

    def remember_output(self, key: str, value: object) -> None:
        self._resume()
        if self.db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("INSERT OR REPLACE INTO saved VALUES ('last', ?)", (pickle.dumps((key, value), 5),))

    def rendered(self) -> object | None:
        """The pages the last build rendered, by what they showed (plain values, marshal)."""
        blob = self._saved("rendered")
        try:
            return marshal.loads(blob) if blob is not None else None
        except Exception:  # noqa: BLE001 - a bad memo is no memo
            return None

    def remember_rendered(self, value: dict[str, Any]) -> None:
        self._resume()
        if self.db is None:
            return
        with contextlib.suppress(sqlite3.Error, ValueError):
            self.db.execute("INSERT OR REPLACE INTO saved VALUES ('rendered', ?)", (marshal.dumps(value),))

    def _saved(self, key: str) -> bytes | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT value FROM saved WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None


def _pickled(value: object) -> bytes | None:
    return None if value is None else pickle.dumps(value, 5)


def decode_row(path: str, blob: bytes | None) -> ParsedNote | None:
    """A row's parse, or None for a bad one: a bad row is a miss, never a failure."""
    from vaultkeeper import codec  # here: the no-op fast path reads no parse

    try:
        note = codec.loads(blob)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001
        return None
    return note if note.path == path else None


def _unpickle(blob: bytes | None) -> object | None:
    """A stored value, or None for a bad one: a bad row is a miss, never a failure."""
    if blob is None:
        return None
    try:
        return pickle.loads(blob)
    except Exception:  # noqa: BLE001
        return None
