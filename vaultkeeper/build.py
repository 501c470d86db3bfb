"""`vaultkeeper build`: render the pages and marked blocks, then write what changed.

Planning reads and renders only; applying is the only step that writes, so
`--check` and `--dry-run` are exactly the plan without the apply.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vaultkeeper import front_matter
from vaultkeeper.blocks import find_blocks
from vaultkeeper.cache import FORMAT, RACY_NS, ParseCache, Stamp
from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.model import Problem, sort_problems
from vaultkeeper.pages import (
    BLOCK_NAMES,
    PAGES,
    USER_TEMPLATES,
    Renderer,
    TemplateError,
    block_text,
    has_conflict_markers,
    is_pristine,
)
from vaultkeeper.scan import DAILY_SETTINGS, TEMPLATER_SETTINGS, TEMPLATES_SETTINGS, Layout, list_notes
from vaultkeeper.vault import NoteSet, Vault, read_layout_of, stamps_of
from vaultkeeper.views import arrange
from vaultkeeper.write import WriteError, ensure_folder, inside, write_atomic


SETTINGS_FILES = (".vaultkeeper/config.toml", DAILY_SETTINGS, TEMPLATES_SETTINGS, TEMPLATER_SETTINGS)


@dataclass(frozen=True)
class Change:
    """One file whose text will change. `old` is None for a new file."""

    path: str
    old: bytes | None
    new: bytes
    backup: str | None = None  # where a hand-edited page's text is kept first
    stamp: tuple[int, int] | None = None  # (size, mtime_ns) the file must still have

    def diff(self) -> str:
        old = (self.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = self.new.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[VaultkeeperError] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def plan_build(vault: Vault, today: date, force: bool = False, renderer: Renderer | None = None) -> Plan:
    """Everything a build would write, without writing anything.

    A long-lived caller (watch) passes its renderer so templates compile once.
    """
    root = vault.layout.root
    config = vault.layout.config
    plan = Plan(problems=list(vault.problems))
    arranged = arrange(vault.at(today), vault.problems, config.graduate_after, config.page_limit, vault.views)
    renderer = renderer or Renderer(root)
    rendered: dict[str, str] = {}
    for page in PAGES:
        try:
            rendered[page] = renderer.render(page, arranged, config.output_dir)
        except TemplateError as error:
            plan.errors.append(error)
    for page, text in rendered.items():
        _plan_page(plan, root, f"{config.output_dir}/{page}.md", text, force)
    for path in vault.block_notes:
        _plan_blocks(plan, root, path, rendered)
    plan.problems = sort_problems(plan.problems)
    return plan


def _plan_page(plan: Plan, root: Path, rel: str, text: str, force: bool) -> None:
    path = root / rel
    new = text.encode("utf-8")
    if path.is_symlink():
        plan.errors.append(WriteError("is a symlink; not replacing it with a page", rel))
        return
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        plan.changes.append(Change(rel, None, new))
        return
    except OSError as error:
        plan.errors.append(WriteError(f"cannot read: {error.strerror}", rel))
        return
    if old == new:
        plan.unchanged.append(rel)
        return
    current = old.decode("utf-8", "replace")
    if force or is_pristine(current) or has_conflict_markers(current):
        plan.changes.append(Change(rel, old, new))
        return
    backup = _backup_name(root, rel)
    plan.notices.append(f"{rel} was edited by hand; your version is kept as {backup}")
    plan.changes.append(Change(rel, old, new, backup=backup))


def _backup_name(root: Path, rel: str) -> str:
    stem = rel[:-3]
    candidate, number = f"{stem}.edited.md", 1
    while (root / candidate).exists():
        number += 1
        candidate = f"{stem}.edited-{number}.md"
    return candidate


def _plan_blocks(plan: Plan, root: Path, rel: str, rendered: dict[str, str]) -> None:
    """Fill a note's marked blocks; any doubt leaves the note untouched."""
    path = root / rel
    if path.is_symlink():
        plan.problems.append(Problem(rel, None, "vaultkeeper blocks in a symlinked note are not filled"))
        return
    try:
        stat = path.stat()
        old = path.read_bytes()
        text = old.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return  # the parse step has reported it; a note we cannot read is not written
    filled = fill_blocks(text, rendered)
    if isinstance(filled, list):
        plan.problems.extend(Problem(rel, line, message) for line, message in filled)
        return
    new = filled.encode("utf-8")
    if new == old:
        plan.unchanged.append(rel)
    else:
        plan.changes.append(Change(rel, old, new, stamp=(stat.st_size, stat.st_mtime_ns)))


def fill_blocks(text: str, rendered: dict[str, str]) -> str | list[tuple[int, str]]:
    """The note with every marked block filled, or (line, message) problems.

    Only the lines between the markers change; the markers, the BOM and each
    line's ending are kept as they were.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text[len(bom) :].split("\n")
    start = front_matter.split("\n".join(line.rstrip("\r") for line in lines)).body_start
    blocks, problems = find_blocks([line.rstrip("\r") for line in lines[start:]], first_line=start + 1)
    for block in blocks:
        if block.name not in BLOCK_NAMES:
            known = ", ".join(sorted(BLOCK_NAMES))
            problems.append((start + block.start + 1, f"unknown vaultkeeper block '{block.name}' (known: {known})"))
        elif BLOCK_NAMES[block.name] not in rendered:
            problems.append((start + block.start + 1, f"block '{block.name}' not filled: its template failed"))
    if problems:
        return problems
    out: list[str] = []
    position = 0
    for block in blocks:
        first, last = start + block.start, start + block.end
        ending = "\r" if lines[first].endswith("\r") else ""
        out.extend(lines[position : first + 1])
        content = block_text(rendered[BLOCK_NAMES[block.name]])
        if content:
            out.extend(line + ending for line in content.split("\n"))
        position = last
    out.extend(lines[position:])
    return bom + "\n".join(out)


def apply_plan(plan: Plan, root: Path, output_dir: str) -> list[VaultkeeperError]:
    """Write every planned change atomically; returns what could not be written."""
    errors: list[VaultkeeperError] = []
    if any(c.path.startswith(output_dir + "/") for c in plan.changes):
        try:
            ensure_folder(root, output_dir)
        except WriteError as error:
            return [error]
    for change in plan.changes:
        path = root / change.path
        try:
            inside(root, path.parent, change.path)
            if change.stamp is not None and _stamp(path) != change.stamp:
                errors.append(WriteError("changed while building; left alone (build again)", change.path))
                continue
            if change.backup is not None and change.old is not None:
                write_atomic(root / change.backup, change.old, change.backup)
            write_atomic(path, change.new, change.path)
        except WriteError as error:
            errors.append(error)
    return errors


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


@dataclass
class Outcome:
    """What a build did, for the command line to report."""

    plan: Plan
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
    templates = root / USER_TEMPLATES
    if templates.is_dir():
        for template in sorted(templates.iterdir()):
            with contextlib.suppress(OSError):
                h.update(template.name.encode() + b"\0" + template.read_bytes() + b"\0")
    for path in sorted(stamps):
        stamp = stamps[path]
        h.update(f"{path}\0{stamp.size}\0{stamp.mtime_ns}\0".encode())
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
    paths = list_notes(layout)
    stamps = stamps_of(root, paths)
    cache = ParseCache(root) if use_cache else None
    try:
        key = fingerprint(layout, stamps, today)
        if cache is not None and not force:
            remembered = cache.output(key)
            if isinstance(remembered, dict) and _outputs_intact(root, remembered["outputs"]):
                plan = Plan(unchanged=sorted(remembered["outputs"]), problems=remembered["problems"])
                return Outcome(plan, [], remembered["people"], from_cache=True)
        if progress is not None and len(paths) > PROGRESS_AFTER:
            with progress(len(paths)) as advance:
                notes = NoteSet.read(layout, cache, paths, stamps, advance)
        else:
            notes = NoteSet.read(layout, cache, paths, stamps)
        vault = notes.vault()
        plan = plan_build(vault, today, force=force)
        errors = list(plan.errors)
        if write:
            errors += apply_plan(plan, root, layout.config.output_dir)
        if cache is not None and write and not errors:
            _remember(cache, layout, plan, stamps, today, started_ns, len(vault.people))
        return Outcome(plan, errors, len(vault.people))
    finally:
        if cache is not None:
            cache.close()


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


def _remember(
    cache: ParseCache,
    layout: Layout,
    plan: Plan,
    stamps: dict[str, Stamp],
    today: date,
    started_ns: int,
    people: int,
) -> None:
    """Record this build's outputs, unless a note changed too recently to trust its mtime."""
    root = layout.root
    ours = {change.path for change in plan.changes}
    if any(stamp.mtime_ns >= started_ns - RACY_NS for path, stamp in stamps.items() if path not in ours):
        return
    after = dict(stamps)
    after.update(stamps_of(root, [path for path in ours if path in stamps]))
    pages = [f"{layout.config.output_dir}/{page}.md" for page in PAGES]
    outputs = {rel: (s.size, s.mtime_ns) for rel, s in stamps_of(root, [*pages, *ours]).items()}
    value = {"outputs": outputs, "problems": plan.problems, "people": people}
    cache.remember_output(fingerprint(layout, after, today), value)
