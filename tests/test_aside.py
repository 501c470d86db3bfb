"""A full read's rows saved by a forked process while the build plans: the same cache, and
nothing saved that another process's save would contradict."""

import contextlib
import marshal
import os
import pickle
import random
import sqlite3
from pathlib import Path

import pytest
from test_cache import NAMES, TODAY, assert_as_without_cache, edit_randomly, pages, vault

import vaultkeeper.vault
from vaultkeeper import codec
from vaultkeeper.builder import run_build
from vaultkeeper.cache import CACHE_FILE, ParseCache
from vaultkeeper.scan import read_layout_of


@pytest.fixture
def aside(monkeypatch):
    """Every full read saves its rows aside, however few notes it has."""
    monkeypatch.setattr(vaultkeeper.vault, "ASIDE_AFTER", 0)


def linked_vault(tmp_path: Path) -> Path:
    root = vault(tmp_path)
    for day, name in enumerate(NAMES, 1):
        (root / f"Daily/2026-11-0{day}.md").write_text(f"- met [[{name}]] gave:: tea\n- [ ] ask [[{name}y]]\n")
    home = (root / "Home.md").read_text()
    (root / "Home.md").write_text(home + "- [ ] call [[Bob]]\n")  # a link below a block: filling it moves it
    return root


def links(value: object) -> tuple | None:
    """What a note's links resolved to, comparable (pickled sets come back in any order)."""
    if value is None:
        return None
    return (dict(value.interactions), dict(value.loops), value.problems, value.keys)


def assert_rows_resolve_as_a_fresh_read(root: Path) -> None:
    """Every row's resolved links are what reading the vault afresh resolves them to."""
    fresh = vaultkeeper.vault.NoteSet.read(read_layout_of(root))
    db = sqlite3.connect(root / CACHE_FILE)
    try:
        for path, resolved in db.execute("SELECT path, resolved FROM notes"):
            stored = links(pickle.loads(resolved)) if resolved is not None else None
            assert stored == links(fresh.index.resolved(path)), path
    finally:
        db.close()


def contents(root: Path) -> tuple[dict, dict, int]:
    """Every row (resolved links unpickled: sets pickle in any order), the saved state, the generation."""
    db = sqlite3.connect(root / CACHE_FILE)
    try:
        rows = {}
        for path, *stamp, digest, parsed, resolved in db.execute(
            "SELECT path, context, size, mtime_ns, digest, parsed, resolved FROM notes"
        ):
            rows[path] = (stamp, digest, repr(codec.loads(parsed)), links(pickle.loads(resolved)) if resolved else None)
        saved = {key: marshal.loads(value) for key, value in db.execute("SELECT key, value FROM saved WHERE key = 'state'")}
        index = db.execute("SELECT value FROM saved WHERE key = 'index'").fetchone()
        if index is not None:
            saved["index"] = {k: marshal.loads(v) if isinstance(v, bytes) else v for k, v in marshal.loads(index[0]).items()}
        generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        return rows, saved, generation
    finally:
        db.close()


def test_rows_saved_aside_make_the_same_cache(tmp_path, monkeypatch):
    root = linked_vault(tmp_path)
    run_build(root, TODAY)  # pages and blocks written: the next builds read the same notes
    (root / CACHE_FILE).unlink()
    run_build(root, TODAY)
    inline_rows, inline_saved, inline_generation = contents(root)
    (root / CACHE_FILE).unlink()
    monkeypatch.setattr(vaultkeeper.vault, "ASIDE_AFTER", 0)
    run_build(root, TODAY)
    rows, saved, generation = contents(root)
    assert (rows, saved) == (inline_rows, inline_saved)
    assert generation == inline_generation + 1  # the forked process saved the rows, this one the state
    assert_as_without_cache(root)


def test_builds_after_random_edits_with_rows_saved_aside(tmp_path, aside):
    root = linked_vault(tmp_path)
    run_build(root, TODAY)
    rng = random.Random(3)
    for step in range(30):
        edit_randomly(root, rng)
        if step % 3 == 0:  # no saved state: a full read, saved aside
            db = sqlite3.connect(root / CACHE_FILE)
            db.execute("DELETE FROM saved WHERE key IN ('state', 'index')")
            db.commit()
            db.close()
        assert not run_build(root, TODAY).errors
        with_cache = pages(root)
        assert run_build(root, TODAY, use_cache=False).changes == [], f"step {step}"
        assert pages(root) == with_cache
        assert_rows_resolve_as_a_fresh_read(root)


def test_the_forked_process_saves_in_place_and_leaves_the_log_empty_for_the_builds_own_save(
    tmp_path, aside, monkeypatch
):
    """Through the rollback journal: its rows written once, not into the log and again into
    the database; and the build's save, a tenth of the size, checkpoints none of them."""
    root = linked_vault(tmp_path)
    log = Path(f"{root / CACHE_FILE}-wal")
    modes = tmp_path / "modes"
    sizes = []
    save, rollback_journal = vaultkeeper.vault.NoteSet.save, ParseCache.rollback_journal

    @contextlib.contextmanager
    def seen(cache):
        with rollback_journal(cache):
            with modes.open("a") as out:  # written by the forked process
                out.write(cache.db.execute("PRAGMA journal_mode").fetchone()[0])
            yield

    def save_after_the_aside(notes, cache):
        saved = notes._aside is not None and notes._aside.saved()  # waits for it
        sizes.append((saved, log.stat().st_size if log.exists() else 0))
        save(notes, cache)

    monkeypatch.setattr(ParseCache, "rollback_journal", seen)
    monkeypatch.setattr(vaultkeeper.vault.NoteSet, "save", save_after_the_aside)
    run_build(root, TODAY)
    assert modes.read_text() == "delete"
    assert sizes == [(True, 0)]
    db = sqlite3.connect(root / CACHE_FILE)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    assert_as_without_cache(root)


def test_if_the_forked_process_fails_this_one_saves_everything(tmp_path, aside, monkeypatch):
    root = linked_vault(tmp_path)
    this = os.getpid()
    store = ParseCache.store
    monkeypatch.setattr(ParseCache, "store", lambda cache, *args: os.getpid() == this and store(cache, *args))
    run_build(root, TODAY)
    rows, saved, generation = contents(root)
    assert generation == 1 and "index" in saved and "state" in saved
    assert rows["Daily/2026-11-01.md"][3] is not None  # what it resolved to
    monkeypatch.setattr(ParseCache, "store", store)
    assert_as_without_cache(root)


def test_another_process_saving_first_means_no_state_is_saved(tmp_path, aside, monkeypatch):
    root = linked_vault(tmp_path)
    run_build(root, TODAY)
    (root / "People/Ada.md").write_text("---\nstage: growing\n---\n## Log\n- 2026-11-20 tea\n")
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("DELETE FROM saved WHERE key IN ('state', 'index')")  # the next build reads it all
    db.commit()
    real = vaultkeeper.vault.NoteSet.save_aside

    def other_saves_first(notes, cache):
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")  # as another build would
        db.commit()
        real(notes, cache)

    monkeypatch.setattr(vaultkeeper.vault.NoteSet, "save_aside", other_saves_first)
    before = db.execute("SELECT path, parsed FROM notes WHERE path = 'People/Ada.md'").fetchone()
    assert not run_build(root, TODAY).errors
    assert db.execute("SELECT path, parsed FROM notes WHERE path = 'People/Ada.md'").fetchone() == before
    assert db.execute("SELECT count(*) FROM saved WHERE key IN ('state', 'index')").fetchone() == (0,)
    db.close()
    monkeypatch.undo()
    assert_as_without_cache(root)


def test_a_full_read_from_saved_rows_saves_what_unchanged_notes_resolve_to_now(tmp_path, aside):
    root = vault(tmp_path)
    (root / "People/Ada.md").write_text("---\nstage: new\naliases: [Addy]\n---\n")
    (root / "Daily/2026-11-01.md").write_text("- met [[Addy]]\n")
    run_build(root, TODAY)
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n")  # [[Addy]] now means nobody
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("DELETE FROM saved WHERE key IN ('state', 'index')")  # a full read; the daily note's row is reused
    db.commit()
    db.close()
    run_build(root, TODAY)
    assert_rows_resolve_as_a_fresh_read(root)


def test_a_build_whose_children_are_reaped_for_it_still_reads_and_saves(tmp_path, monkeypatch, aside):
    """With SIGCHLD ignored (as some supervisors leave it), the forked reader and the copy
    saving rows are reaped by the system: waiting for them fails, and the build goes on."""
    import signal

    from vaultkeeper import reading

    monkeypatch.setattr(reading, "PARALLEL_AFTER", 2)
    monkeypatch.setattr(reading, "PART", 2)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading.threading, "active_count", lambda: 1)  # pytest may run threads of its own
    root = linked_vault(tmp_path)
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        outcome = run_build(root, TODAY)
        assert not outcome.errors and outcome.people == len(NAMES)
        assert_as_without_cache(root)
        assert not run_build(root, TODAY).errors  # again, through what the first one saved
        assert_as_without_cache(root)
    finally:
        signal.signal(signal.SIGCHLD, previous)
