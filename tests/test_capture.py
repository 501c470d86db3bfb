"""Capture commands: init, add, log, show. They write into the user's notes, so surgically."""

import threading
from datetime import date
from os.path import commonprefix
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import person, report_of, save_meanwhile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkeeper.capture import safe_file_name
from vaultkeeper.cli import cli
from vaultkeeper.edit import append_log, set_key, yaml_scalar
from vaultkeeper.front_matter import load, split


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--vault", str(root), "--today", "2026-11-25"])


# --- init -------------------------------------------------------------------


def test_init_creates_config_gitignore_people_and_pages(tmp_path):
    root = tmp_path / "notes"
    result = CliRunner().invoke(cli, ["init", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "created .vaultkeeper/config.toml",
        "created .vaultkeeper/.gitignore",
        "created People/",
    ]
    assert (root / ".vaultkeeper/config.toml").read_text().startswith("# vaultkeeper configuration.")
    assert "cache*" in (root / ".vaultkeeper/.gitignore").read_text()
    assert (root / "Relationships/Dashboard.md").exists()


def test_init_is_idempotent_and_never_overwrites(tmp_path):
    root = tmp_path / "notes"
    (root / ".vaultkeeper").mkdir(parents=True)
    (root / ".vaultkeeper/config.toml").write_text("focus_limit = 5\n")
    first = CliRunner().invoke(cli, ["init", str(root), "--today", "2026-11-25"])
    assert "created .vaultkeeper/config.toml" not in first.output
    assert (root / ".vaultkeeper/config.toml").read_text() == "focus_limit = 5\n"
    second = CliRunner().invoke(cli, ["init", str(root), "--today", "2026-11-25"])
    assert second.exit_code == 0
    assert second.output == f"vault ready: {root}\n"


# --- add --------------------------------------------------------------------


def test_add_creates_a_person_note(make_vault):
    root = make_vault({"People/.keep": ""})
    result = run(root, "add", "Ada Lovelace", "--stage", "New", "--cadence", "2 weeks", "--met", "today",
                 "--tag", "work", "--tag", "#london", "--alias", "Ada", "--alias", "yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "created People/Ada Lovelace.md\n"
    assert (root / "People/Ada Lovelace.md").read_text() == (
        "---\naliases: [Ada, \"yes\"]\nstage: new\ncadence: 2 weeks\nmet: 2026-11-25\ntags: [work, london]\n---\n"
        "# Ada Lovelace\n\n## Log\n"
    )
    ada = person(report_of(root), "Ada Lovelace")
    assert ada.person.fields.aliases == ("Ada", "yes")
    assert ada.cadence.iso() == "P14D"


def test_add_refuses_an_existing_name_or_alias(make_vault):
    root = make_vault({"People/Ada Lovelace.md": "---\naliases: [Countess]\n---\n", "People/DC.md": ""})
    for args, path in (
        (["ada lovelace"], "People/Ada Lovelace.md"),
        (["Someone", "--alias", "countess"], "People/Ada Lovelace.md"),
        (["COUNTESS"], "People/Ada Lovelace.md"),
        (["people/dc"], "People/DC.md"),  # the path form a link to DC would be
    ):
        result = run(root, "add", *args)
        assert result.exit_code == 2
        assert f"a person with that name or alias exists already: {path}" in result.output
    assert sorted(p.name for p in (root / "People").iterdir()) == ["Ada Lovelace.md", "DC.md"]
    assert run(root, "add", "AC/DC").output == "created People/AC-DC.md\n"  # a name, not DC's path


def test_add_uses_a_user_template(make_vault):
    root = make_vault({".vaultkeeper/templates/Person.md.j2": "---\ntype: person\nstage: {{ stage }}\n---\n# {{ name }}\n\n## Interactions\n"})
    assert run(root, "add", "Grace", "--stage", "target").exit_code == 0
    assert (root / "People/Grace.md").read_text() == "---\ntype: person\nstage: target\n---\n# Grace\n\n## Interactions\n"


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..", "Unnamed"),
        ("CON", "CON_"),
        ("nul.txt", "nul.txt_"),
        ("a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"),
        ("[[Link]] #tag ^x", "Link -tag -x"),
        ("李雷", "李雷"),
        ("José Müller", "José Müller"),
        ("  spaced   out  ", "spaced out"),
        ("x" * 300, "x" * 200),
        ("é" * 150, "é" * 100),
    ],
)
def test_hostile_names_stay_in_the_people_folder(make_vault, name, file_name):
    root = make_vault({"People/.keep": ""})
    result = run(root, "add", name)
    assert result.exit_code == 0, result.output
    created = [p for p in (root / "People").iterdir() if p.suffix == ".md"]
    assert [p.name for p in created] == [f"{file_name}.md"]
    assert created[0].resolve().parent == (root / "People").resolve()
    assert sorted(p.name for p in root.iterdir()) == ["People"]
    expected_name = " ".join(name.split())
    assert person(report_of(root), expected_name).person.path == f"People/{file_name}.md"


def test_safe_file_name_properties():
    for name in ["", " ", "...", "a" * 1000, "\x00\x01", "COM1", "lpt9.md"]:
        safe = safe_file_name(name)
        assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
        assert len(safe.encode()) <= 200
        assert not safe.endswith((" ", "."))


# --- log ----------------------------------------------------------------------

LOG_CASES = {
    "oldest first, nested items": (
        "---\nstage: new\n---\n# Ada\n\n## Log\n- 2026-10-01 met\n- 2026-11-01 call\n  - nested\n\n## Notes\ntext\n",
        "---\nstage: new\n---\n# Ada\n\n## Log\n- 2026-10-01 met\n- 2026-11-01 call\n  - nested\n- 2026-11-25 coffee\n\n## Notes\ntext\n",
    ),
    "newest first": (
        "# Ada\n## Interactions\n- 2026-11-01 call\n- [[2026-10-01]] met\n",
        "# Ada\n## Interactions\n- 2026-11-25 coffee\n- 2026-11-01 call\n- [[2026-10-01]] met\n",
    ),
    "no log section": (
        "---\nstage: new\n---\n# Ada\n\nSome text.\n\n",
        "---\nstage: new\n---\n# Ada\n\nSome text.\n\n## Log\n- 2026-11-25 coffee\n\n",
    ),
    "empty log at the end": ("# Ada\n\n## Log\n", "# Ada\n\n## Log\n- 2026-11-25 coffee\n"),
    "dated sub-headings": (
        "# Ada\n## Log\n### 2026-10-01 Met\nat the meetup\n### 2026-11-01 Call\n- gave:: x\n",
        "# Ada\n## Log\n### 2026-10-01 Met\nat the meetup\n### 2026-11-01 Call\n- gave:: x\n\n### 2026-11-25 coffee\n",
    ),
    "dated sub-headings, newest first": (
        "## Log\n### 2026-11-01 Call\n\n### 2026-10-01 Met\n",
        "## Log\n### 2026-11-25 coffee\n\n### 2026-11-01 Call\n\n### 2026-10-01 Met\n",
    ),
    "crlf": (
        "---\r\nstage: new\r\n---\r\n## Log\r\n- 2026-11-01 call\r\n",
        "---\r\nstage: new\r\n---\r\n## Log\r\n- 2026-11-01 call\r\n- 2026-11-25 coffee\r\n",
    ),
    "bom and crlf, no log": (
        "\ufeff---\r\nstage: new\r\n---\r\nHello\r\n",
        "\ufeff---\r\nstage: new\r\n---\r\nHello\r\n\r\n## Log\r\n- 2026-11-25 coffee\r\n",
    ),
    "no final newline": ("## Log\n- 2026-11-01 call", "## Log\n- 2026-11-01 call\n- 2026-11-25 coffee"),
    "code fence with a heading inside": (
        "## Log\n- 2026-11-01 call\n```\n## not a heading\n```\n## Next\n",
        "## Log\n- 2026-11-01 call\n```\n## not a heading\n```\n- 2026-11-25 coffee\n## Next\n",
    ),
}


@pytest.mark.parametrize("case", sorted(LOG_CASES))
def test_log_changes_only_the_intended_lines(make_vault, case):
    before, after = LOG_CASES[case]
    root = make_vault({"People/Ada.md": before.encode("utf-8")})
    result = run(root, "log", "ada", "coffee")
    assert result.exit_code == 0, result.output
    assert (root / "People/Ada.md").read_bytes() == after.encode("utf-8")
    assert person(report_of(root), "Ada").last_contact == date(2026, 11, 25)


def test_log_leaves_a_note_saved_meanwhile_as_saved(make_vault, monkeypatch):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n"})
    save_meanwhile(monkeypatch, root / "People/Ada.md", "---\nstage: growing\n---\nJust typed.\n")
    result = run(root, "log", "Ada", "coffee")
    assert result.exit_code == 2
    assert result.output == "Error: People/Ada.md: changed meanwhile; left as it is (run the command again)\n"
    assert (root / "People/Ada.md").read_text() == "---\nstage: growing\n---\nJust typed.\n"


def test_log_writes_through_a_linked_note_and_not_out_of_the_vault(make_vault, tmp_path):
    """A note kept elsewhere and linked in stays linked: its file gets the entry (as an
    editor writes); a link leading out of the vault is not written through at all."""
    root = make_vault({".kept/Ada.md": "---\nstage: new\n---\n## Log\n"})
    (root / "People").mkdir()
    (root / "People/Ada.md").symlink_to("../.kept/Ada.md")
    result = run(root, "log", "Ada", "coffee")
    assert result.exit_code == 0, result.output
    assert (root / "People/Ada.md").is_symlink()
    assert (root / ".kept/Ada.md").read_text() == "---\nstage: new\n---\n## Log\n- 2026-11-25 coffee\n"
    outside = tmp_path / "outside.md"
    outside.write_text("## Log\n")
    (root / "People/Bob.md").symlink_to(outside)
    result = run(root, "log", "Bob", "coffee")
    assert result.exit_code == 2
    assert "People/Bob.md: is a link to a file outside the vault; not writing through it" in result.output
    assert (root / "People/Bob.md").is_symlink() and outside.read_text() == "## Log\n"


def test_log_items_next_and_comments_in_front_matter(make_vault):
    before = (
        "---\n# who she is\nName: Ada  # the countess\nphone: 0123\ncountry: NO\nNext: 2026-01-01  # old\n"
        "tags:\n  - a\n---\n## Log\n- 2026-11-01 call\n"
    )
    root = make_vault({"People/ada.md": before})
    result = run(root, "log", "Ada", "lunch  with\nher", "--gave", "a book", "--got", "advice", "--got", "tea", "--next", "2 weeks")
    assert result.exit_code == 0, result.output
    assert result.output == "People/ada.md:12: - 2026-11-25 lunch with her [gave:: a book] [got:: advice] [got:: tea]\n"
    assert (root / "People/ada.md").read_text() == before.replace(
        "Next: 2026-01-01  # old", "Next: 2026-12-09"
    ).replace("- 2026-11-01 call\n", "- 2026-11-01 call\n- 2026-11-25 lunch with her [gave:: a book] [got:: advice] [got:: tea]\n")
    state = person(report_of(root), "Ada")
    assert (state.gave, state.got, state.next_due) == (1, 2, date(2026, 12, 9))


def test_log_next_added_as_the_last_front_matter_line(make_vault):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n", "People/Bob.md": "no front matter\n"})
    result = run(root, "log", "Ada", "x", "--next", "2027-01-05", "--date", "2026-11-20")
    assert result.exit_code == 0 and "People/Ada.md:7: - 2026-11-20 x" in result.output  # the line it is on now
    assert (root / "People/Ada.md").read_text() == "---\nstage: new\nnext: 2027-01-05\n---\n\n## Log\n- 2026-11-20 x\n"
    result = run(root, "log", "Bob", "y", "--next", "monthly")
    assert result.exit_code == 0 and "People/Bob.md:7: - 2026-11-25 y" in result.output
    assert (root / "People/Bob.md").read_text() == "---\nnext: 2026-12-25\n---\nno front matter\n\n## Log\n- 2026-11-25 y\n"


@pytest.mark.parametrize(("option", "value"), [("--tag", ""), ("--tag", " # "), ("--alias", "  ")])
def test_add_refuses_an_empty_tag_or_alias(make_vault, option, value):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n"})
    result = run(root, "add", "Bob", option, value)
    assert result.exit_code == 2 and f"{option}: an empty value" in result.output, result.output
    assert not (root / "People/Bob.md").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--gave", "x]", "would not read back as given"),
        ("--got", "[[Bob]] `x`]", "would not read back as given"),
        ("--gave", "[[Bob", "would not read back as given"),
        ("--got", "  ", "--got: an empty value"),
    ],
)
def test_log_refuses_an_item_that_would_not_read_back_and_writes_nothing(make_vault, option, value, message):
    note = "---\nstage: new\n---\n## Log\n- 2026-11-01 call\n"
    root = make_vault({"People/Ada.md": note})
    result = run(root, "log", "Ada", "coffee", option, value)
    assert result.exit_code == 2 and message in result.output, result.output
    assert (root / "People/Ada.md").read_text() == note


def test_log_keeps_inline_code_in_text_and_items(make_vault):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n## Log\n- 2026-11-01 call\n"})
    result = run(root, "log", "Ada", "showed her `vk build`", "--got", "a `b` c", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    entry = person(report_of(root), "Ada").person.interactions[-1]
    assert (entry.text.startswith("showed her `vk build`"), entry.got) == (True, ("a `b` c",))


def test_log_next_replaces_a_block_value(make_vault):
    root = make_vault({"People/Ada.md": "---\nnext:\n  - \"[[2026-01-01]]\"\nstage: new\n---\n"})
    run(root, "log", "Ada", "x", "--next", "2027-01-05")
    assert (root / "People/Ada.md").read_text().startswith("---\nnext: 2027-01-05\nstage: new\n---\n")


def test_log_refuses_broken_front_matter(make_vault):
    before = "---\nstage: [new\n---\n## Log\n"
    root = make_vault({"People/Ada.md": before})
    result = run(root, "log", "Ada", "x")
    assert result.exit_code == 2
    assert "People/Ada.md: front matter cannot be parsed (line 2: invalid YAML" in result.output
    assert (root / "People/Ada.md").read_text() == before


def test_log_unknown_name_suggests_and_ambiguous_lists(make_vault):
    root = make_vault(
        {
            "People/Ada Lovelace.md": "---\naliases: [Sam]\n---\n",
            "People/Adam Smith.md": "",
            "Team/Sam.md": "---\ntype: person\n---\n",
        }
    )
    unknown = run(root, "log", "Ada Lovelac", "x")
    assert unknown.exit_code == 2
    assert unknown.output == "Error: no person called 'Ada Lovelac'; did you mean 'Ada Lovelace'?\n"
    ambiguous = run(root, "log", "sam", "x")
    assert ambiguous.exit_code == 2
    assert "'sam' could be any of: People/Ada Lovelace.md, Team/Sam.md" in ambiguous.output
    assert run(root, "log", "Team/Sam", "x").exit_code == 0


def test_a_name_is_found_as_typed_or_with_its_spaces_collapsed_as_add_writes_it(make_vault):
    root = make_vault({"People/Hand.md": "---\nname: Bo  Diddley\n---\n"})  # two spaces, by hand
    assert run(root, "add", "  Ada   Lovelace ").output == "created People/Ada Lovelace.md\n"
    assert run(root, "log", "Ada   Lovelace", "x").output.startswith("People/Ada Lovelace.md:")
    assert run(root, "log", "Bo  Diddley", "x").output.startswith("People/Hand.md:")
    assert run(root, "log", "Bo Diddley", "x").exit_code == 2  # a name is never changed to match


NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=15) | st.text(
    alphabet="ab /\\#|[]^:.-'\"`\t", min_size=1, max_size=10
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(NAMES)
def test_any_name_add_accepts_log_and_show_find(tmp_path_factory, name):
    root = tmp_path_factory.mktemp("vault")
    (root / ".vaultkeeper").mkdir()
    added = run(root, "add", name)
    if added.exit_code != 0:  # no name left once made safe, or like no other: refused, nothing written
        assert added.exit_code == 2 and "Traceback" not in added.output and not (root / "People").exists()
        return
    path = added.output.removeprefix("created ").strip()
    assert run(root, "log", name, "hello").output.startswith(f"{path}:"), name
    assert run(root, "show", name).exit_code == 0


def test_show_prints_the_card(make_vault):
    root = make_vault(
        {
            "People/Ada.md": (
                "---\nstage: growing\nideas: [an intro]\ncompany: Engines\n---\n## Log\n"
                "- 2026-11-20 coffee gave:: tea\n- 2026-12-01 dinner\n- [ ] send the paper\n"
            )
        }
    )
    result = run(root, "show", "ada")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Ada  (People/Ada.md)\n")
    for text in ("stage         growing", "next due      2026-12-01 (in 6 days; from a planned interaction)",
                 "gave / got    1 / 0 (balance +1)", "company       Engines", "  - an intro",
                 "  - send the paper  (People/Ada.md:9)", "  2026-11-20 gave: tea",
                 "2026-12-01 (plan)  dinner", "People/Ada.md:7"):  # fmt: skip
        assert text in out, text


# --- properties -------------------------------------------------------------

safe_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
front = st.sampled_from(["", "---\nstage: new\n---\n", "---\n# c\nphone: 0123\nnext: 2026-01-01\n---\n", "---\n---\n"])
log_style = st.sampled_from(
    [
        "",
        "## Log\n",
        "## Log\n- 2026-10-01 a\n- 2026-11-01 b\n",
        "## Log\n- 2026-11-01 b\n- 2026-10-01 a\n  - nested\n",
        "### Interactions\n#### 2026-10-01 x\nbody\n",
        "## Log\n- 2026-10-01 a\n\n## After\n- not a log\n",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    head=front,
    body=st.text(alphabet="abc #-\n*", max_size=30),
    log=log_style,
    crlf=st.booleans(),
    bom=st.booleans(),
    text=safe_text,
    gave=st.lists(safe_text, max_size=2),
)
def test_log_adds_exactly_one_interaction_and_touches_nothing_else(tmp_path_factory, head, body, log, crlf, bom, text, gave):
    root = tmp_path_factory.mktemp("vault")
    note = head + "Notes.\n" + body.replace("#", "x") + "\n" + log  # valid: no stray front matter
    if crlf:
        note = note.replace("\n", "\r\n")
    data = (("\ufeff" if bom else "") + note).encode()
    (root / "People").mkdir()
    (root / "People/Target.md").write_bytes(data)
    (root / "People/Other.md").write_text("---\nstage: new\n---\n## Log\n- 2026-11-01 x [[Target]]\n")
    other = (root / "People/Other.md").read_bytes()
    before = person(report_of(root), "Target").interactions
    args = ["log", "--vault", str(root), "--today", "2026-11-25"]
    for item in gave:
        args += ["--gave", item]
    args += ["--", "Target", text]  # the text may start with "-"
    result = CliRunner().invoke(cli, args)
    if result.exit_code == 2:  # refused: a value with a lone bracket or backtick would not read back as given
        assert "would not read back as given" in result.output and any(c in "[]`" for c in text + "".join(gave))
        assert (root / "People/Target.md").read_bytes() == data
        return
    assert result.exit_code == 0, result.output
    after = person(report_of(root), "Target")
    assert after.interactions == before + 1
    assert after.last_contact == date(2026, 11, 25)
    (new_entry,) = [entry for entry in after.person.interactions if entry.date == date(2026, 11, 25)]
    assert new_entry.gave[len(new_entry.gave) - len(gave) :] == tuple(" ".join(item.split()) for item in gave)
    assert (root / "People/Other.md").read_bytes() == other
    new = (root / "People/Target.md").read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") == bom
    if crlf:
        assert new.count(b"\n") == new.count(b"\r\n")
    else:
        assert b"\r" not in new


@given(value=st.text(max_size=30))
def test_yaml_scalars_read_back_exactly(value):
    data, problem = load(split(f"---\nkey: {yaml_scalar(value)}\n---\n").front)
    assert problem is None
    assert data["key"] == value or (value == "" and data["key"] in ("", None))


def test_set_key_and_append_log_are_pure_text_edits():
    text = "---\na: 1 # keep\nb: [x,   y]\n---\nbody\n"
    assert set_key(text, "next", "2026-12-01") == "---\na: 1 # keep\nb: [x,   y]\nnext: 2026-12-01\n---\nbody\n"
    assert append_log(text, "2026-11-25 x")[0] == text + "\n## Log\n- 2026-11-25 x\n"


def test_log_with_the_watcher_running_is_picked_up_once(make_vault):
    from test_watch import Running, settled, wait_until

    root = make_vault({"People/Ada.md": "---\nstage: growing\n---\n## Log\n- 2026-11-01 call\n"})
    runner = Running(root)
    try:
        assert run(root, "log", "Ada", "coffee", "--got", "a tip").exit_code == 0
        wait_until(lambda: runner.watcher.updates >= 1, what="the update")
        settled(runner, root)
        assert "2026-11-25" in (root / "Relationships/Follow-ups.md").read_text()
        threading.Event().wait(0.3)
        assert runner.watcher.updates == 1
        assert run(root, "add", "Grace", "--stage", "target").exit_code == 0
        wait_until(lambda: runner.watcher.updates == 2, what="the add")
        settled(runner, root)
    finally:
        runner.stop()


@given(values=st.lists(st.text(max_size=20), min_size=1, max_size=4))
def test_yaml_flow_lists_read_back_exactly(values):
    from vaultkeeper.edit import yaml_list

    data, problem = load(split(f"---\nkey: {yaml_list(values)}\n---\n").front)
    assert problem is None
    assert [("" if v is None else v) for v in data["key"]] == values


def _lines(text: str) -> list[str]:
    """Lines with their endings, split at LF only (a CR inside a line is the line's)."""
    return [part + "\n" for part in text.split("\n")[:-1]]  # (the text ends with one)


@settings(max_examples=150, deadline=None)
@given(
    head=front,
    body=st.lists(st.sampled_from(["Notes.", "", "text é", "- item", "* x", "  indented", "---x"]), max_size=5),
    log=log_style,
    crlf=st.lists(st.booleans(), min_size=1, max_size=7),
    final=st.booleans(),
    bom=st.booleans(),
)
def test_edits_keep_every_other_line_byte_for_byte_whatever_its_ending(head, body, log, crlf, final, bom):
    lines = (head + "\n".join(["Notes.", *body]) + "\n" + log).split("\n")[:-1]
    endings = ["\r\n" if crlf[index % len(crlf)] else "\n" for index in range(len(lines))]
    text = ("\ufeff" if bom else "") + "".join(line + ending for line, ending in zip(lines, endings, strict=True))
    if not final:
        text = text.removesuffix(endings[-1])
        final = text.endswith("\n")  # (its last line was empty)
    newline = endings[0] if "\n" in text else "\n"  # what the lines an edit adds end with: the first line's
    for edited in (append_log(text, "2026-11-25 x")[0], set_key(text, "next", "2026-12-01")):
        assert edited.startswith("\ufeff") == bom and edited.endswith("\n") == final
        old = _lines(text.removeprefix("\ufeff") + ("" if final else newline))  # what a last line gains
        new = _lines(edited.removeprefix("\ufeff") + ("" if final else newline))
        same = len(commonprefix([old, new]))  # (of lists: the lines both start with)
        after = len(commonprefix([old[same:][::-1], new[same:][::-1]]))
        replaced, added = old[same : len(old) - after], new[same : len(new) - after]
        assert added, (text, edited)  # one block of lines added or replacing others; every other line as it was
        assert all(line.startswith("next:") for line in replaced), (text, edited)  # set_key replaces its key's line
        if replaced:
            assert added == ["next: 2026-12-01" + replaced[-1][len(replaced[-1].rstrip("\r\n")) :]]
        else:
            assert all(line.endswith(newline) for line in added), (text, edited)
