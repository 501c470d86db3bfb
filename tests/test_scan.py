"""SPEC 1: finding the vault, and what is never read."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import person, report_of
from hypothesis import given
from hypothesis import strategies as st

from vaultkeeper.config import Config, load_config
from vaultkeeper.scan import (
    any_glob_match,
    date_of_match,
    find_vault,
    glob_match,
    list_notes,
    moment_regex,
    read_layout,
)


def test_find_vault_argument_env_marker_then_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("VAULTKEEPER_VAULT", raising=False)
    vault = tmp_path / "vault"
    deep = vault / "People" / "Deep"
    deep.mkdir(parents=True)
    assert find_vault("given") == Path("given")
    assert find_vault(None, cwd=deep) == deep.resolve()  # no marker: the current folder
    (vault / ".obsidian").mkdir()
    assert find_vault(None, cwd=deep) == vault.resolve()
    (vault / "People" / ".vaultkeeper").mkdir()
    assert find_vault(None, cwd=deep) == (vault / "People").resolve()
    monkeypatch.setenv("VAULTKEEPER_VAULT", str(tmp_path / "other"))
    assert find_vault(None, cwd=deep) == tmp_path / "other"
    assert find_vault("given", cwd=deep) == Path("given")


def test_never_read_folders(make_vault):
    link = "- [[Ada]] contact\n"
    root = make_vault(
        {
            ".obsidian/templates.json": '{"folder": "Templates/Obsidian"}',
            ".obsidian/plugins/templater-obsidian/data.json": '{"templates_folder": "Tpl"}',
            ".vaultkeeper/config.toml": 'exclude = ["Archive/**", "*.draft.md"]\noutput_dir = "Out/Pages"\n',
            "People/Ada.md": "",
            ".git/2026-11-01.md": link,
            ".obsidian/2026-11-02.md": link,
            ".trash/2026-11-03.md": link,
            ".vaultkeeper/2026-11-04.md": link,
            "Out/Pages/2026-11-05.md": link,
            "Templates/Obsidian/2026-11-06.md": link,
            "Tpl/2026-11-07.md": link,
            "Archive/Old/2026-11-08.md": link,
            "Notes/2026-11-09.draft.md": link,
            "Templates/Obsidian/Person.md": "---\ntype: person\n---\n",
            "Tpl/Person.md": "---\ntype: person\n---\n## Log\n- undated\n",
            "Daily/2026-11-10.md": link,
        }
    )
    report = report_of(root)
    assert [s.name for s in report.people] == ["Ada"]
    assert [i.path for i in person(report, "Ada").person.interactions] == ["Daily/2026-11-10.md"]
    assert report.problems == ()


def test_excluded_notes_are_never_read(make_vault):
    root = make_vault(
        {
            ".vaultkeeper/config.toml": 'exclude = ["**/*.draft.md", "People/Old"]\n',
            "People/Ada.md": "",
            "People/Bob.draft.md": "",
            "People/Old/Cy.md": "",
            "Daily/2026-11-10.md": "- [[Ada]] contact\n",
            "Daily/Sub/2026-11-11.draft.md": "- [[Ada]] contact\n",
        }
    )
    layout = read_layout(root, load_config(root))
    assert list_notes(layout) == ["Daily/2026-11-10.md", "People/Ada.md"]
    assert [s.name for s in report_of(root).people] == ["Ada"]


def test_marked_block_content_is_never_read(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "Daily/2026-11-20.md": (
                "before\n<!-- vaultkeeper:focus -->\n- [[Ada]] generated, not contact\n"
                "- [ ] [[Ada]] generated task\n<!-- /vaultkeeper -->\nafter\n"
            ),
        }
    )
    ada = person(report_of(root), "Ada")
    assert ada.interactions == 0 and ada.person.open_loops == ()


def test_symlinked_folders_are_not_followed(make_vault, tmp_path):
    root = make_vault({"People/Ada.md": ""})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Bob.md").write_text("---\ntype: person\n---\n")
    os.symlink(outside, root / "People" / "Linked")
    assert [s.name for s in report_of(root).people] == ["Ada"]


def test_listing_is_sorted_and_only_markdown(make_vault):
    root = make_vault({"b.md": "", "a/z.md": "", "a b.md": "", "c.txt": "", "D.MD": ""})
    layout = read_layout(root, Config())
    assert list_notes(layout) == ["D.MD", "a b.md", "a/z.md", "b.md"]


def test_glob_matching():
    assert glob_match("Archive/2020/x.md", "Archive/**")
    assert glob_match("Archive/x.md", "Archive")
    assert glob_match("a/b/c.draft.md", "**/*.draft.md")
    assert not glob_match("Archived/x.md", "Archive")
    assert glob_match("Home/Friends/x.md", "*/Friends")
    assert not glob_match("a/Home/Friends/x.md", "*/Friends")


def test_moment_formats():
    match = moment_regex("YYYY/MM/[Week] DD").fullmatch("2026/11/Week 20")
    assert (match["y"], match["m"], match["d"]) == ("2026", "11", "20")
    assert moment_regex("D.M.YYYY").fullmatch("5.1.2026")
    for day in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31):  # every English ordinal ending
        assert date_of_match(moment_regex("MMMM Do YYYY").fullmatch(_moment("MMMM Do YYYY", date(2026, 1, day))))
    assert date_of_match(moment_regex("YY-MM-DD").fullmatch("69-01-01")) == date(1969, 1, 1)  # as Moment reads YY
    assert date_of_match(moment_regex("YY-MM-DD").fullmatch("68-12-31")) == date(2068, 12, 31)
    assert moment_regex("YY-MM-DD").fullmatch("2026-11-20") is None


def _moment(fmt: str, day: date) -> str:
    """`day` as Moment.js formats it in English, for the tokens vaultkeeper reads."""
    weekday = day.strftime("%A")
    suffix = "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    values = {"YYYY": f"{day.year:04d}", "YY": f"{day.year % 100:02d}", "MMMM": day.strftime("%B"),
              "MMM": day.strftime("%b"), "MM": f"{day.month:02d}", "M": str(day.month), "Do": f"{day.day}{suffix}",
              "DD": f"{day.day:02d}", "D": str(day.day), "dddd": weekday, "ddd": weekday[:3], "dd": weekday[:2],
              "d": str(day.isoweekday() % 7)}  # fmt: skip
    token = re.compile(r"\[([^\]]*)\]|" + "|".join(sorted(values, key=len, reverse=True)))
    return token.sub(lambda m: m.group(1) if m.group(1) is not None else values[m.group(0)], fmt)


MOMENT_FORMATS = ["YYYY-MM-DD", "DD.MM.YYYY", "YYYY/MM/YYYY-MM-DD", "YYYY-MM-DD dddd", "dddd, MMMM Do, YYYY",
                  "D MMM YY", "[Journal] YYYY-MM-DD ddd", "M-D-YYYY dd", "YYYYMMDD", "YYYY-MM-DD [W]d"]  # fmt: skip


@given(st.dates(date(1970, 1, 1), date(2068, 12, 31)), st.sampled_from(MOMENT_FORMATS))
def test_daily_note_names_in_the_formats_obsidian_writes_give_their_day(day, fmt):
    name = _moment(fmt, day)
    match = moment_regex(fmt).fullmatch(name)
    assert match is not None and date_of_match(match) == day, name


@pytest.mark.parametrize(
    ("fmt", "token"),
    [("Daily YYYY-MM-DD", "'a'"), ("gggg-[W]ww", "'gggg'"), ("YYYY-MM-DD HH:mm", "'HH'"), ("YYYY-DDDD", "'DDDD'"),
     ("DD/MM/Y", "'Y'"), ("LL", "'LL'")],
)  # fmt: skip
def test_a_daily_note_format_with_a_token_it_cannot_read_says_which(fmt, token):
    with pytest.raises(ValueError, match=f"does not read the token {token}"):
        moment_regex(fmt)


def test_daily_notes_named_with_weekdays_and_month_names(make_vault):
    root = make_vault(
        {
            ".obsidian/daily-notes.json": '{"folder": "Journal", "format": "dddd, MMMM Do, YYYY"}',
            "People/Ada.md": "",
            "Journal/Friday, November 20th, 2026.md": "- [[Ada]]\n",
            "Journal/Freitag, November 19th, 2026.md": "- [[Ada]] (a weekday in another language)\n",
            "Journal/Friday, Movember 20th, 2026.md": "- [[Ada]] not a month\n",
        }
    )
    report = report_of(root)
    assert [i.date for i in person(report, "Ada").person.interactions] == [date(2026, 11, 19), date(2026, 11, 20)]
    assert report.problems == ()


def test_a_daily_note_format_it_cannot_read_is_a_problem_not_silence(make_vault):
    root = make_vault(
        {
            ".obsidian/daily-notes.json": '{"format": "YYYY-MM-DD HHmm"}',
            "People/Ada.md": "",
            "2026-11-20.md": "- [[Ada]]\n",
        }
    )
    report = report_of(root)
    assert [p.as_text() for p in report.problems] == [
        ".obsidian/daily-notes.json: daily note format 'YYYY-MM-DD HHmm': vaultkeeper does not read the token 'HHmm'"
        " (text goes in brackets); using YYYY-MM-DD"
    ]
    assert person(report, "Ada").interactions == 1


def test_bad_obsidian_settings_are_problems(make_vault):
    root = make_vault({".obsidian/daily-notes.json": "{not json", "People/Ada.md": "", "2026-11-20.md": "[[Ada]]"})
    report = report_of(root)
    assert report.problems[0].path == ".obsidian/daily-notes.json"
    assert person(report, "Ada").interactions == 1  # falls back to any date-named note


GLOB = st.text(alphabet="ab/*?.", max_size=6)


@given(st.text(alphabet="ab/.", max_size=8), st.lists(GLOB, max_size=3).map(tuple))
def test_any_of_several_globs_matches_as_each_would(path, patterns):
    assert any_glob_match(path, patterns) == any(glob_match(path, pattern) for pattern in patterns)
