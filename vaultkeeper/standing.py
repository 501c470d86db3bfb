"""Every person's state on one day, with the orderings the pages need, kept current per person.

A full build fills it once; `watch` re-keys only the people that changed, so
picking "the first fifty overdue" is a bisect and a slice, not a sort of the
whole vault.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from vaultkeeper.compute import Contact, person_state, sorting_state
from vaultkeeper.config import Config
from vaultkeeper.lazy import LazyMap, peek
from vaultkeeper.model import Focus, Person, PersonFields, PersonState, Problem, Report, sort_problems

Contacts = Callable[[date], "Callable[[str], tuple[PersonFields, Contact] | None] | None"]

ORDERS = ("by_name", "due", "members", "targets", "owes", "fading", "birthdays", "ledger", "changes")
ROLL_SHARE = 8  # a day that changes more than one person in this many: compute everyone afresh


def _keys(state: PersonState) -> dict[str, tuple[Any, ...]]:
    """The sort key of a person in each ordering they belong to.

    Keys hold plain values only (days as ordinals), so they save and load fast.
    """
    person, flags = state.person, state.flags  # (made for everyone in a full build: few lookups)
    fields, path, due = person.fields, person.path, state.next_due
    name = (fields.name.casefold(), path)
    keys: dict[str, tuple[Any, ...]] = {"by_name": name}
    if due is not None:
        keys["due"] = (due.toordinal(), *name)
    if state.focus:
        keys["members"] = (due is None, due.toordinal() if due else 0, *name)
    elif fields.stage == "target":
        keys["targets"] = (-fields.priority, *name)
    if "owes" in flags:
        keys["owes"] = (state.balance, *name)
    if "fading" in flags:
        keys["fading"] = name
    if "birthday-soon" in flags and state.next_birthday is not None:
        keys["birthdays"] = (state.next_birthday.toordinal(), *name)
    if state.gave or state.got:
        keys["ledger"] = (state.gave - state.got, *name)
    if state.changes_on is not None:  # not a page's: who must be placed again on a later day
        keys["changes"] = (state.changes_on, path)
    return keys


class Standing:
    """People's states on `today`, and sorted orderings of their paths."""

    def __init__(self) -> None:
        self.day: tuple[date, Config] | None = None
        self.people: Mapping[str, Person] = {}
        self.pending: set[str] = set()
        self.states: LazyMap[str, PersonState] = LazyMap(self._make_state)
        self.orders: dict[str, list[tuple[Any, ...]]] = {name: [] for name in ORDERS}
        self._placed: dict[str, dict[str, tuple[Any, ...]]] | None = {}  # None: look in the orders
        self._restored: date | None = None  # the day of the standing the last build saved, but for...
        self._moved: set[str] = set()  # ...the people placed again since
        self._contacts: Contacts | None = None  # see `changed`
        self.version = 0  # of everyone's states: a call of `at` that changes any makes a new one
        self._everyone_since = 0  # the version since which no one's state changed but...
        self._changed: dict[str, int] = {}  # ...these people's, at these versions (see `same_since`)

    def _make_state(self, path: str) -> PersonState:
        """A person's state on the current day, computed when first read: after a restore
        or a full fill only everyone's keys are kept."""
        assert self.day is not None
        return person_state(self.people[path], self.day[1], self.day[0])

    def changed(self, people: Mapping[str, Person], paths: Iterable[str], contacts: Contacts | None = None) -> None:
        """The people now, and which of them changed (or went) since the last call; `contacts`
        may give, for a day, everyone's fields and contact (see `PeopleIndex.take_contacts`)."""
        self.people = people
        self.pending.update(paths)
        self._contacts = contacts

    def refills(self, today: date, config: Config) -> bool:
        """Whether `at` would compute everyone's state, not only those of the people changed
        since and of those whose place the days since then change (see `compute._changes_on`)."""
        if self.day is None or self.day[1] is not config or today < self.day[0]:
            return True
        if today == self.day[0]:
            return False
        return len(self._changing(today)) * ROLL_SHARE > len(self.orders["by_name"])

    def _changing(self, today: date) -> list[tuple[Any, ...]]:
        """The keys of the people whose place may differ on `today` from the current day's."""
        column = self.orders["changes"]
        return column[: bisect_left(column, (today.toordinal() + 1,))]

    def at(self, today: date, config: Config) -> Standing:
        """Bring every state up to `today`: everyone's when `refills`, else only those that
        changed (a later day: and those the days since move)."""
        if self.refills(today, config):
            self._restored = None
            self._everyone_changed()
            self.day = (today, config)
            self.states = LazyMap(self._make_state)
            self.orders = {name: [] for name in ORDERS}
            self._placed = {}
            self.pending = set(self.people)
            if len(self.pending) > 64:  # a full fill: sort once instead of inserting one by one
                self._fill(today, config)
                return self
        elif self.day is not None and today != self.day[0]:
            self.pending.update(key[-1] for key in self._changing(today))
            self._everyone_changed()  # (a state holds its day's counts)
            self.day = (today, config)
            self.states = LazyMap(self._make_state, [key[-1] for key in self.orders["by_name"]])  # another day's
        self._moved |= self.pending
        if self.pending:
            self.version += 1
        for path in sorted(self.pending):
            self._changed[path] = self.version
            self._unplace(path)
            person = self.people.get(path)
            if person is not None:
                self._place(person_state(person, config, today))
        self.pending.clear()
        return self

    def _fill(self, today: date, config: Config) -> None:
        """Everyone's keys; their people and states are not kept (the pages show a few), nor
        which keys are whose (found in the orders if someone changes later, as under watch)."""
        paths = sorted(self.people)  # the order notes are read in (and held, see vaultkeeper.spill)
        self.states = LazyMap(self._make_state, paths)
        contact_of = self._contacts(today) if self._contacts is not None else None
        self._contacts = None
        for path in paths:
            known = contact_of(path) if contact_of is not None else None
            if known is not None:  # as sorted, without making the person
                state = sorting_state(path, *known, config, today)
            else:
                state = person_state(peek(self.people, path), config, today)
            for order, key in _keys(state).items():
                self.orders[order].append(key)
        for keys in self.orders.values():
            keys.sort()
        self._placed = None
        self.pending.clear()

    def _place(self, state: PersonState) -> None:
        path = state.person.path
        keys = _keys(state)
        self.states[path] = state
        if self._placed is not None:
            self._placed[path] = keys
        for order, key in keys.items():
            insort(self.orders[order], key)

    def _unplace(self, path: str) -> None:
        if self._placed is None and (len(self.pending) > 16 or self._restored is None):  # index them all, once
            self._placed = {}
            for order, keys in self.orders.items():
                for key in keys:
                    self._placed.setdefault(key[-1], {})[order] = key
        if self._placed is None:  # restored, and only a few changed: find them rather than index all
            placed = {order: key for order, keys in self.orders.items() for key in keys if key[-1] == path}
        else:
            placed = self._placed.pop(path, {})
        self.states.discard(path)
        for order, key in placed.items():
            column = self.orders[order]
            del column[bisect_left(column, key)]

    # --- saving and restoring ---------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The day and orderings; the states themselves are computed again when shown."""
        assert self.day is not None and not self.pending, "call at() first"
        return {"day": self.day[0].toordinal(), "config": repr(self.day[1]), "orders": self.orders}

    def restore(self, saved: dict[str, Any], people: Mapping[str, Person], config: Config) -> None:
        """Take up saved orderings, if they were made on the same settings; else start afresh."""
        self.people = people
        if saved["config"] != repr(config):
            return
        self.day = (date.fromordinal(saved["day"]), config)
        self.orders = saved["orders"]
        self._placed = None  # a build after one edit needs the keys of a few people only
        self._restored, self._moved = self.day[0], set()
        self._everyone_changed()
        self.states = LazyMap(self._make_state, [key[-1] for key in self.orders["by_name"]])

    def _everyone_changed(self) -> None:
        self.version += 1
        self._everyone_since, self._changed = self.version, {}

    # --- reading ----------------------------------------------------------

    def same_since(self, version: int, path: str) -> bool:
        """Whether the person's state is the same as at that `version` of this standing."""
        return self._everyone_since <= version and self._changed.get(path, 0) <= version

    def as_saved(self, path: str) -> bool:
        """Whether the person's state is the one the restored standing was saved with."""
        return self.day is not None and self.day[0] == self._restored and path not in self._moved

    def paths(self, order: str, start: int = 0, stop: int | None = None) -> list[str]:
        return [key[-1] for key in self.orders[order][start:stop]]

    def ordered(self, order: str, start: int = 0, stop: int | None = None) -> list[PersonState]:
        return [self.states[key[-1]] for key in self.orders[order][start:stop]]

    def due_bounds(self, today: date) -> tuple[int, int, int]:
        """Indexes in the due order where today, the rest of the week and later begin."""
        due = self.orders["due"]
        day = today.toordinal()
        return bisect_left(due, (day,)), bisect_left(due, (day + 1,)), bisect_left(due, (day + 8,))

    def open_slots(self, limit: int) -> int:
        return max(0, limit - len(self.orders["members"]))

    def focus(self, limit: int) -> Focus:
        members = self.ordered("members")
        slots = max(0, limit - len(members))
        targets = self.ordered("targets", 0, slots)
        return Focus(
            limit=limit,
            members=tuple(s.name for s in members),
            open_slots=slots,
            suggested_targets=tuple(s.name for s in targets),
            member_paths=tuple(s.person.path for s in members),
            target_paths=tuple(s.person.path for s in targets),
        )

    def report(self, problems: Iterable[Problem], everyone: bool = True) -> Report:
        """Everything, people sorted by name: what `status` shows (without them unless
        `everyone`: see `each_state`)."""
        assert self.day is not None, "call at() first"
        today, config = self.day
        people = tuple(self.ordered("by_name")) if everyone else ()
        return Report(today, people, self.focus(config.focus_limit), tuple(sort_problems(list(problems))))

    def each_state(self) -> Iterator[PersonState]:
        """Everyone's state in name order, each made when reached and not kept (unless it
        was already): a whole vault's states take more memory than all the rest."""
        return map(self.passing_state, self.paths("by_name"))

    def passing_state(self, path: str) -> PersonState:
        """A person's state, made if it was not and not kept (see `each_state`)."""
        assert self.day is not None and not self.pending, "call at() first"
        state = self.states.made.get(path)
        return state if state is not None else person_state(peek(self.people, path), self.day[1], self.day[0])
