"""`vaultkeeper export ics` and `ics = true`: a deterministic calendar with stable UIDs."""

import shutil
from pathlib import Path

import icalendar
from click.testing import CliRunner

from vaultkeeper.cli import cli

VAULT = {
    "People/Ada.md": "---\nstage: growing\nbirthday: 1990-12-10\n---\n## Log\n- 2026-11-20 coffee\n",
    "People/Bob.md": "---\nstage: new\nbirthday: --02-29\n---\n## Log\n- 2026-11-01 call\n",
    "People/Cy.md": "---\nstage: dormant\n---\n",
}


def export(root: Path, today: str = "2026-11-25", *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", "ics", str(root), "--today", today, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def events(text: str) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def test_follow_ups_and_birthdays(make_vault):
    found = events(export(make_vault(VAULT)))
    assert sorted(found) == ["Birthday: Ada", "Birthday: Bob", "Follow up: Ada", "Follow up: Bob"]
    assert found["Follow up: Ada"].decoded("dtstart").isoformat() == "2026-12-04"
    bob = found["Follow up: Bob"]  # overdue since 2026-11-08: shown today
    assert bob.decoded("dtstart").isoformat() == "2026-11-25"
    assert "due since 2026-11-08" in str(bob["description"])
    birthday = found["Birthday: Ada"]
    assert birthday.decoded("dtstart").isoformat() == "1990-12-10"
    assert birthday["rrule"]["FREQ"] == ["YEARLY"]
    leap = found["Birthday: Bob"]
    assert leap["rrule"]["BYMONTH"] == [2] and leap["rrule"]["BYMONTHDAY"] == [-1]


def test_uids_are_stable_and_output_deterministic(make_vault, tmp_path):
    root = make_vault(VAULT)
    first = export(root)
    assert first == export(root)
    copy = tmp_path / "elsewhere"
    shutil.copytree(root, copy)
    assert export(copy) == first  # nothing machine- or path-specific
    later = export(root, "2026-12-20")
    uids = {name: str(e["uid"]) for name, e in events(first).items()}
    assert {name: str(e["uid"]) for name, e in events(later).items()} == uids
    assert len(set(uids.values())) == 4
    assert "DTSTAMP:20261125T000000Z" in first and "DTSTAMP:20261220T000000Z" in later


def test_out_writes_a_file(make_vault, tmp_path):
    out = tmp_path / "feed.ics"
    CliRunner().invoke(cli, ["export", "ics", str(make_vault(VAULT)), "--today", "2026-11-25", "--out", str(out)])
    assert out.read_text().startswith("BEGIN:VCALENDAR")


def test_build_writes_the_calendar_when_configured(make_vault):
    root = make_vault({**VAULT, ".vaultkeeper/config.toml": "ics = true\n"})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    ics = root / "Relationships/vaultkeeper.ics"
    assert ics.read_text() == export(root)
    mtime = ics.stat().st_mtime_ns
    assert CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"]).exit_code == 0
    assert ics.stat().st_mtime_ns == mtime
    (root / ".vaultkeeper/config.toml").write_text("ics = false\n")
    ics.unlink()
    assert CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"]).exit_code == 0
    assert not ics.exists()
