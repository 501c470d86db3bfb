"""Bad input never crashes and never stops the rest of the vault being read."""

import json
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import by_name, person, report_of, status_json
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vaultkeeper.reading as reading_module
import vaultkeeper.vault as vault_module
from vaultkeeper.builder import run_build
from vaultkeeper.cli import cli
from vaultkeeper.config import Config
from vaultkeeper.parse import Context, parse_note
from vaultkeeper.scan import read_layout

GOOD = {"People/Good.md": "---\nstage: new\n---\n## Log\n- 2026-11-20 fine\n"}


def problems_for(make_vault, files):
    report = report_of(make_vault({**GOOD, **files}))
    assert person(report, "Good").interactions == 1  # the rest of the vault still works
    return [(p.path, p.line, p.message) for p in report.problems]


def test_invalid_yaml(make_vault):
    found = problems_for(make_vault, {"People/Bad.md": "---\nname: x\nstage: [new\n---\n"})
    assert found[0][:2] == ("People/Bad.md", 3) and found[0][2].startswith("invalid YAML")


def test_front_matter_list_or_string(make_vault):
    found = problems_for(make_vault, {"People/L.md": "---\n- a\n---\n", "People/S.md": "---\nhello\n---\n"})
    assert found == [
        ("People/L.md", 2, "front matter is a list, not a mapping of keys to values"),
        ("People/S.md", 2, "front matter is text, not a mapping of keys to values"),
    ]


def test_non_utf8_bytes(make_vault):
    found = problems_for(make_vault, {"People/Latin.md": "---\nstage: new\n---\nJos\xe9\n".encode("latin-1")})
    assert found == [("People/Latin.md", 4, "not valid UTF-8 (byte 0xe9); read with replacement characters")]


def test_empty_file_and_binary_file(make_vault):
    found = problems_for(make_vault, {"People/Empty.md": "", "People/Photo.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert found == [("People/Photo.md", None, "binary file, not a Markdown note")]


def test_five_megabyte_note(make_vault):
    big = "---\nstage: growing\n---\n## Log\n" + "- 2026-11-01 call gave:: x [[Good]]\n" * 150_000
    assert len(big) > 5_000_000
    report = report_of(make_vault({**GOOD, "People/Big.md": big}))
    assert person(report, "Big").interactions == 150_000
    assert person(report, "Big").gave == 150_000


def test_bad_values(make_vault):
    found = problems_for(
        make_vault,
        {"People/V.md": "---\nnext: 2026-02-30\ncadence: banana\nstage: friend\nbirthday: soon\n---\n## Log\n- no date\n"},
    )
    assert [(line, message.split(":")[0]) for _, line, message in found] == [
        (2, "next"),
        (3, "not a cadence"),
        (4, "unknown stage \"friend\" (stages"),
        (5, "birthday"),
        (8, "log item has no date"),
    ]


def test_dates_at_the_calendars_end_leave_the_vault_working(make_vault):
    root = make_vault(
        {
            "People/Far.md": "---\nstage: growing\nnext: 9999-12-31\nbirthday: 9999-01-05\n---\n",
            "People/Slow.md": "---\ncadence: 100000 years\n---\n## Log\n- 9999-12-30 call\n",
            "People/Near.md": "---\nstage: new\n---\n## Log\n- 2026-11-20 coffee\n",
        }
    )
    for command in (["build"], ["status", "--json"], ["export", "ics"]):
        result = CliRunner().invoke(cli, [*command, str(root), "--today", "9999-12-31"])
        assert result.exit_code == 0, result.output
    people = by_name(status_json(root, "9999-12-31"))
    assert people["Far"]["next_due"] == "9999-12-31"
    assert people["Slow"]["next_due"] == "9999-12-31"  # past the calendar's end: its last day
    assert people["Near"]["next_due"] == "2026-11-27"


def test_note_that_disappears_between_listing_and_reading(make_vault, monkeypatch):
    root = make_vault({**GOOD, "People/Gone.md": "---\nstage: new\n---\n"})
    listed = vault_module.list_notes  # without a cache: listed, not stamped, by the walk

    def list_then_delete(layout):
        notes = listed(layout)
        (root / "People/Gone.md").unlink()
        return notes

    monkeypatch.setattr(vault_module, "list_notes", list_then_delete)
    report = report_of(root)
    assert [s.name for s in report.people] == ["Good"]
    assert [p.as_text() for p in report.problems] == ["People/Gone.md: file disappeared while it was being read"]


def test_unreadable_file(make_vault, monkeypatch):
    root = make_vault({**GOOD, "People/Locked.md": "x"})
    real = reading_module.read_file

    def deny(path):
        if path.endswith("Locked.md"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(reading_module, "read_file", deny)  # root may read anything
    report = report_of(root)
    assert [p.as_text() for p in report.problems] == ["People/Locked.md: cannot read: Permission denied"]


def test_crlf_and_bom(make_vault):
    text = "\ufeff---\r\nstage: growing\r\naliases: [A]\r\n---\r\n## Log\r\n- 2026-11-20 coffee gave:: tea\r\n"
    root = make_vault({"People/Ada.md": text.encode("utf-8"), "Daily/2026-11-21.md": "- [[A]]\r\n".encode()})
    report = report_of(root)
    ada = person(report, "Ada")
    assert ada.person.fields.stage == "growing"
    assert ada.interactions == 2 and ada.gave == 1
    assert ada.person.interactions[0].text == "coffee gave:: tea"
    assert report.problems == ()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(
        st.sampled_from(
            list("-*+#>[]():|!`~ \t\n\r0123456789abcxyz.") + ["---\n", "[[", "]]", "gave::", "got::", "2026-11-20",
            "- [ ] ", "- [x] ", "## Log\n", "### 2026-02-30 ", "\ufeff", "\x00", "```\n", "<!-- vaultkeeper:x -->\n",
            "<!-- /vaultkeeper -->\n", "name: ", "stage: ", "cadence: ", "next: ", "attendees: ", "date: ", "{", "}", "&a", "*a", "!!", "?"]
        ),
        max_size=60,
    ).map("".join),
    daily=st.sampled_from([None, date(2026, 11, 20)]),
    in_people=st.booleans(),
)
def test_parser_never_raises_on_arbitrary_text(text, daily, in_people):
    note = parse_note("People/X.md", text.encode("utf-8"), Context(in_people, daily))
    assert note.path == "People/X.md"
    for problem in note.problems:
        assert problem.path == "People/X.md"
        assert problem.line is None or 1 <= problem.line <= text.count("\n") + 1 + text.count("\r")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_parser_never_raises_on_arbitrary_bytes(data):
    parse_note("People/X.md", data, Context(True, date(2026, 11, 20)))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_parser_never_raises_on_arbitrary_unicode(text):
    parse_note("Daily/2026-11-20.md", text.encode("utf-8", "surrogatepass"), Context(False, date(2026, 11, 20)))


@pytest.mark.parametrize("size", [0, 1, reading_module.FIRST_READ - 1, reading_module.FIRST_READ, reading_module.FIRST_READ + 1, 3 << 20])
def test_a_note_is_read_whole_whatever_its_size(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "note.md").write_bytes(data)
    stat = (tmp_path / "note.md").stat()
    assert reading_module.read_file(str(tmp_path / "note.md")) == (data, (stat.st_size, stat.st_mtime_ns))


def test_a_folder_named_like_a_note_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "odd.md").mkdir()
    found = reading_module.read_bytes(read_layout(tmp_path, Config()), "odd.md")
    assert [p.message for p in found.problems] == ["cannot read: Is a directory"]


def test_a_name_that_is_not_utf8_is_a_problem_and_the_rest_is_read(make_vault):
    import os

    root = make_vault({**GOOD, ".vaultkeeper/config.toml": "ics = true\n"})
    try:
        (root / os.fsdecode(b"People/\xffBad.md")).write_text("---\nstage: new\n---\n")
        (root / os.fsdecode(b"\xe9t\xe9")).mkdir()
        (root / os.fsdecode(b"\xe9t\xe9/Bob.md")).write_text("---\nstage: new\n---\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    for note in root.rglob("*.md"):
        os.utime(note, ns=(1, 1_000_000_000))  # old mtimes: the second build takes the fast path
    expected = [
        {"path": "People/\\xffBad.md", "line": None, "message": "name is not valid UTF-8: rename it to have it read"},
        {"path": "\\xe9t\\xe9", "line": None, "message": "name is not valid UTF-8: rename it to have it read"},
    ]
    for _ in range(2):  # a full build, then one from what the last recorded
        result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
        assert result.exit_code == 0 and "2 problems" in result.output, result.output
        data = status_json(root)
        assert [p["name"] for p in data["people"]] == ["Good"] and data["problems"] == expected
    assert run_build(root, date(2026, 11, 25)).from_cache
    doctor = CliRunner().invoke(cli, ["doctor", str(root)])
    assert doctor.exit_code == 1 and "People/\\xffBad.md: name is not valid UTF-8" in doctor.output
    (root / os.fsdecode(b"People/\xfeMore.md")).write_text("x")  # noticed, though the notes' stamps are the same
    outcome = run_build(root, date(2026, 11, 25))
    assert not outcome.from_cache and len(outcome.problems) == 3


FAR_DAYS = st.dates(date(9999, 1, 1)) | st.dates(max_value=date(1, 12, 31)) | st.dates()
ODD_VALUES = (
    FAR_DAYS.map(date.isoformat)
    | st.integers(-(10**20), 10**20).map(str)
    | st.sampled_from(
        ["", "~", "true", ".inf", "-.nan", "1e400", "nan", "-inf", "1" + "0" * 400, "0", "2w", "999999999 days",
         "100000 years", "[[Ada]]", "[]", "{}", "[a, b]", "{a: 1}", "--02-29", "13-01", "2026-11-20T14:30", "target",
         "new", "dormant", "&a x", "*a"]
    )  # fmt: skip
    | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(json.dumps)
)
ODD_FRONT = st.fixed_dictionaries(
    {},
    optional={
        "name": ODD_VALUES,
        "aliases": ODD_VALUES,
        "stage": st.sampled_from(["new", "growing", "established", "target"]) | ODD_VALUES,
        "cadence": st.sampled_from(["2w", "P100Y", "999999999 days", "100000 years"]) | ODD_VALUES,
        **{key: FAR_DAYS.map(date.isoformat) | ODD_VALUES for key in ("next", "snooze", "met", "birthday")},
        "focus": ODD_VALUES,
        "priority": ODD_VALUES,
        "tags": ODD_VALUES,
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    people=st.dictionaries(
        st.sampled_from(["Ada", "Bob", "Dé", "E, F", "I\\N"]),
        st.tuples(ODD_FRONT, st.lists(FAR_DAYS, max_size=3)),
        min_size=1,
        max_size=4,
    ),
    today=FAR_DAYS,
)
@example(people={"Ada": ({"stage": "new", "next": "9999-12-31"}, [])}, today=date(2026, 11, 25))
def test_odd_values_never_stop_a_command(tmp_path_factory, people, today):
    root = tmp_path_factory.mktemp("vault")
    (root / ".vaultkeeper").mkdir()
    (root / ".vaultkeeper/config.toml").write_text("ics = true\n")
    (root / "People").mkdir()
    for name, (front, log) in people.items():
        lines = "".join(f"{key}: {value}\n" for key, value in front.items())
        items = "".join(f"- {day.isoformat()} call [[Ada]] gave:: tea\n" for day in log)
        (root / "People" / f"{name}.md").write_text(f"---\n{lines}---\n## Log\n{items}")
    day = ["--today", today.isoformat()]
    for command in (["build", *day], ["status", *day], ["status", "--json", *day], ["doctor"], ["export", "ics", *day]):
        result = CliRunner().invoke(cli, [*command, str(root)])
        assert result.exit_code in (0, 1) and "internal error" not in result.output, (command, result.output)
        if "--json" in command:  # strict JSON: no NaN or Infinity, which Python would read
            json.loads(result.output, parse_constant=lambda constant: pytest.fail(f"{constant} in status --json"))
    assert CliRunner().invoke(cli, ["build", str(root), *day, "--check"]).exit_code == 0  # the build settled


@pytest.mark.parametrize("value", ["1" + "0" * 400, "'1e400'", "1e400", "nan", "-inf", ".inf", "1.5e308e1"])
def test_a_priority_that_is_no_finite_number_is_a_problem(make_vault, value):
    """A number too large for a float, infinite or not a number would sort oddly (and is
    no JSON): it counts as 0, with a problem; it stopped every command once."""
    root = make_vault({"People/Ada.md": f"---\nstage: target\npriority: {value}\n---\n", **GOOD})
    got = status_json(root)
    assert by_name(got)["Ada"]["priority"] == 0
    assert [p["message"].split(", not ")[0] for p in got["problems"]] == ["priority: expected a number"]


def test_priorities_in_status_json(make_vault):
    """Whole numbers as ints, as far as a float holds them exactly."""
    root = make_vault({
        "People/A.md": "---\nstage: target\npriority: 2\n---\n",
        "People/B.md": "---\nstage: target\npriority: 2.5\n---\n",
        "People/C.md": "---\nstage: target\npriority: '-3'\n---\n",
        "People/D.md": "---\nstage: target\npriority: 1000000000000000000000000000000\n---\n",
        "People/E.md": "---\nstage: target\npriority: true\n---\n",  # SPEC 2: true = 1, false = 0
        "People/F.md": "---\nstage: target\npriority: false\n---\n",
    })  # fmt: skip
    got = status_json(root)
    assert [by_name(got)[name]["priority"] for name in "ABCDEF"] == [2, 2.5, -3, 1e30, 1, 0]
    assert got["focus"]["suggested_targets"] == ["D", "B", "A"]
    assert not got["problems"]
