"""The command line: the status --json contract, doctor, help, errors and colour."""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PLAIN, by_name, status_json

import vaultkeeper
from vaultkeeper.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample-vault"

VAULT = {
    "People/Ada Lovelace.md": (
        "---\naliases: [Ada]\nstage: growing\n---\n## Log\n"
        "- 2026-11-20 #coffee Talked about her seed round. [gave:: intro to [[Grace Hopper]]]\n"
        "- [[2026-10-02]] Call. got:: feedback on my pitch deck\n  - she prefers mornings\n"
        "- 2026-11-10 gave:: notes\n- 2026-11-01 lunch\n"
    ),
    "People/Grace Hopper.md": "---\nstage: target\n---\n",
    "People/Bad.md": "---\nstage: new\ncadence: [\n---\n",
    "Daily/2026-11-21.md": "# Fri\n\n\n\n\n\n- [ ] send [[Ada]] the paper\n",
}


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


def test_status_json_contract(make_vault):
    data = status_json(make_vault(VAULT))
    assert list(data) == ["today", "people", "focus", "problems"]
    assert data["today"] == "2026-11-25"
    assert [p["name"] for p in data["people"]] == ["Ada Lovelace", "Bad", "Grace Hopper"]
    ada = by_name(data)["Ada Lovelace"]
    expected = {
        "name": "Ada Lovelace",
        "path": "People/Ada Lovelace.md",
        "aliases": ["Ada"],
        "stage": "growing",
        "cadence": "P14D",
        "interactions": 4,
        "last_contact": "2026-11-20",
        "next_due": "2026-12-04",
        "days_until_due": 9,
        "gave": 2,
        "got": 1,
        "balance": 1,
        "focus": True,
        "open_loops": [{"path": "Daily/2026-11-21.md", "line": 7, "text": "send [[Ada]] the paper"}],
        "flags": ["ready-to-graduate"],
    }
    assert {key: ada[key] for key in expected} == expected
    grace = by_name(data)["Grace Hopper"]
    assert (grace["stage"], grace["cadence"], grace["next_due"], grace["days_until_due"]) == ("target", None, None, None)
    assert grace["flags"] == ["never-contacted"]
    assert data["focus"] == {
        "limit": 3,
        "members": ["Ada Lovelace"],  # Bad's stage is unreadable, so absent
        "over_capacity": False,
        "open_slots": 2,
        "suggested_targets": ["Grace Hopper"],
    }
    assert data["problems"] == [{"path": "People/Bad.md", "line": 3, "message": data["problems"][0]["message"]}]
    assert data["problems"][0]["message"].startswith("invalid YAML")


def test_status_json_is_deterministic_and_path_independent(make_vault, tmp_path):
    first = make_vault(VAULT)
    second = tmp_path / "elsewhere" / "copy"
    shutil.copytree(first, second)
    one = run("status", str(first), "--today", "2026-11-25", "--json").output
    assert one == run("status", str(second), "--today", "2026-11-25", "--json").output
    assert one == run("status", str(first), "--today", "2026-11-25", "--json").output
    assert str(tmp_path) not in one
    assert "\\" not in json.dumps([p["path"] for p in json.loads(one)["people"]])


def test_today_option_wins_over_environment(make_vault):
    root = make_vault(VAULT)
    env = {"VAULTKEEPER_TODAY": "2026-01-01"}
    assert json.loads(run("status", str(root), "--json", env=env).output)["today"] == "2026-01-01"
    assert json.loads(run("status", str(root), "--json", "--today", "2026-11-25", env=env).output)["today"] == "2026-11-25"


def test_empty_today_option_is_an_error_and_an_empty_environment_is_unset(make_vault):
    root = make_vault(VAULT)
    env = {"VAULTKEEPER_TODAY": "2026-01-01"}
    for command in (["status", str(root)], ["build", str(root)]):
        result = run(*command, "--today", "", env=env)  # a script's unset variable
        assert result.exit_code == 2
        assert result.output == 'Error: --today: not a date: "" (expected YYYY-MM-DD)\n'
    result = run("status", str(root), "--json", env={"VAULTKEEPER_TODAY": ""})
    assert json.loads(result.output)["today"] == date.today().isoformat()


def test_vault_from_environment(make_vault):
    root = make_vault(VAULT)
    result = run("status", "--json", "--today", "2026-11-25", env={"VAULTKEEPER_VAULT": str(root)})
    assert len(json.loads(result.output)["people"]) == 3


def test_bad_today_is_a_usage_error(make_vault):
    result = run("status", str(make_vault(VAULT)), "--today", "2026-02-30")
    assert result.exit_code == 2
    assert result.output == "Error: --today: no such date: 2026-02-30\n"


def test_missing_vault_is_a_clear_error(tmp_path):
    result = run("status", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.output.startswith("Error: not a folder: ")
    assert "Traceback" not in result.output


def test_status_exits_0_with_problems_and_shows_them(make_vault):
    result = run("status", str(make_vault(VAULT)), "--today", "2026-11-25")
    assert result.exit_code == 0
    assert "Problems (1)" in result.output
    assert "People/Bad.md:3: invalid YAML" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_status_terminal_view_sections_are_aligned():
    result = run("status", str(SAMPLE), "--today", "2026-11-25")
    lines = result.output.splitlines()
    start = lines.index("Due today and this week (4)")
    rows = lines[start + 1 : start + 5]
    columns = {row.index(" due 2026-") for row in rows}
    assert len(columns) == 1, rows
    for heading in ("Overdue (1)", "Focus 3/4", "  next up: Grace Hopper", "You owe (1)", "Birthdays (1)"):
        assert heading in lines
    assert any(line.startswith("Fading (2)") for line in lines)


def test_status_terminal_view_keeps_each_person_on_one_line(make_vault):
    root = make_vault({"People/Ada.md": '---\nname: "Ada\\nLovelace\\t| x"\nstage: new\nideas: ["a\\nb"]\n---\n'})
    lines = run("status", str(root), "--today", "2026-11-25").output.splitlines()
    assert lines[0] == "vaultkeeper · 2026-11-25 · 1 person"
    assert "  Ada Lovelace | x  today  due 2026-11-25  never contacted  every 1 week" in lines
    card = CliRunner().invoke(cli, ["show", "Ada", "--vault", str(root), "--today", "2026-11-25"]).output.splitlines()
    assert card[0] == "Ada Lovelace | x  (People/Ada.md)" and "  - a b" in card
    assert json.loads(run("status", str(root), "--today", "2026-11-25", "--json").output)["people"][0]["name"] == (
        "Ada\nLovelace\t| x"  # the contract keeps the name as written
    )


def test_doctor_lists_problems_and_exits_1(make_vault):
    result = run("doctor", str(make_vault(VAULT)))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("People/Bad.md:3: invalid YAML: ")


def test_doctor_exits_0_when_clean(make_vault):
    result = run("doctor", str(make_vault({"People/Ada.md": "---\nstage: new\n---\n"})))
    assert result.exit_code == 0
    assert result.output == "no problems in 1 note (1 person)\n"


def test_doctor_on_the_sample_vault():
    result = run("doctor", str(SAMPLE))
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.output.splitlines()[:-1]] == [
        "People/Broken Note.md",
        "People/Charles Babbage.md",
        "People/Charles Babbage.md",
        "People/Charles Babbage.md",
    ]


VERSION = f"vaultkeeper, version {vaultkeeper.__version__} ({'plain Python' if PLAIN else 'compiled'})\n"


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output == VERSION


def _commands(group=cli, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("command", list(_commands()), ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"vaultkeeper {' '.join(command)}" in result.output


@pytest.mark.parametrize("command", list(_commands()), ids=" ".join)
def test_every_command_has_version(command):
    result = run(*command, "--version")
    assert result.exit_code == 0 and result.output == VERSION


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in _commands():
        assert f"vaultkeeper {' '.join(command)}" in readme


def test_internal_errors_are_one_line_unless_debug(make_vault, monkeypatch):
    import vaultkeeper.standing as standing_module

    def boom(*_args):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(standing_module, "person_state", boom)
    root = str(make_vault(VAULT))
    result = run("status", root)
    assert result.exit_code == 2
    assert result.output == "Error: internal error: RuntimeError: kaboom (run with --debug for details)\n"
    debug = run("--debug", "status", root)
    assert isinstance(debug.exception, RuntimeError)


def _status_on_a_terminal(env: dict[str, str]) -> str:
    """Run `status` with its output on a pseudo-terminal, as a person would see it."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "vaultkeeper", "status", str(SAMPLE), "--today", "2026-11-25"],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # Linux reports EIO once the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.returncode == 0, proc.stderr
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_without_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\x1b[31mOverdue (1)\x1b[0m" in _status_on_a_terminal(env)
    assert "\x1b[" not in _status_on_a_terminal({**env, "NO_COLOR": "1"})
    piped = subprocess.run(
        [sys.executable, "-m", "vaultkeeper", "status", str(SAMPLE), "--today", "2026-11-25"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert piped.returncode == 0
    assert "\x1b[" not in piped.stdout


def test_the_installed_command_keeps_exit_codes_and_all_output(tmp_path):
    """`main` leaves without tearing the interpreter down: nothing printed may be lost."""
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".vaultkeeper"))
    (root / "People/Ada Lovelace.md").write_text("---\nstage: dormant\n---\n")

    def vaultkeeper(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vaultkeeper", *args], capture_output=True, text=True, timeout=60)

    check = vaultkeeper("build", str(root), "--today", "2026-11-25", "--check")
    assert check.returncode == 1 and "out of date" in check.stdout + check.stderr
    status = vaultkeeper("status", str(root), "--today", "2026-11-25", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["today"] == "2026-11-25"  # all of it, parsable
    assert vaultkeeper("nosuch").returncode == 2
