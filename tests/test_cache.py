"""The parse cache changes nothing but speed, and is never trusted blindly."""

import marshal
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import this_process_claims_first

from vaultkeeper import codec, reading
from vaultkeeper.builder import run_build
from vaultkeeper.cache import CACHE_FILE, ParseCache, Stamp
from vaultkeeper.people import PeopleIndex
from vaultkeeper.scan import read_layout_of
from vaultkeeper.vault import NoteSet

TODAY = date(2026, 11, 25)
_READ_ENCODED = reading._read_encoded

NAMES = ["Ada", "Bob", "Cy", "Di"]


def person(rng: random.Random, dates: bool = False) -> str:
    """A person note; with `dates`, now and then a next date and a birthday (the calendar's events)."""
    log = "".join(f"- 2026-11-{rng.randint(1, 28):02d} x{rng.choice(['', ' gave:: a', ' got:: b'])}\n" for _ in range(rng.randint(0, 3)))
    aliases = f"aliases: [{rng.choice(NAMES)}y]\n" if rng.random() < 0.3 else ""  # names that links may come to mean
    aliases += f"name: {rng.choice(NAMES)}z\n" if rng.random() < 0.2 else ""
    task = f"- [ ] ask [[{rng.choice(NAMES)}y]]\n" if rng.random() < 0.3 else ""
    if dates and rng.random() < 0.5:
        aliases += f"next: 2026-12-{rng.randint(1, 9):02d}\nbirthday: --11-{rng.randint(25, 28)}\n"
    return f"---\nstage: {rng.choice(['new', 'growing', 'target'])}\n{aliases}---\n{task}## Log\n{log}"


def vault(tmp_path: Path, ics: bool = False) -> Path:
    root = tmp_path / "vault"
    (root / ".vaultkeeper").mkdir(parents=True)
    if ics:
        (root / ".vaultkeeper/config.toml").write_text("ics = true\n")
    (root / "People").mkdir()
    (root / "Daily").mkdir()
    rng = random.Random(0)
    for name in NAMES:
        (root / f"People/{name}.md").write_text(person(rng, ics))
    (root / "Home.md").write_text("<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n")
    return root


def pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "Relationships").glob("*.*"))} | {
        "Home.md": (root / "Home.md").read_bytes()
    }


def assert_as_without_cache(root: Path, day: date = TODAY) -> None:
    """The pages a cached build left are exactly what a build without the cache leaves."""
    with_cache = pages(root)
    assert run_build(root, day, use_cache=False).changes == []
    assert pages(root) == with_cache


def edit_randomly(root: Path, rng: random.Random, dates: bool = False) -> None:
    """Write, rewrite or delete a person or daily note, now and then keeping its size and mtime."""
    target = root / rng.choice(["People", "Daily"]) / f"{rng.choice(NAMES)}{rng.choice(['', '-2'])}.md"
    if target.parent.name == "Daily":
        target = root / "Daily" / f"2026-11-{rng.randint(1, 9):02d}.md"
    action = rng.random()
    if action < 0.2 and target.exists():
        target.unlink()
    elif target.parent.name == "Daily":
        folder = rng.choice(["", "", "People/"])  # a path-form link now and then
        target.write_text(f"- met [[{folder}{rng.choice(NAMES)}{rng.choice(['', 'y', 'z'])}]] gave:: tea\n")
    else:
        target.write_text(person(rng, dates))
    if rng.random() < 0.3:  # same size, same mtime, different content: only the hash can tell
        stat = target.stat() if target.exists() else None
        if stat:
            data = bytearray(target.read_bytes())
            data[-2] = ord("y") if data[-2] != ord("y") else ord("z")
            target.write_bytes(bytes(data))
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("ics", [False, True])
def test_cached_builds_equal_cold_builds_after_random_edits(tmp_path, ics):
    root = vault(tmp_path, ics)
    rng = random.Random(1)
    for step in range(60):
        edit_randomly(root, rng, ics)
        day = TODAY + timedelta(days=rng.choice([0, 0, 0, 1, 3]))  # the calendar's events remembered for a day
        cached = run_build(root, day)
        assert not cached.errors
        with_cache = pages(root)
        assert ("vaultkeeper.ics" in with_cache) == ics
        cold = run_build(root, day, use_cache=False)
        assert cold.changes == [], f"step {step}: the cached build wrote something a cold build would not"
        assert pages(root) == with_cache


def test_warm_build_takes_the_fast_path_and_notices_any_change(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    fresh = run_build(root, TODAY)
    assert not fresh.from_cache  # notes written a moment ago: their mtimes are not trusted yet
    for note in [*root.glob("People/*.md"), root / "Home.md"]:
        os.utime(note, ns=(1, 1_000_000_000))  # old mtimes: trusted
    run_build(root, TODAY)
    warm = run_build(root, TODAY)
    assert warm.from_cache and warm.changes == []
    (root / "People/Ada.md").write_text("---\nstage: dormant\n---\n")
    changed = run_build(root, TODAY)
    assert not changed.from_cache
    assert [c.path for c in changed.changes]
    for note in [*root.glob("People/*.md"), root / "Home.md"]:
        os.utime(note, ns=(1, 1_000_000_000))
    run_build(root, TODAY)
    assert run_build(root, TODAY).from_cache
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n")  # an older version, as git checkout leaves it:
    os.utime(root / "People/Ada.md", ns=(1, 500_000_000))  # not the newest note, same number of notes
    assert not run_build(root, TODAY).from_cache
    assert not run_build(root, date(2026, 11, 26)).from_cache  # a new day
    (root / "Relationships/Focus.md").write_text("edited\n")
    assert not run_build(root, date(2026, 11, 26)).from_cache  # a page touched by hand


def test_corrupt_truncated_or_foreign_cache_is_rebuilt(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    expected = pages(root)
    cache_file = root / CACHE_FILE
    for damage in (b"garbage" * 100, cache_file.read_bytes()[:100], b""):
        cache_file.write_bytes(damage)
        for suffix in ("-wal", "-shm"):
            Path(str(cache_file) + suffix).unlink(missing_ok=True)
        outcome = run_build(root, TODAY, force=True)
        assert not outcome.errors
        assert pages(root) == expected
        rebuilt = ParseCache(root)
        assert rebuilt.state() is not None, "the damaged cache was not rebuilt"
        rebuilt.close()
    db = sqlite3.connect(cache_file)
    db.execute("UPDATE meta SET value = 'vaultkeeper 0.0.1 cache 0' WHERE key = 'format'")
    db.execute("UPDATE notes SET parsed = X'00'")
    db.commit()
    db.close()
    foreign = ParseCache(root)
    assert foreign.check({}, "", root) == (set(), {}) and foreign.state() is None
    foreign.close()
    run_build(root, TODAY, force=True)
    assert pages(root) == expected


def test_bad_rows_are_misses(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("UPDATE notes SET parsed = X'80049500'")
    db.commit()
    db.close()
    layout = read_layout_of(root)
    fresh = NoteSet.read(layout)
    cached = NoteSet.read(layout, ParseCache(root))
    assert cached.notes == fresh.notes


def test_deleting_the_cache_or_no_cache_changes_nothing(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    expected = pages(root)
    (root / CACHE_FILE).unlink()
    assert run_build(root, TODAY).changes == []
    assert run_build(root, TODAY, use_cache=False).changes == []
    assert pages(root) == expected


def test_no_cache_neither_reads_nor_writes(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY, use_cache=False)
    assert not (root / CACHE_FILE).exists()


def test_no_cache_without_a_vaultkeeper_folder(tmp_path):
    root = tmp_path / "plain"
    (root / "People").mkdir(parents=True)
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n")
    run_build(root, TODAY)
    assert sorted(p.name for p in root.iterdir()) == ["People", "Relationships"]


def test_the_cache_keeps_itself_out_of_git(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    assert "cache*" in (root / ".vaultkeeper/.gitignore").read_text()


def test_two_processes_share_the_cache(tmp_path):
    root = vault(tmp_path)
    for index in range(200):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    script = (
        "import sys; from datetime import date; from pathlib import Path;"
        "from vaultkeeper.builder import run_build;"
        "[run_build(Path(sys.argv[1]), date(2026, 11, 25), force=True) for _ in range(5)]"
    )
    runs = [subprocess.Popen([sys.executable, "-c", script, str(root)], stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    db = sqlite3.connect(root / CACHE_FILE)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 205
    layout = read_layout_of(root)
    assert NoteSet.read(layout, ParseCache(root)).notes == NoteSet.read(layout).notes


def test_emptying_the_log_never_waits_for_another_reader(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    cache = ParseCache(root)
    log = Path(f"{root / CACHE_FILE}-wal")
    reader = sqlite3.connect(root / CACHE_FILE, isolation_level=None)
    try:
        assert cache.store([], "x", {"Home.md"}, {}, None)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM notes").fetchone()[0] == 4  # reading the log now
        started = time.monotonic()
        cache.empty_log()
        assert time.monotonic() - started < 2.5 and log.stat().st_size > 0  # left as it is, at once (not 5 s)
        reader.execute("COMMIT")
        cache.empty_log()
        assert log.stat().st_size == 0
        assert reader.execute("SELECT count(*) FROM notes").fetchone()[0] == 4
    finally:
        reader.close()
        cache.close()


def journal_mode(db: sqlite3.Connection) -> str:
    return db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_save_goes_through_the_rollback_journal_when_no_one_else_has_the_cache_open(tmp_path):
    """Written once in place, instead of into the log and again into the database."""
    root = vault(tmp_path)
    run_build(root, TODAY)
    cache = ParseCache(root)
    rows = cache.db.execute("SELECT count(*) FROM notes").fetchone()[0]
    with cache.rollback_journal():
        assert journal_mode(cache.db) == "delete"
        assert cache.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: as safe as the log
        assert cache.store([], "x", {"Home.md"}, {}, None)
    assert journal_mode(cache.db) == "wal"  # back to the log, which lets readers and a writer share it
    assert cache.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, as with the log
    cache.close()
    assert not Path(f"{root / CACHE_FILE}-journal").exists()
    db = sqlite3.connect(root / CACHE_FILE)
    try:
        assert journal_mode(db) == "wal"
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == rows - 1
    finally:
        db.close()


def test_with_another_connection_open_a_save_goes_through_the_log_at_once(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    cache = ParseCache(root)
    rows = cache.db.execute("SELECT count(*) FROM notes").fetchone()[0]
    other = sqlite3.connect(root / CACHE_FILE, isolation_level=None)  # watch, say, between two reads
    try:
        assert other.execute("SELECT count(*) FROM notes").fetchone()[0] == rows
        started = time.monotonic()
        with cache.rollback_journal():
            assert journal_mode(cache.db) == "wal"
            assert cache.store([], "x", {"Home.md"}, {}, None)
        assert time.monotonic() - started < 2.5  # no waiting for the other connection (not 5 s)
        assert Path(f"{root / CACHE_FILE}-wal").stat().st_size == 0  # emptied into the database after
        assert other.execute("SELECT count(*) FROM notes").fetchone()[0] == rows - 1
    finally:
        other.close()
        cache.close()


def test_stamp_and_hash_rules(tmp_path):
    root = vault(tmp_path)
    layout = read_layout_of(root)
    first = ParseCache(root)
    NoteSet.read(layout, first).save(first)
    first.close()
    note = root / "People/Ada.md"
    stat = note.stat()
    same = {"People/Ada.md": Stamp(stat.st_size, stat.st_mtime_ns)}

    def check(stamps, context):  # each in a cache of its own: a check begins its read transaction
        cache = ParseCache(root)
        try:
            return cache.check(stamps, context, root)
        finally:
            cache.close()

    valid, read = check(same, layout.parse_key)
    assert "People/Ada.md" in valid and "People/Ada.md" in read  # fresh mtime: verified by hash
    other = {"People/Ada.md": Stamp(stat.st_size + 1, stat.st_mtime_ns)}
    assert check(other, layout.parse_key) == (set(), {})
    assert check(same, "another layout") == (set(), {})  # e.g. another people folder: not even hashed
    os.utime(note, ns=(1, 1_000_000_000))  # old enough to trust, once the cache has it so
    run_build(root, TODAY)
    old = {"People/Ada.md": Stamp(stat.st_size, 1_000_000_000)}
    assert check(old, layout.parse_key) == ({"People/Ada.md"}, {})  # trusted: not read at all
    assert check({"People/Ada.md": Stamp(stat.st_size, 2_000_000_000)}, layout.parse_key)[1]  # other mtime: hashed


def test_changed_templates_defeat_the_fast_path(tmp_path, monkeypatch):
    import shutil

    import vaultkeeper.config as config

    defaults = tmp_path / "defaults"
    shutil.copytree(config.default_templates(), defaults)
    monkeypatch.setattr(config, "default_templates", lambda: defaults)
    root = vault(tmp_path)
    run_build(root, TODAY)
    for note in [*root.glob("People/*.md"), root / "Home.md"]:
        os.utime(note, ns=(1, 1_000_000_000))  # old enough to trust
    run_build(root, TODAY)
    assert run_build(root, TODAY).from_cache
    (defaults / "Focus.md.j2").write_text((defaults / "Focus.md.j2").read_text() + "\n")  # an upgrade
    assert not run_build(root, TODAY).from_cache
    assert run_build(root, TODAY).from_cache
    (root / ".vaultkeeper/templates").mkdir()
    (root / ".vaultkeeper/templates/Focus.md.j2").write_text("# mine\n")
    assert not run_build(root, TODAY).from_cache


def test_saved_state_is_not_reused_on_other_settings_or_another_day(tmp_path):
    root = vault(tmp_path)
    (root / "Daily/2026-11-20.md").write_text("- met [[Ada]]\n")
    (root / "People/Cy.md").write_text("---\nstage: growing\n---\n## Log\n- 2026-11-28 a planned call\n")  # past by Dec 1
    for index in range(70):  # enough people that a new day fills the standing anew rather than one by one
        (root / f"People/Extra{index}.md").write_text("---\nstage: dormant\n---\n")
    run_build(root, TODAY)
    (root / ".vaultkeeper/config.toml").write_text('[stages.growing]\ncadence = "3 days"\n[stages.new]\ncadence = "1 day"\n')
    for day in (TODAY, date(2026, 12, 1)):
        run_build(root, day)
        assert_as_without_cache(root, day)


def test_a_build_after_one_edit_reads_only_what_it_touches(tmp_path):
    root = vault(tmp_path)
    for index in range(300):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: established\n---\n## Log\n- 2026-0{index % 9 + 1}-01 x\n")
    run_build(root, TODAY)
    with (root / "People/Extra7.md").open("a") as note:
        note.write("- 2026-11-24 a call\n")
    layout = read_layout_of(root)
    cache = ParseCache(root)
    notes = NoteSet.read(layout, cache)
    vault_now = notes.vault()
    vault_now.at(TODAY)
    assert len(notes.notes) == 305
    assert len(notes.index.notes.made) < 10  # the edited note (old and new), not the vault
    assert vault_now.at(TODAY).states["People/Extra7.md"].last_contact == date(2026, 11, 24)
    cache.close()


def test_a_build_on_a_new_day_holds_the_rows_not_the_parses(tmp_path):
    root = vault(tmp_path)
    for index in range(300):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: established\n---\n## Log\n- 2026-0{index % 9 + 1}-01 x\n")
    run_build(root, TODAY)
    cache = ParseCache(root)
    notes = NoteSet.read(read_layout_of(root), cache)
    states = notes.vault().at(date(2026, 12, 24)).states
    assert len(notes.index.notes.made) < 10  # everyone's state computed, their parses not kept
    fresh = NoteSet.read(read_layout_of(root)).vault().at(date(2026, 12, 24)).states
    assert {path: states[path] for path in fresh} == dict(fresh.items())
    cache.close()


def test_a_cold_build_saves_what_each_linking_note_resolved_to(tmp_path):
    root = vault(tmp_path)
    (root / "Daily/2026-11-20.md").write_text("- met [[Ada]] gave:: tea\n")
    (root / "Daily/2026-11-21.md").write_text("- [ ] ask [[Bob]]\n")
    run_build(root, TODAY)
    db = sqlite3.connect(root / CACHE_FILE)
    linking = {path for (path,) in db.execute("SELECT path FROM notes WHERE resolved IS NOT NULL")}
    db.close()
    assert {"Daily/2026-11-20.md", "Daily/2026-11-21.md"} <= linking
    cache = ParseCache(root)
    notes = NoteSet.read(read_layout_of(root), cache)
    notes.load_rest()  # every row the saved state names is there (StaleState otherwise)
    assert notes.index.resolved("Daily/2026-11-20.md").keys == {"ada"}
    cache.close()


def test_a_whole_vault_is_joined_from_pickles_without_keeping_the_parses(tmp_path):
    root = vault(tmp_path)
    (root / "Daily/2026-11-20.md").write_text("- met [[Extra7]] gave:: tea\n")  # before its person, in path order
    for index in range(100):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: growing\n---\n## Log\n- 2026-0{index % 9 + 1}-01 x\n")
    for cache in (None, ParseCache(root)):
        notes = NoteSet.read(read_layout_of(root), cache)
        standing = notes.vault().at(TODAY)
        extra = standing.states["People/Extra7.md"]
        assert (extra.last_contact, extra.gave) == (date(2026, 11, 20), 1)
        assert len(notes.index.notes) == 106 and notes.index.notes.made == {}  # each unpickled when used, not kept
        assert notes.index.directory.people.made == {}
        if cache is not None:
            notes.save(cache)
            cache.close()


def test_the_saved_index_is_written_and_loaded_only_as_needed(tmp_path):
    root = vault(tmp_path)
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n## Log\n- 2026-11-20 tea\n")
    run_build(root, TODAY)
    db = sqlite3.connect(root / CACHE_FILE)

    def index_row():  # INSERT OR REPLACE gives a replaced row a new rowid
        return db.execute("SELECT rowid, value FROM saved WHERE key = 'index'").fetchone()

    before = index_row()
    with (root / "People/Ada.md").open("a") as note:
        note.write("- 2026-11-24 a call\n")  # no name or link changed
    cache = ParseCache(root)
    notes = NoteSet.read(read_layout_of(root), cache)
    assert notes.vault().at(TODAY).states["People/Ada.md"].last_contact == date(2026, 11, 24)
    for held in (notes.index.directory.held_keys, notes.index._held_owners):
        assert type(held) is bytes  # nobody was looked up by name
    cache.close()
    run_build(root, TODAY)
    assert index_row() == before
    (root / "People/Ada.md").write_text("---\nstage: new\naliases: [Addy]\n---\n")
    run_build(root, TODAY)
    assert index_row()[0] != before[0]
    assert_as_without_cache(root)
    db.close()


def test_an_unreadable_part_of_the_saved_index_found_when_saving_saves_no_state(tmp_path):
    import marshal

    root = vault(tmp_path)
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n- [ ] ask [[Bob]]\n")
    run_build(root, TODAY)
    db = sqlite3.connect(root / CACHE_FILE)
    index = marshal.loads(db.execute("SELECT value FROM saved WHERE key = 'index'").fetchone()[0])
    db.execute("UPDATE saved SET value = ? WHERE key = 'index'", (marshal.dumps(index | {"by_key": b"\x00"}),))
    db.commit()
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n")  # a link gone: no name looked up to read
    assert not run_build(root, TODAY).errors
    assert db.execute("SELECT count(*) FROM saved WHERE key = 'state'").fetchone() == (0,)
    assert_as_without_cache(root)
    db.close()


def test_a_build_after_many_edits_matches_a_cold_build(tmp_path):
    root = vault(tmp_path)
    for index in range(120):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-0{index % 9 + 1}-01 x\n")
    run_build(root, TODAY)
    for index in range(0, 120, 3):  # more than a few: the restored orderings are indexed, not searched
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: growing\n---\n## Log\n- 2026-11-{index % 20 + 1:02d} y\n")
    run_build(root, TODAY)
    assert_as_without_cache(root)


def _fails_on_extra50(layout, paths, already_read, today):
    """The other process's work, failing (there) for one part of it."""
    if "People/Extra50.md" in paths:
        raise RuntimeError("the other process failed")
    return _READ_ENCODED(layout, paths, already_read, today)


def _two_processes(monkeypatch, theirs_only: bool = False) -> None:
    """Read in two processes from 10 notes on, in parts of 10; with `theirs_only`, this process
    claims no part, so the other reads them all, in order, as far as it gets."""
    monkeypatch.setattr(reading, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(reading, "PART", 10)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading.threading, "active_count", lambda: 1)  # pytest may run threads of its own
    if theirs_only:
        monkeypatch.setattr(reading._Other, "claim", lambda other: None)


def _from_there(reads: list) -> list[str]:
    return sorted(read.path for read in reads if read.blob is not None)


def test_reading_in_two_processes_gives_the_same_notes(tmp_path, monkeypatch):
    root = vault(tmp_path)
    for index in range(60):
        (root / f"Daily/2026-10-{index % 28 + 1:02d}.md").write_text(f"- met [[{NAMES[index % 4]}]] gave:: tea\n")
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    layout = read_layout_of(root)
    meanwhile = []
    alone = NoteSet.read(layout, meanwhile=lambda: meanwhile.append(1))
    assert not meanwhile  # only while another process reads
    paths = sorted(alone.notes)
    parts = [paths[start : start + 10] for start in range(0, 93, 10)]
    _two_processes(monkeypatch)
    together = NoteSet.read(layout)
    assert dict(together.notes) == dict(alone.notes) and len(alone.notes) == 93
    open_files = len(os.listdir("/proc/self/fd"))
    meanwhile = []
    with monkeypatch.context() as ordered:
        this_process_claims_first(ordered)
        reads = list(reading.read_many(layout, paths, {}, meanwhile=lambda: meanwhile.append(len(meanwhile))))
    assert meanwhile == [0]  # done once, between this process's parts
    assert sorted(read.path for read in reads) == paths
    assert len(os.listdir("/proc/self/fd")) == open_files  # the pipe and the file closed
    there = set(_from_there(reads))
    assert all(there.issuperset(part) or there.isdisjoint(part) for part in parts)  # whole parts, each read once
    assert all(read.note is None for read in reads if read.blob)  # and were not unpickled here
    assert all(read.gist == reading.gist(read.parsed()) for read in reads)

    _two_processes(monkeypatch, theirs_only=True)
    reads = list(reading.read_many(layout, paths, {}, TODAY))  # with what sorting people needs
    assert _from_there(reads) == paths
    held = [read.gist for read in reads if read.gist.own is not None]
    assert held and all(isinstance(brief.own, bytes) for brief in held)  # encoded there, decoded when sorted
    decoded = [read.gist._replace(own=read.gist.own and codec.loads_own(read.gist.own)) for read in reads]
    assert decoded == [reading.gist(read.parsed(), TODAY) for read in reads]
    assert sum(read.gist.own is not None for read in reads) == sum(note.person is not None for note in alone.notes.values())

    monkeypatch.setattr(reading, "_read_encoded", _fails_on_extra50)
    reads = list(reading.read_many(layout, paths, {}))
    assert {read.path: read.parsed() for read in reads} == dict(alone.notes) and len(reads) == 93
    failed = next(part for part in parts if "People/Extra50.md" in part)
    assert _from_there(reads) == sorted(set(paths) - set(failed))  # that part read here


def joined(notes: NoteSet) -> tuple:
    """Everything the join made of a vault's notes, comparable."""
    index = notes.index
    people = dict(index.people())
    given = {}
    for path in notes.notes:
        value = index.resolved(path)
        if value is not None:
            given[path] = (dict(value.interactions), dict(value.loops), value.problems, value.keys)
    return people, sorted(index.problems(), key=lambda problem: problem.sort_key()), given


def test_a_vault_read_in_two_processes_is_joined_as_if_read_in_one(tmp_path, monkeypatch):
    """With another process reading, notes that link people are resolved as they are read once
    the people folder's people are named; someone named after (a person outside the folder)
    has the notes linking their names resolved again. Who is named late depends on the two
    processes' pace: `test_people` checks that case on its own."""
    root = tmp_path / "vault"
    for folder in ("People/Work", "Daily", "Archive", "Zettel"):
        (root / folder).mkdir(parents=True)
    for index in range(40):  # one also called Sam, one Zed, one with a path-form alias
        aliases = {7: "aliases: [Sam]\n", 8: "aliases: [Team/Lead]\n", 9: "aliases: [Zed]\n"}.get(index, "")
        (root / f"People/Work/P{index:02d}.md").write_text(f"---\nstage: new\n{aliases}---\n- [ ] ask [[P{index + 1:02d}]]\n")
    (root / "Archive/Sam.md").write_text("#person\n## Log\n- 2026-11-01 tea\n")  # read early: named before the folder
    (root / "Zettel/Zed.md").write_text("---\ntags: [person]\naliases: [P03]\n---\n")  # read last: named late
    links = ["[[Sam]]", "[[P03]]", "[[Zettel/Zed]]", "[[People/Work/P03]]", "[[Team/Lead]]", "[[P11|x]]", "[[No]]"]
    for index in range(60):
        chosen = " and ".join(links[(index + step) % len(links)] for step in range(3))
        day = date(2026, 9, 1) + timedelta(days=index)
        (root / f"Daily/{day.isoformat()}.md").write_text(f"- met {chosen} gave:: tea\n- [ ] call {chosen}\n")
    (root / "Zettel/Notes.md").write_text("- [ ] send [[Zed]] and [[P02]] the notes\n")
    layout = read_layout_of(root)
    alone = NoteSet.read(layout)
    started = []
    real = PeopleIndex.resolve_while_read
    monkeypatch.setattr(PeopleIndex, "resolve_while_read", lambda *args: started.append(1) or real(*args))
    _two_processes(monkeypatch)
    this_process_claims_first(monkeypatch)
    together = NoteSet.read(layout)
    assert started == [1]  # resolved as read, from some point on
    assert joined(together) == joined(alone)
    people, problems, given = joined(alone)
    assert len(people) == 42 and any("ambiguous link [[Sam]]" in p.message for p in problems)
    assert people["Zettel/Zed.md"].interactions and people["People/Work/P03.md"].interactions  # by their paths


def test_each_part_is_claimed_once_by_one_process(tmp_path, monkeypatch):
    claimed, go = tmp_path / "claimed", tmp_path / "go"

    def first_part_held(layout, paths, already_read, today):  # in the other process
        claimed.touch()
        _wait_for(go.exists)
        return []

    monkeypatch.setattr(reading, "_read_encoded", first_part_held)
    parts = [[str(number)] for number in range(3000)]
    other = reading._Other.start(None, parts, {}, None)
    assert other is not None
    try:
        _wait_for(claimed.exists)  # the other holds a part: this one claims every other
        mine = []
        while (part := other.claim()) is not None:
            mine.append(part)
        go.touch()
        theirs = [marshal.loads(record)[0] for record in _records(other)]
    finally:
        other.close()
    assert len(theirs) == 1 and sorted(mine + theirs) == list(range(3000))


def test_parts_number_no_more_than_a_pipe_holds(monkeypatch):
    monkeypatch.setattr(reading, "PART", 1)
    paths = [str(number) for number in range(20_000)]
    parts = reading._parts(paths)
    assert len(parts) <= reading._MOST_PARTS and [path for part in parts for path in part] == paths


def _wait_for(condition) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _records(other) -> list[bytes]:
    """Every record the copy wrote, once it is done."""
    os.waitpid(other._pid, 0)
    other._pid = None
    data = os.pread(other._file.fileno(), 1 << 24, 0)
    records = []
    while data:
        length = int.from_bytes(data[:8], "little")
        records.append(data[8 : 8 + length])
        data = data[8 + length :]
    return records


def _dies_on_extra50(layout, paths, already_read, today):
    """The other process, dying when it reaches one part of its work."""
    if "People/Extra50.md" in paths:
        os._exit(3)
    return _READ_ENCODED(layout, paths, already_read, today)


def _writes_half_a_record(layout, parts, already_read, today, claims, fd):
    """The other process, dying halfway through writing its second part."""
    for half in (False, True):
        part = reading._claim(claims)
        record = marshal.dumps((part, _READ_ENCODED(layout, parts[part], already_read, today)))
        os.write(fd, len(record).to_bytes(8, "little") + (record[: len(record) // 2] if half else record))
    os._exit(0)


@pytest.mark.parametrize("failure", ["dies", "half a record"])
def test_what_the_other_process_did_not_write_is_read_here(tmp_path, monkeypatch, failure):
    root = vault(tmp_path)
    for index in range(60):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    layout = read_layout_of(root)
    alone = NoteSet.read(layout)
    _two_processes(monkeypatch, theirs_only=True)
    if failure == "dies":
        monkeypatch.setattr(reading, "_read_encoded", _dies_on_extra50)
    else:
        monkeypatch.setattr(reading, "_read_parts", _writes_half_a_record)
    paths = sorted(alone.notes)
    reads = list(reading.read_many(layout, paths, {}))
    assert {read.path: read.parsed() for read in reads} == dict(alone.notes) and len(reads) == len(paths)
    written = paths.index("People/Extra50.md") // 10 * 10 if failure == "dies" else 10
    assert _from_there(reads) == paths[:written]  # the parts before it came from there


def test_a_read_given_up_stops_and_reaps_the_other_process(tmp_path, monkeypatch):
    root = vault(tmp_path)
    for index in range(60):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    layout = read_layout_of(root)
    paths = sorted(NoteSet.read(layout).notes)
    monkeypatch.setattr(reading, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading.threading, "active_count", lambda: 1)
    forked = []
    fork = os.fork

    def recording_fork():
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(reading.os, "fork", recording_fork)
    monkeypatch.setattr(reading, "_read_encoded", lambda *args: time.sleep(60))  # (in the other process)
    reads = reading.read_many(layout, paths, {})
    next(reads)  # the other process has started...
    started = time.monotonic()
    reads.close()  # ...and the build gives up (an error, Ctrl-C): it is stopped, not waited for
    assert len(forked) == 1 and time.monotonic() - started < 30
    with pytest.raises(ProcessLookupError):  # killed and waited for: not even a zombie is left
        os.kill(forked[0], 0)


def test_no_second_process_while_other_threads_run(tmp_path, monkeypatch):
    import threading


    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading, "PARALLEL_AFTER", 1)

    def no_fork(*args, **kwargs):  # raised here, in this process: a failure in a forked one would be hidden
        raise AssertionError("forked with a thread running")

    monkeypatch.setattr(reading.os, "fork", no_fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # like watch's observer
    other.start()
    try:
        assert len(NoteSet.read(read_layout_of(vault(tmp_path))).notes) == 5
    finally:
        stop.set()
        other.join()


def test_a_saved_state_of_another_shape_is_ignored(tmp_path):
    import marshal

    root = vault(tmp_path)
    run_build(root, TODAY)
    db = sqlite3.connect(root / CACHE_FILE)

    def saved_index_with(**parts):  # the saved index with some parts of another shape
        index = marshal.loads(db.execute("SELECT value FROM saved WHERE key = 'index'").fetchone()[0])
        return marshal.dumps(index | parts)

    states = [
        ("state", lambda: marshal.dumps({"standing": {}})),
        ("state", lambda: marshal.dumps({})),
        ("index", lambda: marshal.dumps({})),
        ("index", lambda: b"\x00"),
        ("index", lambda: marshal.dumps({"people": 1})),
        ("index", lambda: saved_index_with(by_key=b"\x00", owners=marshal.dumps([1]))),  # found bad when used
        ("index", lambda: saved_index_with(by_key={}, sources=[])),  # as an older version saved them
    ]
    for step, (key, value) in enumerate(states):
        db.execute("UPDATE saved SET value = ? WHERE key = ?", (value(), key))
        db.commit()
        text = person(random.Random(step)).replace("---\n", f"---\nname: Ada{step + 2}\n", 1)  # a rename looks names up
        (root / "People/Ada.md").write_text(text + f"- 2026-11-0{step + 1} step {step}\n")
        assert not run_build(root, TODAY).errors
        assert_as_without_cache(root)
    db.close()


def test_pages_as_last_rendered_are_not_rendered_again(tmp_path, monkeypatch):
    import vaultkeeper.build as build

    root = vault(tmp_path)
    run_build(root, TODAY)
    expected = pages(root)
    (root / "Project.md").write_text("# A note about nobody\n")  # the pages show the same

    def no_jinja(*args):
        raise AssertionError("rendered again")

    monkeypatch.setattr(build, "Renderer", no_jinja)
    assert not run_build(root, TODAY).errors
    assert pages(root) == expected
    monkeypatch.undo()
    (root / ".vaultkeeper/templates").mkdir()
    (root / ".vaultkeeper/templates/Focus.md.j2").write_text("# mine\n")
    run_build(root, TODAY)
    assert (root / "Relationships/Focus.md").read_text().startswith("# mine\n")


def test_a_note_that_cannot_be_read_now_loses_its_row(tmp_path, monkeypatch):
    """Its older parse must not come back as valid later, against the state this build saved."""
    root = vault(tmp_path)
    run_build(root, TODAY)
    note = root / f"People/{NAMES[0]}.md"
    note.write_text(note.read_text() + "- 2026-11-24 coffee\n")

    real = reading.read_file

    def deny(path):
        if path.endswith(f"{NAMES[0]}.md"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(reading, "read_file", deny)  # root may read anything
    result = run_build(root, TODAY)
    assert [p.as_text() for p in result.problems if "cannot read" in p.message] == [
        f"People/{NAMES[0]}.md: cannot read: Permission denied"
    ]
    cache = ParseCache(root)
    kept = cache.parsed([f"People/{NAMES[0]}.md", f"People/{NAMES[1]}.md"])
    cache.close()
    assert list(kept) == [f"People/{NAMES[1]}.md"]
    monkeypatch.undo()
    run_build(root, TODAY)
    assert_as_without_cache(root)


def test_a_build_on_another_day_knows_without_hashing_every_stamp(tmp_path, monkeypatch):
    from vaultkeeper import builder

    root = vault(tmp_path)
    for note in root.rglob("*.md"):
        os.utime(note, ns=(1, 1_000_000_000))  # old mtimes: a warm build is possible
    run_build(root, TODAY)
    assert run_build(root, TODAY).from_cache
    hashed = []
    real = builder.fingerprint
    monkeypatch.setattr(builder, "fingerprint", lambda layout, stamps, today: hashed.append(today) or real(layout, stamps, today))
    assert not run_build(root, date(2026, 11, 26)).from_cache
    assert hashed == [date(2026, 11, 26)]  # only for the record this build leaves
    hashed.clear()
    assert run_build(root, date(2026, 11, 26)).from_cache
    assert hashed == [date(2026, 11, 26)]  # the same day again: the check itself


@pytest.mark.parametrize("processes", [1, 2])
def test_a_cold_build_stamps_each_note_as_it_reads_it(tmp_path, monkeypatch, processes):
    from vaultkeeper import builder

    root = vault(tmp_path)
    for index in range(30):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    for note in root.rglob("*.md"):
        os.utime(note, ns=(1, 1_000_000_000 + len(note.name)))  # old mtimes: a warm build is possible
    if processes == 2:
        _two_processes(monkeypatch)
    walk = builder.scan_notes
    expected = walk(read_layout_of(root))
    monkeypatch.setattr(builder, "scan_notes", lambda layout: pytest.fail("a cold build stats every note"))
    assert run_build(root, TODAY).changes
    db = sqlite3.connect(root / CACHE_FILE)
    rows = {path: Stamp(size, mtime_ns) for path, size, mtime_ns in db.execute("SELECT path, size, mtime_ns FROM notes")}
    db.close()
    assert rows == expected and len(rows) == 35  # what a walk would have found
    monkeypatch.setattr(builder, "scan_notes", walk)
    assert run_build(root, TODAY).from_cache


def test_a_note_gone_before_a_cold_build_reads_it_is_not_trusted_as_gone(tmp_path, monkeypatch):
    from vaultkeeper import builder

    root = vault(tmp_path)
    (root / "Home.md").unlink()  # no note the build fills: the next build is trusted if nothing changed
    for note in root.rglob("*.md"):
        os.utime(note, ns=(1, 1_000_000_000))
    listed = builder.list_notes

    def list_then_delete(layout):
        notes = listed(layout)
        (root / "People/Di.md").unlink()
        return notes

    monkeypatch.setattr(builder, "list_notes", list_then_delete)
    assert [p.as_text() for p in run_build(root, TODAY).problems] == ["People/Di.md: file disappeared while it was being read"]
    again = run_build(root, TODAY)  # the note is gone now, and the last build could not know it
    assert not again.from_cache and again.problems == []
    assert run_build(root, TODAY).from_cache


def test_a_new_cache_is_made_once(tmp_path, monkeypatch):
    root = vault(tmp_path)
    monkeypatch.setattr(os, "unlink", lambda path: pytest.fail(f"{path} made, found foreign and made again"))
    cache = ParseCache(root)
    assert cache.usable and cache.empty
    cache.close()
    monkeypatch.undo()
    assert run_build(root, TODAY).changes and not ParseCache(root).empty


def test_an_empty_cache_is_one_with_no_note(tmp_path):
    root = vault(tmp_path)
    cache = ParseCache(root)
    assert cache.usable and cache.empty
    cache.close()
    run_build(root, TODAY)
    cache = ParseCache(root)
    assert not cache.empty
    cache.close()
    assert ParseCache(tmp_path).empty  # no .vaultkeeper/ folder: no cache at all


def test_part_numbers_that_do_not_fit_in_the_pipe_mean_reading_here(tmp_path, monkeypatch):
    root = vault(tmp_path)
    layout = read_layout_of(root)
    paths = sorted(NoteSet.read(layout).notes)
    open_files = len(os.listdir("/proc/self/fd"))
    assert reading._Other.start(layout, [[path] for path in paths] * 20_000, {}, None) is None  # 80,000 numbers
    assert len(os.listdir("/proc/self/fd")) == open_files  # nothing left open, nothing forked
    _two_processes(monkeypatch)
    monkeypatch.setattr(reading, "_MOST_PARTS", 1 << 20)
    monkeypatch.setattr(reading, "PART", 1)
    many = (paths * 20_000)[:20_000]  # one note a part: 80,000 bytes of numbers, more than a pipe holds
    reads = list(reading.read_many(layout, many, {}))
    assert len(reads) == 20_000 and all(read.blob is None for read in reads)  # all read here


def test_a_new_cache_has_large_pages_and_an_older_one_keeps_its_own(tmp_path, monkeypatch):
    import vaultkeeper.cache

    def page_size(root: Path) -> int:
        db = sqlite3.connect(root / CACHE_FILE)
        try:
            return db.execute("PRAGMA page_size").fetchone()[0]
        finally:
            db.close()

    root = vault(tmp_path)
    run_build(root, TODAY)
    assert page_size(root) == 16384
    (root / CACHE_FILE).unlink()
    monkeypatch.setattr(vaultkeeper.cache, "PAGE_SIZE", 4096)  # as earlier versions made it
    run_build(root, TODAY)
    monkeypatch.undo()
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n## Log\n- 2026-11-24 tea\n")
    assert not run_build(root, TODAY).errors
    assert page_size(root) == 4096  # (set only when the file is made)
    assert_as_without_cache(root)
