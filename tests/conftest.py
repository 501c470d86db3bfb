"""Shared fixtures: small real vaults in tmp_path, and the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import settings

from vaultkeeper import parse
from vaultkeeper.cli import cli
from vaultkeeper.model import Report
from vaultkeeper.vault import load_vault

TODAY = date(2026, 11, 25)

# The suite is deterministic: hypothesis explores the same examples on every run
# and machine (no example database carried between runs).
settings.register_profile("vaultkeeper", derandomize=True, database=None)
settings.load_profile("vaultkeeper")

# Python started by a test imports the installed vaultkeeper (compiled, from a wheel),
# not the source tree in the working directory, which `-c` and `-m` put first on the path.
os.environ["PYTHONSAFEPATH"] = "1"

PLAIN = parse.__file__.endswith(".py")  # vaultkeeper installed without its compiled modules (see setup.py)

MakeVault = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_vault(tmp_path: Path) -> MakeVault:
    """Build a vault from {relative path: text or bytes}; returns its root."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return make


def save_meanwhile(monkeypatch: pytest.MonkeyPatch, path: Path, text: str) -> None:
    """As an editor would, save `text` to `path` while vaultkeeper writes: at the next fsync,
    after vaultkeeper read the note and before it renames its new copy over it."""
    real = os.fsync

    def fsync(fd: int) -> None:
        monkeypatch.setattr(os, "fsync", real)
        path.write_text(text)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def report_of(root: Path, today: date = TODAY) -> Report:
    return load_vault(root).report(today)


def person(report: Report, name: str):
    """The computed state of the person with this name."""
    matches = [s for s in report.people if s.name == name]
    assert len(matches) == 1, [s.name for s in report.people]
    return matches[0]


def status_json(root: Path, today: str = "2026-11-25") -> dict:
    result = CliRunner().invoke(cli, ["status", str(root), "--today", today, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_name(data: dict) -> dict[str, dict]:
    return {p["name"]: p for p in data["people"]}



def this_process_claims_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each forked copy that reads beside this process (`vaultkeeper.reading`) wait,
    before claiming its first part, until this process has claimed one, so what is done
    between this process's parts is done here whatever the scheduler does (under load the
    copy could otherwise claim every part first). Not with `_Other.claim` patched: this process
    must claim."""
    from vaultkeeper import reading

    ours, claim, start = os.getpid(), reading._claim, reading._Other.start.__func__
    gate: dict[str, Any] = {}  # copied into each copy as it is forked

    def started(cls: type, *args: Any) -> Any:
        gate["pipe"] = os.pipe()
        return start(cls, *args)

    def ordered(claims: int) -> int | None:
        pipe = gate.pop("pipe", None)
        if pipe is None:
            return claim(claims)
        if os.getpid() != ours:
            os.read(pipe[0], 1)
        number = claim(claims)
        if os.getpid() == ours:
            os.write(pipe[1], b"x")
        os.close(pipe[0])
        os.close(pipe[1])
        return number

    monkeypatch.setattr(reading._Other, "start", classmethod(started))
    monkeypatch.setattr(reading, "_claim", ordered)
