"""Notes' pickles kept on disk while a large vault is read, not in memory.

A cold read holds every note pickled until the build saves them to the cache
(about 650 bytes a note; 57 MB of a 50,000-person vault's peak). Above
`SPILL_AFTER` notes they go to a private temporary SQLite database instead,
which SQLite deletes when it is closed. Each note's row is its place in the
sorted list of paths, whatever order notes are read in, and rows are read
back in runs of neighbours: the join, the day's states and the cache's save
all go through the notes in that order.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections.abc import Iterator, MutableMapping

SPILL_AFTER = 40_000  # notes; below this the pickles take less memory than is worth a database
_WRITE_EVERY = 500  # pickles buffered before they are written
_READ_AHEAD = 256  # rows read at once


class Spill(MutableMapping[str, bytes]):
    """Pickles by path in a temporary database; in memory if it cannot be written."""

    def __init__(self, order: list[str]) -> None:
        self._order = order  # sorted: a path's row is its place in it
        self._last = len(order)  # the last row given out to a path not in `order`
        self._rows: dict[str, int] = {}  # path -> its row
        self._pending: dict[int, bytes] = {}  # rows not written yet
        self._near: dict[int, bytes] = {}  # rows last read
        self._memory: dict[str, bytes] | None = None  # where pickles go if the database fails
        try:
            self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("CREATE TABLE pickles (row INTEGER PRIMARY KEY, blob BLOB)")
        except sqlite3.Error:
            self._memory = {}

    def __setitem__(self, path: str, blob: bytes) -> None:
        if self._memory is not None:
            self._memory[path] = blob
            return
        row = self._rows.get(path)
        if row is None:
            row = bisect_left(self._order, path)
            if row == len(self._order) or self._order[row] != path:
                self._last += 1
                row = self._last
            self._rows[path] = row
        self._pending[row] = blob
        self._near.pop(row, None)
        if len(self._pending) >= _WRITE_EVERY:
            self._write()

    def _write(self) -> None:
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO pickles VALUES (?, ?)", self._pending.items())
            self._db.execute("COMMIT")
        except sqlite3.Error:  # e.g. no room for temporary files: keep them in memory from now on
            self._memory = {path: self._read(row) for path, row in self._rows.items()}
            self._rows, self._pending, self._near = {}, {}, {}
            return
        self._pending.clear()

    def __getitem__(self, path: str) -> bytes:
        if self._memory is not None:
            return self._memory[path]
        return self._read(self._rows[path])

    def _read(self, row: int) -> bytes:
        blob = self._pending.get(row)
        if blob is None:
            blob = self._near.get(row)
        if blob is None:
            query = "SELECT row, blob FROM pickles WHERE row >= ? ORDER BY row LIMIT ?"
            self._near = dict(self._db.execute(query, (row, _READ_AHEAD)).fetchall())
            blob = self._near[row]
        return blob

    def __delitem__(self, path: str) -> None:
        if self._memory is not None:
            del self._memory[path]
        else:
            del self._rows[path]  # its row stays, unused, until the database is closed

    def __contains__(self, path: object) -> bool:
        return path in (self._memory if self._memory is not None else self._rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self._memory if self._memory is not None else self._rows)

    def __len__(self) -> int:
        return len(self._memory if self._memory is not None else self._rows)
