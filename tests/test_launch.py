"""The entry point: a plain `build` runs without click and prints, writes and exits as click's would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaultkeeper.launch import build_arguments

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample-vault"
THROUGH_CLICK = "import sys; from vaultkeeper.launch import _click_main; sys.exit(_click_main())"
DAY = ["--today", "2026-11-25"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["build"], {}),
        (["build", ".", "--today", "2026-11-25"], {"vault": ".", "today": "2026-11-25"}),
        (["build", "--today=2026-11-25", "."], {"vault": ".", "today": "2026-11-25"}),
        (["build", "--check", "--no-cache"], {"check": True, "no_cache": True}),
        (["build", "--dry-run", "--force"], {"dry_run": True, "force": True}),
        (["build", "--today", "not a date"], {"today": "not a date"}),  # build's to report, as click would pass it
    ],
)
def test_plain_builds_are_read(args, expected):
    plain = {"vault": None, "today": None, "check": False, "dry_run": False, "force": False, "no_cache": False}
    assert build_arguments(args) == plain | expected


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["status"],
        ["--debug", "build"],
        ["build", "--help"],
        ["build", "-h"],
        ["build", "--version"],
        ["build", "--check", "--check"],
        ["build", "--today"],
        ["build", "--today", "--check"],
        ["build", "--today="],
        ["build", "--today", "2026-11-25", "--today", "2026-11-26"],
        ["build", "--todayx=1"],
        ["build", "--chec"],
        ["build", "no such folder"],
        ["build", "README.md"],  # a file: click reports it
        ["build", ".", "."],
        ["build", "--", "."],
        ["build", "-"],
    ],
)
def test_anything_else_goes_to_click(args, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert build_arguments(args) is None


def _run(args: list[str], *, click: bool, cwd: Path, env: dict[str, str] | None = None):
    command = [sys.executable, "-c", THROUGH_CLICK] if click else [sys.executable, "-m", "vaultkeeper"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=60
    )
    return done.returncode, done.stdout, done.stderr


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".vaultkeeper" not in path.parts
    }


def test_plain_builds_print_write_and_exit_as_through_click(tmp_path):
    """Each step runs on two copies of one vault, one per path; output, exit code and files must agree."""
    roots = {}
    for click in (False, True):
        roots[click] = tmp_path / ("click" if click else "plain")
        shutil.copytree(SAMPLE, roots[click], ignore=shutil.ignore_patterns(".vaultkeeper"))
        (roots[click] / "People/Esc\x1b[31mRed.md").write_text("---\nstage: [\n---\n")  # a problem, with a colour code

    def edit(root: Path) -> None:
        with (root / "People/Ada Lovelace.md").open("a") as note:
            note.write("- 2026-11-24 coffee\n")

    def hand_edit(root: Path) -> None:
        with (root / "Relationships/Follow-ups.md").open("a") as page:
            page.write("my own line\n")

    steps = [
        (["build", "{root}", *DAY], None),
        (["build", "{root}", *DAY], None),  # nothing changed
        (["build", "{root}", "--today=2026-11-25", "--check"], edit),  # out of date: exit 1
        (["build", "{root}", *DAY, "--dry-run"], None),  # the diff
        (["build", "{root}", *DAY, "--no-cache"], None),
        (["build", "{root}", *DAY], hand_edit),  # a copy kept, and a notice
        (["build", *DAY, "--force"], hand_edit),  # the vault found from the folder it runs in
        (["build", "{root}", "--today", "2026-13-45"], None),  # a usage error: exit 2
        (["build", "{root}"], None),  # a bad $VAULTKEEPER_TODAY (below)
    ]
    codes = set()
    for args, before in steps:
        results = {}
        for click, root in roots.items():
            if before:
                before(root)
            env = {"VAULTKEEPER_TODAY": "soon"} if args == ["build", "{root}"] else None
            code, out, err = _run([a.format(root=root) for a in args], click=click, cwd=root, env=env)
            results[click] = (code, out.replace(str(root), "ROOT"), err.replace(str(root), "ROOT"), _files(root))
        assert results[False] == results[True], args
        assert "\x1b" not in results[False][2]
        codes.add(results[False][0])
    assert codes == {0, 1, 2}


def test_a_plain_build_does_not_load_click(tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".vaultkeeper"))
    script = (
        "import sys; from vaultkeeper.launch import plain_build; "
        "code = plain_build(sys.argv[1:]); print(code, 'click' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script, "build", str(root), *DAY], capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "0 False", done.stderr
    assert (root / "Relationships/Follow-ups.md").exists()
