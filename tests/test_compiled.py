"""The compiled modules (setup.py) against the plain Python of the same source.

mypyc translates the source to C. A mistranslation, or a value of a type the
annotations do not admit (a compiled function checks them where plain Python
does not), would make the compiled vaultkeeper differ from the plain one: both
run the same commands on the same vaults, each in a Python of its own, and must
print the same and leave every file the same; and both parse drawn notes alike.
Skipped where vaultkeeper is installed as plain Python (an editable install, or
no C compiler).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import PLAIN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_interactions import BODY_PIECES, DAILY_LINES, LOG_LINES
from test_oracle import vaults
from test_robustness import FAR_DAYS, ODD_FRONT

from vaultkeeper.parse import Context, parse_note

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.skipif(PLAIN, reason="vaultkeeper is installed as plain Python here: nothing to compare")

COMMANDS = [["build", "{day}"], ["status", "{day}"], ["status", "--json", "{day}"], ["doctor"], ["export", "ics", "{day}"]]

# Runs every command on each vault (paths relative to the folder given), and prints what
# each printed and then every file of the vault but the cache.
DRIVER = """
import json, sys
from pathlib import Path
from click.testing import CliRunner
from vaultkeeper.cli import cli
base, vaults = Path(sys.argv[1]), json.load(sys.stdin)
out = {}
for name, today, commands in vaults:
    root = base / name
    runs = []
    for command in commands:
        args = [word.replace("{day}", "--today=" + today) for word in command]
        result = CliRunner().invoke(cli, [*args, str(root)])
        runs.append([result.exit_code, result.output.replace(str(base), "<base>")])
    files = {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(root.rglob("*"))
        if path.is_file() and not str(path.relative_to(root)).startswith(".vaultkeeper/cache")
    }
    out[name] = [runs, files]
print(json.dumps(out, sort_keys=True))
"""


def plain_copy(folder: Path) -> Path:
    """The source as a plain package (no compiled module beside it), with its templates."""
    package = folder / "vaultkeeper"
    shutil.copytree(ROOT / "vaultkeeper", package, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copytree(ROOT / "templates", package / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def run_both(tmp_path: Path, vaults: dict[str, tuple[dict[str, str | bytes], date]]) -> None:
    """Write each vault twice, run the driver on one copy compiled and on the other plain,
    and compare."""
    outputs = []
    for kind in ("compiled", "plain"):
        base = tmp_path / kind
        for name, (files, _) in vaults.items():
            for rel, content in files.items():
                path = base / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content.encode() if isinstance(content, str) else content)
        env = dict(os.environ)
        if kind == "plain":
            env["PYTHONPATH"] = str(plain_copy(tmp_path / "source"))
        listed = json.dumps([[name, today.isoformat(), COMMANDS] for name, (_, today) in vaults.items()])
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(base)], input=listed, capture_output=True, text=True, env=env, timeout=600
        )
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    compiled, plain = outputs
    assert compiled.keys() == plain.keys() == vaults.keys()
    for name in vaults:
        (runs, files), (plain_runs, plain_files) = compiled[name], plain[name]
        for command, run, plain_run in zip(COMMANDS, runs, plain_runs, strict=True):
            assert run == plain_run, (name, command)
        assert files.keys() == plain_files.keys(), name
        for path in files:
            assert files[path] == plain_files[path], (name, path)


def drawn(strategy: st.SearchStrategy, count: int) -> list:
    """`count` examples of a strategy, the same on every run (see conftest's profile)."""
    found: list = []

    @settings(max_examples=count, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: object) -> None:
        found.append(value)

    collect()
    return found[:count]


def test_the_plain_copy_is_plain(tmp_path):
    source = plain_copy(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "import vaultkeeper.parse as p; print(p.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(source)},
    )
    assert done.stdout.strip() == str(source / "vaultkeeper" / "parse.py"), done.stderr


def odd_vault(people: dict[str, tuple[dict[str, str], list[date]]]) -> dict[str, str | bytes]:
    """A vault of person notes holding odd front matter values (see test_robustness)."""
    files: dict[str, str | bytes] = {".vaultkeeper/config.toml": "ics = true\n"}
    for name, (front, log) in people.items():
        lines = "".join(f"{key}: {value}\n" for key, value in front.items())
        items = "".join(f"- {day.isoformat()} call [[Ada]] gave:: tea `x` [ ] y\n" for day in log)
        files[f"People/{name}.md"] = f"---\n{lines}---\n## Log\n{items}- [ ] ask [[Bob]]\n"
    return files


ODD_PEOPLE = st.dictionaries(
    st.sampled_from(["Ada", "Bob", "Dé", "E, F"]), st.tuples(ODD_FRONT, st.lists(FAR_DAYS, max_size=3)), min_size=1
)


def test_drawn_vaults_come_out_the_same(tmp_path):
    chosen: dict[str, tuple[dict[str, str | bytes], date]] = {}
    for number, (files, _, today, _, _) in enumerate(drawn(vaults(), 40)):
        chosen[f"oracle{number}"] = (files, today)
    odd = drawn(st.tuples(ODD_PEOPLE, FAR_DAYS), 40)
    for number, (people, today) in enumerate(odd):
        chosen[f"odd{number}"] = (odd_vault(people), today)
    run_both(tmp_path, chosen)


def test_the_sample_and_a_generated_vault_come_out_the_same(tmp_path):
    """The sample vault, and one large enough to be read by two processes (see reading.py)."""
    generated = tmp_path / "generated"
    generate(generated, 320)
    chosen: dict[str, tuple[dict[str, str | bytes], date]] = {}
    for name, folder in (("sample", ROOT / "sample-vault"), ("generated", generated)):
        files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        chosen[name] = (files, date(2026, 11, 25))
    run_both(tmp_path, chosen)


# Parses each note (path, its bytes as Latin-1 text, in the people folder, daily date) and
# prints the parses' reprs.
PARSE_DRIVER = """
import json, sys
from datetime import date
from vaultkeeper.parse import Context, parse_note
parses = []
for path, text, people, day in json.load(sys.stdin):
    context = Context(people, date.fromisoformat(day) if day else None)
    parses.append(repr(parse_note(path, text.encode("latin-1"), context)))
print(json.dumps(parses))
"""

FRONT_TEXT = ODD_FRONT.map(lambda front: "---\n" + "".join(f"{key}: {value}\n" for key, value in front.items()) + "---\n")
NOTES = st.one_of(
    st.tuples(FRONT_TEXT, st.lists(LOG_LINES, max_size=10)).map(lambda t: t[0] + "## Log\n" + "\n".join(t[1]) + "\n"),
    BODY_PIECES,
    st.lists(DAILY_LINES, max_size=6).map("\n".join),
    st.text(max_size=200),
)
PLACES = st.sampled_from([("People/X.md", True, None), ("Notes/X.md", False, None), ("Daily/2026-11-20.md", False, "2026-11-20")])


def test_any_note_parses_the_same(tmp_path):
    """The parser on drawn text, here (compiled) and in a plain Python."""
    notes = []
    for text, (path, people, day), crlf in drawn(st.tuples(NOTES, PLACES, st.booleans()), 400):
        data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8", "surrogatepass")
        notes.append((path, data.decode("latin-1"), people, day))
    done = subprocess.run(
        [sys.executable, "-c", PARSE_DRIVER],
        input=json.dumps(notes),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(plain_copy(tmp_path))},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for (path, text, people, day), plain in zip(notes, json.loads(done.stdout), strict=True):
        context = Context(people, date.fromisoformat(day) if day else None)
        assert repr(parse_note(path, text.encode("latin-1"), context)) == plain, text
