"""A parsed note survives `codec` exactly: the same values, of the same classes."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkeeper import codec
from vaultkeeper.cadence import Cadence
from vaultkeeper.compute import Contact
from vaultkeeper.dates import Birthday
from vaultkeeper.model import Interaction, Link, Meeting, Mention, OpenLoop, ParsedNote, PersonFields, Problem, Task
from vaultkeeper.parse import parse_note
from vaultkeeper.reading import context_for
from vaultkeeper.scan import list_notes, read_layout_of

SAMPLE = Path(__file__).resolve().parent.parent / "sample-vault"


def test_the_codec_knows_every_field():
    """A field added to one of these classes must be added to the codec too (in this order)."""
    assert ParsedNote._fields == ("path", "problems", "person", "log", "daily_date", "mentions", "meeting", "tasks", "blocks")
    assert PersonFields._fields == (
        "name", "name_line", "aliases", "stage", "cadence", "cadence_set", "next", "snooze", "met", "birthday",
        "focus", "priority", "ideas", "tags", "extra",
    )  # fmt: skip
    assert Interaction._fields == ("date", "path", "line", "text", "gave", "got")  # in a note's log: its path
    assert Mention._fields == ("line", "text", "links", "gave", "got")
    assert Task._fields == ("line", "text", "links")
    assert Meeting._fields == ("date", "line", "title", "attendees")
    assert (Link._fields, Problem._fields) == (("target", "line"), ("path", "line", "message"))
    assert OpenLoop._fields == ("path", "line", "text")
    assert (Cadence._fields, Birthday._fields) == (("unit", "amount"), ("month", "day", "year"))


TEXT = st.text(max_size=12)
LINE = st.integers(1, 10_000)
DAY = st.dates(date(1, 1, 1), date(9999, 12, 31))
TEXTS = st.tuples() | st.tuples(TEXT) | st.tuples(TEXT, TEXT)
LINKS = st.lists(st.builds(Link, TEXT, LINE), max_size=2).map(tuple)
FIELDS = st.builds(
    PersonFields,
    name=TEXT,
    name_line=st.none() | LINE,
    aliases=TEXTS,
    stage=st.none() | st.sampled_from(["new", "growing"]),
    cadence=st.none() | st.builds(Cadence, st.sampled_from("DMY"), st.integers(1, 99)),
    cadence_set=st.booleans(),
    next=st.none() | DAY,
    snooze=st.none() | DAY,
    met=st.none() | DAY,
    birthday=st.none() | st.builds(Birthday, st.integers(1, 12), st.integers(1, 28), st.none() | st.integers(1, 9999)),
    focus=st.none() | st.booleans(),
    priority=st.integers(-5, 5) | st.floats(allow_nan=False),
    ideas=TEXTS,
    tags=TEXTS,
    extra=st.lists(st.tuples(TEXT, TEXT), max_size=2).map(tuple),
)
NOTES = TEXT.flatmap(lambda path: st.builds(
    ParsedNote,
    path=st.just(path),
    problems=st.lists(st.builds(Problem, TEXT, st.none() | LINE, TEXT), max_size=2).map(tuple),
    person=st.none() | FIELDS,
    log=st.lists(st.builds(Interaction, DAY, st.just(path), LINE, TEXT, TEXTS, TEXTS), max_size=3).map(tuple),
    daily_date=st.none() | DAY,
    mentions=st.lists(st.builds(Mention, LINE, TEXT, LINKS, TEXTS, TEXTS), max_size=2).map(tuple),
    meeting=st.none() | st.builds(Meeting, DAY, LINE, TEXT, LINKS),
    tasks=st.lists(st.builds(Task, LINE, TEXT, LINKS), max_size=2).map(tuple),
    blocks=TEXTS,
))  # fmt: skip


@given(NOTES)
def test_any_note_comes_back_exactly(note):
    back = codec.loads(codec.dumps(note))
    assert back == note and repr(back) == repr(note)  # repr: the same classes all the way down
    assert repr(codec.loads_links(codec.dumps(note))) == repr(note._replace(log=()))  # what the join resolves


@given(FIELDS, st.builds(Contact, st.integers(0, 99), st.none() | DAY, st.none() | DAY, LINE, LINE, st.none() | DAY))
def test_what_sorting_needs_of_a_person_comes_back_without_the_lists(fields, contact):
    back = codec.loads_own(codec.dumps_own(fields, contact))
    expected = (fields._replace(aliases=(), ideas=(), tags=(), extra=()), contact)
    assert back == expected and repr(back) == repr(expected)
    held = codec.own(fields, contact)  # as the process that read the note holds it
    assert held == expected and repr(held) == repr(expected)
    assert codec.dumps_own(*held) == codec.dumps_own(fields, contact)


GIVEN = st.tuples(
    st.dictionaries(TEXT, st.lists(st.builds(Interaction, DAY, TEXT, LINE, TEXT, TEXTS, TEXTS), max_size=3), max_size=3),
    st.dictionaries(TEXT, st.lists(st.builds(OpenLoop, TEXT, LINE, TEXT), max_size=2), max_size=2),
    st.lists(st.builds(Problem, TEXT, st.none() | LINE, TEXT), max_size=2),
    st.sets(TEXT, max_size=3),
)


@given(GIVEN)
def test_what_a_notes_links_gave_others_comes_back_exactly(value):
    back = codec.loads_given(codec.dumps_given(*value))
    assert back == value and repr(back[:3]) == repr(value[:3])  # (a set's repr has no one order)


def test_the_sample_vault_comes_back_exactly():
    layout = read_layout_of(SAMPLE)
    for path in list_notes(layout):
        note = parse_note(path, (SAMPLE / path).read_bytes(), context_for(layout, path))
        assert repr(codec.loads(codec.dumps(note))) == repr(note), path
        assert repr(codec.loads_links(codec.dumps(note))) == repr(note._replace(log=())), path


@pytest.mark.parametrize("blob", [b"", b"\x80\x04\x95\x00", b"not marshal", codec.dumps(ParsedNote("x"))[:-3]])
def test_bytes_it_did_not_make_are_refused(blob):
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever it is, the cache treats it as a miss
        codec.loads(blob)
