"""A mapping whose values are made on first use, so a build after one edit loads only what it touches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LazyMap(MutableMapping[K, V]):
    """Keys known up front; each value made by `make(key)` the first time it is read.

    Setting a value replaces whatever would have been made; `discard` forgets a
    key without making its value (which may no longer be makeable).
    """

    def __init__(self, make: Callable[[K], V] | None = None, keys: Iterable[K] = ()):
        self._values: dict[K, V] = {}
        self._unmade: dict[K, None] = dict.fromkeys(keys)  # a dict keeps the order
        self._make = make

    def __getitem__(self, key: K) -> V:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = self._made(key)
        del self._unmade[key]
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._values[key] = value
        self._unmade.pop(key, None)

    def __delitem__(self, key: K) -> None:
        if key in self._unmade:
            del self._unmade[key]
        else:
            del self._values[key]

    def make_all(self, make_many: Callable[[list[K]], dict[K, V]]) -> None:
        """Make every value not made yet in one go (those `make_many` leaves out stay unmade)."""
        for key, value in make_many(list(self._unmade)).items():
            if key in self._unmade:
                self._values[key] = value
                del self._unmade[key]

    def peek(self, key: K) -> V:
        """The value, made if need be but not kept (to read everyone once without holding them all)."""
        return self._values[key] if key in self._values else self._made(key)

    def _made(self, key: K) -> V:
        if key not in self._unmade or self._make is None:
            raise KeyError(key)
        return self._make(key)

    def reset(self, key: K) -> None:
        """The key's value is to be made (again) when next read."""
        self._values.pop(key, None)
        self._unmade[key] = None

    def discard(self, key: K) -> None:
        self._values.pop(key, None)
        self._unmade.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._values or key in self._unmade

    def __iter__(self) -> Iterator[K]:
        return iter([*self._values, *self._unmade])

    def __len__(self) -> int:
        return len(self._values) + len(self._unmade)

    @property
    def unmade(self) -> list[K]:
        """The keys whose values are still to be made."""
        return list(self._unmade)

    def make_with(self, make: Callable[[K], V]) -> None:
        """Make the values not made yet with `make` from now on."""
        self._make = make

    @property
    def made(self) -> dict[K, V]:
        """The values made or set so far."""
        return self._values


def peek(mapping: Mapping[K, V], key: K) -> V:
    """`mapping[key]`, without keeping a lazily made value."""
    return mapping.peek(key) if isinstance(mapping, LazyMap) else mapping[key]

