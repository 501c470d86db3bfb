"""Commands that read the vault (status, show, doctor, export, capture) read it through the
cache the last build left, and see exactly what a read without it sees."""

import gc
import random
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cache import TODAY, edit_randomly, vault

from vaultkeeper.builder import run_build
from vaultkeeper.cache import CACHE_FILE
from vaultkeeper.cli import cli
from vaultkeeper.report import dumps
from vaultkeeper.vault import load_vault


def status(root: Path, day: date = TODAY, use_cache: bool = True) -> str:
    return dumps(load_vault(root, use_cache=use_cache).report(day))


def cache_contents(root: Path) -> tuple[list[tuple], list[tuple]]:
    db = sqlite3.connect(root / CACHE_FILE)
    try:
        return db.execute("SELECT * FROM notes ORDER BY path").fetchall(), db.execute(
            "SELECT * FROM saved ORDER BY key"
        ).fetchall()
    finally:
        db.close()


def test_status_through_the_cache_equals_status_without_it_after_random_edits(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    rng = random.Random(7)
    for step in range(50):
        edit_randomly(root, rng)
        if rng.random() < 0.3:  # a build now and then: a saved state, made stale by later edits
            run_build(root, TODAY)
        day = rng.choice([TODAY, date(2026, 12, 9)])  # the saved day, or another
        before = cache_contents(root)
        assert status(root, day) == status(root, day, use_cache=False), f"step {step}"
        assert cache_contents(root) == before, "a command that reads must not write the cache"


def test_status_uses_the_saved_state(tmp_path, monkeypatch):
    from vaultkeeper import reading

    root = vault(tmp_path)
    run_build(root, TODAY)
    expected = status(root, use_cache=False)
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n## Log\n- 2026-11-20 tea\n")
    read = []
    original = reading.read_one
    monkeypatch.setattr(reading, "read_one", lambda layout, path, *rest: read.append(path) or original(layout, path, *rest))
    assert status(root) != expected
    assert [path for path in read if path != "Home.md"] == ["People/Ada.md"]  # (the build filled Home.md)
    assert status(root) == status(root, use_cache=False)


def test_a_command_that_reads_creates_no_cache(tmp_path):
    root = vault(tmp_path)  # a .vaultkeeper/ folder, no build yet
    assert status(root) == status(root, use_cache=False)
    assert not (root / CACHE_FILE).exists()


def test_an_unreadable_row_is_read_from_its_note_or_means_a_read_without_the_cache(tmp_path, monkeypatch):
    from vaultkeeper import vault as vault_module

    root = vault(tmp_path)
    (root / "Daily").joinpath("2026-11-02.md").write_text("- met [[Bob]] gave:: tea\n")
    run_build(root, TODAY)
    expected = status(root, use_cache=False)
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("UPDATE notes SET parsed = X'80049500' WHERE path = 'People/Bob.md'")
    db.commit()
    read = []
    real = vault_module.read_note
    monkeypatch.setattr(vault_module, "read_note", lambda layout, path: read.append(path) or real(layout, path))
    assert status(root) == expected
    assert read == ["People/Bob.md"]  # the person's note itself, not the whole vault again
    db.execute("UPDATE notes SET resolved = X'80049500' WHERE path = 'Daily/2026-11-02.md'")
    db.commit()
    assert status(root) == expected  # what a note's links resolved to: the saved state is not used
    db.close()


def test_the_commands_read_through_the_cache_or_not(tmp_path):
    root = vault(tmp_path)
    (root / "People/Bad.md").write_text("---\nstage: [\n---\n")  # a problem for doctor to list
    run_build(root, TODAY)
    runner = CliRunner()
    today = ["--today", "2026-11-25"]
    for command in (["status", str(root), "--json", *today], ["doctor", str(root)], ["show", "Ada", "--vault", str(root), *today], ["export", "ics", str(root), *today]):
        cached = runner.invoke(cli, command)
        assert cached.exit_code == (1 if command[0] == "doctor" else 0), cached.output
        uncached = runner.invoke(cli, [*command, "--no-cache"])
        assert (uncached.exit_code, uncached.output) == (cached.exit_code, cached.output)


def test_a_command_turns_the_cycle_collector_off_only_while_it_runs(tmp_path, monkeypatch):
    from vaultkeeper import report

    root = vault(tmp_path)
    seen = []
    original = report.person_json
    monkeypatch.setattr(report, "person_json", lambda value: seen.append(gc.isenabled()) or original(value))
    assert CliRunner().invoke(cli, ["status", str(root), "--json", "--today", "2026-11-25"]).exit_code == 0
    assert seen and not any(seen)
    assert gc.isenabled()


@pytest.mark.parametrize("command", ["status", "build"])
def test_the_collector_comes_back_on_without_scanning_all_the_command_made(tmp_path, command):
    """Each collection after the command (or a build run in a process that keeps the collector
    on, as `watch` does) starts with a young generation of its usual size, not with every
    object made while the collector was off."""
    root = vault(tmp_path)
    for index in range(400):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    young: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            young.append(gc.get_count()[0])

    gc.collect()
    gc.callbacks.append(record)
    try:
        if command == "build":
            run_build(root, TODAY)
        else:
            assert CliRunner().invoke(cli, ["status", str(root), "--json", "--today", "2026-11-25"]).exit_code == 0
        [[] for _ in range(10 * gc.get_threshold()[0])]  # enough new objects for a collection or more
    finally:
        gc.callbacks.remove(record)
    assert young and max(young) <= 2 * gc.get_threshold()[0]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_cache_of_another_version_or_damaged_is_left_as_it_is(tmp_path):
    root = vault(tmp_path)
    run_build(root, TODAY)
    expected = status(root, use_cache=False)
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("UPDATE meta SET value = 'vaultkeeper 0.0 cache 1' WHERE key = 'format'")
    db.commit()
    db.close()
    for damage in (lambda data: data, lambda data: b"garbage" + data[7:]):  # another version; not SQLite
        (root / CACHE_FILE).write_bytes(damage((root / CACHE_FILE).read_bytes()))
        before = (root / CACHE_FILE).read_bytes()
        assert status(root) == expected
        assert (root / CACHE_FILE).read_bytes() == before  # for the build to start again, not status


def rows_read(monkeypatch) -> list[tuple[str, str]]:
    """(column, path) of every parse or resolved links read from the cache from now on."""
    from vaultkeeper.cache import ParseCache

    read: list[tuple[str, str]] = []
    original = ParseCache._blobs

    def recorded(self, column, paths):
        read.extend((column, path) for path in paths if column != "digest")  # (checking a stamp)
        return original(self, column, paths)

    monkeypatch.setattr(ParseCache, "_blobs", recorded)
    return read


def test_show_log_and_add_read_only_what_they_need(tmp_path, monkeypatch):
    root = vault(tmp_path)
    for index in range(300):
        (root / f"People/Extra{index}.md").write_text(f"---\nstage: new\n---\n## Log\n- 2026-11-0{index % 9 + 1} x\n")
    (root / "Daily/2026-11-02.md").write_text("- met [[Extra7]] gave:: tea\n")
    run_build(root, TODAY)
    run_build(root, TODAY)  # the block the first filled in Home.md is in the cache now
    runner = CliRunner()
    where = ["--vault", str(root), "--today", "2026-11-25"]
    expected = runner.invoke(cli, ["show", "Extra7", *where, "--no-cache"])
    read = rows_read(monkeypatch)
    shown = runner.invoke(cli, ["show", "Extra7", *where])
    assert (shown.exit_code, shown.output) == (0, expected.output)
    assert "tea" in shown.output  # what the daily note gave: its links were loaded
    assert sorted(set(read)) == [("parsed", "People/Extra7.md"), ("resolved", "Daily/2026-11-02.md")]
    read.clear()
    added = runner.invoke(cli, ["add", "Zed", *where])
    assert added.exit_code == 0 and (root / "People/Zed.md").exists()
    logged = runner.invoke(cli, ["log", "Extra8", "coffee", *where])
    assert logged.exit_code == 0, logged.output
    assert (root / "People/Extra8.md").read_text().endswith("- 2026-11-25 coffee\n")
    assert read == []  # who a name means is in the saved state
    clash = runner.invoke(cli, ["add", "Extra9", *where])
    assert clash.exit_code == 2 and "exists already" in clash.output
    unknown = runner.invoke(cli, ["log", "Extra 9", "coffee", *where])
    assert unknown.exit_code == 2 and "did you mean 'Extra9'" in unknown.output


def test_show_and_log_read_without_the_cache_when_what_they_need_is_unreadable(tmp_path):
    import marshal

    root = vault(tmp_path)
    (root / "Daily/2026-11-02.md").write_text("- met [[Bob]] gave:: tea\n")
    run_build(root, TODAY)
    runner = CliRunner()
    where = ["--vault", str(root), "--today", "2026-11-25"]
    expected = runner.invoke(cli, ["show", "Bob", *where, "--no-cache"]).output
    db = sqlite3.connect(root / CACHE_FILE)
    db.execute("UPDATE notes SET parsed = X'80049500' WHERE path = 'People/Bob.md'")
    index = marshal.loads(db.execute("SELECT value FROM saved WHERE key = 'index'").fetchone()[0])
    db.execute("UPDATE saved SET value = ? WHERE key = 'index'", (marshal.dumps(index | {"by_key": b"garbage"}),))
    db.commit()
    db.close()
    shown = runner.invoke(cli, ["show", "Bob", *where])
    assert (shown.exit_code, shown.output) == (0, expected)
    before = (root / "People/Bob.md").read_text()
    assert runner.invoke(cli, ["log", "Bob", "coffee", *where]).exit_code == 0
    after = (root / "People/Bob.md").read_text()
    assert after.count("- 2026-11-25 coffee\n") == 1 and len(after) == len(before) + len("- 2026-11-25 coffee\n")


def test_the_text_status_loads_only_the_people_it_lists(tmp_path, monkeypatch):
    root = vault(tmp_path)
    for index in range(300):  # dormant, nothing given or received: listed nowhere
        (root / f"People/Quiet{index}.md").write_text(f"---\nstage: dormant\n---\n## Log\n- 2026-0{index % 9 + 1}-01 x\n")
    run_build(root, TODAY)
    run_build(root, TODAY)  # the block the first filled in Home.md is in the cache now
    runner = CliRunner()
    for day in ("2026-11-25", "2026-11-26"):  # the saved day, and a later one
        expected = runner.invoke(cli, ["status", str(root), "--today", day, "--no-cache"])
        read = rows_read(monkeypatch)
        shown = runner.invoke(cli, ["status", str(root), "--today", day])
        assert (shown.exit_code, shown.output) == (0, expected.output)
        people = {path for column, path in read if column == "parsed"}
        assert people and not any(path.startswith("People/Quiet") for path in people)
        assert len(read) < 20


def test_the_text_status_lists_as_the_whole_report_says(tmp_path):
    """Each section from the orderings: the people the whole report picks, in its order."""
    import test_days

    from vaultkeeper.vault import load_vault

    rng = random.Random(8)
    root = tmp_path / "vault"
    test_days.write_vault(root, rng, 80)
    for index in range(12):  # givers and takers, their names against their balances
        gave, got = rng.randint(0, 3), rng.randint(0, 3)
        items = "".join(f"- 2026-11-0{n + 1} x gave:: a\n" for n in range(gave)) + "".join(f"- 2026-10-0{n + 1} y got:: b\n" for n in range(got))
        (root / f"People/{rng.choice('ABCXYZ')}{index}.md").write_text(f"---\nstage: growing\n---\n## Log\n{items}")
    run_build(root, TODAY)
    for day in (TODAY, date(2026, 12, 2)):
        report = load_vault(root, use_cache=False).report(day)
        people = list(report.people)
        by_due = sorted((s for s in people if s.days_until_due is not None), key=lambda s: (s.days_until_due, s.name.casefold()))
        expected = {
            "Overdue": [s.name for s in by_due if s.days_until_due < 0],
            "Due today and this week": [s.name for s in by_due if 0 <= s.days_until_due <= 7],
            "You owe": [s.name for s in people if "owes" in s.flags],
            "Fading": [s.name for s in people if "fading" in s.flags],
            "Birthdays": [s.name for s in sorted((s for s in people if "birthday-soon" in s.flags), key=lambda s: (s.next_birthday, s.name.casefold()))],
        }
        text = CliRunner().invoke(cli, ["status", str(root), "--today", day.isoformat()]).output
        listed: dict[str, list[str]] = {}
        heading = None
        for line in text.split("\n"):
            if line and not line.startswith(" "):
                heading = line.split(" (")[0]
                listed[heading] = []
            elif line.startswith("  ") and heading is not None:
                listed[heading].append(line.strip().split("  ")[0])
        assert {key: listed.get(key, []) for key in expected} == expected, day
        balances = {s.name: s.balance for s in people}
        owing = expected["You owe"]
        assert owing != sorted(owing, key=balances.__getitem__)  # listed by name, not by balance


def test_the_text_status_reads_the_rows_at_most_once(tmp_path, monkeypatch):
    """A day far from the saved one (everyone computed again) with most people listed: both
    want every row read at once; once is enough."""
    import test_days

    root = tmp_path / "vault"
    test_days.write_vault(root, random.Random(9), 120)
    run_build(root, TODAY)
    read = rows_read(monkeypatch)
    shown = CliRunner().invoke(cli, ["status", str(root), "--today", "2027-06-01"])
    assert shown.exit_code == 0
    parsed = [path for column, path in read if column == "parsed"]
    assert len(parsed) > 100 and len(parsed) == len(set(parsed))
