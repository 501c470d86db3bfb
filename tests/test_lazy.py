"""LazyMap: values made once, on first read, and never when only the key is handled."""

import pytest

from vaultkeeper.lazy import LazyMap, peek


def counting():
    made = []

    def make(key):
        made.append(key)
        return key.upper()

    return made, make


def test_values_are_made_once_on_first_read():
    made, make = counting()
    lazy = LazyMap(make, ["a", "b"])
    assert len(lazy) == 2 and "a" in lazy and made == []
    assert lazy["a"] == "A" and lazy["a"] == "A"
    assert made == ["a"] and lazy.made == {"a": "A"}
    with pytest.raises(KeyError):
        lazy["c"]
    assert sorted(lazy) == ["a", "b"] and dict(lazy) == {"a": "A", "b": "B"}


def test_setting_discarding_and_resetting_never_make():
    made, make = counting()
    lazy = LazyMap(make, ["a", "b", "c"])
    lazy["a"] = "mine"
    lazy.discard("b")
    del lazy["c"]
    assert made == [] and dict(lazy) == {"a": "mine"}
    lazy.reset("a")
    assert lazy["a"] == "A" and made == ["a"]
    lazy.reset("new")
    assert lazy["new"] == "NEW"


def test_peek_does_not_keep_and_make_all_fills_what_it_can():
    made, make = counting()
    lazy = LazyMap(make, ["a", "b", "c"])
    assert peek(lazy, "a") == "A" and lazy.made == {}
    assert peek({"x": 1}, "x") == 1
    lazy.make_all(lambda keys: {key: key * 2 for key in keys if key != "c"})
    assert lazy.made == {"a": "aa", "b": "bb"}
    assert lazy["c"] == "C"  # left out in bulk: made alone when read

