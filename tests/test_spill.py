"""Pickles held on disk while a large vault is read: a mapping like a dict, in any order of use."""

from __future__ import annotations

import errno
import sqlite3
from unittest import mock

from conftest import TODAY
from hypothesis import given
from hypothesis import strategies as st

import vaultkeeper.spill as spill
import vaultkeeper.vault as vault_module
from vaultkeeper.builder import run_build
from vaultkeeper.cache import Stamp
from vaultkeeper.spill import Held, Spill

PATHS = [f"People/P{index:03d}.md" for index in range(40)]
STAMP = Stamp(10, 20)
operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "add fresh", "get", "saved"]), st.sampled_from([*PATHS, "Elsewhere/x.md"]), st.binary()
    ),
    max_size=120,
)


@given(operations)
def test_a_spill_holds_what_memory_holds(steps):
    with mock.patch.object(spill, "_WRITE_EVERY", 5):  # bytes: written every step or two
        _same_as_memory(Spill(PATHS), steps)


def _same_as_memory(held: Spill, steps: list[tuple[str, str, bytes]]) -> None:
    model = Held()
    for action, path, blob in steps:
        if action == "add":
            held.add(path, blob)
            model.add(path, blob)
        elif action == "add fresh":
            held.add(path, blob, STAMP, blob[:4])
            model.add(path, blob, STAMP, blob[:4])
        elif action == "saved":
            held.saved()
            model.saved()
        else:
            assert (path in held) == (path in model)
            if path in model:
                assert held[path] == model[path]
    assert dict(held) == dict(model) and len(held) == len(model)
    assert sorted(held.fresh()) == sorted(model.fresh())
    assert list(model.fresh()) == sorted(model.fresh())  # by path: the cache inserts them faster so


def test_many_pickles_are_written_and_read_back_in_any_order(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 200)
    paths = [f"Notes/{index:04d}.md" for index in range(300)]
    held = Spill(paths)
    for path in reversed(paths):  # read in any order; rows follow the sorted paths
        held.add(path, path.encode() * 3, STAMP, path.encode())
    assert held._written and held._memory is None  # in the file
    held.add(paths[10], b"replaced after it was written")  # not in the file yet, and no longer fresh
    assert [held[path] for path in paths[::-1]] == [held[path] for path in paths][::-1]
    assert held[paths[10]] == b"replaced after it was written"
    assert all(held[path] == path.encode() * 3 for path in paths if path != paths[10])
    fresh = list(held.fresh())
    assert [row[0] for row in fresh] == [path for path in paths if path != paths[10]]  # in sorted order
    assert all(row == (row[0], STAMP, row[0].encode(), row[0].encode() * 3) for row in fresh)


def test_a_pickle_replaced_after_it_was_read_back_is_the_new_one(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 8)
    held = Spill(PATHS)
    held.add(PATHS[0], b"old")
    held.add(PATHS[1], b"other")  # both written
    assert held[PATHS[0]] == b"old"
    held.add(PATHS[0], b"new")
    assert held[PATHS[0]] == b"new"  # not written yet
    held.add(PATHS[2], b"third")  # written
    assert held[PATHS[0]] == b"new" and len(held) == 3


def test_pickles_stay_in_memory_when_the_database_cannot_be_written(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 40)
    held = Spill(PATHS)
    for path in PATHS[:5]:
        held.add(path, path.encode(), STAMP, b"d")
    assert held._written  # some of them in the file

    class Full:
        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(bytes(data)[:7])  # a part, then no room
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self):
            return self.file.fileno()

        def close(self):
            self.file.close()

    held._file = Full(held._file)
    for path in PATHS[5:10]:
        held.add(path, path.encode())
    assert held._memory is not None
    assert dict(held) == {path: path.encode() for path in PATHS[:10]}
    assert sorted(held.fresh()) == [(path, STAMP, b"d", path.encode()) for path in PATHS[:5]]


def _pages(root):
    return {path.name: path.read_bytes() for path in sorted((root / "Relationships").glob("*.md"))}


def test_a_build_that_spills_writes_what_one_that_does_not_writes(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "sample-vault"
    roots = []
    for spills in (False, True):
        root = tmp_path / str(spills)
        shutil.copytree(sample, root, ignore=shutil.ignore_patterns(".vaultkeeper"))
        (root / ".vaultkeeper").mkdir()
        monkeypatch.setattr(vault_module, "SPILL_AFTER", 0 if spills else 10**9)
        made: list[Spill] = []
        monkeypatch.setattr(vault_module, "Spill", lambda paths, made=made: made.append(Spill(paths)) or made[-1])
        run_build(root, TODAY)
        assert bool(made) == spills
        roots.append(root)
        with (root / "People/Ada Lovelace.md").open("a") as note:
            note.write("- 2026-11-24 coffee gave:: a book\n")
        run_build(root, TODAY)  # from the cache the first build saved
    assert _pages(roots[0]) == _pages(roots[1])


def test_the_cache_keeps_each_notes_own_parse_from_a_spilled_read(tmp_path, monkeypatch):
    from test_cache import vault

    from vaultkeeper.cache import ParseCache
    from vaultkeeper.scan import list_notes, read_layout_of

    monkeypatch.setattr(vault_module, "SPILL_AFTER", 0)
    monkeypatch.setattr(spill, "_WRITE_EVERY", 300)  # bytes: the file is written many times
    root = vault(tmp_path)
    for index in range(30):
        (root / f"Daily/2026-10-{index % 28 + 1:02d}.md").write_text(f"- met [[Ada]] gave:: tea {index}\n")
    run_build(root, TODAY)
    layout = read_layout_of(root)
    paths = list_notes(layout)
    cache = ParseCache(root)
    stored = cache.parsed(paths)
    cache.close()
    assert sorted(stored) == paths
    assert all(stored[path] == vault_module.read_note(layout, path) for path in paths)


def test_a_full_read_from_cached_rows_spills_them_as_they_come(tmp_path, monkeypatch):
    """What `watch` does at start, and a build whose saved state cannot be used."""
    from test_cache import assert_as_without_cache, vault

    from vaultkeeper.cache import CACHE_FILE
    from vaultkeeper.scan import list_notes, read_layout_of

    monkeypatch.setattr(vault_module, "SPILL_AFTER", 0)
    root = vault(tmp_path)
    for index in range(30):
        (root / f"Daily/2026-10-{index % 28 + 1:02d}.md").write_text(f"- met [[Ada]] gave:: tea {index}\n")
    run_build(root, TODAY)
    with sqlite3.connect(root / CACHE_FILE) as db:
        db.execute("DELETE FROM saved WHERE key IN ('state', 'index', 'last')")
    made: list[Spill] = []
    monkeypatch.setattr(vault_module, "Spill", lambda paths: made.append(Spill(paths)) or made[-1])
    read: list[str] = []
    reads = vault_module.read_many
    monkeypatch.setattr(vault_module, "read_many", lambda layout, paths, *rest: read.extend(paths) or reads(layout, paths, *rest))
    (root / "Relationships/Focus.md").unlink()  # something to write
    assert run_build(root, TODAY).changes
    assert read == ["Home.md"]  # the build before filled its block: every other note came from its row
    assert len(made) == 1 and sorted(made[0]) == list_notes(read_layout_of(root))  # all held in the spill
    assert_as_without_cache(root)


def test_without_pread_the_pickles_stay_in_memory(monkeypatch):
    monkeypatch.delattr(spill.os, "pread")
    held = Spill(PATHS)
    held.add(PATHS[0], b"kept", STAMP, b"d")
    assert held._memory is not None and held[PATHS[0]] == b"kept"
    assert list(held.fresh()) == [(PATHS[0], STAMP, b"d", b"kept")]


def test_a_full_read_given_paths_in_any_order_holds_each_notes_own_parse(tmp_path, monkeypatch):
    from test_cache import vault

    from vaultkeeper.scan import list_notes, read_layout_of
    from vaultkeeper.vault import NoteSet

    root = vault(tmp_path)
    layout = read_layout_of(root)
    expected = dict(NoteSet.read(layout).notes)
    monkeypatch.setattr(vault_module, "SPILL_AFTER", 0)
    spilled = NoteSet.read(layout, None, list(reversed(list_notes(layout))))
    assert isinstance(spilled._pickles, Spill) and dict(spilled.notes) == expected
    assert not spilled._pickles._extra  # each at its place, none found by a linear search


def _usable(file) -> bool:
    import os

    file.write(b"note bytes")
    return os.pread(file.fileno(), 5, 5) == b"bytes"


def test_an_unnamed_file_is_made_without_tempfile_where_the_system_can(tmp_path, monkeypatch):
    import sys

    if not spill._O_TMPFILE:
        return  # not Linux: tempfile's, as below
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delitem(sys.modules, "tempfile", raising=False)
    with spill.unnamed_file() as file:
        assert _usable(file) and "tempfile" not in sys.modules
        assert list(tmp_path.iterdir()) == []  # no name in the folder, ever


def test_an_unnamed_file_falls_back_to_tempfile(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))  # tempfile then looks further, as it always does
    with spill.unnamed_file() as file:
        assert _usable(file)
    monkeypatch.setattr(spill, "_O_TMPFILE", 0)  # a system without it
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with spill.unnamed_file() as file:
        assert _usable(file)
