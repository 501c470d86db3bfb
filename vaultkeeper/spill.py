"""Notes held encoded while a vault is read, with what the cache will keep of the fresh ones.

A cold read holds every note encoded (`vaultkeeper.codec`; "pickles" below,
as they were first) until the build saves them to the cache (about 510 bytes
a note, plus its stamp and digest: 65 MB of a 50,000-person vault's peak).
`Held` keeps them in memory; above `SPILL_AFTER` notes, `Spill`
appends them to an unnamed temporary file instead (gone when closed) and keeps
only where each one is, in arrays by the note's place in the sorted paths.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from vaultkeeper.cache import Stamp

SPILL_AFTER = 40_000  # notes; below this the pickles take less memory than is worth a file
_WRITE_EVERY = 1 << 20  # bytes gathered before they are written

Fresh = tuple[str, Stamp, bytes, bytes]  # path, stamp, digest, pickle: a row for the cache


class Held(Mapping[str, bytes]):
    """Pickles by path in memory, and the stamp and digest of those read afresh."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._fresh: dict[str, tuple[Stamp, bytes]] = {}

    def add(self, path: str, blob: bytes, stamp: Stamp | None = None, digest: bytes | None = None) -> None:
        """Hold a note's pickle; with its stamp and digest, it is fresh: for the cache to keep."""
        self._blobs[path] = blob
        if stamp is not None and digest is not None:
            self._fresh[path] = (stamp, digest)
        else:
            self._fresh.pop(path, None)

    def fresh(self) -> Iterator[Fresh]:
        """By path, as `Spill` gives them: the cache inserts rows in its keys' order a quarter faster."""
        fresh = self._fresh
        for path in sorted(fresh):
            stamp, digest = fresh[path]
            yield path, stamp, digest, self._blobs[path]

    def saved(self) -> None:
        """The fresh ones are in the cache now."""
        self._fresh.clear()

    def __getitem__(self, path: str) -> bytes:
        return self._blobs[path]

    def __contains__(self, path: object) -> bool:  # Mapping's would raise a KeyError for each note not held
        return path in self._blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)


class Spill(Mapping[str, bytes]):
    """`Held`, in a temporary file; in memory after all if that cannot be written."""

    def __init__(self, order: list[str]) -> None:
        self._order = order  # sorted: a path's place in it is its index in the arrays
        self._extra: list[str] = []  # paths not in `order`, at the places after it
        self._where = array("q", [-1]) * len(order)  # of the pickle (its digest first) in the file; -1: not held
        self._size = array("l", [0]) * len(order)  # of the digest and pickle
        self._digest = array("b", [0]) * len(order)  # the digest's length, before the pickle
        self._fresh = array("b", [0]) * len(order)  # 1: for the cache to keep
        self._stamp = array("q", [0, 0]) * len(order)  # size and mtime_ns, for fresh ones
        self._end = 0  # of what was added
        self._written = 0  # what is in the file; the rest is in `_pending`
        self._pending: list[bytes] = []
        self._count = 0
        self._memory: Held | None = None  # where they all go if the file cannot be written
        self._file: BinaryIO | None = None
        if not hasattr(os, "pread"):  # Windows: read back would need a seek, shared with the writes
            self._memory = Held()
            return
        try:
            self._file = unnamed_file()
        except OSError:
            self._memory = Held()

    def _place(self, path: str) -> int | None:
        place = bisect_left(self._order, path)
        if place < len(self._order) and self._order[place] == path:
            return place
        if path in self._extra:  # rare: a note the walk did not list
            return len(self._order) + self._extra.index(path)
        return None

    def add(self, path: str, blob: bytes, stamp: Stamp | None = None, digest: bytes | None = None) -> None:
        if self._memory is not None:
            self._memory.add(path, blob, stamp, digest)
            return
        place = self._place(path)
        if place is None:
            place = len(self._order) + len(self._extra)
            self._extra.append(path)
            self._where.append(-1)
            self._size.append(0)
            self._digest.append(0)
            self._fresh.append(0)
            self._stamp.extend((0, 0))
        fresh = stamp is not None and digest is not None
        data = digest + blob if fresh else blob  # type: ignore[operator]
        self._pending.append(data)
        self._count += self._where[place] < 0
        self._where[place], self._size[place] = self._end, len(data)
        self._end += len(data)
        self._digest[place] = len(digest) if fresh else 0  # type: ignore[arg-type]
        self._fresh[place] = fresh
        if fresh:
            self._stamp[2 * place], self._stamp[2 * place + 1] = stamp  # type: ignore[misc]
        if self._end - self._written >= _WRITE_EVERY:
            self._write()

    def _write(self) -> None:
        """Append what is pending to the file; if it cannot be, hold everything in memory."""
        if not self._pending or self._memory is not None:
            return
        data = b"".join(self._pending)
        try:
            assert self._file is not None
            done = 0
            while done < len(data):
                done += self._file.write(memoryview(data)[done:]) or 0
        except OSError:  # e.g. no room for temporary files
            self._to_memory()
            return
        self._written += len(data)
        self._pending.clear()

    def _data(self, place: int) -> bytes:
        """A note's digest and pickle, once written."""
        assert self._file is not None
        return os.pread(self._file.fileno(), self._size[place], self._where[place])

    def _paths(self) -> Iterator[tuple[str, int]]:
        for place, path in enumerate(self._order):
            if self._where[place] >= 0:
                yield path, place
        for index, path in enumerate(self._extra):
            yield path, len(self._order) + index

    def fresh(self) -> Iterator[Fresh]:
        self._write()
        if self._memory is not None:
            yield from self._memory.fresh()
            return
        for path, place in self._paths():
            if self._fresh[place]:
                data, length = self._data(place), self._digest[place]
                yield path, Stamp(self._stamp[2 * place], self._stamp[2 * place + 1]), data[:length], data[length:]

    def saved(self) -> None:
        if self._memory is not None:
            self._memory.saved()
        else:
            self._fresh = array("b", [0]) * len(self._fresh)

    def _to_memory(self) -> None:
        assert self._file is not None
        unwritten = b"".join(self._pending)  # from `_written` on
        memory = Held()
        for path, place in self._paths():
            start, size, length = self._where[place], self._size[place], self._digest[place]
            if start >= self._written:
                data = unwritten[start - self._written : start - self._written + size]
            else:
                data = os.pread(self._file.fileno(), size, start)
            if self._fresh[place]:
                stamp = Stamp(self._stamp[2 * place], self._stamp[2 * place + 1])
                memory.add(path, data[length:], stamp, data[:length])
            else:
                memory.add(path, data[length:])
        self._memory = memory
        self._file.close()

    def __getitem__(self, path: str) -> bytes:
        if self._memory is None:
            place = self._place(path)
            if place is None or self._where[place] < 0:
                raise KeyError(path)
            if self._where[place] + self._size[place] > self._written:
                self._write()
            if self._memory is None:
                return self._data(place)[self._digest[place] :]
        return self._memory[path]

    def __contains__(self, path: object) -> bool:
        if self._memory is not None:
            return path in self._memory
        if not isinstance(path, str):
            return False
        place = self._place(path)
        return place is not None and self._where[place] >= 0

    def __iter__(self) -> Iterator[str]:
        if self._memory is not None:
            return iter(self._memory)
        return iter([path for path, _ in self._paths()])

    def __len__(self) -> int:
        if self._memory is not None:
            return len(self._memory)
        return self._count


_O_TMPFILE = getattr(os, "O_TMPFILE", 0)  # Linux's


def unnamed_file() -> BinaryIO:
    """An unbuffered temporary file without a name, gone once closed: opened with O_TMPFILE
    in the folder `tempfile` would choose first, where the system can, without importing
    `tempfile` (4 ms before a cold build's second reader starts), else by `tempfile`."""
    if _O_TMPFILE:
        folder = next((os.environ[key] for key in ("TMPDIR", "TEMP", "TMP") if os.environ.get(key)), "/tmp")
        try:
            fd = os.open(folder, _O_TMPFILE | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError:
            pass  # not supported there, or no such folder: `tempfile` looks further
        else:
            return open(fd, "w+b", buffering=0)
    import tempfile

    return tempfile.TemporaryFile(buffering=0)
