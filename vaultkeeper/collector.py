"""Keeping Python's cyclic garbage collector out of the way of reading a whole vault."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Reading a vault makes millions of small objects and no garbage cycles worth
    collecting meanwhile; the cyclic collector would rescan them again and again
    (measured: a cold build at 10,000 people takes 22% less time without it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            collector_back_on()


def collector_back_on() -> None:
    """Turn the cyclic collector on again without it first scanning all that was made while it
    was off: every object made since counts as young, and the first collection would go
    through them all (0.16 s after `status` at 10,000 people, 40 ms in a cold build's save)."""
    gc.freeze()  # what is alive now counts as old (and the young count starts again)...
    gc.enable()
    gc.unfreeze()  # ...and is collected as old objects are, when they are
