"""Joining parsed notes into people: names, aliases, links, interactions, open loops.

The join is incremental: replacing one note re-resolves only that note, plus
the notes whose links could now mean someone else (when a name or alias
changed), and rebuilds only the people they touch. A full build is the same
code adding every note once, so watch and build cannot disagree.
"""

from __future__ import annotations

import marshal
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, MutableMapping
from datetime import date
from typing import Any, NamedTuple, TypeVar
from unicodedata import normalize

from vaultkeeper import codec
from vaultkeeper.cache import StaleState
from vaultkeeper.compute import Contact, contact_on
from vaultkeeper.lazy import LazyMap, peek
from vaultkeeper.model import Interaction, Link, OpenLoop, ParsedNote, Person, PersonFields, Problem


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def fold(text: str) -> str:
    """A name or path as links match it: in any case, and in either Unicode form of an
    accented letter (a file named on macOS may spell `ë` as `e` and a combining mark,
    where a typed link has the one character)."""
    folded = text.casefold()
    return folded if folded.isascii() else normalize("NFC", folded)


def link_keys(target: str) -> tuple[str, ...]:
    """The names a link target may mean, folded (see `Directory.candidates`): its last part,
    and the whole of a path form, which may be a name or alias with a `/` in it."""
    key = fold(target.strip())
    last = key.rsplit("/", 1)[-1]
    return (last,) if last == key else (last, key)


class Names(NamedTuple):
    """What finding a person by name needs of their fields (a whole vault's fields take
    several times the memory while it is joined at once)."""

    name: str
    aliases: tuple[str, ...]


class PathSets:
    """Paths by key, most keys having one: a lone path is kept as itself, not as a set
    of one (a vault has tens of thousands of such keys, and a set takes 216 bytes)."""

    __slots__ = ("by_key",)

    def __init__(self, by_key: dict[str, str | set[str]] | None = None):
        self.by_key = {} if by_key is None else by_key

    def get(self, key: str) -> Collection[str]:
        found = self.by_key.get(key, ())
        return (found,) if type(found) is str else found

    def add(self, key: str, path: str) -> None:
        found = self.by_key.get(key)
        if found is None:
            self.by_key[key] = path
        elif isinstance(found, str):
            if found != path:
                self.by_key[key] = {found, path}
        else:
            found.add(path)

    def discard(self, key: str, path: str) -> None:
        found = self.by_key.get(key)
        if isinstance(found, str):
            if found == path:
                del self.by_key[key]
        elif found is not None and path in found:
            found.discard(path)
            if len(found) == 1:
                self.by_key[key] = found.pop()


def _loaded(held: PathSets | bytes, name: str) -> PathSets:
    """PathSets, from their marshalled bytes if restored so (see `PeopleIndex.restore`): a
    build that never looks up a name need not load them all. Bytes that are not such a
    mapping raise `StaleState`, as an unreadable cache row does."""
    if not isinstance(held, bytes):
        return held
    try:
        value = marshal.loads(held)
    except (ValueError, EOFError, TypeError):
        value = None
    if not isinstance(value, dict):
        raise StaleState(f"saved {name} unreadable")
    return PathSets(value)


def _marshalled(sets: PathSets) -> bytes:
    return marshal.dumps(sets.by_key)


class Directory:
    """Finds the person a link or a name means (SPEC 5); people can come and go."""

    def __init__(self, people: dict[str, PersonFields] | None = None):
        self.people: MutableMapping[str, PersonFields] = {}
        self.held_keys: PathSets | bytes = PathSets()  # see `by_key`
        self._by_path: dict[str, str] | None = None  # made from `people` when a path-form link first needs it
        self._paths: Collection[str] | None = None  # or from these, while a vault is read (`find_paths_in`)
        for path, fields in (people or {}).items():
            self.add(path, fields)

    @property
    def by_key(self) -> PathSets:
        """Name, file name or alias (folded) -> people."""
        self.held_keys = keys = _loaded(self.held_keys, "by_key")
        return keys

    @staticmethod
    def keys(path: str, fields: PersonFields | Names) -> set[str]:
        return {fold(key) for key in (fields.name, _stem(path), *fields.aliases)}

    def add(self, path: str, fields: PersonFields) -> None:
        self.people[path] = fields
        self.add_names(path, fields)

    def add_names(self, path: str, fields: PersonFields | Names) -> None:
        """Find the person by these names, when `people` already has (or will make) their fields."""
        for key in self.keys(path, fields):
            self.by_key.add(key, path)
        self.track(path)

    def track(self, path: str) -> None:
        """A person's path, for path-form links (once they are found by path). Of two paths
        alike but for case, the later in sorted order, whichever comes first."""
        if self._by_path is not None:
            key = fold(path[:-3])
            if path > self._by_path.get(key, ""):
                self._by_path[key] = path

    def find_paths_in(self, paths: Collection[str] | None) -> None:
        """Find people by path among `paths` (a live collection: while a vault is read, before
        `people` is filled), or with None among `people` again, from the first path-form
        link on; a vault without one never makes the mapping (at 50,000 people, 8 MB)."""
        self._paths = paths

    def remove(self, path: str) -> None:
        fields = self.people.pop(path)
        for key in self.keys(path, fields):
            self.by_key.discard(key, path)
        if self._by_path is not None and self._by_path.get(fold(path[:-3])) == path:
            self._by_path = None  # made again when next needed: a path alike but for case may be left

    def candidates(self, target: str) -> list[str]:
        """Every person the target could mean, sorted by path. A path form that
        matches a note's path (whole or as a suffix) wins over names; then a name or
        alias with a `/` in it (`AC/DC`), then the path form's last part as a name."""
        key = fold(target.strip())
        if "/" in key:
            exact = self._path_of(key)
            if exact:
                return [exact]
            last = key.rsplit("/", 1)[-1]
            suffix = sorted(p for p in self.by_key.get(last) if fold(p[:-3]).endswith("/" + key))
            if suffix:
                return suffix
            named = self.by_key.get(key)
            if named:
                return sorted(named)
            key = last
        return sorted(self.by_key.get(key))

    def taken(self, name: str) -> list[str]:
        """The people a new name or alias would be confused with: those it is a name,
        alias or file name of, and one whose path it is (`People/Sam`)."""
        key = fold(name.strip())
        found = set(self.by_key.get(key))
        if "/" in key and (exact := self._path_of(key)):
            found.add(exact)
        return sorted(found)

    def _path_of(self, key: str) -> str | None:
        """The person whose vault path (without `.md`) is this folded path form."""
        if self._by_path is None:
            self._by_path = {}
            for path in self.people if self._paths is None else self._paths:
                self.track(path)
        return self._by_path.get(key.lstrip("/"))


class _Resolved:
    """What one note contributes to other people once its links are resolved."""

    __slots__ = ("interactions", "loops", "problems", "keys")

    def __init__(self) -> None:
        self.interactions: dict[str, list[Interaction]] = defaultdict(list)
        self.loops: dict[str, list[OpenLoop]] = defaultdict(list)
        self.problems: list[Problem] = []
        self.keys: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.interactions or self.loops or self.problems or self.keys)

    def __reduce__(self) -> tuple[Callable[..., _Resolved], tuple[Any, ...]]:
        # as plain values (`codec.dumps_given`): pickling the named tuples in it took the aside
        # 32 ms for the 4,425 of a cold build at 10,000 people, and 27 to load them
        return _resolved, (codec.dumps_given(self.interactions, self.loops, self.problems, self.keys),)


def _resolved(blob: bytes) -> _Resolved:
    interactions, loops, problems, keys = codec.loads_given(blob)
    resolved = _Resolved()
    resolved.interactions.update(interactions)
    resolved.loops.update(loops)
    resolved.problems = problems
    resolved.keys = keys
    return resolved


def _fields(note: ParsedNote) -> PersonFields:
    """The person fields of a note known to be a person's."""
    assert note.person is not None, note.path
    return note.person

class PeopleIndex:
    """All people of a vault, kept current one note at a time."""

    def __init__(self) -> None:
        self.notes: MutableMapping[str, ParsedNote] = {}
        self.directory = Directory()
        self._resolved: MutableMapping[str, _Resolved] = {}  # only notes that link someone
        self._sources = PathSets()  # person -> notes contributing
        self._held_link_users: PathSets | bytes = PathSets()  # see `_link_users`
        self._held_owners: PathSets | bytes = PathSets()  # see `_owners`
        self._people: LazyMap[str, Person] = LazyMap(self._make_person)
        self._dirty: set[str] = set()
        self._changes: set[str] = set()
        self._ambiguous: set[str] = set()  # notes with ambiguous links
        self._duplicates: set[str] = set()  # names owned by more than one person
        self._re_resolved: set[str] = set()  # notes resolved since the last take_resolved_changes()
        self.names_or_links_changed = True  # since restored: whether `snapshot` differs from what was restored
        self._own_notes: tuple[date, dict[str, codec.Own | bytes]] | None = None  # given to `fill`, until changed
        self._named_late: Callable[[str], ParsedNote] | None = None  # see `resolve_while_read`

    @property
    def _link_users(self) -> PathSets:
        """Link key -> notes using it."""
        self._held_link_users = users = _loaded(self._held_link_users, "link_users")
        return users

    @property
    def _owners(self) -> PathSets:
        """Name or file name -> people."""
        self._held_owners = owners = _loaded(self._held_owners, "owners")
        return owners

    # --- changes ------------------------------------------------------------

    def fill(
        self,
        notes: MutableMapping[str, ParsedNote],
        people: dict[str, Names],
        linking: list[str],
        own: tuple[date, dict[str, codec.Own | bytes]] | None = None,
        links_of: Callable[[str], ParsedNote] | None = None,
        named: bool = False,
    ) -> None:
        """Join a whole vault at once: everyone's names first, then each note in `linking`
        (see `may_link`) resolved once; putting notes one by one resolves a note again
        whenever a person it links comes later. Values made from a lazy `notes` (which
        may hold the notes encoded) are not kept; `people` are everyone's names (with
        `named`, each given to `name` already), `own` (for a day) what sorting people
        needs of their own notes (see `take_contacts`), `links_of` what resolving a note
        needs of it, if cheaper to make than the note."""
        assert not self.notes, "fill an empty index"
        self._named_late = None
        self.directory.find_paths_in(None)  # (the same paths as `people` below: what was read is not kept)
        self.notes = notes
        self._own_notes = own
        self.directory.people = LazyMap(lambda path: _fields(peek(notes, path)), people)  # not kept: made again
        if not named:
            for path, names in people.items():
                self.name(path, names)
        self._duplicates.update(key for key, paths in self._owners.by_key.items() if type(paths) is not str)
        self._dirty.update(people)
        for source in linking:
            self._resolve(source, links_of(source) if links_of is not None else None)

    def name(self, path: str, names: Names) -> None:
        """Before `fill`: make a person findable by their names (what `add_names` and `_own`
        do, each key folded once). A full read calls it as it reads, while the other process
        still reads too; after `resolve_while_read`, the notes already resolved that link by
        any of these names are resolved again."""
        owned = {fold(names.name), fold(_stem(path))}
        for key in owned:
            self._owners.add(key, path)
        by_key = self.directory.by_key
        keys = owned.union([fold(alias) for alias in names.aliases])
        for key in keys:
            by_key.add(key, path)
        self.directory.track(path)
        if self._named_late is not None:
            for source in sorted(self._linking_by(keys)):
                self._resolve(source, self._named_late(source))

    def resolve_while_read(self, named: Collection[str], links_of: Callable[[str], ParsedNote]) -> None:
        """Before `fill`, once everyone in the people folder is named (`named`: the paths of
        all named, kept up to date by the caller): notes that link people are resolved as
        they are read (`resolve`), on both cores, not all in `fill` while the other core
        idles. `links_of` gives what resolving a note needs of it, for those resolved again
        when someone is named later (a person outside the folder)."""
        self.directory.find_paths_in(named)
        self._named_late = links_of

    def resolve(self, source: str, note: ParsedNote) -> None:
        """Before `fill`, after `resolve_while_read`: what a note gives the people it links."""
        self._resolve(source, note)

    def put(self, note: ParsedNote) -> None:
        """Add a note, or replace the one at its path."""
        self._replace(note.path, note)

    def remove(self, path: str) -> None:
        if path in self.notes:
            self._replace(path, None)

    def _note(self, path: str) -> ParsedNote | None:
        return peek(self.notes, path) if path in self.notes else None

    def _replace(self, path: str, note: ParsedNote | None) -> None:
        self._own_notes = None  # what `fill` was given of people's own notes may be out of date now
        old = self._note(path)
        was, now = (old.person if old else None), (note.person if note else None)
        old_keys = self.directory.keys(path, was) if was else set()
        new_keys = self.directory.keys(path, now) if now else set()
        owners_changed = _owner_keys(path, was) != _owner_keys(path, now)
        if was or now:
            self._dirty.add(path)
        if was and now and old_keys == new_keys and not owners_changed:
            self.directory.people[path] = now  # known by the same names: the lookups stay as they are
        else:
            if was:
                self.directory.remove(path)
                self._own(path, was, add=False)
            if now:
                self.directory.add(path, now)
                self._own(path, now, add=True)
        if note is None:
            del self.notes[path]
        else:
            self.notes[path] = note
        changed_names = old_keys ^ new_keys if was and now else old_keys | new_keys
        if changed_names or owners_changed:
            self.names_or_links_changed = True
        for source in sorted(self._linking_by(changed_names) | {path}):
            self._resolve(source)

    def _linking_by(self, keys: Iterable[str]) -> set[str]:
        """The notes whose links use any of these keys (names, folded): what a change of
        those names may make mean someone else."""
        found: set[str] = set()
        for key in keys:
            found.update(self._link_users.get(key))
        return found

    def _own(self, path: str, fields: PersonFields | Names, add: bool) -> None:
        for key in {fold(fields.name), fold(_stem(path))}:
            (self._owners.add if add else self._owners.discard)(key, path)
            (self._duplicates.add if len(self._owners.get(key)) > 1 else self._duplicates.discard)(key)

    def _resolve(self, source: str, note: ParsedNote | None = None) -> None:
        """(Re)compute what one note gives to the people it links (from `note`, if given: the
        note, or as much of it as resolving needs)."""
        old = self._resolved.pop(source, None)
        self._ambiguous.discard(source)
        self._re_resolved.add(source)
        if old is not None:
            for person in (*old.interactions, *old.loops):
                self._sources.discard(person, source)
                self._dirty.add(person)
            for key in old.keys:
                self._link_users.discard(key, source)
        note = self._note(source) if note is None else note
        if note is None:
            return
        resolved = _Resolved()
        resolve = _Resolver(self.directory, source, resolved)
        for person, interaction in _daily_and_meeting(note, resolve):
            resolved.interactions[person].append(interaction)
        for task in note.tasks:
            owners = resolve(task.links)
            for owner in owners if note.person is None else [*owners, source]:
                resolved.loops[owner].append(OpenLoop(source, task.line, task.text))
        for person in (*resolved.interactions, *resolved.loops):
            self._sources.add(person, source)
            self._dirty.add(person)
        for key in resolved.keys:
            self._link_users.add(key, source)
        if resolved:
            self._resolved[source] = resolved
        if resolved.problems:
            self._ambiguous.add(source)
        if not self.names_or_links_changed and _shape(old) != _shape(resolved):  # (a whole fill starts changed)
            self.names_or_links_changed = True

    # --- results ------------------------------------------------------------

    def people(self) -> LazyMap[str, Person]:
        """Every person by path; people touched since the last call are made again when read."""
        for path in self._dirty:
            if path in self.directory.people:
                self._people.reset(path)
            else:
                self._people.discard(path)
        self._changes |= self._dirty
        self._dirty.clear()
        return self._people

    def take_contacts(self, today: date) -> Callable[[str], tuple[PersonFields, Contact] | None] | None:
        """What gives a person's fields and contact on `today` (see `compute.sorting_state`)
        without making their Person: what `fill` was given of their own note, with what
        other notes give them; once for each (then forgotten: its memory goes to what is
        made of it). None if a note changed since `fill`, or for another day."""
        own, self._own_notes = self._own_notes, None
        if own is None or own[0] != today:
            return None
        held = own[1]

        def contact_of(path: str) -> tuple[PersonFields, Contact] | None:
            found = held.pop(path, None)
            if found is None:
                return None
            fields, contact = codec.loads_own(found) if isinstance(found, bytes) else found
            for source in self._sources.get(path):
                given = self._resolved[source].interactions.get(path)
                if given:
                    contact = contact_on(given, today, contact)
            return fields, contact

        return contact_of

    def take_changes(self) -> set[str]:
        """People rebuilt or removed by `people()` since the last call."""
        changes, self._changes = self._changes, set()
        return changes

    def _make_person(self, path: str) -> Person:
        return self._person(peek(self.notes, path))

    def _person(self, note: ParsedNote) -> Person:
        path = note.path
        interactions = list(note.log)  # the person's own, with this path already
        loops: dict[tuple[str, int], OpenLoop] = {}
        for source in self._sources.get(path):
            resolved = self._resolved[source]
            interactions.extend(resolved.interactions.get(path, ()))
            for loop in resolved.loops.get(path, ()):
                loops[(loop.path, loop.line)] = loop
        interactions.sort()  # by date, path and line: an Interaction's first fields (twice as fast as a key)
        return Person(path, _fields(note), tuple(interactions), tuple(loops[key] for key in sorted(loops)))

    # --- saving and restoring ---------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The index's sets and names, without the notes, resolved links or people themselves.

        Those are kept per note by the cache and made again on demand by `restore`.
        """
        assert not self._dirty, "call people() first"
        return {
            "people": list(self.directory.people),
            "resolved": list(self._resolved),
            "by_key": _marshalled(self.directory.by_key),  # loaded when a name is looked up
            "sources": self._sources.by_key,
            "link_users": _marshalled(self._link_users),
            "owners": _marshalled(self._owners),
            "ambiguous": self._ambiguous,
            "duplicates": self._duplicates,
        }

    @classmethod
    def restore(
        cls,
        saved: dict[str, Any],
        paths: Iterable[str],
        note_of: Callable[[str], ParsedNote],
        resolved_of: Callable[[str], _Resolved],
    ) -> PeopleIndex:
        """An index as `snapshot` left it for the notes at `paths`, reading notes and
        resolved links only when used."""
        index = cls()
        index.notes = LazyMap(note_of, paths)
        index.directory.people = LazyMap(lambda path: _fields(peek(index.notes, path)), saved["people"])
        index.directory.held_keys = _saved(saved["by_key"], bytes)
        index._resolved = LazyMap(resolved_of, saved["resolved"])
        index._sources = PathSets(_saved(saved["sources"], dict))
        index._held_link_users = _saved(saved["link_users"], bytes)
        index._held_owners = _saved(saved["owners"], bytes)
        index._ambiguous = saved["ambiguous"]
        index._duplicates = saved["duplicates"]
        index._people = LazyMap(index._make_person, saved["people"])
        index.names_or_links_changed = False
        return index

    def preload(
        self,
        notes_of: Callable[[list[str]], Callable[[str], ParsedNote]],
        resolved_of: Callable[[list[str]], dict[str, _Resolved]],
    ) -> None:
        """Before everyone is needed: the restored notes are made from now on by what
        `notes_of` gives for all of them (their rows, read in bulk), and every restored
        resolved link is read now."""
        if isinstance(self.notes, LazyMap):
            self.notes.make_with(notes_of(self.notes.unmade))
        if isinstance(self._resolved, LazyMap):
            self._resolved.make_all(resolved_of)

    def preloaded(self) -> bool:
        """Whether every restored resolved link is in memory (after `preload`, all but those
        whose rows could not be read)."""
        return not (isinstance(self._resolved, LazyMap) and self._resolved.unmade)

    def resolved_changes(self) -> set[str]:
        """Notes whose links were resolved again since the last `take_resolved_changes`."""
        return set(self._re_resolved)

    def take_resolved_changes(self) -> set[str]:
        """Notes whose links were resolved again since the last call."""
        changes, self._re_resolved = self._re_resolved, set()
        return changes

    def resolved(self, source: str) -> _Resolved | None:
        """What a note contributes to others, if anything (for the cache to keep)."""
        return self._resolved.get(source)

    def problems(self) -> list[Problem]:
        """Ambiguous links and duplicate names."""
        found = [problem for source in self._ambiguous for problem in self._resolved[source].problems]
        for key in self._duplicates:
            paths = set(self._owners.get(key))
            people = {path: self.directory.people[path] for path in paths} if len(paths) > 1 else {}
            named = {path for path, fields in people.items() if fold(fields.name) == key}
            if not named:  # only file names alike (People/Work/Sam.md, People/Home/Sam.md): not a problem
                continue  # in itself (SPEC 5); a link by that name is, where it is ambiguous
            for path, fields in people.items():
                if path in named:
                    others = ", ".join(sorted(paths - {path}))
                    found.append(Problem(path, fields.name_line, f'"{fields.name}" is also the name of {others}'))
                else:
                    others = ", ".join(sorted(named))
                    found.append(Problem(path, None, f'its file name "{_stem(path)}" is the name of {others}'))
        return found


def may_link(note: ParsedNote) -> bool:
    """Whether a note has anything that links people (what `fill` must resolve)."""
    return bool(note.mentions or note.meeting or note.tasks)


T = TypeVar("T")


def _saved(value: object, kind: type[T]) -> T:
    """A part of a saved index, if it is of the kind this version saves."""
    if not isinstance(value, kind):
        raise TypeError("not a state this version saved")
    return value


def _owner_keys(path: str, person: PersonFields | None) -> set[str]:
    """The keys a person note owns (its name and file name), which duplicates are found by."""
    return {fold(person.name), fold(_stem(path))} if person else set()


def _shape(resolved: _Resolved | None) -> tuple[frozenset[str], frozenset[str], bool]:
    """What of a note's resolved links the index's saved sets record: whom, by which keys, ambiguity."""
    if not resolved:
        return frozenset(), frozenset(), False
    return frozenset([*resolved.interactions, *resolved.loops]), frozenset(resolved.keys), bool(resolved.problems)


class _Resolver:
    """Resolves one note's links, recording what they depended on and any ambiguity."""

    def __init__(self, directory: Directory, source: str, resolved: _Resolved):
        self.directory = directory
        self.source = source
        self.resolved = resolved

    def __call__(self, links: Iterable[Link]) -> list[str]:
        found: list[str] = []
        for link in links:
            self.resolved.keys.update(link_keys(link.target))
            matches = self.directory.candidates(link.target)
            if len(matches) > 1:
                message = f"ambiguous link [[{link.target}]]: matches {', '.join(matches)}"
                self.resolved.problems.append(Problem(self.source, link.line, message))
            elif matches and matches[0] not in found:
                found.append(matches[0])
        return found


def _daily_and_meeting(note: ParsedNote, resolve: _Resolver) -> list[tuple[str, Interaction]]:
    """One interaction per person per daily note; a meeting adds one per attendee."""
    merged: dict[str, tuple[Interaction, list[str], list[str]]] = {}
    if note.daily_date is not None:
        for mention in note.mentions:
            for person in resolve(mention.links):
                if person not in merged:
                    merged[person] = (Interaction(note.daily_date, note.path, mention.line, mention.text), [], [])
                merged[person][1].extend(mention.gave)
                merged[person][2].extend(mention.got)
    found = [
        (person, Interaction(first.date, first.path, first.line, first.text, tuple(gave), tuple(got)))
        for person, (first, gave, got) in merged.items()
    ]
    if note.meeting is not None:
        meeting = note.meeting
        for person in resolve(meeting.attendees):
            if person not in merged or merged[person][0].date != meeting.date:
                found.append((person, Interaction(meeting.date, note.path, meeting.line, meeting.title)))
    return found
