"""SPEC 3: the person's own log, daily notes, meeting notes and gave/got fields."""

from datetime import date

from conftest import by_name, person, report_of, status_json
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vaultkeeper.markdown import closing_brackets, fields
from vaultkeeper.parse import Context


def dates(state):
    return [i.date.isoformat() for i in state.person.interactions]


def test_log_list_items_with_every_marker_and_date_form(make_vault):
    root = make_vault(
        {
            "People/Ada.md": (
                "# Ada\n\n## Log\n"
                "- 2026-11-20 coffee\n"
                "* [[2026-11-19]] call\n"
                "+ 2026-11-18 14:30 lunch\n"
                "1. 2026-11-17T09:00 breakfast\n"
                "   - [x] 2026-11-16 done task is contact\n"
                "- [x] 2026-11-15 done task\n"
                "   - 2026-11-14 nested items belong to their parent\n"
                "- [ ] 2026-11-13 an open loop, not an interaction\n"
            )
        }
    )
    ada = person(report_of(root), "Ada")
    assert dates(ada) == ["2026-11-15", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    assert [(l.line, l.text) for l in ada.person.open_loops] == [(11, "2026-11-13 an open loop, not an interaction")]


def test_log_heading_any_level_case_insensitive_until_same_level(make_vault):
    root = make_vault(
        {
            "People/Ada.md": (
                "# Ada\n- 2026-01-01 before the log: ignored\n"
                "### INTERACTIONS\n- 2026-11-01 one\n#### Sub\n- 2026-11-02 two\n"
                "### Notes\n- 2026-11-03 after the log: ignored\n"
            )
        }
    )
    assert dates(person(report_of(root), "Ada")) == ["2026-11-01", "2026-11-02"]


def test_dated_sub_headings_are_interactions_with_their_body(make_vault):
    root = make_vault(
        {
            "People/Ada.md": (
                "## Log\n"
                "### 2026-11-10 Conference dinner [gave:: a pen]\n"
                "Sat next to her.\n- she is hiring\n- got:: reading list\n"
                "### [[2026-10-01]] Call\n- gave:: feedback\n"
                "### Older notes\n- 2026-09-01 list rule applies below an undated sub-heading\n"
                "- no date here\n"
            )
        }
    )
    ada = person(report_of(root), "Ada")
    interactions = ada.person.interactions
    assert dates(ada) == ["2026-09-01", "2026-10-01", "2026-11-10"]
    assert interactions[2].text == "Conference dinner [gave:: a pen]"
    assert interactions[2].gave == ("a pen",) and interactions[2].got == ("reading list",)
    assert interactions[1].gave == ("feedback",)
    problems = report_of(root).problems
    assert [(p.line, p.message) for p in problems] == [(10, "log item has no date: no date here")]


def test_nested_items_and_continuations_add_items_to_their_interaction(make_vault):
    root = make_vault(
        {
            "People/Ada.md": (
                "## Log\n"
                "- 2026-11-20 #coffee Talked about her seed round. [gave:: intro to [[Grace Hopper]]]\n"
                "- [[2026-10-02]] Call. got:: feedback on my pitch deck\n"
                "  - she prefers mornings\n"
                "  - got:: a book\n"
                "  continuation gave:: a link\n"
            ),
            "People/Grace Hopper.md": "",
        }
    )
    report = report_of(root)
    ada = person(report, "Ada")
    assert (ada.gave, ada.got, ada.interactions) == (2, 2, 2)
    assert ada.person.interactions[1].text == "#coffee Talked about her seed round. [gave:: intro to [[Grace Hopper]]]"
    assert person(report, "Grace Hopper").interactions == 0  # a link in a log is not contact for Grace


def test_log_item_without_date_is_a_problem_with_its_line(make_vault):
    root = make_vault({"People/Ada.md": "---\nstage: new\n---\n## Log\n- met at the meetup\n- 2026-02-30 bad\n"})
    report = report_of(root)
    assert [(p.line, p.message) for p in report.problems] == [
        (5, "log item has no date: met at the meetup"),
        (6, "log entry: no such date: 2026-02-30"),
    ]
    assert person(report, "Ada").interactions == 0


def test_log_in_a_non_person_note_is_ignored(make_vault):
    root = make_vault({"Projects/Plan.md": "## Log\n- undated item\n"})
    assert report_of(root).problems == ()


def test_daily_note_links_are_contact_once_per_day(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "People/Bob.md": "",
            "Daily/2026-11-20.md": (
                "---\nmood: \"[[Bob]]\"\n---\n"
                "- Coffee with [[Ada]] and [[Bob|Bobby]]. gave:: a book\n"
                "- Later, [[Ada#Log|Ada]] again. got:: advice\n"
                "Met [[People/Ada.md]] a third time.\n"
            ),
        }
    )
    report = report_of(root)
    ada, bob = person(report, "Ada"), person(report, "Bob")
    assert ada.interactions == 1 and bob.interactions == 1
    assert ada.person.interactions[0].line == 4
    assert (ada.gave, ada.got) == (1, 1)
    assert (bob.gave, bob.got) == (1, 0)
    assert ada.last_contact == date(2026, 11, 20)


def test_links_that_are_not_contact(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "Daily/2026-11-20.md": (
                "- [ ] send [[Ada]] the paper\n"
                "  - about [[Ada]] inside the open task\n"
                "> [[Ada]] in a quote\n"
                "```\n[[Ada]] in a code block\n```\n"
                "`[[Ada]]` in inline code\n"
                "![[Ada]] an embed\n"
                "- note gave:: intro to [[Ada]]\n"
                "- [-] cancelled with [[Ada]]\n"
            ),
        }
    )
    ada = person(report_of(root), "Ada")
    assert ada.interactions == 0
    assert [(l.path, l.line, l.text) for l in ada.person.open_loops] == [
        ("Daily/2026-11-20.md", 1, "send [[Ada]] the paper")
    ]


def test_a_task_in_a_quote_or_callout_is_an_open_loop_but_nothing_quoted_is_contact(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "## Log\n- 2026-11-01 call\n> - [ ] 2026-11-02 quoted in her own note\n",
            "People/Bob.md": "",
            "Daily/2026-11-20.md": (
                "> [!todo] This week\n"
                "> - [ ] send [[Ada]] the slides\n"
                "> - [x] called [[Bob]]\n"
                ">> * [ ] ask [[Bob]], nested\n"
                "> [ ] not a list item\n"
                "> she said [[Bob]] would call\n"
            ),
        }
    )
    report = report_of(root)
    ada, bob = person(report, "Ada"), person(report, "Bob")
    assert dates(ada) == ["2026-11-01"] and dates(bob) == []
    assert [(l.path, l.line, l.text) for l in ada.person.open_loops] == [
        ("Daily/2026-11-20.md", 2, "send [[Ada]] the slides"),
        ("People/Ada.md", 3, "2026-11-02 quoted in her own note"),
    ]
    assert [(l.line, l.text) for l in bob.person.open_loops] == [(4, "ask [[Bob]], nested")]


def test_inline_code_is_never_read_but_always_shown(make_vault):
    """Nothing inside inline code is a link, a field, a tag or a date; every text shown
    (log entries, gave/got items, open loops, mentions, problems) keeps the code as written."""
    root = make_vault(
        {
            "People/Ada.md": (
                "## Log\n"
                "- 2026-11-20 showed her `vaultkeeper build` and [[Bob]]. gave:: the `bombe` notes\n"
                "- 2026-11-19 ran `gave:: x` and `[[Bob]]` in a shell; got:: `y`\n"
                "  - more [got:: a `z` and `w`]\n"
                "- `x` 2026-11-17 code first: no date\n"
                "### 2026-11-18 `gave:: x` in a heading\n"
                "- [ ] send `draft | v2.pdf` to [[Bob]]\n"
            ),
            "People/Bob.md": "",
            "Daily/2026-11-21.md": "- paired with [[Bob]] on `make test`, `[[Ada]]` in code [got:: `fix`]\n",
        }
    )
    report = report_of(root)
    ada, bob = person(report, "Ada"), person(report, "Bob")
    assert [(i.text, i.gave, i.got) for i in ada.person.interactions] == [
        ("`gave:: x` in a heading", (), ()),
        ("ran `gave:: x` and `[[Bob]]` in a shell; got:: `y`", (), ("`y`", "a `z` and `w`")),
        ("showed her `vaultkeeper build` and [[Bob]]. gave:: the `bombe` notes", ("the `bombe` notes",), ()),
    ]
    assert [(i.path, i.text, i.got) for i in bob.person.interactions] == [
        ("Daily/2026-11-21.md", "paired with [[Bob]] on `make test`, `[[Ada]]` in code [got:: `fix`]", ("`fix`",))
    ]
    assert [l.text for l in bob.person.open_loops] == ["send `draft | v2.pdf` to [[Bob]]"]
    assert [p.message for p in report.problems] == ["log item has no date: `x` 2026-11-17 code first: no date"]
    loops = by_name(status_json(root))["Ada"]["open_loops"]
    assert [loop["text"] for loop in loops] == ["send `draft | v2.pdf` to [[Bob]]"]


def test_a_note_writing_the_characters_that_stand_for_code_has_its_code_blanked(make_vault):
    """The private-use characters standing for code spans while a line is read are never
    confused with the same characters written in the note: its code is shown as blanks."""
    root = make_vault({"People/Ada.md": "\U000f0000\n## Log\n- 2026-11-20 ran `x` \U000f0000 gave:: `y` z\n"})
    entry = person(report_of(root), "Ada").person.interactions[0]
    assert (entry.text, entry.gave) == ("ran     \U000f0000 gave::     z", ("z",))


@settings(max_examples=300)
@example("`a``b` `c`x`d`")
@example(" `` ` `` ")
@given(st.text(alphabet=st.sampled_from("`ab \t[]:"), max_size=20))
def test_code_spans_are_blanked_and_come_back(line):
    from vaultkeeper.markdown import CODE_MARK, INLINE_CODE, CodeSpans

    code = CodeSpans("")
    blanked = code.blank(line)
    assert len(code.spans) == len(INLINE_CODE.findall(line)) == len(CODE_MARK.findall(blanked))
    assert code.shown(blanked) == line


def test_a_heading_that_links_someone_is_contact_in_a_daily_note(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "People/Bob.md": "",
            "People/Cy.md": "",
            "Daily/2026-11-20.md": (
                "# Friday\n"
                "## Call with [[Ada]] [gave:: an intro]\n"
                "- notes, no link\n"
                "### `[[Bob]]` in code, ![[Cy]] embedded\n"
            ),
        }
    )
    report = report_of(root)
    ada = person(report, "Ada")
    assert dates(ada) == ["2026-11-20"] and ada.person.interactions[0].line == 2
    assert (ada.gave, ada.got) == (1, 0)
    assert person(report, "Bob").interactions == 0 and person(report, "Cy").interactions == 0


def test_markdown_links_to_a_person_count_as_wikilinks_do(make_vault):
    """With wikilinks turned off Obsidian writes `[Ada](People/Ada%20Lovelace.md)`: the path
    as it is from the vault (absolute), from the note (relative) or the shortest one."""
    root = make_vault(
        {
            "People/Ada Lovelace.md": "",
            "People/Bob.md": "",
            "People/Work/Sam.md": "---\nname: Sam Work\n---\n",
            "People/Home/Sam.md": "---\nname: Sam Home\n---\n",
            "Daily/2026-11-20.md": "- coffee with [Ada](People/Ada%20Lovelace.md) gave:: a book\n",
            "Daily/2026/2026-11-19.md": "- [Sam](../../People/Work/Sam.md), [Sam](<../../People/Home/Sam.md>)\n",
            "Daily/2026/2026-11-21.md": '- call with [her](<../../People/Ada Lovelace.md#Log> "Ada")\n',
            "Daily/2026-11-22.md": "- [x] lunch with [Bob](Bob.md), [[Ada Lovelace]]\n",
            "Daily/2026-11-23.md": (
                "- ![Ada](People/Ada%20Lovelace.md) embedded\n"
                "- [her site](https://ada.example/Ada%20Lovelace.md), [a photo](Ada%20Lovelace.png), [cv](Bob)\n"
                "- `[Ada](Bob.md)` in code; gave:: a note for [Bob](Bob.md)\n"
                "- [ ] send [Ada](Ada%20Lovelace.md) the paper\n"
            ),
        }
    )
    report = report_of(root)
    ada, bob = person(report, "Ada Lovelace"), person(report, "Bob")
    assert dates(ada) == ["2026-11-20", "2026-11-21", "2026-11-22"] and (ada.gave, ada.got) == (1, 0)
    assert dates(bob) == ["2026-11-22"]
    assert dates(person(report, "Sam Work")) == dates(person(report, "Sam Home")) == ["2026-11-19"]
    assert [(loop.path, loop.line) for loop in ada.person.open_loops] == [("Daily/2026-11-23.md", 4)]
    assert report.problems == ()


def test_done_task_in_daily_note_is_contact(make_vault):
    root = make_vault({"People/Ada.md": "", "Daily/2026-11-20.md": "- [x] called [[Ada]]\n"})
    assert person(report_of(root), "Ada").interactions == 1


def test_items_on_a_line_linking_several_people_go_to_each(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "People/Bob.md": "",
            "Daily/2026-11-20.md": "- lunch with [[Ada]] and [[Bob]] [got:: a recipe] gave:: wine\n  - gave:: flowers\n",
        }
    )
    report = report_of(root)
    for name in ("Ada", "Bob"):
        state = person(report, name)
        assert (state.gave, state.got) == (2, 1)


def test_daily_notes_folder_and_format_from_obsidian(make_vault):
    root = make_vault(
        {
            ".obsidian/daily-notes.json": '{"folder": "Journal", "format": "YYYY/MM/DD.MM.YYYY"}',
            "People/Ada.md": "",
            "Journal/2026/11/20.11.2026.md": "- [[Ada]]\n",
            "Journal/old/2026-11-19.md": "- [[Ada]] not this format\n",
            "Elsewhere/2026-11-18.md": "- [[Ada]] outside the daily folder\n",
        }
    )
    ada = person(report_of(root), "Ada")
    assert dates(ada) == ["2026-11-20"]


def test_daily_notes_anywhere_without_obsidian_settings(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "2026-11-20.md": "[[Ada]]\n",
            "Deep/Folder/2026-11-21.md": "[[Ada]]\n",
            "Not a date.md": "[[Ada]]\n",
        }
    )
    assert dates(person(report_of(root), "Ada")) == ["2026-11-20", "2026-11-21"]


def test_config_daily_notes_folder_overrides_obsidian(make_vault):
    root = make_vault(
        {
            ".obsidian/daily-notes.json": '{"folder": "Journal"}',
            ".vaultkeeper/config.toml": 'daily_notes = "Days"\n',
            "People/Ada.md": "",
            "Journal/2026-11-20.md": "[[Ada]]\n",
            "Days/2026-11-21.md": "[[Ada]]\n",
        }
    )
    assert dates(person(report_of(root), "Ada")) == ["2026-11-21"]


def test_meeting_note_is_an_interaction_with_each_attendee(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "---\naliases: [Countess]\n---\n",
            "People/Bob.md": "",
            "People/Cy.md": "",
            "Meetings/Kickoff.md": "---\ndate: 2026-11-18\nattendees:\n  - \"[[Ada]]\"\n  - Bob\n  - Nobody\n---\nNotes.\n",
            "Meetings/Retro.md": "---\ndate: 2026-11-19\nparticipants: [[Countess]]\n---\n",
            "Meetings/Standup.md": "---\ndate: \"[[2026-11-17]]\"\npeople: Cy\n---\n",
        }
    )
    report = report_of(root)
    assert dates(person(report, "Ada")) == ["2026-11-18", "2026-11-19"]
    assert person(report, "Ada").person.interactions[0].text == "Kickoff"
    assert person(report, "Ada").person.interactions[0].line == 3
    assert dates(person(report, "Bob")) == ["2026-11-18"]
    assert dates(person(report, "Cy")) == ["2026-11-17"]


def test_meeting_in_a_daily_note_merges_into_that_days_interaction(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "",
            "Daily/2026-11-20.md": "---\nattendees: [\"[[Ada]]\"]\n---\n- lunch with [[Ada]] gave:: tea\n",
        }
    )
    ada = person(report_of(root), "Ada")
    assert ada.interactions == 1 and ada.gave == 1


def test_future_interactions_are_plans_not_contact(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "---\nstage: growing\n---\n## Log\n- 2026-11-01 past gave:: x\n- 2026-12-03 planned gave:: y\n",
            "Daily/2026-11-30.md": "- dinner with [[Ada]]\n",
        }
    )
    ada = person(report_of(root), "Ada")
    assert ada.interactions == 1 and ada.gave == 1
    assert ada.last_contact == date(2026, 11, 1)
    assert ada.next_due == date(2026, 11, 30)
    assert ada.due_reason == "plan"


def test_fields_syntax():
    found = fields("a gave:: one got:: two [got:: three] (gave:: four (with parens)) got::   ")
    assert found.gave == ("one", "four (with parens)")
    assert found.got == ("two", "three")
    assert fields("[gave:: intro to [[Grace Hopper]]] and more").gave == ("intro to [[Grace Hopper]]",)
    assert fields("forgave:: nothing").gave == ()
    assert fields("GAVE:: loud").gave == ("loud",)
    assert fields("[gave:: unclosed").gave == ("unclosed",)


def _closing_by_scanning(text: str, start: int) -> int | None:
    """The bracket closing the one at `start`, found as the rule says: count to the end."""
    closer = "]" if text[start] == "[" else ")"
    depth = 0
    for index in range(start, len(text)):
        depth += text[index] == text[start]
        depth -= text[index] == closer
        if depth == 0:
            return index
    return None


@given(st.text(alphabet="[]()a", max_size=30))
def test_brackets_closed_in_one_pass_as_by_scanning_each(text):
    found = closing_brackets(text)
    assert found == {i: end for i, c in enumerate(text) if c in "[(" and (end := _closing_by_scanning(text, i)) is not None}


def test_a_line_of_many_unclosed_bracketed_fields_reads_as_plain_fields():
    found = fields("[gave:: x (got:: y " * 2_000)  # each unclosed bracket was a scan to the line's end
    assert found.gave == ("x (",) * 2_000 and found.got == ("y [",) * 1_999 + ("y",)


def test_daily_notes_folder_empty_means_the_vault_root_and_below(make_vault):
    root = make_vault(
        {
            ".obsidian/daily-notes.json": '{"folder": "", "format": "DD.MM.YYYY"}',
            "People/Ada.md": "",
            "20.11.2026.md": "[[Ada]]\n",
            "Journal/21.11.2026.md": "[[Ada]]\n",
            "2026-11-22.md": "[[Ada]] not the configured format\n",
        }
    )
    assert dates(person(report_of(root), "Ada")) == ["2026-11-20", "2026-11-21"]


LOG_TEXT = st.one_of(
    st.text(alphabet="ab .,'", max_size=10),  # what most log lines are
    st.text(alphabet="ab 19-:#[]()`|!_*~\t\u2013gGaveot.,\xa0", max_size=14),
)
LOG_LINES = st.one_of(
    st.builds(lambda d, t: f"- {d} {t}", st.sampled_from(["2026-11-20", "2026-02-30", "2026-11-20T10:00", "2026-1-2"]), LOG_TEXT),
    st.builds(lambda t, k, v: f"- 2026-11-20 {t} {k}:: {v}", LOG_TEXT, st.sampled_from(["gave", "got", "Gave"]), LOG_TEXT),
    st.builds(
        lambda t, k, v, link, w: f"- 2026-11-20 {t}[{k}::{v}{link}{w}]",
        LOG_TEXT,
        st.sampled_from(["gave", "got", "GOT", "gave "]),
        LOG_TEXT,
        st.sampled_from(["", "[[Ada]]", " [[Grace Hopper]]", "[[a|b]]", "[[x]] [[y]]", "[[", "]]"]),
        LOG_TEXT,
    ),
    st.builds(  # the bracketed fast path's own form, and its near misses
        lambda t, k, v, link: f"- 2026-11-20 {t} [{k}:: {v}{link}]",
        st.text(alphabet="ab .,'", min_size=1, max_size=8),
        st.sampled_from(["gave", "got", "Gave"]),
        st.text(alphabet="ab .,'", max_size=8),
        st.sampled_from(["", "[[Ada]]", " [[Grace Hopper]] x", "[[a|b]]", "[[a#b]]", "[[x]] [[y]]", "[[Ada]", " ]"]),
    ),
    st.sampled_from(["", "  continued", "  - gave:: tea", "more gave:: d", "### 2026-11-21 call",
                     "- [ ] 2026-11-22 todo", "- [x] 2026-11-22 done", "## Log", "# Other", "> - 2026-11-20 quoted",
                     "plain text", "1. 2026-11-23 numbered", "<!-- vaultkeeper:focus -->", "<!-- /vaultkeeper -->"]),
    LOG_TEXT.map(lambda t: f"- {t}"),
)


@settings(max_examples=500)
@example(["- 2026-11-20 a", "  - gave:: tea", "- 2026-11-21 b got:: c", "", "  more gave:: d", "next"])
@example(["### 2026-11-21 call", "- 2026-11-20 a gave:: b"])
@example(["- 2026-11-20 a", "### 2026-11-21 call", "  - gave:: tea", "- 2026-11-22 b", "### later", "  - got:: c"])
@example(["- 2026-11-20 a", "", "more gave:: d", "- 2026-11-21 b", "", "- 2026-11-22 c", "more got:: e"])
@example(["- [x] 2026-11-20 done", "", "more gave:: d", "- 2026-11-21 met [[Ada]]", "", "later got:: e"])
@example(["- 2026-11-20 a. [gave:: notes on [[Ada]]]", "- 2026-11-21 b [got:: [[Bo]] ]", "- 2026-11-22 c [gave:: ]"])
@example(["- 2026-11-20 a gave::", "- 2026-11-21 b got::", "- 2026-11-22 c agot:: d", "- 2026-11-23 e[gave:: f]"])
@example(["- 2026-11-20 a gave:: \x85", "- 2026-11-21 b [got:: c\xa0]", "- 2026-11-22 d gave:: e\u2003"])
@example(["- 2026-11-20 a", "<!-- vaultkeeper:focus -->", "- 2026-11-21 ours", "<!-- /vaultkeeper -->", "- 2026-11-22 b"])
@example(["- 2026-11-20 a", "# Other", "- [ ] ask", "plain #person text", "## Log", "- 2026-11-21 b"])
@given(st.lists(LOG_LINES, max_size=12))
def test_the_fast_path_for_plain_log_lines_changes_nothing(lines):
    data = ("---\nstage: new\n---\n## Log\n" + "\n".join(lines) + "\n").encode()
    _same_without_fast_paths("People/X.md", data, Context(True, None))


PLAIN_TEXT = st.text(alphabet="ab .,'", min_size=1, max_size=8)
PLAIN_LOG_LINES = st.one_of(  # plain log items (see `_plain_items`), most of them taken
    st.builds(lambda t: f"- 2026-11-20 {t}", PLAIN_TEXT),
    st.builds(
        lambda t, k, v: f"- 2026-11-20 {t} {k}:: {v}", PLAIN_TEXT, st.sampled_from(["gave", "Got", "agave", "agot"]), PLAIN_TEXT
    ),
    st.builds(
        lambda t, v: f"- 2026-11-20 {t} [got:: {v}]", PLAIN_TEXT, st.sampled_from(["x", "[[Ada]] y", " ", "[[a|b]]"])
    ),
)


@settings(max_examples=300)
@example(["- 2026-11-20 a"] * 30 + ["- 2026-02-30 b", "- 2026-11-20 c"])
@example(["- 2026-11-20 a", "- 2026-11-20 b gave::", "- 2026-11-20 c"])
@example(["- 2026-11-20 a", "- 2026-11-20 b [got:: ]", "- 2026-11-20 c"])
@given(st.lists(st.one_of(PLAIN_LOG_LINES, PLAIN_LOG_LINES, PLAIN_LOG_LINES, LOG_LINES), max_size=40))
def test_plain_log_items_read_a_chunk_at_a_time_as_one_by_one(lines):
    """`_plain_items` searches lines in growing chunks: it takes what it takes of each line alone."""
    import vaultkeeper.parse as parse

    def read(lines, start):
        return parse._NoteReader("People/X.md", "", Context(True, None), [])._plain_items(lines, start, len(lines))

    expected = []
    for index in range(len(lines)):  # each line as the only one (numbered as in the whole)
        stop, entries = read(lines[: index + 1], index)
        if stop == index:
            break
        expected.extend(entries)
    assert read(lines, 0) == (len(expected), expected)


def _same_without_fast_paths(path: str, data: bytes, context: Context) -> None:
    """The note reads the same with the parser's fast paths as with its general rules alone."""
    import vaultkeeper.parse as parse

    fast = parse.parse_note(path, data, context)
    parse.FAST_LOG = False
    try:
        general = parse.parse_note(path, data, context)
    finally:
        parse.FAST_LOG = True
    assert fast == general


BODY_PIECES = st.lists(
    st.sampled_from(["#person", "#", "# ", "#1", "x", " ", "\n", "`", "```\n", "~~~\n", "[", "]", "- [ ] ",
                     "[[Ada]]", "> ", "(", ",", "\t", "-", "#people/x"]),
    max_size=16,
).map("".join)


@settings(max_examples=500)
@example("", "# Project\n\nPlain notes. # Project\n")
@example("", "a`x`#person\n")
@example("", "```\n#person\n```\n")
@example("---\ntags: [project]\n---\n", "- [ ] call [[Ada]]\n")
@given(st.sampled_from(["", "---\ntags: [project]\n---\n", "---\ntype: note\n---\n"]), BODY_PIECES)
def test_a_note_about_no_one_reads_the_same_when_its_body_is_searched_first(front, body):
    _same_without_fast_paths("Notes/X.md", (front + body).encode(), Context(False, None))


DAILY_LINES = st.lists(
    st.sampled_from(["- ", "  - ", "- [ ] ", "- [x] ", "1. ", "met ", "[[Ada]]", "![[Ada]]", "[[Ada|A]]", "[[Ada#h]]",
                     "[[ ]]", "[[Bo.md]]", "[[", "]]", " gave:: tea", " got:: x", "#tag ", "`code` ", ":", "\t", "> ",
                     "x ", "(", "[[Cy]]", "- [ ]", " Gave:: ", "(gave:: y)", "[gave:: z]", "a-gave:: q", "  "]),
    max_size=6,
).map("".join)


@settings(max_examples=500)
@example(["- call with [[Ada]]", "  - gave:: tea", "- [ ] ask [[Bo]]", "  - [[Cy]] too", "- [[Ada]] and [[Bo]]"])
@example(["- ![[Ada]]", "- met [[ ]]", "- met [[Ada.md]] x", "- [[Ada]] #t", "-\t[[Ada]]", "- met [[Ada]] gave:: tea"])
@example(["- [ ] call [[Ada]] got:: x", "  - met [[Bo]]", "- met [[Cy]] GOT::  ", "- [ ]call [[Ada]]", "- met [[Ada]]a-gave:: q", "- met [[Ada]] Gave:: tea"])
@given(st.lists(DAILY_LINES, max_size=8))
def test_the_fast_path_for_plain_daily_items_changes_nothing(lines):
    data = ("\n".join(lines) + "\n").encode()
    _same_without_fast_paths("Daily/2026-11-20.md", data, Context(False, date(2026, 11, 20)))
