"""Reading and parsing many notes, about half of them in a forked process when there are enough to pay.

The other process sends each parse back encoded (`vaultkeeper.codec`), which
the cache keeps as it is, with its gist (what joining the whole vault needs
before the parse itself), so this process decodes a note only when it is used: measured on two cores,
a cold build of the 10,000-person vault reads its notes in about 60% of the
time. With one core, few notes or no `fork`, everything is read here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from vaultkeeper import codec
from vaultkeeper.cache import digest
from vaultkeeper.model import ParsedNote, Problem
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import Names, may_link
from vaultkeeper.scan import Layout

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_AFTER = 2000  # notes to parse; below this a second process costs more than it saves
MINE = 0.45  # of the notes, read in this process: it also holds the other's (cold builds at 0.5, 0.45, 0.42
# of 10,000 people, medians of 9: 2,519, 2,344, 2,447 ms)


class Gist(NamedTuple):  # named tuples: see vaultkeeper.model
    """What joining a whole vault needs of a note before its parse: the person's names,
    whether it may link someone (see `may_link`), whether it has blocks or problems."""

    names: Names | None
    links: bool
    blocks: bool
    problems: bool


def gist(note: ParsedNote) -> Gist:
    person = note.person
    names = None if person is None else Names(person.name, person.aliases)
    return Gist(names, may_link(note), bool(note.blocks), bool(note.problems))


class Read(NamedTuple):
    """One note read: its gist, the digest of its bytes (None if it could not be read) and
    its parse, made here, or encoded when another process made it."""

    path: str
    gist: Gist
    digest: bytes | None
    note: ParsedNote | None = None
    blob: bytes | None = None

    def parsed(self) -> ParsedNote:
        if self.note is not None:
            return self.note
        assert self.blob is not None
        return codec.loads(self.blob)


def context_for(layout: Layout, path: str) -> Context:
    """What a note's path alone says about it, for the per-file parser."""
    return Context(
        in_people_folder=layout.in_people_folder(path),
        daily_date=layout.daily_date(path),
        log_headings=tuple(h.lower() for h in layout.config.log_headings),
    )


def read_bytes(layout: Layout, path: str) -> bytes | ParsedNote:
    """A note's bytes, or a parsed note holding the problem of reading it."""
    try:
        return read_file(os.path.join(layout.root, path))  # pathlib costs a cold build 0.2 s
    except FileNotFoundError:
        return ParsedNote(path, (Problem(path, None, "file disappeared while it was being read"),))
    except OSError as error:
        return ParsedNote(path, (Problem(path, None, f"cannot read: {error.strerror or error}"),))


FIRST_READ = 16384  # bytes: most notes are smaller


def read_file(path: str) -> bytes:
    """A whole file, read with `os.read`: half the time of `open(path, "rb").read()`
    for a note (4.3 against 8.7 µs), which sets up a buffered file object first."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, FIRST_READ)
        if len(data) < FIRST_READ:
            return data
        parts = [data]
        while more := os.read(fd, 1 << 20):
            parts.append(more)
        return b"".join(parts)
    finally:
        os.close(fd)


def read_one(layout: Layout, path: str, data: bytes | None = None) -> Read:
    found = read_bytes(layout, path) if data is None else data
    if isinstance(found, ParsedNote):
        return Read(path, gist(found), None, found)
    note = parse_note(path, found, context_for(layout, path))
    return Read(path, gist(note), digest(found), note)


def read_many(layout: Layout, paths: list[str], already_read: dict[str, bytes]) -> Iterator[Read]:
    """Every note at `paths`, in no particular order."""
    theirs: list[tuple[list[str], Future[list[tuple[str, bytes, bytes | None, Gist]]]]] = []
    mine = paths
    pool = None
    if len(paths) >= PARALLEL_AFTER and (os.cpu_count() or 1) > 1 and can_fork_safely():
        import multiprocessing  # here: a build after one edit has no use for them
        from concurrent.futures import ProcessPoolExecutor

        split = int(len(paths) * MINE)
        mine, rest = paths[:split], paths[split:]
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        for start in range(0, len(rest), CHUNK):
            chunk = rest[start : start + CHUNK]
            wanted = {path: already_read[path] for path in chunk if path in already_read}
            theirs.append((chunk, pool.submit(_read_encoded, layout, chunk, wanted)))
        pool.shutdown(wait=False)
    for done, path in enumerate(mine, 1):
        yield read_one(layout, path, already_read.get(path))
        if done % CHUNK == 0:  # take what the other process finished meanwhile: it must not pile up here
            while theirs and theirs[0][1].done():
                yield from _taken(layout, *theirs.pop(0), already_read)
    for chunk, future in theirs:
        yield from _taken(layout, chunk, future, already_read)
    if pool is not None:
        pool.shutdown(wait=True)  # its thread and process gone: this process may fork again (aside)


CHUNK = 1000  # notes the other process sends back at once


def _taken(
    layout: Layout,
    chunk: list[str],
    future: Future[list[tuple[str, bytes, bytes | None, Gist]]],
    already_read: dict[str, bytes],
) -> Iterator[Read]:
    """The other process's reads of `chunk`, or, if it failed (or died), this process's."""
    try:
        results = future.result()
    except Exception:  # noqa: BLE001 - read them here instead
        yield from (read_one(layout, path, already_read.get(path)) for path in chunk)
        return
    for path, blob, hashed, summary in results:
        yield Read(path, summary, hashed, None, blob)


def _read_encoded(
    layout: Layout, paths: list[str], already_read: dict[str, bytes]
) -> list[tuple[str, bytes, bytes | None, Gist]]:
    """In the other process: parse, and encode each note for the way back (and the cache)."""
    out = []
    for path in paths:
        read = read_one(layout, path, already_read.get(path))
        out.append((path, codec.dumps(read.note), read.digest, read.gist))
    return out


def can_fork_safely() -> bool:
    """Fork only a single-threaded process: a thread (watch's observer) may hold a lock the
    forked copy would wait on forever."""
    import multiprocessing

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
