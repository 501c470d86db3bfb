"""One `vaultkeeper build` run: nothing but a stat walk when nothing changed since the last.

The last successful build is remembered in the cache under a fingerprint of
everything its output depends on (every note's size and mtime, the settings,
the vault's templates, the day). When the fingerprint matches and the pages
are exactly as that build left them, there is nothing to do; otherwise the
notes are read (through the parse cache and the state the last build saved)
and the pages planned (from the last rendering when they show the same) and
written. Heavy modules are imported only on that slow path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vaultkeeper.cache import FORMAT, RACY_NS, ParseCache, StaleState, Stamp
from vaultkeeper.config import CONFIG_PATH, templates_digest
from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.scan import (
    DAILY_SETTINGS,
    TEMPLATER_SETTINGS,
    TEMPLATES_SETTINGS,
    Layout,
    list_notes,
    read_layout_of,
    scan_notes,
    stamps_of,
)

if TYPE_CHECKING:
    from vaultkeeper.build import Change, Plan
    from vaultkeeper.model import Problem

SETTINGS_FILES = (CONFIG_PATH, DAILY_SETTINGS, TEMPLATES_SETTINGS, TEMPLATER_SETTINGS)


class Outcome(NamedTuple):
    """What a build did (or would do), for the command line to report."""

    changes: list[Change]
    unchanged: list[str]
    problems: list[Problem]
    notices: list[str]
    errors: list[VaultkeeperError]
    people: int
    from_cache: bool = False


def fingerprint(layout: Layout, stamps: dict[str, Stamp], today: date) -> str:
    """Everything a build's output depends on: settings, templates, every note's stamp, the day."""
    root = layout.root
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{FORMAT}\0{today.isoformat()}\0".encode())
    for rel in SETTINGS_FILES:
        with contextlib.suppress(OSError):
            h.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    h.update(templates_digest(root).encode())  # the defaults change with an upgrade too
    for path in sorted(stamps):
        stamp = stamps[path]
        h.update(f"{path}\0{stamp.size}\0{stamp.mtime_ns}\0".encode())
    for path in layout.unnamed:  # not read, but reported
        h.update(path.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()


def run_build(
    root: Path,
    today: date,
    *,
    force: bool = False,
    write: bool = True,
    use_cache: bool = True,
    progress: Callable[[int], ContextManager[Callable[[int], None]]] | None = None,
) -> Outcome:
    """One build: the fast path when nothing changed since the last one, else plan and (maybe) apply."""
    started_ns = time.time_ns()
    layout = read_layout_of(root)
    cache = ParseCache(root) if use_cache else None
    try:
        if cache is None or cache.empty:  # every note is read, and stamped as it is: a stat each is most of a walk
            paths, stamps = list_notes(layout), {}
        else:
            stamps = scan_notes(layout)
            paths = list(stamps)  # in the walk's order: a full read sorts them, nothing else needs to (3 ms)
        if cache is not None and stamps and not force:
            remembered = _unchanged_since_last(cache, layout, stamps, today)
            if remembered is not None:
                unchanged = sorted(remembered["outputs"])
                return Outcome([], unchanged, remembered["problems"], [], [], remembered["people"], from_cache=True)
        from vaultkeeper.build import apply_plan, plan_notes  # the slow path: parse and render
        from vaultkeeper.collector import without_cycle_collection
        from vaultkeeper.pages import Renderer, RenderMemo
        from vaultkeeper.vault import NoteSet

        memo = RenderMemo(root, cache.rendered()) if cache is not None else None
        renderers: list[Renderer] = []  # one made while another process reads, if one does

        def prepare_pages() -> None:
            renderers.append(Renderer.compiled(root))

        def read_and_plan(use_state: bool) -> tuple[NoteSet, Plan]:
            if progress is not None and len(paths) > PROGRESS_AFTER:
                with progress(len(paths)) as advance:
                    notes = NoteSet.read(layout, cache, paths, stamps, advance, use_state, today, prepare_pages)
            else:
                notes = NoteSet.read(layout, cache, paths, stamps, None, use_state, today, prepare_pages)
            if cache is not None and write:
                notes.save_aside(cache)  # a full read's rows, saved by another process meanwhile
            renderer = renderers[-1] if renderers else None
            return notes, plan_notes(notes, today, force=force, renderer=renderer, memo=memo)

        with without_cycle_collection():
            try:
                notes, plan = read_and_plan(use_state=True)
            except StaleState:  # the saved state refers to a row that cannot be read
                assert cache is not None  # only a saved state is stale
                cache.close()
                cache = ParseCache(root)
                notes, plan = read_and_plan(use_state=False)
        errors = list(plan.errors)
        if write:
            errors += apply_plan(plan, root, layout.config.output_dir)
        people = len(notes.index.people())
        if cache is not None and write and not errors:
            output = _output_record(layout, plan, stamps, today, started_ns, people)
            del stamps  # a large vault's stamps are a tenth of its peak memory, which the save is
            notes.save(cache)
            if memo is not None and memo.made is not None:
                cache.remember_rendered(memo.made)
            if output is not None:
                cache.remember_output(*output)
        else:
            notes.wait_aside()  # its rows are good, whatever went wrong here; no state is saved
        return Outcome(plan.changes, plan.unchanged, plan.problems, plan.notices, errors, people)
    finally:
        if cache is not None:
            cache.close()


def _unchanged_since_last(
    cache: ParseCache, layout: Layout, stamps: dict[str, Stamp], today: date
) -> dict[str, Any] | None:
    """What the last build recorded, if nothing it depends on changed since and its outputs are intact.

    A note newer than any the last build saw, another number of notes or another day
    settles it without hashing every stamp (an edit makes its note the newest).
    """
    last = cache.output()
    if last is None:
        return None
    key, value = last
    if (
        not isinstance(value, dict)
        or value.get("notes") != len(stamps)
        or value.get("today") != today.isoformat()
        or _newest(stamps) > value.get("newest", -1)
    ):
        return None
    if key != fingerprint(layout, stamps, today) or not _outputs_intact(layout.root, value["outputs"]):
        return None
    return value


def _newest(stamps: dict[str, Stamp]) -> int:
    return max((stamp.mtime_ns for stamp in stamps.values()), default=0)


PROGRESS_AFTER = 5000  # notes; below this a cold build takes about a second or less


def _outputs_intact(root: Path, outputs: dict[str, tuple[int, int]]) -> bool:
    """Every page and filled note is still exactly as the last build left it."""
    for rel, recorded in outputs.items():
        try:
            stat = os.stat(root / rel)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != tuple(recorded):
            return False
    return True


def _output_record(
    layout: Layout,
    plan: Plan,
    stamps: dict[str, Stamp],
    today: date,
    started_ns: int,
    people: int,
) -> tuple[str, dict[str, Any]] | None:
    """This build's fingerprint and outputs, for the next to compare; none if a note changed too
    recently to trust its mtime."""
    from vaultkeeper.build import ICS_FILE
    from vaultkeeper.pages import PAGES

    root = layout.root
    ours = {change.path for change in plan.changes}
    if any(stamp.mtime_ns >= started_ns - RACY_NS for path, stamp in stamps.items() if path not in ours):
        return None
    after = dict(stamps)
    after.update(stamps_of(root, [path for path in ours if path in stamps]))
    pages = [f"{layout.config.output_dir}/{page}.md" for page in PAGES]
    if layout.config.ics:
        pages.append(f"{layout.config.output_dir}/{ICS_FILE}")
    outputs = {rel: (s.size, s.mtime_ns) for rel, s in stamps_of(root, [*pages, *ours]).items()}
    value = {
        "outputs": outputs,
        "problems": plan.problems,
        "people": people,
        "notes": len(after),
        "newest": _newest(after),
        "today": today.isoformat(),
    }
    return fingerprint(layout, after, today), value
