"""An optional per-file parse cache in `.vaultkeeper/cache.sqlite`: speed only, never trusted blindly.

A note's parse is reused when its size and mtime are unchanged and the mtime
is older than the cache entry by a safety margin (mtimes can be coarse); when
the stamp differs, or is too fresh to trust, the content hash decides, so a
`git checkout` that rewrote identical files costs a hash, not a parse. Any
error (corrupt file, another version, a locked database) means "no cache":
the build goes on without it. SQLite's locking lets `watch` and `build` share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkeeper import __version__

if TYPE_CHECKING:
    from vaultkeeper.model import ParsedNote

CACHE_FILE = ".vaultkeeper/cache.sqlite"
FORMAT = f"vaultkeeper {__version__} cache 2 python {sys.version_info[0]}.{sys.version_info[1]}"
GITIGNORE = ".vaultkeeper/.gitignore"
GITIGNORE_TEXT = "# vaultkeeper's cache: speed only, never needed\ncache*\n"
RACY_NS = 2_000_000_000  # an mtime this close to the cache entry's time may hide a later change


@dataclass(frozen=True)
class Stamp:
    size: int
    mtime_ns: int


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class ParseCache:
    """Parsed notes by path, valid for one parse context each."""

    def __init__(self, root: Path):
        self.path = root / CACHE_FILE
        self.db: sqlite3.Connection | None = None
        with contextlib.suppress(sqlite3.Error, OSError):
            self.db = self._open()

    def _open(self) -> sqlite3.Connection | None:
        if not self.path.parent.is_dir():
            return None  # no .vaultkeeper/ folder: the vault did not ask for one
        ignore = self.path.parent.parent / GITIGNORE
        if not ignore.exists():  # the cache is machine-local: keep it out of git
            ignore.write_text(GITIGNORE_TEXT, encoding="utf-8")
        db = self._connect()
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != FORMAT:
                raise sqlite3.DatabaseError("another format")
        except sqlite3.DatabaseError:
            db.close()
            with contextlib.suppress(OSError):  # corrupt, truncated or foreign: start again
                for suffix in ("", "-wal", "-shm"):
                    os.unlink(str(self.path) + suffix)
            db = self._connect()
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
            db.commit()
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (path TEXT PRIMARY KEY, context TEXT, size INTEGER,"
            " mtime_ns INTEGER, stored_ns INTEGER, digest BLOB, parsed BLOB)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value BLOB)")
        return db

    @property
    def usable(self) -> bool:
        return self.db is not None

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    def lookup(
        self, stamps: dict[str, Stamp], contexts: dict[str, str], root: Path
    ) -> tuple[dict[str, ParsedNote], dict[str, bytes]]:
        """Cached parses still valid for these files, and (for the rest) bytes already read."""
        from vaultkeeper.model import ParsedNote  # not needed on the no-op fast path

        hits: dict[str, ParsedNote] = {}
        read: dict[str, bytes] = {}
        if self.db is None:
            return hits, read
        try:
            rows = self.db.execute("SELECT path, context, size, mtime_ns, stored_ns, digest, parsed FROM notes").fetchall()
        except sqlite3.Error:
            self.close()
            return hits, read
        for path, context, size, mtime_ns, stored_ns, old_digest, parsed in rows:
            stamp = stamps.get(path)
            if stamp is None or contexts.get(path) != context:
                continue
            trusted = stamp.size == size and stamp.mtime_ns == mtime_ns and mtime_ns < stored_ns - RACY_NS
            if not trusted:
                if stamp.size != size:
                    continue
                try:
                    data = (root / path).read_bytes()
                except OSError:
                    continue
                read[path] = data
                if digest(data) != old_digest:
                    continue
            try:
                note = pickle.loads(parsed)
            except Exception:  # noqa: BLE001 - a bad row is a miss, never a failure
                continue
            if isinstance(note, ParsedNote) and note.path == path:
                hits[path] = note
        return hits, read

    def store(self, entries: list[tuple[ParsedNote, str, Stamp, bytes]], keep: set[str]) -> None:
        """Remember parses (note, context, stamp, content digest); forget files no longer in the vault."""
        if self.db is None:
            return
        now = time.time_ns()
        rows = (
            (note.path, context, stamp.size, stamp.mtime_ns, now, hashed, pickle.dumps(note, 5))
            for note, context, stamp, hashed in entries
        )
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            stale = [(p,) for (p,) in self.db.execute("SELECT path FROM notes") if p not in keep]
            self.db.executemany("DELETE FROM notes WHERE path = ?", stale)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def output(self, key: str) -> object | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT value FROM outputs WHERE key = 'last'").fetchone()
            if row is None:
                return None
            stored_key, value = pickle.loads(row[0])
        except Exception:  # noqa: BLE001
            return None
        return value if stored_key == key else None

    def remember_output(self, key: str, value: object) -> None:
        if self.db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("INSERT OR REPLACE INTO outputs VALUES ('last', ?)", (pickle.dumps((key, value), 5),))
