"""`vaultkeeper watch`: a real observer on real files converges to what build writes."""

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

import vaultkeeper.watch as watch_module
from vaultkeeper.build import plan_build
from vaultkeeper.vault import load_vault
from vaultkeeper.watch import Watcher

TODAY = date(2026, 11, 25)
NAMES = ["Ada", "Bob", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"]
STAGES = ["new", "growing", "established", "target", "dormant"]


def person_text(rng: random.Random, name: str) -> str:
    lines = [f"---\nstage: {rng.choice(STAGES)}\n"]
    if rng.random() < 0.3:
        lines.append(f"aliases: [{name.lower()}]\n")
    lines.append("---\n## Log\n")
    for _ in range(rng.randint(0, 3)):
        item = rng.choice(["", " gave:: help", " got:: advice", f" with [[{rng.choice(NAMES)}]]"])
        lines.append(f"- 2026-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d} talk{item}\n")
    return "".join(lines)


def daily_text(rng: random.Random) -> str:
    return "".join(f"- met [[{rng.choice(NAMES)}]]{rng.choice(['', ' gave:: tea'])}\n" for _ in range(rng.randint(1, 3)))


VAULT = {
    **{f"People/{name}.md": f"---\nstage: new\n---\n## Log\n- 2026-11-0{i + 1} hello\n" for i, name in enumerate(NAMES[:4])},
    "Home.md": "# Home\n<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n",
}


class Running:
    """A Watcher running in a thread, with its output captured."""

    def __init__(self, root: Path, **options):
        self.lines: list[str] = []
        self.errors: list[str] = []
        options.setdefault("today", lambda: TODAY)
        self.watcher = Watcher(
            root, debounce=0.05, missing_grace=0.2, out=self.lines.append, err=self.errors.append, **options
        )
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)
        self.thread.start()
        assert self.watcher.ready.wait(10), "the watcher did not start"

    def stop(self) -> None:
        self.watcher.stop()
        self.thread.join(5)
        assert not self.thread.is_alive()


@pytest.fixture
def running():
    started: list[Running] = []

    def start(root: Path, **options) -> Running:
        runner = Running(root, **options)
        started.append(runner)
        return runner

    yield start
    for runner in started:
        runner.stop()


def wait_until(condition, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def up_to_date(root: Path) -> bool:
    """The pages and blocks on disk are exactly what a fresh build would write."""
    return not plan_build(load_vault(root), TODAY).changes


def settled(runner: Running, root: Path, timeout: float = 10.0) -> None:
    wait_until(lambda: runner.watcher.idle() and up_to_date(root), timeout, "the watcher to settle")


def random_step(rng: random.Random, root: Path) -> None:
    people = sorted((root / "People").glob("*.md"))
    action = rng.choice(["edit", "create", "delete", "rename", "atomic", "vim", "daily", "bulk", "folder"])
    if action == "edit" and people:
        rng.choice(people).write_text(person_text(rng, "x"))
    elif action == "create" or not people:
        (root / "People" / f"{rng.choice(NAMES)}.md").write_text(person_text(rng, "x"))
    elif action == "delete":
        rng.choice(people).unlink()
    elif action == "rename":
        source = rng.choice(people)
        source.rename(root / "People" / f"{rng.choice(NAMES)}{rng.randint(1, 3)}.md")
    elif action == "atomic":
        target = rng.choice(people)
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_text(person_text(rng, target.stem))
        os.replace(temp, target)
    elif action == "vim":
        target = rng.choice(people)
        backup = target.with_name(target.name + "~")
        target.rename(backup)
        target.write_text(person_text(rng, target.stem))
        backup.unlink()
    elif action == "daily":
        (root / "Daily").mkdir(exist_ok=True)
        (root / "Daily" / f"2026-11-{rng.randint(1, 28):02d}.md").write_text(daily_text(rng))
    elif action == "bulk":  # like a git pull touching many files at once
        for index in range(rng.randint(5, 30)):
            (root / "People" / f"Bulk{index}.md").write_text(person_text(rng, f"Bulk{index}"))
    elif action == "folder":
        folder = root / "Team"
        if folder.exists():
            shutil.move(folder, root / "Archive" / f"Team{rng.randint(0, 999)}") if rng.random() < 0.5 else shutil.rmtree(folder)
        else:
            (folder / "People").mkdir(parents=True)
            for name in rng.sample(NAMES, 3):
                (folder / f"{name}-team.md").write_text("---\ntype: person\nstage: growing\n---\n")
            (root / "Archive").mkdir(exist_ok=True)


@pytest.mark.parametrize("ics", [False, True])
def test_randomized_edits_converge_to_a_fresh_build(make_vault, running, ics):
    root = make_vault({**VAULT, ".vaultkeeper/config.toml": f"ics = {str(ics).lower()}\n"})
    runner = running(root)
    settled(runner, root)
    for seed in range(50):
        rng = random.Random(seed)
        for _ in range(rng.randint(1, 6)):
            random_step(rng, root)
        settled(runner, root)
    assert runner.watcher.updates >= 30
    assert runner.errors == []


def test_atomic_save_is_picked_up(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    temp = root / "People" / ".Ada.md.tmp123"
    temp.write_text("---\nstage: target\npriority: 9\n---\n")
    os.replace(temp, root / "People/Ada.md")
    wait_until(lambda: "Ada" in (root / "Relationships/Focus.md").read_text().split("Open slots")[-1], what="Ada as a target")
    settled(runner, root)


def test_vim_style_save_is_picked_up_and_never_drops_the_person(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    before = runner.watcher.updates
    note = root / "People/Bob.md"
    note.rename(root / "People/Bob.md~")
    time.sleep(0.1)  # longer than the debounce: the note is missing when the update runs
    note.write_text("---\nstage: growing\n---\n## Log\n- 2026-11-20 coffee got:: a tip\n")
    (root / "People/Bob.md~").unlink()
    wait_until(lambda: "[[People/Bob|Bob]] (growing)" in (root / "Relationships/Dashboard.md").read_text(), what="Bob growing")
    settled(runner, root)
    assert runner.watcher.updates > before
    assert all("Bob" in line or "changed" in line for line in runner.lines[1:])


def test_own_writes_do_not_cause_another_update(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    home_before = (root / "Home.md").read_text()
    (root / "People/Cy.md").write_text("---\nstage: growing\nideas: [a new idea]\n---\n")
    wait_until(lambda: runner.watcher.updates == 1, what="one update")
    settled(runner, root)
    assert (root / "Home.md").read_text() != home_before  # the block was rewritten by the watcher
    time.sleep(0.5)  # ten debounce periods: long enough for any echo of our own writes
    assert runner.watcher.updates == 1
    assert len(runner.lines) == 2


def test_lines_below_a_filled_block_are_shown_where_the_fill_puts_them(make_vault, running):
    ada = "---\nstage: growing\n---\n<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n## Log\n- no date\n"
    root = make_vault(VAULT | {"People/Ada.md": ada, "Home.md": VAULT["Home.md"] + "- [ ] ask [[Bob]]\n"})
    runner = running(root)
    settled(runner, root)  # the pages show Ada's problem and Bob's open loop at their lines after the fill
    (root / "People/Cy.md").write_text("---\nstage: growing\n---\n")  # another person in focus: longer blocks
    wait_until(lambda: runner.watcher.updates == 1, what="one update")
    settled(runner, root)


def test_ignored_files_do_not_trigger_updates(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    for name in (".Ada.md.swp", "Ada.md~", ".#Ada.md", "notes.tmp", ".goutputstream-ABC", "image.png", "\udcffBad.png"):
        (root / "People" / name).write_text("x")  # (the last: a name whose bytes are not UTF-8)
    (root / ".git").mkdir()
    (root / ".git/index.md").write_text("x")
    (root / "Relationships/Extra.md").write_text("- [[Ada]]\n")
    time.sleep(0.5)
    assert runner.watcher.updates == 0 and runner.errors == []


def test_config_change_reloads_and_bad_config_keeps_the_last_good(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    config = root / ".vaultkeeper/config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text("focus_limit = 7\n")
    wait_until(lambda: "# Focus 4/7" in (root / "Relationships/Focus.md").read_text(), what="focus limit 7")
    config.write_text("focus_limit = 7\nbogus = 1\n")
    wait_until(lambda: any("bogus: unknown key" in e for e in runner.errors), what="the config error")
    assert "keeping the last good configuration" in runner.errors[-1]
    (root / "People/Ed.md").write_text("---\nstage: new\n---\n")
    wait_until(lambda: "# Focus 5/7" in (root / "Relationships/Focus.md").read_text(), what="Ed with the old config")


def test_user_template_change_rebuilds(make_vault, running):
    root = make_vault(VAULT)
    running(root)
    templates = root / ".vaultkeeper/templates"
    templates.mkdir(parents=True)
    (templates / "Reciprocity.md.j2").write_text("# Give and take\n")
    wait_until(lambda: (root / "Relationships/Reciprocity.md").read_text().startswith("# Give and take\n"), what="template")


def test_pages_are_rebuilt_when_the_date_rolls_over(make_vault, running):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n## Log\n- 2026-11-20 hi\n"})
    day = [TODAY]
    runner = running(root, today=lambda: day[0])
    assert "## This week" in (root / "Relationships/Dashboard.md").read_text()
    day[0] = date(2026, 11, 28)
    wait_until(lambda: "overdue since 2026-11-27" in (root / "Relationships/Dashboard.md").read_text(), what="new day")
    wait_until(lambda: any("new day 2026-11-28" in line for line in runner.lines), what="the new-day line")


def test_a_failed_update_is_reported_and_watching_goes_on(make_vault, running, monkeypatch):
    root = make_vault(VAULT)
    real = watch_module.plan_notes
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(watch_module, "plan_notes", flaky)
    runner = running(root)
    (root / "People/Ada.md").write_text("---\nstage: growing\n---\n")
    wait_until(lambda: runner.errors, what="the error")
    assert runner.errors == ["error while updating: RuntimeError: disk on fire"]
    (root / "People/Bob.md").write_text("---\nstage: growing\n---\n")
    settled(runner, root)


def test_a_dead_observer_is_noticed_and_restarted(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    observer = runner.watcher._observer
    observer.stop()
    observer.join(2)
    wait_until(lambda: any("file watcher stopped" in e for e in runner.errors), what="the restart")
    wait_until(lambda: runner.watcher._observer is not None and runner.watcher._observer.is_alive(), what="a new observer")
    (root / "People/Ada.md").write_text("---\nstage: target\n---\n")
    settled(runner, root)


def test_inotify_limits_fall_back_to_polling(make_vault, running, monkeypatch):
    class Exhausted(watch_module.Observer):
        def start(self):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watch_module, "Observer", Exhausted)
    root = make_vault(VAULT)
    runner = running(root, poll_interval=0.1)
    assert runner.errors == ["cannot watch with inotify (inotify watch limit reached); polling every 0.1 s instead"]
    (root / "People/Ada.md").write_text("---\nstage: target\n---\n")
    settled(runner, root)


def test_poll_option_uses_polling(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root, poll=True, poll_interval=0.1)
    assert type(runner.watcher._observer).__name__ == "PollingObserver"
    (root / "People/Ada.md").write_text("---\nstage: target\n---\n")
    settled(runner, root)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_watcher_cleanly(make_vault, signum):
    root = make_vault(VAULT)
    env = {**os.environ, "VAULTKEEPER_TODAY": "2026-11-25"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkeeper", "watch", str(root), "--debounce", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("watching "), first + proc.stderr.read()
        sent = time.monotonic()
        proc.send_signal(signum)
        proc.wait(timeout=5)
        elapsed = time.monotonic() - sent
    finally:
        proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    assert elapsed < 1.5
    assert proc.stdout.read() == "stopped\n"
    leftovers = [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_an_edit_makes_only_that_persons_events_again(make_vault, running, monkeypatch):
    import vaultkeeper.ics as ics

    made = []
    real = ics._events

    def counted(state, *rest):
        if threading.current_thread() is not threading.main_thread():  # the watcher's (the test's checks build too)
            made.append(state.person.path)
        return real(state, *rest)

    monkeypatch.setattr(ics, "_events", counted)
    root = make_vault({**VAULT, ".vaultkeeper/config.toml": "ics = true\n"})
    runner = running(root)
    settled(runner, root)
    assert sorted(made) == [f"People/{name}.md" for name in NAMES[:4]]  # the first build: everyone's
    made.clear()
    with (root / "People/Bob.md").open("a") as note:
        note.write("- 2026-11-24 coffee\n")
    wait_until(lambda: runner.watcher.updates == 1, what="one update")
    settled(runner, root)
    assert made == ["People/Bob.md"]  # the others' events as this process wrote them last
    assert b"last contact 2026-11-24\\; People/Bob.md" in (root / "Relationships/vaultkeeper.ics").read_bytes()


def test_a_name_that_is_not_utf8_is_reported_when_it_comes_and_forgotten_when_it_goes(make_vault, running):
    root = make_vault(VAULT)
    runner = running(root)
    bad = root / "People" / "\udcffBad.md"  # a name whose bytes are not UTF-8
    try:
        bad.write_text("---\nstage: new\n---\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    wait_until(lambda: "\\xffBad.md: name is not valid UTF-8" in (root / "Relationships/Dashboard.md").read_text(),
               what="the problem on the dashboard")
    settled(runner, root)  # what a build writes
    bad.unlink()
    wait_until(lambda: "\\xffBad.md" not in (root / "Relationships/Dashboard.md").read_text(), what="the problem gone")
    settled(runner, root)
    assert runner.errors == []
