"""Pickles held on disk while a large vault is read: a mapping like a dict, in any order of use."""

from __future__ import annotations

import sqlite3
from unittest import mock

from conftest import TODAY
from hypothesis import given
from hypothesis import strategies as st

import vaultkeeper.spill as spill
import vaultkeeper.vault as vault_module
from vaultkeeper.builder import run_build
from vaultkeeper.spill import Spill

PATHS = [f"People/P{index:03d}.md" for index in range(40)]
operations = st.lists(
    st.tuples(st.sampled_from(["set", "get", "del"]), st.sampled_from([*PATHS, "Elsewhere/x.md"]), st.binary()),
    max_size=120,
)


@given(operations)
def test_a_spill_behaves_as_a_dict(steps):
    with mock.patch.object(spill, "_WRITE_EVERY", 3), mock.patch.object(spill, "_READ_AHEAD", 4):
        held, model = Spill(PATHS), {}
        _same_as_a_dict(held, model, steps)


def _same_as_a_dict(held: Spill, model: dict[str, bytes], steps: list[tuple[str, str, bytes]]) -> None:
    for action, path, blob in steps:
        if action == "set":
            held[path] = model[path] = blob
        elif action == "del" and path in model:
            del held[path], model[path]
        elif action == "get":
            assert (path in held) == (path in model)
            if path in model:
                assert held[path] == model[path]
    assert dict(held) == model and len(held) == len(model)


def test_many_pickles_are_written_and_read_back_in_any_order(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 7)
    monkeypatch.setattr(spill, "_READ_AHEAD", 5)
    paths = [f"Notes/{index:04d}.md" for index in range(300)]
    held = Spill(paths)
    for path in reversed(paths):  # read in any order; rows follow the sorted paths
        held[path] = path.encode() * 3
    assert held._pending and held._memory is None  # some written, some not yet
    held[paths[10]] = b"replaced after it was written"
    assert [held[path] for path in paths[::-1]] == [held[path] for path in paths][::-1]
    assert held[paths[10]] == b"replaced after it was written"
    assert all(held[path] == path.encode() * 3 for path in paths if path != paths[10])


def test_a_pickle_replaced_after_it_was_read_back_is_the_new_one(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 2)
    held = Spill(PATHS)
    held[PATHS[0]], held[PATHS[1]] = b"old", b"other"  # written
    assert held[PATHS[0]] == b"old"  # read back, with its neighbours
    held[PATHS[0]], held[PATHS[2]] = b"new", b"third"  # written again
    assert held[PATHS[0]] == b"new"


def test_pickles_stay_in_memory_when_the_database_cannot_be_written(monkeypatch):
    monkeypatch.setattr(spill, "_WRITE_EVERY", 3)
    held = Spill(PATHS)
    for path in PATHS[:5]:
        held[path] = path.encode()

    class Full:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql == "BEGIN":
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.execute(sql, *args)

    held._db = Full(held._db)
    for path in PATHS[5:10]:
        held[path] = path.encode()
    assert held._memory is not None
    assert {path: held[path] for path in PATHS[:10]} == {path: path.encode() for path in PATHS[:10]}


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
    monkeypatch.setattr(spill, "_READ_AHEAD", 3)
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
