"""The incremental join and orderings equal a fresh computation after any edits."""

import random
from datetime import date, timedelta
from pathlib import Path

from conftest import TODAY

from vaultkeeper.config import Config
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import Names, PeopleIndex, may_link
from vaultkeeper.scan import read_layout
from vaultkeeper.standing import ORDERS, Standing, _keys
from vaultkeeper.vault import NoteSet

NAMES = ["Ada", "Bob", "Cy", "Di", "Ed"]


def random_note(rng: random.Random, path: str):
    if path.startswith("Daily/"):
        text = "".join(f"- [[{rng.choice(NAMES)}]] gave:: x\n" for _ in range(rng.randint(0, 3)))
        return parse_note(path, text.encode(), Context(False, date(2026, 11, rng.randint(1, 28))))
    front = f"stage: {rng.choice(['new', 'growing', 'target', 'established', 'dormant'])}\n"
    if rng.random() < 0.4:
        front += f"aliases: [{rng.choice(NAMES)}]\n"
    if rng.random() < 0.3:
        front += f"name: {rng.choice(NAMES)}\n"
    log = "".join(f"- 2026-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d} x got:: y\n" for _ in range(rng.randint(0, 3)))
    text = f"---\n{front}birthday: --12-0{rng.randint(1, 9)}\n---\n## Log\n{log}- [ ] ask [[{rng.choice(NAMES)}]]\n"
    return parse_note(path, text.encode(), Context(True))


def fresh(notes: dict) -> tuple[dict, list]:
    index = PeopleIndex()
    for note in notes.values():
        index.put(note)
    return index.people(), sorted(index.problems(), key=lambda p: p.sort_key())


def filled(notes: dict) -> tuple[dict, list]:
    """The same joined at once, as a whole vault is read."""
    index = PeopleIndex()
    people = {path: Names(note.person.name, note.person.aliases) for path, note in notes.items() if note.person}
    index.fill(dict(notes), people, sorted(path for path, note in notes.items() if may_link(note)))
    return dict(index.people()), sorted(index.problems(), key=lambda p: p.sort_key())


def test_incremental_index_and_orderings_match_a_fresh_computation(tmp_path):
    rng = random.Random(7)
    layout = read_layout(tmp_path, Config())
    live = NoteSet(layout)
    paths = [f"People/{name}.md" for name in NAMES] + [f"Daily/2026-11-{day:02d}.md" for day in range(1, 6)]
    for step in range(400):
        path = rng.choice(paths)
        if rng.random() < 0.2:
            live.forget(path)
        else:
            live.put(random_note(rng, path))
        vault = live.vault()
        standing = vault.at(TODAY)
        people, problems = fresh(live.notes)
        assert dict(vault.people) == people, step
        assert sorted(live.index.problems(), key=lambda p: p.sort_key()) == problems, step
        assert filled(live.notes) == (people, problems), step
        expected = {order: [] for order in ORDERS}
        for state in standing.states.values():
            for order, key in _keys(state).items():
                expected[order].append(key)
        assert {order: sorted(keys) for order, keys in expected.items()} == standing.orders, step
        again = Standing()
        again.changed(people, people)
        assert again.at(TODAY, layout.config).report([]).people == standing.report([]).people


def test_a_vault_joined_at_once_then_edited_matches_a_fresh_computation():
    import pickle

    from vaultkeeper.lazy import LazyMap

    layout = read_layout(Path("/nonexistent"), Config())  # nothing is read from disk here
    paths = [f"People/{name}.md" for name in NAMES] + [f"Daily/2026-11-{day:02d}.md" for day in range(1, 6)]
    for seed in range(8):
        rng = random.Random(seed)
        start = {path: random_note(rng, path) for path in paths if rng.random() < 0.8}
        blobs = {path: pickle.dumps(note) for path, note in start.items()}  # held pickled, as a cold read does
        live = NoteSet(layout)
        people = {path: Names(note.person.name, note.person.aliases) for path, note in start.items() if note.person}
        live.index.fill(LazyMap(lambda path, blobs=blobs: pickle.loads(blobs[path]), blobs), people, sorted(blobs))
        for step in range(40):  # then one note at a time, as watch does
            path = rng.choice(paths)
            if rng.random() < 0.2:
                live.forget(path)
            else:
                live.put(random_note(rng, path))
            people_now, problems = fresh(dict(live.notes))
            assert dict(live.vault().people) == people_now, (seed, step)
            assert sorted(live.index.problems(), key=lambda p: p.sort_key()) == problems, (seed, step)


def test_page_limit_cuts_lists_and_counts_the_rest(make_vault):
    from click.testing import CliRunner

    from vaultkeeper.cli import cli

    files = {f"People/P{i:02d}.md": "---\nstage: new\n---\n" for i in range(7)}
    files[".vaultkeeper/config.toml"] = "page_limit = 3\nfocus_limit = 10\n"
    root = make_vault(files)
    assert CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"]).exit_code == 0
    follow = (root / "Relationships/Follow-ups.md").read_text()
    assert follow.count("| [[People/P") == 3
    assert "… and 4 more (`vaultkeeper status` lists everyone)." in follow
    focus = (root / "Relationships/Focus.md").read_text()
    assert focus.startswith("# Focus 7/10\n")
    assert "… and 4 more in focus." in focus


def _dated(rng: random.Random) -> str:
    return (TODAY + timedelta(days=rng.randint(-120, 60))).isoformat()


def _person_text(rng: random.Random) -> str:
    front = f"stage: {rng.choice(['new', 'growing', 'target', 'established', 'dormant'])}\n"
    for key, value in (("snooze", _dated), ("met", _dated), ("next", _dated), ("cadence", lambda r: "2w")):
        if rng.random() < 0.25:
            front += f"{key}: {value(rng)}\n"
    if rng.random() < 0.2:
        front += f"focus: {rng.choice(['true', 'false'])}\npriority: {rng.randint(0, 3)}\n"
    if rng.random() < 0.3:
        front += f"birthday: --{(TODAY + timedelta(days=rng.randint(-20, 20))).strftime('%m-%d')}\n"
    fields = ["", " gave:: tea", " got:: advice"]
    log = "".join(f"- {_dated(rng)} chat.{rng.choice(fields)}\n" for _ in range(rng.randint(0, 4)))
    return f"---\n{front}---\n## Log\n{log}"


MANY = [f"P{number:02d}" for number in range(70)]  # a full fill: more than `at` places one by one


def _sorting_vault(root: Path, rng: random.Random) -> None:
    (root / "People").mkdir(parents=True)
    (root / "Daily").mkdir()
    (root / "Meetings").mkdir()
    for name in MANY:
        (root / f"People/{name}.md").write_text(_person_text(rng))
    for _ in range(29):
        lines = "".join(f"- [[{rng.choice(MANY)}]]{rng.choice(['', ' gave:: x', ' got:: y'])}\n" for _line in range(3))
        (root / f"Daily/{(TODAY + timedelta(days=rng.randint(-90, 30))).isoformat()}.md").write_text(lines)
    for meeting in range(3):
        attendees = ", ".join(f'"[[{name}]]"' for name in rng.sample(MANY, 3))
        (root / f"Meetings/Sync {meeting}.md").write_text(f"---\ndate: {_dated(rng)}\nattendees: [{attendees}]\n---\n")


def test_a_vault_read_for_a_day_is_sorted_as_everyones_states_sort_it(tmp_path, monkeypatch):
    """A whole read for a day sorts people from what their notes gave while being read
    (`PeopleIndex.take_contacts`), not from their joined Person: the orders must be those of
    their states, on that day, on another day, and after a note changed before sorting."""
    import vaultkeeper.standing

    made = []
    person_state = vaultkeeper.standing.person_state
    monkeypatch.setattr(vaultkeeper.standing, "person_state", lambda *args: made.append(1) or person_state(*args))
    for seed in range(12):
        root = tmp_path / str(seed)
        rng = random.Random(seed)
        _sorting_vault(root, rng)
        layout = read_layout(root, Config())

        def orders(day: date, layout=layout) -> dict:
            return NoteSet.read(layout).vault().at(day).orders  # (read for no day: every Person made)

        made.clear()
        assert NoteSet.read(layout, today=TODAY).vault().at(TODAY).orders == orders(TODAY), seed
        assert len(made) == len(MANY), seed  # those of `orders`: sorted without anyone's state made in full
        later = TODAY + timedelta(days=rng.randint(1, 45))
        assert NoteSet.read(layout, today=TODAY).vault().at(later).orders == orders(later), seed
        notes = NoteSet.read(layout, today=TODAY)
        changed = f"People/{rng.choice(MANY)}.md"
        (root / changed).write_text(_person_text(rng))
        notes.refresh(changed)
        assert notes.vault().at(TODAY).orders == orders(TODAY), seed
