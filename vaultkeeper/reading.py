"""Reading and parsing many notes, part of them in a forked copy when there are enough to pay.

The copy writes each parse back encoded (`vaultkeeper.codec`), which the cache
keeps as it is, with its gist (what joining the whole vault needs before the
parse itself), so this process decodes a note only when it is used. With one
core, few notes or no `fork`, everything is read here.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from typing import Any, BinaryIO, NamedTuple

from vaultkeeper import codec
from vaultkeeper.cache import Stamp, digest
from vaultkeeper.compute import contact_on
from vaultkeeper.model import ParsedNote, Problem, made
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import Names, may_link
from vaultkeeper.scan import Layout
from vaultkeeper.spill import unnamed_file

PARALLEL_AFTER = 500  # notes to parse; fewer gain little or nothing (a cold build of 437 notes: 160 -> 151 ms)


class Gist(NamedTuple):  # named tuples: see vaultkeeper.model
    """What joining a whole vault needs of a note before its parse: the person's names,
    whether it may link someone (see `may_link`), whether it has blocks or problems;
    and, read for a day, what sorting the person needs of their own note (`codec.own`;
    encoded, `codec.dumps_own`, when another process read it)."""

    names: Names | None
    links: bool
    blocks: bool
    problems: bool
    own: codec.Own | bytes | None = None


def gist(note: ParsedNote, today: date | None = None) -> Gist:
    person = note.person
    names = None if person is None else made(Names, (person.name, person.aliases))
    own = None if person is None or today is None else codec.own(person, contact_on(note.log, today))
    return made(Gist, (names, may_link(note), bool(note.blocks), bool(note.problems), own))


class Read(NamedTuple):
    """One note read: its gist, the digest of its bytes (None if it could not be read) and
    its parse, made here, or encoded when another process made it; with the stamp the file
    had when it was read (None if its bytes came from elsewhere)."""

    path: str
    gist: Gist
    digest: bytes | None
    note: ParsedNote | None = None
    blob: bytes | None = None
    stamp: Stamp | None = None

    def parsed(self) -> ParsedNote:
        if self.note is not None:
            return self.note
        assert self.blob is not None
        return codec.loads(self.blob)


def context_for(layout: Layout, path: str) -> Context:
    """What a note's path alone says about it, for the per-file parser."""
    return made(Context, (layout.in_people_folder(path), layout.daily_date(path), _lowered(layout.config.log_headings)))


@cache
def _lowered(headings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(heading.lower() for heading in headings)


def read_bytes(layout: Layout, path: str) -> tuple[bytes, Stamp] | ParsedNote:
    """A note's bytes with its stamp, or a parsed note holding the problem of reading it."""
    try:
        return read_file(f"{layout.root}/{path}")  # pathlib costs a cold build 0.2 s, os.path.join 10 ms
    except FileNotFoundError:
        return ParsedNote(path, (Problem(path, None, "file disappeared while it was being read"),))
    except OSError as error:
        return ParsedNote(path, (Problem(path, None, f"cannot read: {error.strerror or error}"),))


FIRST_READ = 16384  # bytes: most notes are smaller


def read_file(path: str) -> tuple[bytes, Stamp]:
    """A whole file, and its stamp before it was read (a change while reading makes the next
    build read it again). Read with `os.read`: half the time of `open(path, "rb").read()`
    for a note (4.3 against 8.7 µs), which sets up a buffered file object first; stamped
    through the open file: 1 µs, where a walk's stat by name takes 4."""
    fd = os.open(path, os.O_RDONLY)
    try:
        stat = os.fstat(fd)
        stamp = made(Stamp, (stat.st_size, stat.st_mtime_ns))
        data = os.read(fd, FIRST_READ)
        if len(data) < FIRST_READ:
            return data, stamp
        parts = [data]
        while more := os.read(fd, 1 << 20):
            parts.append(more)
        return b"".join(parts), stamp
    finally:
        os.close(fd)


def read_one(layout: Layout, path: str, data: bytes | None = None, today: date | None = None) -> Read:
    """A note read and parsed (its gist with what sorting the person needs on `today`, if given);
    from `data` if given, its bytes read elsewhere."""
    stamp = None
    if data is None:
        found = read_bytes(layout, path)
        if isinstance(found, ParsedNote):
            return Read(path, gist(found), None, found)
        data, stamp = found
    note = parse_note(path, data, context_for(layout, path))
    return made(Read, (path, gist(note, today), digest(data), note, None, stamp))


def read_many(
    layout: Layout,
    paths: list[str],
    already_read: dict[str, bytes],
    today: date | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[Read]:
    """Every note at `paths`, in no particular order (see `read_one` for `today`). When
    another process reads too, `meanwhile` is done here after a part: work the caller
    needs later, which the other then shares by reading more parts."""
    other = None
    if len(paths) >= PARALLEL_AFTER and (os.cpu_count() or 1) > 1 and can_fork_safely():
        other = _Other.start(layout, _parts(paths), already_read, today)
    if other is None:
        for path in paths:
            yield read_one(layout, path, already_read.get(path), today)
        return
    try:
        while (part := other.claim()) is not None:
            yield from other.read_here(part)
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            yield from other.taken(wait=False)  # what the other finished meanwhile
        yield from other.taken(wait=True)
    finally:
        other.close()  # gone before this process forks again (aside)


PART = 250  # notes in a part: each process claims the next when done with one (at 10,000 people, 70 parts)
_MOST_PARTS = 1024  # their numbers, four bytes each, fit in a pipe's buffer: at least a page (4 KiB) on Linux


def _parts(paths: list[str]) -> list[list[str]]:
    size = max(PART, -(-len(paths) // _MOST_PARTS))
    return [paths[start : start + size] for start in range(0, len(paths), size)]


class _Other:
    """A forked copy of this process reading notes alongside it.

    The notes are cut into parts, whose numbers wait in a pipe: each process
    claims the next by reading one (the kernel gives each number to one of them),
    so both stay busy to the last part whatever the notes cost to read and
    however busy the machine keeps either core. The copy appends each part's
    reads, encoded, to an unnamed temporary file as one record (its length, then
    the part's number and reads); this process takes the records between its own
    parts, and at the end reads every part the copy claimed but could not read
    (its reads are `None`) or never wrote. Nothing passes through a thread:
    with the pool of `concurrent.futures`, the threads that fed it work and took
    its results waited for the interpreter lock while this process parsed, and
    the other process sat idle for up to 0.4 s.
    """

    def __init__(
        self,
        layout: Layout,
        parts: list[list[str]],
        claims: int,
        file: BinaryIO,
        pid: int,
        already_read: dict[str, bytes],
        today: date | None,
    ) -> None:
        self.layout = layout
        self.parts = parts
        self.already_read = already_read
        self.today = today
        self._claims: int | None = claims  # the pipe the part numbers are read from
        self._file = file
        self._pid: int | None = pid
        self._offset = 0  # of the next record in the file
        self._done: set[int] = set()  # parts read, here or there

    @classmethod
    def start(
        cls, layout: Layout, parts: list[list[str]], already_read: dict[str, bytes], today: date | None
    ) -> _Other | None:
        """Fork the copy; None if it cannot be started (then read everything here)."""
        try:
            file = unnamed_file()
        except OSError:
            return None
        try:
            claims, numbers = os.pipe()
        except OSError:
            file.close()
            return None
        try:
            _put_numbers(numbers, len(parts))
            pid = os.fork()
        except OSError:
            os.close(claims)
            file.close()
            return None
        if pid == 0:  # the copy: read, write, then leave at once (no cleanup of what is this process's)
            code = 1
            try:
                _read_parts(layout, parts, already_read, today, claims, file.fileno())
                code = 0
            finally:
                os._exit(code)
        return cls(layout, parts, claims, file, pid, already_read, today)

    def claim(self) -> int | None:
        """The number of the next part no one has claimed, or None when none is left."""
        return _claim(self._claims) if self._claims is not None else None

    def read_here(self, part: int) -> Iterator[Read]:
        self._done.add(part)
        return (read_one(self.layout, path, self.already_read.get(path), self.today) for path in self.parts[part])

    def taken(self, wait: bool) -> Iterator[Read]:
        """The reads of the parts whose records are complete; with `wait` (when no part is
        left to claim), of all parts the copy claimed (those it could not read, read here)."""
        if wait and self._pid is not None:
            with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored): it is gone
                os.waitpid(self._pid, 0)
            self._pid = None
        size = os.fstat(self._file.fileno()).st_size
        while self._offset + 8 <= size:
            length = int.from_bytes(os.pread(self._file.fileno(), 8, self._offset), "little")
            if self._offset + 8 + length > size:
                break  # still being written
            record = os.pread(self._file.fileno(), length, self._offset + 8)
            self._offset += 8 + length
            yield from self._reads(record)
        if wait:
            for part in range(len(self.parts)):
                if part not in self._done:  # claimed by the copy, which failed before it wrote it
                    yield from self.read_here(part)

    def _reads(self, record: bytes) -> Iterator[Read]:
        try:
            part, encoded = marshal.loads(record)
        except (EOFError, ValueError, TypeError):
            return
        if encoded is None:  # the copy could not read this part: it is read here at the end
            return
        self._done.add(part)
        for path, blob, hashed, (names, links, blocks, problems, own), stamp in encoded:
            brief = made(Gist, (None if names is None else made(Names, names), links, blocks, problems, own))
            yield made(Read, (path, brief, hashed, None, blob, None if stamp is None else made(Stamp, stamp)))

    def close(self) -> None:
        """Stop the copy if it is still reading (this process gave up), and wait for it."""
        if self._pid is not None:
            import signal  # here: a build rarely gives up on the copy, and most builds start none

            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            self._pid = None
        if self._claims is not None:
            os.close(self._claims)
            self._claims = None
        self._file.close()


def _put_numbers(numbers: int, count: int) -> None:
    """Write every part's number into the pipe, then close it: a read past the last one ends.
    Never waits (nothing reads the pipe yet): OSError if they do not all fit."""
    try:
        os.set_blocking(numbers, False)
        data = b"".join(number.to_bytes(4, "little") for number in range(count))
        if os.write(numbers, data) != len(data):
            raise BlockingIOError("the pipe is full")
    finally:
        os.close(numbers)


def _claim(claims: int) -> int | None:
    number = os.read(claims, 4)
    return int.from_bytes(number, "little") if len(number) == 4 else None


def _read_parts(
    layout: Layout, parts: list[list[str]], already_read: dict[str, bytes], today: date | None, claims: int, fd: int
) -> None:
    """In the copy: claim parts until none is left, and write each one's reads as a record of
    the file at `fd` (`None` for a part that could not be read)."""
    while (part := _claim(claims)) is not None:
        try:
            record = marshal.dumps((part, _read_encoded(layout, parts[part], already_read, today)))
        except Exception:  # noqa: BLE001 - this process reads the part instead
            record = marshal.dumps((part, None))
        data = memoryview(len(record).to_bytes(8, "little") + record)
        while data:
            data = data[os.write(fd, data) :]


def _read_encoded(
    layout: Layout, paths: list[str], already_read: dict[str, bytes], today: date | None
) -> list[tuple[Any, ...]]:
    """In the other process: parse, and encode each note for the way back (and the cache),
    with its gist as plain values."""
    out = []
    for path in paths:
        read = read_one(layout, path, already_read.get(path), today)
        names, links, blocks, problems, own = read.gist
        plain_names = None if names is None else (names.name, names.aliases)
        plain_own = codec.dumps_own(*own) if isinstance(own, tuple) else own  # held as values: encoded
        stamp = None if read.stamp is None else tuple(read.stamp)
        brief = (plain_names, links, blocks, problems, plain_own)
        out.append((path, codec.dumps(read.parsed()), read.digest, brief, stamp))
    return out


def can_fork_safely() -> bool:
    """Fork only a single-threaded process: a thread (watch's observer) may hold a lock the
    forked copy would wait on forever."""
    return threading.active_count() == 1 and hasattr(os, "fork")
