"""A later day moves only the people whose place the days between can change."""

import random
from datetime import date, timedelta
from pathlib import Path

from vaultkeeper import standing as standing_module
from vaultkeeper.builder import run_build
from vaultkeeper.compute import person_state
from vaultkeeper.config import Config
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import PeopleIndex
from vaultkeeper.standing import ORDERS, Standing, _keys

TODAY = date(2026, 11, 25)
NAMES = ["Ada", "Bob", "Cy", "Di", "Ed", "Flo"]


def some_day(rng: random.Random) -> str:
    return (TODAY + timedelta(days=rng.randint(-70, 70))).isoformat()


def person_text(rng: random.Random) -> str:
    """A person with what makes days matter: plans, met and next days, snoozes, birthdays, no contact."""
    front = ""
    if rng.random() < 0.9:
        front += f"stage: {rng.choice(['new', 'growing', 'target', 'established', 'dormant'])}\n"
    for key, chance in (("met", 0.5), ("next", 0.2), ("snooze", 0.15)):
        if rng.random() < chance:
            front += f"{key}: {some_day(rng)}\n"
    if rng.random() < 0.3:
        front += f"cadence: {rng.choice(['1 week', '3 days', '2 months'])}\n"
    if rng.random() < 0.5:
        birthday = TODAY + timedelta(days=rng.randint(-20, 60))
        front += f"birthday: --{birthday.month:02d}-{birthday.day:02d}\n"
    log = "".join(
        f"- {some_day(rng)} x{rng.choice(['', ' gave:: a', ' got:: b'])}\n" for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))
    )
    return f"---\n{front}---\n## Log\n{log}"


def test_a_persons_place_holds_until_the_day_it_may_change():
    """`changes_on` is never late: on every day before it the orderings' keys are the same."""
    rng = random.Random(3)
    config = Config()
    checked = tight = 0
    for index in range(400):
        people = PeopleIndex()
        people.put(parse_note(f"People/P{index}.md", person_text(rng).encode(), Context(True)))
        if rng.random() < 0.3:  # contact from a daily note too
            day = TODAY + timedelta(days=rng.randint(-40, 40))
            text = f"- met [[P{index}]]{rng.choice(['', ' gave:: tea'])}\n"
            people.put(parse_note(f"Daily/{day}.md", text.encode(), Context(False, day)))
        (person,) = people.people().values()
        state = person_state(person, config, TODAY)
        keys = _keys(state)
        keys.pop("changes", None)
        last = TODAY.toordinal() + 120 if state.changes_on is None else state.changes_on
        for later in range(TODAY.toordinal() + 1, last):
            again = _keys(person_state(person, config, date.fromordinal(later)))
            again.pop("changes", None)
            assert again == keys, (index, date.fromordinal(later))
            checked += 1
        if state.changes_on is not None:
            moved = _keys(person_state(person, config, date.fromordinal(state.changes_on)))
            moved.pop("changes", None)
            tight += moved != keys
    assert checked > 10_000 and tight > 100  # most changes_on are the very day the keys change


def standing_of(notes: dict, day: date, config: Config) -> Standing:
    index = PeopleIndex()
    for note in notes.values():
        index.put(note)
    fresh = Standing()
    fresh.changed(index.people(), index.people())
    return fresh.at(day, config)


def test_a_standing_carried_from_day_to_day_equals_one_made_that_day(monkeypatch):
    monkeypatch.setattr(standing_module, "ROLL_SHARE", 1)  # carry it over even when many move
    rng = random.Random(5)
    config = Config()
    index = PeopleIndex()
    notes = {}
    for name in NAMES:
        notes[f"People/{name}.md"] = parse_note(f"People/{name}.md", person_text(rng).encode(), Context(True))
        index.put(notes[f"People/{name}.md"])
    live = Standing()
    day = TODAY
    carried = 0
    for step in range(300):
        if rng.random() < 0.3:
            path = f"People/{rng.choice(NAMES)}.md"
            notes[path] = parse_note(path, person_text(rng).encode(), Context(True))
            index.put(notes[path])
        live.changed(index.people(), index.take_changes())
        day += timedelta(days=rng.choice([0, 1, 1, 2, 5, 30]))
        carried += not live.refills(day, config) and live.day is not None and live.day[0] != day
        live.at(day, config)
        fresh = standing_of(notes, day, config)
        assert live.orders == fresh.orders, (step, day)
        assert dict(live.states.items()) == dict(fresh.states.items()), (step, day)
    assert carried > 100


def write_vault(root: Path, rng: random.Random, people: int) -> None:
    (root / ".vaultkeeper").mkdir(parents=True)  # where the cache goes
    (root / "People").mkdir()
    (root / "Daily").mkdir()
    for index in range(people):
        (root / f"People/P{index}.md").write_text(person_text(rng))
    (root / "Home.md").write_text("<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n")
    (root / ".vaultkeeper/templates").mkdir()
    (root / ".vaultkeeper/templates/Follow-ups.md.j2").write_text(  # what a day changes for everyone
        "{% for section in (overdue, today, this_week, later) %}{% for p in section %}"
        "{{ p.name }} {{ p.flags | join(' ') }}\n{% endfor %}{% endfor %}"
    )


def pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "Relationships").glob("*.md"))} | {
        "Home.md": (root / "Home.md").read_bytes()
    }


def test_builds_day_after_day_equal_builds_without_the_cache(tmp_path, monkeypatch):
    """The saved standing carried to later days (and back) gives the pages a build without the
    cache gives; on most later days it is carried over rather than computed afresh."""
    rng = random.Random(11)
    root = tmp_path / "vault"
    write_vault(root, rng, 150)
    fills: list[date] = []
    fill = Standing._fill

    def counted(self, today, config):
        fills.append(today)
        fill(self, today, config)

    monkeypatch.setattr(Standing, "_fill", counted)
    day = TODAY
    run_build(root, day)
    carried = 0
    for step in range(40):
        if rng.random() < 0.5:
            (root / f"People/P{rng.randrange(150)}.md").write_text(person_text(rng))
        if rng.random() < 0.2:
            met = TODAY + timedelta(days=rng.randint(-60, 60))
            (root / f"Daily/{met}.md").write_text(f"- met [[P{rng.randrange(150)}]] gave:: tea\n")
        moved = timedelta(days=rng.choice([0, 1, 1, 1, 3, 9, -4]))
        day += moved
        fills.clear()
        assert not run_build(root, day).errors
        carried += moved.days > 0 and fills == []
        with_cache = pages(root)
        assert run_build(root, day, use_cache=False).changes == [], (step, day)
        assert pages(root) == with_cache, (step, day)
        run_build(root, day)  # the cache's saved standing is this day's again
    assert carried > 12


def test_orders_hold_only_known_orderings():
    assert "changes" in ORDERS  # saved with the others: a later build carries the standing over
