"""Reading address books into plain contacts: vCard 2.1/3.0/4.0 and LinkedIn's Connections.csv.

Each malformed card or row becomes a (line, message) problem and the rest
are still read. Binary fields such as PHOTO are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import vobject

LINKEDIN_HEADER = "First Name,Last Name"
FIELD_ORDER = ("email", "phone", "company", "role", "birthday", "url", "linkedin")


@dataclass
class Contact:
    """One person from an address book, with the line their entry starts on."""

    name: str
    line: int
    aliases: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    role: str = ""
    urls: list[str] = field(default_factory=list)
    birthday: str = ""
    linkedin: str = ""
    met: date | None = None
    note: str = ""

    def fields(self) -> list[tuple[str, str | tuple[str, ...]]]:
        """Front matter for the person note, in a fixed order; lists only when more than one."""
        values: dict[str, str | tuple[str, ...]] = {}
        for key, items in (("email", self.emails), ("phone", self.phones), ("url", self.urls)):
            if items:
                values[key] = items[0] if len(items) == 1 else tuple(items)
        for key, text in (("company", self.company), ("role", self.role), ("birthday", self.birthday),
                          ("linkedin", self.linkedin)):  # fmt: skip
            if text:
                values[key] = text
        return [(key, values[key]) for key in FIELD_ORDER if key in values]

    def merge(self, other: Contact) -> None:
        """Fold a duplicate entry of the same person into this one."""
        for mine, theirs in ((self.aliases, other.aliases), (self.emails, other.emails), (self.phones, other.phones),
                             (self.urls, other.urls)):  # fmt: skip
            mine.extend(item for item in theirs if item.casefold() not in {m.casefold() for m in mine})
        for name in ("company", "role", "birthday", "linkedin", "note"):
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, getattr(other, name))
        if self.met is None or (other.met is not None and other.met < self.met):
            self.met = other.met or self.met


def merge_duplicates(contacts: list[Contact]) -> list[Contact]:
    """Contacts repeated in one file (same name or a shared e-mail) become one."""
    merged: list[Contact] = []
    by_key: dict[str, Contact] = {}
    for contact in contacts:
        keys = [f"name:{contact.name.casefold()}", *(f"email:{e.casefold()}" for e in contact.emails)]
        first = next((by_key[key] for key in keys if key in by_key), None)
        if first is None:
            merged.append(contact)
            first = contact
        else:
            first.merge(contact)
        for key in [f"name:{first.name.casefold()}", *(f"email:{e.casefold()}" for e in first.emails)]:
            by_key.setdefault(key, first)
    return merged


# --- vCard ------------------------------------------------------------------------------


def _cards(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each BEGIN:VCARD … END:VCARD block."""
    found: list[tuple[int, str]] = []
    start: int | None = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            start = index
        elif upper == "END:VCARD" and start is not None:
            found.append((start + 1, "\r\n".join(lines[start : index + 1]) + "\r\n"))
            start = None
    if start is not None:
        found.append((start + 1, "\r\n".join(lines[start:]) + "\r\n"))
    return found


def _values(card: vobject.base.Component, name: str) -> list[str]:
    out = []
    for line in card.contents.get(name, []):
        value = line.value
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        text = " ".join(str(value).split())
        if text and text not in out:
            out.append(text)
    return out


def _birthday(line: vobject.base.ContentLine) -> str:
    """A vCard BDAY as `YYYY-MM-DD`, or `--MM-DD` when the year is unknown."""
    text = str(line.value).strip()
    omit = line.params.get("X-APPLE-OMIT-YEAR", [None])[0]
    match = re.fullmatch(r"(\d{4}|--)-?(\d{2})-?(\d{2})(?:T.*)?", text)
    if not match:
        raise ValueError(f"birthday {text!r} is not a date")
    year, month, day = match.groups()
    if year in ("--", "0000", omit):  # Apple writes a year-less birthday as 1604 and says so
        year = None
    try:
        date(int(year) if year else 2000, int(month), int(day))
    except ValueError:
        raise ValueError(f"birthday {text!r} is not a date") from None
    return f"{year}-{month}-{day}" if year else f"--{month}-{day}"


def read_vcards(text: str) -> tuple[list[Contact], list[tuple[int, str]]]:
    """Every card in a .vcf file; a card that cannot be read is a problem, not the end."""
    contacts: list[Contact] = []
    problems: list[tuple[int, str]] = []
    for line, block in _cards(text):
        try:
            card = vobject.readOne(block, allowQP=True)
        except Exception as error:  # noqa: BLE001 - vobject raises many kinds; each is one bad card
            problems.append((line, f"unreadable vCard: {str(error).splitlines()[0] if str(error) else type(error).__name__}"))
            continue
        name = (_values(card, "fn") or [""])[0]
        if not name and "n" in card.contents:
            n = card.n.value
            name = " ".join(part for part in (n.prefix, n.given, n.additional, n.family, n.suffix) if part)
        name = " ".join(name.split())
        if not name:
            problems.append((line, "vCard without a name (FN or N)"))
            continue
        contact = Contact(name, line)
        contact.aliases = [a.strip() for v in _values(card, "nickname") for a in v.split(",") if a.strip()]
        contact.emails = _values(card, "email")
        contact.phones = [re.sub(r"^tel:", "", phone, flags=re.IGNORECASE) for phone in _values(card, "tel")]
        contact.company = (_values(card, "org") or [""])[0]
        contact.role = (_values(card, "title") or [""])[0]
        contact.urls = _values(card, "url")
        contact.note = "\n".join(str(n.value).strip() for n in card.contents.get("note", []) if str(n.value).strip())
        if "bday" in card.contents:
            try:
                contact.birthday = _birthday(card.contents["bday"][0])
            except ValueError as error:
                problems.append((line, f"{name}: {error}"))
        contacts.append(contact)
    return contacts, problems


# --- LinkedIn ---------------------------------------------------------------------------


def read_linkedin(text: str) -> tuple[list[Contact], list[tuple[int, str]]]:
    """LinkedIn's Connections.csv: a few lines of notes, then the header and one row per connection."""
    lines = text.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if line.lstrip("\ufeff").startswith(LINKEDIN_HEADER)), None)
    if header is None:
        return [], [(1, f"no header line starting with {LINKEDIN_HEADER!r}: not a LinkedIn Connections export")]
    reader = csv.reader(io.StringIO("".join(lines[header:])))
    columns = [c.strip().lstrip("\ufeff") for c in next(reader)]
    contacts: list[Contact] = []
    problems: list[tuple[int, str]] = []
    for row in reader:
        line = header + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            problems.append((line, f"expected {len(columns)} columns, found {len(row)}"))
            continue
        values = {column: cell.strip() for column, cell in zip(columns, row, strict=True)}
        name = " ".join(f"{values.get('First Name', '')} {values.get('Last Name', '')}".split())
        if not name:
            problems.append((line, "a connection without a name"))
            continue
        contact = Contact(name, line)
        contact.emails = [values["Email Address"]] if values.get("Email Address") else []
        contact.company = values.get("Company", "")
        contact.role = values.get("Position", "")
        contact.linkedin = values.get("URL", "")
        connected = values.get("Connected On", "")
        if connected:
            try:
                contact.met = datetime.strptime(connected, "%d %b %Y").date()
            except ValueError:
                problems.append((line, f"{name}: 'Connected On' {connected!r} is not a date like 12 Mar 2024"))
        contacts.append(contact)
    return contacts, problems
