"""Importing contacts as person notes: never a duplicate, never a changed byte that was there.

A contact that matches an existing person (name, alias or e-mail) is skipped,
or with `update` gets only the front matter keys its note lacks, one line each
(the same textual edit as `log --next`). Running the same import twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vaultkeeper import front_matter
from vaultkeeper.capture import CaptureError, NewPerson, PersonWriter, note_text, yaml_value
from vaultkeeper.contacts import Contact, merge_duplicates
from vaultkeeper.edit import EditError, set_key
from vaultkeeper.errors import UsageError
from vaultkeeper.vault import Vault
from vaultkeeper.write import WriteError, write_atomic


@dataclass(frozen=True)
class Result:
    """What happened to one contact (or one bad entry) of the file."""

    line: int
    action: str  # created, updated, unchanged, skipped or problem
    detail: str

    def text(self) -> str:
        return f"line {self.line}: {self.action} {self.detail}".rstrip()


def _emails(vault: Vault) -> dict[str, set[str]]:
    """Existing people by e-mail address, folded."""
    found: dict[str, set[str]] = {}
    for person in vault.people.values():
        for key, value in person.fields.extra:
            if key == "email":
                for address in value.split(", "):
                    found.setdefault(address.strip().casefold(), set()).add(person.path)
    return found


def import_contacts(
    vault: Vault,
    contacts: list[Contact],
    problems: Iterable[tuple[int, str]] = (),
    *,
    stage: str | None = None,
    tags: tuple[str, ...] = (),
    update: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """Create, skip or update a note for each contact; results in the file's order."""
    writer = PersonWriter(vault)
    by_email = _emails(vault)
    results = [Result(line, "problem", message) for line, message in problems]
    for contact in merge_duplicates(contacts):
        matches = set(writer.clashes([contact.name, *contact.aliases]))
        for address in contact.emails:
            matches |= by_email.get(address.casefold(), set())
        try:
            if not matches:
                rel = writer.create(
                    NewPerson(contact.name, stage, None, contact.met, tags, tuple(contact.aliases),
                              tuple(contact.fields()), contact.note),  # fmt: skip
                    dry_run=dry_run,
                )
                for address in contact.emails:
                    by_email.setdefault(address.casefold(), set()).add(rel)
                results.append(Result(contact.line, "created", rel))
            elif len(matches) > 1:
                results.append(Result(contact.line, "problem", f"{contact.name} matches several people: {', '.join(sorted(matches))}"))
            elif not update:
                results.append(Result(contact.line, "skipped", f"{contact.name}: matches {next(iter(matches))}"))
            else:
                results.append(_update(vault, next(iter(matches)), contact, dry_run))
        except (CaptureError, UsageError, EditError, WriteError, OSError) as error:
            results.append(Result(contact.line, "problem", f"{contact.name}: {error}"))
        if progress:
            progress(1)
    return sorted(results, key=lambda r: r.line)


def _update(vault: Vault, rel: str, contact: Contact, dry_run: bool) -> Result:
    """Add the keys the note lacks, one front matter line each; keep every other byte."""
    path = vault.layout.root / rel
    text, stamp = note_text(path, rel)
    split = front_matter.split(text.lstrip("\ufeff"))
    present = set(front_matter.key_lines(split.front or []))
    wanted = [(key, yaml_value(value)) for key, value in contact.fields()]
    if contact.met:
        wanted.append(("met", contact.met.isoformat()))
    added = []
    for key, value in wanted:
        if key not in present:
            text = set_key(text, key, value)
            added.append(key)
    if not added:
        return Result(contact.line, "unchanged", f"{rel}: has every key already")
    if not dry_run:
        write_atomic(path, text.encode("utf-8"), rel, vault.layout.root, unchanged_since=stamp)
    return Result(contact.line, "updated", f"{rel}: {', '.join(added)}")


def summary(results: list[Result], dry_run: bool) -> str:
    counts = {action: 0 for action in ("created", "updated", "unchanged", "skipped", "problem")}
    for result in results:
        counts[result.action] += 1
    parts = [f"{n} {action}" + ("s" if action == "problem" and n != 1 else "") for action, n in counts.items()]
    return ", ".join(parts) + (" (dry run: nothing written)" if dry_run else "")
