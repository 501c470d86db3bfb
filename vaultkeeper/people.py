"""Joining parsed notes into people: names, aliases, links, interactions, open loops."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from vaultkeeper.model import Interaction, Link, OpenLoop, ParsedNote, Person, PersonFields, Problem


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


class Directory:
    """Finds the person a link or a name means (SPEC 5)."""

    def __init__(self, people: dict[str, PersonFields]):
        self.people = people
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.by_path: dict[str, str] = {}
        for path, fields in people.items():
            for key in (fields.name, _stem(path), *fields.aliases):
                self.by_key[key.casefold()].add(path)
            self.by_path[path[:-3].casefold()] = path

    def candidates(self, target: str) -> list[str]:
        """Every person the target could mean, sorted by path."""
        key = target.strip().casefold()
        if "/" in key:
            exact = self.by_path.get(key.lstrip("/"))
            if exact:
                return [exact]
            suffix = [p for k, p in self.by_path.items() if k.endswith("/" + key)]
            if suffix:
                return sorted(suffix)
            key = key.rsplit("/", 1)[-1]
        return sorted(self.by_key.get(key, ()))

    def duplicate_problems(self) -> list[Problem]:
        """Two notes sharing a name (or one's name being the other's file name)."""
        owners: dict[str, set[str]] = defaultdict(set)
        for path, fields in self.people.items():
            owners[fields.name.casefold()].add(path)
            owners[_stem(path).casefold()].add(path)
        problems = []
        for paths in owners.values():
            if len(paths) > 1:
                for path in paths:
                    others = ", ".join(sorted(paths - {path}))
                    name = self.people[path].name
                    problems.append(
                        Problem(path, self.people[path].name_line, f'"{name}" is also the name of {others}')
                    )
        return problems


class _Resolver:
    """Resolves links once each, collecting ambiguity problems."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.problems: list[Problem] = []

    def people(self, source: str, links: Iterable[Link]) -> list[str]:
        found: list[str] = []
        for link in links:
            matches = self.directory.candidates(link.target)
            if len(matches) > 1:
                self.problems.append(
                    Problem(source, link.line, f"ambiguous link [[{link.target}]]: matches {', '.join(matches)}")
                )
            elif matches and matches[0] not in found:
                found.append(matches[0])
        return found


def join(notes: Iterable[ParsedNote]) -> tuple[list[Person], list[Problem]]:
    """People with their interactions and open loops, and the problems of joining."""
    notes = list(notes)
    fields = {note.path: note.person for note in notes if note.person is not None}
    directory = Directory(fields)
    resolver = _Resolver(directory)
    interactions: dict[str, list[Interaction]] = defaultdict(list)
    loops: dict[str, dict[tuple[str, int], OpenLoop]] = defaultdict(dict)
    for note in notes:
        for entry in note.log if note.person else ():
            interactions[note.path].append(
                Interaction(entry.date, note.path, entry.line, entry.text, entry.gave, entry.got)
            )
        for person, interaction in _daily_and_meeting(note, resolver):
            interactions[person].append(interaction)
        for task in note.tasks:
            owners = resolver.people(note.path, task.links)
            if note.person is not None:
                owners.append(note.path)
            for owner in owners:
                loops[owner][(note.path, task.line)] = OpenLoop(note.path, task.line, task.text)
    people = [
        Person(
            path,
            person,
            tuple(sorted(interactions[path], key=lambda i: (i.date, i.path, i.line))),
            tuple(loops[path][key] for key in sorted(loops[path])),
        )
        for path, person in fields.items()
    ]
    return people, directory.duplicate_problems() + resolver.problems


def _daily_and_meeting(note: ParsedNote, resolver: _Resolver) -> list[tuple[str, Interaction]]:
    """One interaction per person per daily note; a meeting adds one per attendee."""
    merged: dict[str, dict] = {}
    if note.daily_date is not None:
        for mention in note.mentions:
            for person in resolver.people(note.path, mention.links):
                slot = merged.setdefault(
                    person,
                    {"date": note.daily_date, "line": mention.line, "text": mention.text, "gave": [], "got": []},
                )
                slot["gave"].extend(mention.gave)
                slot["got"].extend(mention.got)
    extra: list[tuple[str, Interaction]] = []
    if note.meeting is not None:
        meeting = note.meeting
        for person in resolver.people(note.path, meeting.attendees):
            if person in merged and merged[person]["date"] == meeting.date:
                continue
            extra.append((person, Interaction(meeting.date, note.path, meeting.line, meeting.title)))
    daily = [
        (person, Interaction(s["date"], note.path, s["line"], s["text"], tuple(s["gave"]), tuple(s["got"])))
        for person, s in merged.items()
    ]
    return daily + extra
