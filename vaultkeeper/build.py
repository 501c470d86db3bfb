"""`vaultkeeper build`: render the pages and marked blocks, then write what changed.

Planning reads and renders only; applying is the only step that writes, so
`--check` and `--dry-run` are exactly the plan without the apply.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

from vaultkeeper import front_matter
from vaultkeeper.blocks import find_blocks
from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.ics import calendar_text
from vaultkeeper.model import Problem, Stamp, sort_problems
from vaultkeeper.pages import (
    BLOCK_NAMES,
    PAGES,
    Renderer,
    RenderMemo,
    TemplateError,
    block_text,
    has_conflict_markers,
    is_pristine,
)
from vaultkeeper.vault import NoteSet, Vault
from vaultkeeper.views import arrange
from vaultkeeper.write import WriteError, ensure_folder, inside, stamp_of, write_atomic

ICS_FILE = "vaultkeeper.ics"


class Change(NamedTuple):
    """One file whose text will change. `old` is None for a new file."""

    path: str
    old: bytes | None
    new: bytes
    backup: str | None = None  # where a hand-edited page's text is kept first
    stamp: Stamp | None = None  # what the file had when read: it must still have it (None: new)

    def diff(self) -> str:
        import difflib  # here: only --dry-run shows a diff

        old = (self.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = self.new.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


class Plan:
    """What a build would write and report, filled in as it is planned."""

    def __init__(self, problems: list[Problem]) -> None:
        self.changes: list[Change] = []
        self.unchanged: list[str] = []
        self.errors: list[VaultkeeperError] = []
        self.problems = problems
        self.notices: list[str] = []


def plan_build(
    vault: Vault,
    today: date,
    force: bool = False,
    renderer: Renderer | None = None,
    memo: RenderMemo | None = None,
) -> Plan:
    """Everything a build would write, without writing anything.

    A long-lived caller (watch) passes its renderer so templates compile once;
    a one-shot build passes the memo of the pages the last build rendered.
    """
    root = vault.layout.root
    config = vault.layout.config
    plan = Plan(problems=list(vault.problems))
    arranged = arrange(vault.at(today), vault.problems, config.graduate_after, config.page_limit, vault.views)
    key = memo.key(arranged, config.output_dir) if memo is not None else ""
    rendered = memo.get(key) if memo is not None else None
    if rendered is None:
        renderer = renderer or Renderer(root)
        rendered = {}
        for page in PAGES:
            try:
                rendered[page] = renderer.render(page, arranged, config.output_dir)
            except TemplateError as error:
                plan.errors.append(error)
        if memo is not None and not plan.errors:
            memo.put(key, rendered)
    for page, text in rendered.items():
        _plan_output(plan, root, f"{config.output_dir}/{page}.md", text.encode("utf-8"), force)
    if config.ics:
        feed = calendar_text(vault.at(today), today, vault.feed).encode("utf-8")
        _plan_output(plan, root, f"{config.output_dir}/{ICS_FILE}", feed, hand_edits=False)
    for path in vault.block_notes:
        _plan_blocks(plan, root, path, rendered)
    plan.problems = sort_problems(plan.problems)
    return plan


REPLANS = 3  # a template whose line count depends on line numbers could otherwise never settle


def plan_notes(
    notes: NoteSet,
    today: date,
    force: bool = False,
    renderer: Renderer | None = None,
    memo: RenderMemo | None = None,
) -> Plan:
    """`plan_build`, planned again when filling a block moves the lines below it in its note, so
    that problems and open loops there show the lines the note will have once written."""
    plan = plan_build(notes.vault(), today, force, renderer, memo)
    for _ in range(REPLANS):
        if not notes.refill((change.path, change.new) for change in plan.changes):
            break
        plan = plan_build(notes.vault(), today, force, renderer, memo)
    return plan


def _plan_output(plan: Plan, root: Path, rel: str, new: bytes, force: bool = False, hand_edits: bool = True) -> None:
    """Plan one generated file: unchanged, new, replaced, or (edited by hand) kept as a copy first.

    `hand_edits` is off for the calendar, which carries no checksum footer.
    """
    path = root / rel
    if path.is_symlink():
        plan.errors.append(WriteError("is a symlink; not replacing it", rel))
        return
    stamp = stamp_of(path)  # a page edited after this read is not replaced (see `write_atomic`)
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as error:
        plan.errors.append(WriteError(f"cannot read: {error.strerror}", rel))
        return
    if old == new:
        plan.unchanged.append(rel)
        return
    if old is None or force or not hand_edits:
        plan.changes.append(Change(rel, old, new, stamp=stamp))
        return
    current = old.decode("utf-8", "replace")
    if is_pristine(current) or has_conflict_markers(current):
        plan.changes.append(Change(rel, old, new, stamp=stamp))
        return
    backup = _backup_name(root, rel)
    plan.notices.append(f"{rel} was edited by hand; your version is kept as {backup}")
    plan.changes.append(Change(rel, old, new, backup=backup, stamp=stamp))


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
    stamp = stamp_of(path)
    try:
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
        plan.changes.append(Change(rel, old, new, stamp=stamp))


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
            if change.backup is not None and change.old is not None:
                write_atomic(root / change.backup, change.old, change.backup)
            write_atomic(path, change.new, change.path, unchanged_since=change.stamp)
        except WriteError as error:
            errors.append(error)
    return errors
