"""`status --json` is written a person at a time, and reads exactly as the whole report dumped at once."""

import random
from datetime import timedelta

from click.testing import CliRunner
from test_days import TODAY, person_text

from vaultkeeper.builder import run_build
from vaultkeeper.cache import ParseCache
from vaultkeeper.cli import cli
from vaultkeeper.config import Config
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.people import PeopleIndex
from vaultkeeper.report import dumps, json_pieces
from vaultkeeper.scan import read_layout_of
from vaultkeeper.standing import Standing
from vaultkeeper.vault import NoteSet

ODD_NAMES = ["Ada", 'Bo "the" Li', "Édith Piaf", "李小龙", "Tab\tName", "back\\slash", "[[x]]", "people: []"]


def test_the_pieces_make_the_report_dumped_at_once():
    rng = random.Random(2)
    config = Config()
    for vault in range(40):
        index = PeopleIndex()
        for number in range(rng.choice([0, 1, 2, 7, 30])):
            text = person_text(rng)
            if rng.random() < 0.5:
                text = text.replace("---\n", f"---\nname: '{rng.choice(ODD_NAMES)}'\n", 1)
            index.put(parse_note(f"People/P{number}.md", text.encode(), Context(True)))
        if rng.random() < 0.5:
            index.put(parse_note("Daily/2026-11-20.md", b"- met [[Ada]] and [[P1]] gave:: tea\n", Context(False, TODAY)))
        standing = Standing()
        standing.changed(index.people(), index.people())
        day = TODAY + timedelta(days=rng.randint(-5, 40))
        standing.at(day, config)
        problems = index.problems()
        whole = dumps(standing.report(problems))
        pieces = list(json_pieces(standing, problems, size=rng.choice([1, 100, 1 << 16])))
        assert "".join(pieces) == whole, vault


def test_status_json_keeps_no_ones_state(tmp_path):
    root = tmp_path / "vault"
    (root / ".vaultkeeper").mkdir(parents=True)
    (root / "People").mkdir()
    rng = random.Random(4)
    for number in range(120):
        (root / f"People/P{number}.md").write_text(person_text(rng))
    run_build(root, TODAY)
    cache = ParseCache(root)
    notes = NoteSet.read(read_layout_of(root), cache)
    vault = notes.vault()
    vault.preload()
    standing = vault.at(TODAY)
    text = "".join(json_pieces(standing, vault.problems))
    assert text.count('"path": "People/') == 120
    focus = standing.focus(Config().focus_limit)
    named = {*focus.member_paths, *focus.target_paths}  # the focus list names them: made and kept
    assert 0 < len(named) < 120
    assert set(standing.states.made) == named  # the others made as they were written, and let go
    assert set(notes.index.people().made) == named
    cache.close()
    expected = CliRunner().invoke(cli, ["status", str(root), "--today", "2026-11-25", "--json", "--no-cache"])
    assert CliRunner().invoke(cli, ["status", str(root), "--today", "2026-11-25", "--json"]).output == expected.output
    assert text == expected.output
