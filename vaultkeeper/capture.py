"""Capture from the terminal: `init`, `add` and `log` write into the user's notes, surgically."""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vaultkeeper.cache import GITIGNORE, GITIGNORE_TEXT
from vaultkeeper.cadence import CadenceError, parse_cadence
from vaultkeeper.config import CONFIG_PATH, DEFAULT_CONFIG_TEXT
from vaultkeeper.dates import DateError, parse_iso_day
from vaultkeeper.edit import EditError, append_log, log_entry, set_key, yaml_list, yaml_scalar
from vaultkeeper.errors import UsageError, VaultkeeperError
from vaultkeeper.model import STAGES, ParsedNote, Stamp
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import Directory, fold
from vaultkeeper.reading import context_for
from vaultkeeper.scan import Layout
from vaultkeeper.vault import Vault
from vaultkeeper.write import stamp_of, write_atomic

_UNSAFE = re.compile(r'[/\\:*?"<>|#^\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 200


class CaptureError(VaultkeeperError):
    """A capture command that must not write (unknown person, existing file, …)."""


def safe_file_name(name: str) -> str:
    """A file name (without `.md`) that works on Windows, macOS and Linux and in Obsidian links."""
    text = unicodedata.normalize("NFC", name).replace("[", "").replace("]", "")
    text = _UNSAFE.sub("-", text)
    text = " ".join(text.split()).strip(" .-")
    if not text:
        text = "Unnamed"
    if _RESERVED.match(text):
        text = f"{text}_"
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    return text.rstrip(" .")


def people_folder(layout: Layout) -> str:
    """Where new person notes go: the first configured people folder that is not a glob."""
    for entry in layout.config.people:
        if not any(char in entry for char in "*?[") and not layout.is_skipped(entry):
            return entry.strip("/")
    return "People"


@dataclass(frozen=True)
class NewPerson:
    name: str
    stage: str | None = None
    cadence: str | None = None
    met: date | None = None
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    fields: tuple[tuple[str, str | tuple[str, ...]], ...] = ()  # more front matter, in order
    note: str = ""  # text for the note's body


def yaml_value(value: str | tuple[str, ...]) -> str:
    """A front matter value: a scalar, or a flow list of scalars."""
    return yaml_list(value) if isinstance(value, tuple) else yaml_scalar(value)


class PersonWriter:
    """Creates person notes from the Person template, refusing names that exist.

    One writer serves a whole import: the template compiles once and the
    names it creates join the directory, so a later contact cannot clash.
    """

    def __init__(self, vault: Vault):
        from vaultkeeper.pages import Renderer

        self.root = vault.layout.root
        self.folder = people_folder(vault.layout)
        self.directory = vault.directory  # looked up, never changed: the vault's own
        self.created = Directory()
        self.renderer = Renderer(self.root)  # (Jinja2 is imported only here: `log` and `show` need none)

    def clashes(self, names: list[str]) -> list[str]:
        found = (self.directory.taken(name) + self.created.taken(name) for name in names)
        return sorted({path for paths in found for path in paths})

    def create(self, person: NewPerson, dry_run: bool = False) -> str:
        """Write the note (unless dry_run); returns its vault-relative path."""
        name = " ".join(person.name.split())
        if not name:
            raise UsageError("a person needs a name")
        if person.stage is not None and person.stage.lower() not in STAGES:
            raise UsageError(f"unknown stage {person.stage!r} (stages: {', '.join(STAGES)})")
        if person.cadence is not None:
            try:
                parse_cadence(person.cadence)
            except CadenceError as error:
                raise UsageError(str(error)) from None
        clash = self.clashes([name, *person.aliases])
        if clash:
            raise CaptureError(f"a person with that name or alias exists already: {', '.join(clash)}")
        file_name = safe_file_name(name)
        rel = f"{self.folder}/{file_name}.md"
        target = self.root / rel
        if not target.resolve().is_relative_to((self.root / self.folder).resolve()):
            raise CaptureError(f"refusing to write outside the people folder: {rel}")
        if target.exists():
            raise CaptureError(f"{rel} exists already")
        text = self.render(person, name, file_name)
        parsed = parse_note(rel, text.encode("utf-8"), Context(in_people_folder=True))
        if parsed.problems or parsed.person is None:
            reasons = "; ".join(p.as_text() for p in parsed.problems) or "not a person note"
            raise CaptureError(f"the Person template made a note with problems: {reasons}")
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            create_new(target, text.encode("utf-8"), rel)
        self.created.add(rel, parsed.person)
        return rel

    def render(self, person: NewPerson, name: str, file_name: str) -> str:
        import jinja2

        try:
            return self.renderer.template("Person.md.j2").render(
                name=name,
                file_name=file_name,
                aliases=list(person.aliases),
                stage=person.stage.lower() if person.stage else None,
                cadence=person.cadence,
                met=person.met.isoformat() if person.met else None,
                tags=[tag.lstrip("#") for tag in person.tags],
                fields=[(key, yaml_value(value)) for key, value in person.fields],
                note=person.note.strip(),
            )
        except jinja2.TemplateError as error:
            raise CaptureError(f"Person template: {error}") from None


def add_person(vault: Vault, person: NewPerson) -> str:
    """Create a person note from the Person template; returns its vault-relative path."""
    return PersonWriter(vault).create(person)


def create_new(target: Path, data: bytes, shown: str) -> None:
    """Write a new file atomically, never replacing one that appeared meanwhile."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.link(temp, target)  # fails if the target exists: no overwrite, ever
    except FileExistsError:
        raise CaptureError(f"{shown} exists already") from None
    finally:
        os.unlink(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def find_person(vault: Vault, name: str) -> str:
    """The one person a name, alias or file name means, as typed or with its white space
    collapsed as `add` writes names; clear errors otherwise."""
    matches = vault.directory.candidates(name) or vault.directory.candidates(" ".join(name.split()))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CaptureError(f"{name!r} could be any of: {', '.join(matches)}; use the file name or path")
    if vault.preload is not None:  # everyone's names are needed: read them in bulk
        vault.preload()
    known = sorted({key for fields in vault.directory.people.values() for key in (fields.name, *fields.aliases)})
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    close += [k for k in known if fold(name) in fold(k) and k not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise CaptureError(f"no person called {name!r}{hint}")


@dataclass(frozen=True)
class Logged:
    path: str
    line: int
    entry: str


def log_interaction(
    vault: Vault,
    name: str,
    text: str,
    day: date,
    gave: tuple[str, ...] = (),
    got: tuple[str, ...] = (),
    next_value: str | None = None,
) -> Logged:
    """Append a log entry to a person's note (and set `next`), changing nothing else."""
    rel = find_person(vault, name)
    path = vault.layout.root / rel
    original, stamp = note_text(path, rel)
    gave, got = _items("--gave", gave), _items("--got", got)
    entry = log_entry(day.isoformat(), text, gave, got)
    try:
        updated = original
        if next_value is not None:  # first: a key added above the log moves the entry's line
            updated = set_key(updated, "next", next_date(next_value, day).isoformat())
        updated, line = append_log(updated, entry, vault.layout.config.log_headings)
    except EditError as error:
        raise CaptureError(f"front matter cannot be parsed ({error}); not editing it", rel) from None
    if not _reads_back(parse_note(rel, updated.encode("utf-8"), context_for(vault.layout, rel)), line, day, gave, got):
        raise UsageError(  # a value with a lone bracket or backtick ends or hides its field early
            f"the entry would not read back as given ({entry}): unbalanced brackets or backticks? Nothing written"
        )
    write_atomic(path, updated.encode("utf-8"), rel, vault.layout.root, unchanged_since=stamp)
    return Logged(rel, line, entry)


def _reads_back(note: ParsedNote, line: int, day: date, gave: tuple[str, ...], got: tuple[str, ...]) -> bool:
    """Whether the note has the entry at `line`: on `day`, its items ending with `gave` and
    `got` (the text's own `gave::` fields, if any, come first)."""
    for item in note.log:
        if item.line == line:
            return item.date == day and item.gave[len(item.gave) - len(gave) :] == gave and (
                item.got[len(item.got) - len(got) :] == got
            )
    return False


def _items(option: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """Gave or got items as they are written (white space collapsed); none may be empty."""
    items = tuple(" ".join(value.split()) for value in values)
    if not all(items):
        raise UsageError(f"{option}: an empty value")
    return items


def note_text(path: Path, rel: str) -> tuple[str, Stamp | None]:
    """A note's text to edit, with its stamp before it was read (the write checks it: see
    `write_atomic`); CaptureError if it is not UTF-8 (an edit would have to guess at
    bytes it cannot read)."""
    stamp = stamp_of(path)
    try:
        return path.read_bytes().decode("utf-8"), stamp
    except UnicodeDecodeError:
        raise CaptureError("not valid UTF-8; not editing it", rel) from None


def next_date(value: str, day: date) -> date:
    """`--next` takes a date, or a cadence counted from the logged day."""
    try:
        return parse_iso_day(value)
    except DateError:
        pass
    try:
        return parse_cadence(value).after(day)
    except CadenceError:
        raise UsageError(f"--next: {value!r} is neither a date (YYYY-MM-DD) nor a cadence like '2 weeks'") from None


def init_vault(root: Path) -> list[str]:
    """Create the config, its .gitignore and the people folder; never overwrite. Returns what was made."""
    made = []
    root.mkdir(parents=True, exist_ok=True)
    (root / ".vaultkeeper").mkdir(exist_ok=True)
    for rel, text in ((CONFIG_PATH, DEFAULT_CONFIG_TEXT), (GITIGNORE, GITIGNORE_TEXT)):
        target = root / rel
        if not target.exists():
            create_new(target, text.encode("utf-8"), rel)
            made.append(rel)
    folder = root / "People"
    if not any((root / name).is_dir() for name in ("People", "people")):
        folder.mkdir()
        made.append("People/")
    return made
