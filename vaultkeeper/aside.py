"""Saving a full read's rows to the cache in a forked process while the build plans its pages.

A cold build writes every note's row (at 10,000 people, 17,500 rows: about
220 ms) after planning, on one core while the other idles. Forked once the
notes are read, a copy of this process writes them (with what each note's
links resolved to) while this one computes and renders; the build then saves
only what changed since, and the joined state. The copy's transaction is the
cache's usual one: it saves nothing if another process saved since this
one's check, and it bumps the generation, so this process's later save is
refused if anyone else saved in between. It writes through SQLite's rollback
journal when no one else has the cache open, which writes the rows once (see
`ParseCache.rollback_journal`). If the copy fails, this process saves
everything itself, as it would have.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from vaultkeeper.cache import ParseCache
from vaultkeeper.reading import can_fork_safely
from vaultkeeper.spill import Fresh

ASIDE_AFTER = 2000  # notes in a full read; fewer rows are saved in a few milliseconds


class Aside:
    """The forked process saving the rows; `saved()` waits for it."""

    def __init__(self, pid: int, resolved: dict[str, object]) -> None:
        self.pid = pid
        self.resolved = resolved  # what it saved of each note's resolved links, as objects of this process
        self._saved: bool | None = None

    def saved(self) -> bool:
        """Whether it committed (waits for it the first time)."""
        if self._saved is None:
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:  # reaped already (SIGCHLD ignored): whether it saved is unknown
                self._saved = False
            else:
                self._saved = os.waitstatus_to_exitcode(status) == 0
        return self._saved


def save_aside(
    cache: ParseCache, entries: Iterable[Fresh], context: str, gone: set[str], resolved: dict[str, object]
) -> Aside | None:
    """Fork a process that saves these rows (every row's resolved links reset first, then
    `resolved`) and no joined state; None when this process cannot fork safely."""
    if not can_fork_safely():
        return None
    cache.suspend()  # the copy opens a connection of its own
    pid = os.fork()
    if pid == 0:  # the copy: save, then leave at once (no cleanup of what is this process's)
        code = 1
        try:
            with cache.rollback_journal():
                if cache.store(entries, context, gone, resolved, None, reset_resolved=True):
                    code = 0
        finally:
            os._exit(code)
    return Aside(pid, resolved)
