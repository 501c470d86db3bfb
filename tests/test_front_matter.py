import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkeeper import front_matter


def load(text: str):
    split = front_matter.split(text)
    return front_matter.load(split.front)


def test_yaml_11_surprises_stay_as_written():
    data, problem = load("---\ncountry: NO\nanswer: yes\ntime: 10:00\nphone: 0123\nhex: 0x1F\nwhen: 2026-11-20\n---\n")
    assert problem is None
    assert data == {
        "country": "NO",
        "answer": "yes",
        "time": "10:00",
        "phone": "0123",
        "hex": "0x1F",
        "when": "2026-11-20",
    }


def test_plain_values_still_typed():
    data, _ = load("---\nfocus: true\npriority: 2\nweight: 1.5\nnothing:\n---\n")
    assert data == {"focus": True, "priority": 2, "weight": 1.5, "nothing": None}


def test_keys_are_case_insensitive_first_wins():
    data, _ = load("---\nBirthday: 1990-01-01\nSTAGE: new\n---\n")
    assert data == {"birthday": "1990-01-01", "stage": "new"}


def test_invalid_yaml_names_the_file_line():
    text = "---\nname: Ada\nmet: [unclosed\n---\nbody\n"
    data, problem = load(text)
    assert data == {}
    assert problem[0] == 3
    assert problem[1].startswith("invalid YAML: ")


def test_aliases_that_expand_past_any_note_are_a_problem_not_a_hang():
    """A few YAML aliases can stand for billions of values (or a list that holds itself):
    anything walking them, showing a key's value, would never end."""
    bomb = ["---", "stage: new", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    data, problem = load("\n".join([*bomb, "company: *a8", "---", ""]))
    assert data == {}
    assert problem == (4, "front matter expands to more than 10,000 values through YAML aliases; not read")
    assert load("---\nname: Ada\nloop: &l [*l]\n---\n")[1][0] == 3
    assert load("---\nteam: &t [Ada, Bob]\nalso: *t\n---\n") == ({"team": ["Ada", "Bob"], "also": ["Ada", "Bob"]}, None)
    wide = "---\nxs: &x [" + ", ".join(["1"] * 4997) + "]\nys: *x\n---\n"  # 9,999 values in all: read
    assert load(wide)[1] is None and len(load(wide)[0]["ys"]) == 4997
    assert load(wide.replace("ys:", "z: 1\nys:"))[1][1].startswith("front matter expands")  # 10,001, its keys too


def test_bad_indentation_points_at_the_line():
    _, problem = load("---\na: b\n  c: d\n---\n")
    assert problem[0] == 3


def test_front_matter_that_is_a_list_or_text():
    assert load("---\n- a\n- b\n---\n")[1] == (2, "front matter is a list, not a mapping of keys to values")
    assert load("---\njust text\n---\n")[1] == (2, "front matter is text, not a mapping of keys to values")


def test_split_handles_crlf_and_dots_terminator():
    split = front_matter.split("---\r\nname: Ada\r\n...\r\n# Body\r\n")
    assert split.front == ["name: Ada"]
    assert split.lines[split.body_start] == "# Body"


def test_unclosed_front_matter_is_reported():
    split = front_matter.split("---\nname: Ada\n")
    assert split.front is None
    assert "never closed" in split.error


def test_no_front_matter_unless_first_line():
    split = front_matter.split("\n---\nname: Ada\n---\n")
    assert split.front is None and split.error is None


def test_key_lines_count_from_the_file_start():
    split = front_matter.split('---\n# comment\nName: Ada\n"stage": new\naliases:\n  - A\n---\n')
    assert front_matter.key_lines(split.front) == {"name": 3, "stage": 4, "aliases": 5}


def test_split_agrees_with_python_frontmatter_on_ordinary_notes():
    import frontmatter

    notes = [
        "---\nname: Ada\ntags: [a, b]\n---\n# Ada\n\nBody text.\n",
        "---\ntitle: Plain\n---\nBody\n---\nmore after a rule\n",
        "No front matter here.\n",
        "---\nnested:\n  key: value\nlist:\n  - 1\n  - two\n---\n",
    ]
    for text in notes:
        split = front_matter.split(text)
        ours, problem = front_matter.load(split.front) if split.front is not None else ({}, None)
        theirs = frontmatter.loads(text)
        assert problem is None
        assert ours == theirs.metadata
        assert "\n".join(split.lines[split.body_start :]).strip() == theirs.content.strip()


KEYS = ["name", "stage", "Stage", "null", "NULL", "True", "on", "a b", "x-y", "tags", "_k", "é", "k1"]
TEXT = st.text(alphabet="aZ09 :-#[],'\".~+é\t!&*|>%@`?{}/_eE\u00a0\\", max_size=12)
# plain text, or text in quotes (most of it not a valid quoted scalar, some of it one)
SCALAR = st.one_of(TEXT, st.builds(lambda q, text, end: q + text + end, st.sampled_from(["'", '"']), TEXT,
                                   st.sampled_from(["'", '"', "", "' ", '"  ', '" #c'])))  # fmt: skip


@st.composite
def simple_front_lines(draw):
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(KEYS))
        kind = draw(st.sampled_from(["scalar", "flow", "block", "comment", "blank", "raw"]))
        if kind == "scalar":
            lines.append(f"{key}: {draw(SCALAR)}")
        elif kind == "flow":
            lines.append(f"{key}: [{', '.join(draw(st.lists(SCALAR, max_size=3)))}]")
        elif kind == "block":
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  ", " "]))
            lines += [f"{indent}- {item}" for item in draw(st.lists(SCALAR, max_size=3))]
        elif kind == "comment":
            lines.append(f"{draw(st.sampled_from(['', '  ']))}# {draw(SCALAR)}")
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        else:
            lines.append(draw(SCALAR))
    return lines


@given(simple_front_lines())
def test_the_simple_reader_agrees_with_pyyaml_whenever_it_answers(lines):
    import yaml

    simple = front_matter._simple(lines)
    if simple is None:
        return  # not simple: PyYAML reads it
    read = yaml.load("\n".join(lines), Loader=front_matter._loader())  # noqa: S506 - raises if simple was wrong
    assert front_matter.fold(read or {}) == front_matter.fold(simple)
    assert [type(v) for v in front_matter.fold(read or {}).values()] == [type(v) for v in front_matter.fold(simple).values()]


@pytest.mark.parametrize(
    "value", ["~", "null", "Null", "NULL", "nil", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "no", "on",
              "0", "-1", "+2", "0123", "1.5", "-.5", "+1.", ".5e3", "1e5", "12:30", "nan", "text"]
)  # fmt: skip
def test_the_simple_reader_types_values_as_pyyaml_does(value):
    import yaml

    simple = front_matter._simple([f"k: {value}"])
    read = yaml.load(f"k: {value}", Loader=front_matter._loader())  # noqa: S506 - a safe loader
    assert simple == read and type(simple["k"]) is type(read["k"])


def test_the_simple_reader_takes_the_usual_front_matter():
    lines = ["stage: growing", "aliases: [Ada, Countess]", "met: 2024-04-30", "birthday: --03-12",
             "priority: 2", "focus: true", "phone: 0123 456", "tags:", "  - person", "  - friend", "note:"]  # fmt: skip
    assert front_matter._simple(lines) == {
        "stage": "growing", "aliases": ["Ada", "Countess"], "met": "2024-04-30", "birthday": "--03-12",
        "priority": 2, "focus": True, "phone": "0123 456", "tags": ["person", "friend"], "note": None,
    }  # fmt: skip
    quoted = ['name: "Ada: Lovelace"', "aliases:", '  - "[[Ada]]"', "  - 'A # B'", "title: ''"]
    assert front_matter._simple(quoted) == {"name": "Ada: Lovelace", "aliases": ["[[Ada]]", "A # B"], "title": ""}
    odd = ['name: "A\\"B"', 'name: "A\\tB"', "name: 'it''s'", 'name: "Ada" # a comment', 'name: "Ada', 'name: ["Ada"]']
    for line in odd:
        assert front_matter._simple([line]) is None  # escapes, comments, flow lists: PyYAML decides
