"""`vaultkeeper export ics` and `ics = true`: a deterministic calendar with stable UIDs."""

import re
import shutil
from datetime import date
from itertools import pairwise
from pathlib import Path

import icalendar
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from vaultkeeper.cli import cli
from vaultkeeper.ics import event, fold

VAULT = {
    "People/Ada.md": "---\nstage: growing\nbirthday: 1990-12-10\n---\n## Log\n- 2026-11-20 coffee\n",
    "People/Bob.md": "---\nstage: new\nbirthday: --02-29\n---\n## Log\n- 2026-11-01 call\n",
    "People/Cy.md": "---\nstage: dormant\n---\n",
}


def export(root: Path, today: str = "2026-11-25", *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", "ics", str(root), "--today", today, *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode()  # CRLF as written (`stdout` makes them LF)


def events(text: str) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


# What icalendar 7 wrote for VAULT (before the feed was written by vaultkeeper itself):
# a feed in a synced vault must not change with the upgrade.
FEED = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//vaultkeeper//0.1.0//EN
CALSCALE:GREGORIAN
X-WR-CALNAME:vaultkeeper
BEGIN:VEVENT
SUMMARY:Follow up: Ada
DTSTART;VALUE=DATE:20261204
DTEND;VALUE=DATE:20261205
DTSTAMP:20261125T000000Z
UID:695752a400af13416744f825@vaultkeeper
DESCRIPTION:due\\; last contact 2026-11-20\\; People/Ada.md
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
SUMMARY:Birthday: Ada
DTSTART;VALUE=DATE:19901210
DTEND;VALUE=DATE:19901211
DTSTAMP:20261125T000000Z
UID:89bc77e3d87beeab6de0304e@vaultkeeper
RRULE:FREQ=YEARLY
DESCRIPTION:People/Ada.md
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
SUMMARY:Follow up: Bob
DTSTART;VALUE=DATE:20261125
DTEND;VALUE=DATE:20261126
DTSTAMP:20261125T000000Z
UID:874fcf288f814df025fb9814@vaultkeeper
DESCRIPTION:due since 2026-11-08\\; last contact 2026-11-01\\; People/Bob.md
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
SUMMARY:Birthday: Bob
DTSTART;VALUE=DATE:20000229
DTEND;VALUE=DATE:20000301
DTSTAMP:20261125T000000Z
UID:f245ccbaffe1c97715044500@vaultkeeper
RRULE:FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2
DESCRIPTION:People/Bob.md
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def unfolded(text: str) -> list[str]:
    """Content lines as a calendar reads them (RFC 5545, 3.1)."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def unescaped(value: str) -> str:
    """A TEXT value as RFC 5545 (3.3.11) reads it back."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_the_feed_is_what_icalendar_wrote(make_vault):
    assert export(make_vault(VAULT)) == FEED


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
    assert ics.read_bytes().decode() == export(root)
    mtime = ics.stat().st_mtime_ns
    assert CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"]).exit_code == 0
    assert ics.stat().st_mtime_ns == mtime
    (root / ".vaultkeeper/config.toml").write_text("ics = false\n")
    ics.unlink()
    assert CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"]).exit_code == 0
    assert not ics.exists()


def test_a_follow_up_on_the_last_day_there_is_has_no_end(make_vault):
    root = make_vault({"People/Zed.md": "---\nnext: 9999-12-31\ncadence: 2w\n---\n"})
    found = events(export(root))
    zed = found["Follow up: Zed"]
    assert zed.decoded("dtstart") == date(9999, 12, 31) and "dtend" not in zed


def test_a_backslash_before_n_stays_a_backslash(make_vault):
    root = make_vault({"People/Zed.md": '---\nname: "C:\\\\Notes, N; \\\\N"\ncadence: 2w\n---\n'})
    lines = unfolded(export(root))
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary == "SUMMARY:Follow up: C:\\\\Notes\\, N\\; \\\\N"
    assert unescaped(summary.removeprefix("SUMMARY:")) == "Follow up: C:\\Notes, N; \\N"


TEXT = (
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
    | st.text("ab\\^;,\r\n", min_size=60, max_size=300)
    | st.text("ab\\^;,\r\né✓\U0001F600", min_size=30, max_size=300)
)


@given(TEXT, TEXT, st.dates(), st.booleans())
def test_any_text_reads_back_from_lines_of_at_most_75_octets(summary, description, start, yearly):
    text = "".join(fold(line) + "\r\n" for line in event(summary, start, "20261125T000000Z", "u@v", description,
                                                           "FREQ=YEARLY" if yearly else None))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    fields = dict(line.split(":", 1) for line in unfolded(text) if ":" in line)
    assert unescaped(fields["SUMMARY"]) == summary.replace("\r\n", "\n").replace("\r", "\n")
    assert unescaped(fields["DESCRIPTION"]) == description.replace("\r\n", "\n").replace("\r", "\n")
    assert fields["DTSTART;VALUE=DATE"] == f"{start.year:04d}{start.month:02d}{start.day:02d}"
    assert ("DTEND;VALUE=DATE" in fields) == (start < date.max)
    assert ("RRULE" in fields) == yearly


@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=400)
    | st.text("a\\^", min_size=70, max_size=400)  # the way for ASCII lines
    | st.text("a\\^é✓\U0001F600", min_size=40, max_size=400)
)
@example("a" * 74)
@example("a" * 75)
def test_lines_are_cut_as_late_as_they_can_be(line):
    pieces = fold(line).split("\r\n ")
    assert "".join(pieces) == line
    assert all(len(piece.encode()) <= 74 for piece in pieces)  # 75 octets with the space before a piece
    for piece, after in pairwise(pieces):
        assert piece and after
        room = 74 - len(piece.encode())
        if room < len(after[0].encode()):  # the next character did not fit: cut there...
            assert len(piece) == 1 or piece[-1] not in "\\^"  # ...unless a backslash (or caret) ends the piece
        else:  # cut one early, carrying a backslash (or caret) over, so an escape is not cut in two
            assert after[0] in "\\^" and room < len(after[:2].encode())


def test_a_build_after_one_edit_makes_only_that_persons_events_again(make_vault, monkeypatch):
    from vaultkeeper import ics

    people = {
        f"People/P{i}.md": f"---\nstage: growing\nbirthday: --12-{i + 1:02d}\n---\n## Log\n- 2026-11-{i + 1:02d} call\n"
        for i in range(20)
    }
    root = make_vault({**people, ".vaultkeeper/config.toml": "ics = true\n"})
    build = ["build", str(root), "--today", "2026-11-25"]
    assert CliRunner().invoke(cli, build).exit_code == 0
    made = []
    real = ics._events
    monkeypatch.setattr(ics, "_events", lambda state, *rest: made.append(state.person.path) or real(state, *rest))
    with (root / "People/P3.md").open("a") as note:
        note.write("- 2026-11-24 coffee\n")
    assert CliRunner().invoke(cli, build).exit_code == 0
    assert made == ["People/P3.md"]  # the other 19 written as the last build wrote them
    feed = (root / "Relationships/vaultkeeper.ics").read_bytes()
    assert b"last contact 2026-11-24\\; People/P3.md" in feed
    assert CliRunner().invoke(cli, [*build, "--no-cache", "--force"]).exit_code == 0
    assert (root / "Relationships/vaultkeeper.ics").read_bytes() == feed
    assert len(made) == 1 + 20  # (a build without the cache makes everyone's)


def test_events_remembered_in_process_are_written_again_on_another_day(make_vault):
    from datetime import timedelta

    from vaultkeeper.ics import calendar_text
    from vaultkeeper.vault import load_vault

    people = {f"People/P{i}.md": f"---\nstage: growing\nnext: 2027-06-0{i % 9 + 1}\n---\n" for i in range(70)}
    root = make_vault({**people, "People/Bob.md": "---\nstage: new\n---\n## Log\n- 2026-11-20 call\n"})
    vault = load_vault(root)  # one standing and memo throughout, as under watch (70 people: a refill fills at once)
    day = date(2026, 11, 25)
    for later in (day, day + timedelta(days=1), day + timedelta(days=1), day - timedelta(days=2)):
        standing = vault.at(later)
        assert not standing.refills(later, vault.layout.config) or later < day  # (the next day: not a refill)
        assert calendar_text(standing, later, vault.feed) == calendar_text(load_vault(root).at(later), later), later
