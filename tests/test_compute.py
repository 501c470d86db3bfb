"""SPEC 4: cadence, last contact, next_due rules, flags and the focus list."""

from datetime import date, timedelta

import pytest
from conftest import person, report_of
from hypothesis import given
from hypothesis import strategies as st

from vaultkeeper.compute import Contact, contact_on
from vaultkeeper.model import Interaction


def one(make_vault, front: str, log: str = "", today: date = date(2026, 11, 25), extra=None):
    files = {"People/P.md": f"---\n{front}\n---\n## Log\n{log}", **(extra or {})}
    return person(report_of(make_vault(files), today), "P")


@pytest.mark.parametrize(
    ("stage", "iso"),
    [("new", "P7D"), ("growing", "P14D"), ("established", "P3M"), ("target", None), ("dormant", None)],
)
def test_default_cadence_by_stage(make_vault, stage, iso):
    state = one(make_vault, f"stage: {stage}")
    assert (state.cadence.iso() if state.cadence else None) == iso


def test_cadence_key_wins_and_is_reported_for_dormant(make_vault):
    state = one(make_vault, "stage: dormant\ncadence: 6 months", "- 2026-01-01 x\n")
    assert state.cadence.iso() == "P6M"
    assert state.next_due is None and state.days_until_due is None


def test_bad_cadence_counts_as_none(make_vault):
    state = one(make_vault, "stage: new\ncadence: banana", "- 2026-11-01 x\n")
    assert state.cadence is None and state.next_due is None


def test_last_contact_plus_cadence(make_vault):
    state = one(make_vault, "stage: growing", "- 2026-11-20 coffee\n- 2026-10-01 call\n")
    assert state.last_contact == date(2026, 11, 20)
    assert state.next_due == date(2026, 12, 4)
    assert state.days_until_due == 9
    assert state.due_reason == "cadence"


def test_month_cadence_clamps_at_month_end(make_vault):
    state = one(make_vault, "cadence: 1 month", "- 2026-01-31 x\n", today=date(2026, 2, 1))
    assert state.next_due == date(2026, 2, 28)


def test_earliest_plan_wins(make_vault):
    state = one(make_vault, "stage: new\nnext: 2026-11-27", "- 2026-12-10 dinner\n- 2026-12-01 call\n- 2026-11-20 x\n")
    assert state.next_due == date(2026, 12, 1) and state.due_reason == "plan"
    assert state.interactions == 1


def test_next_when_later_than_last_contact(make_vault):
    state = one(make_vault, "stage: new\nnext: 2026-12-20", "- 2026-11-20 x\n")
    assert state.next_due == date(2026, 12, 20) and state.due_reason == "next"


def test_next_ignored_once_contact_happened_after_it(make_vault):
    state = one(make_vault, "stage: new\nnext: 2026-11-10", "- 2026-11-20 x\n")
    assert state.next_due == date(2026, 11, 27) and state.due_reason == "cadence"


def test_next_without_contact_or_cadence(make_vault):
    state = one(make_vault, "next: 2026-11-30")
    assert state.next_due == date(2026, 11, 30)


def test_cadence_without_contact_uses_met_else_today(make_vault):
    assert one(make_vault, "stage: new\nmet: 2026-11-01").next_due == date(2026, 11, 8)
    assert one(make_vault, "stage: new").next_due == date(2026, 11, 25)


def test_no_cadence_no_next_no_due(make_vault):
    state = one(make_vault, "stage: target")
    assert state.next_due is None and state.flags == ("never-contacted",)


def test_snooze_pushes_an_earlier_due_date(make_vault):
    state = one(make_vault, "stage: new\nsnooze: 2026-12-15", "- 2026-11-01 x\n")
    assert state.next_due == date(2026, 12, 15) and state.due_reason == "snooze"
    later = one(make_vault, "stage: new\nsnooze: 2026-11-02", "- 2026-11-20 x\n")
    assert later.next_due == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ("2026-11-24", ["due-soon"]),  # due 12-01, in 6 days
        ("2026-11-18", ["due-today"]),  # due 11-25
        ("2026-11-17", ["overdue"]),  # due 11-24
        ("2026-11-12", ["overdue"]),  # due 11-19, at-risk from 11-26
        ("2026-11-11", ["at-risk", "overdue"]),  # due 11-18, +7 = 11-25
        ("2026-11-01", ["at-risk", "overdue"]),
    ],
)
def test_due_flags(make_vault, last, expected):
    state = one(make_vault, "stage: established\ncadence: 1 week", f"- {last} x\n")
    assert list(state.flags) == expected


def test_not_due_soon_beyond_a_week(make_vault):
    assert one(make_vault, "cadence: 9 days", "- 2026-11-24 x\n").flags == ()


def test_never_contacted(make_vault):
    assert "never-contacted" in one(make_vault, "stage: established", "- 2026-12-01 planned\n").flags


def test_fading_worked_example(make_vault):
    state = one(make_vault, "met: 2026-06-01", "- 2026-11-01 one call\n")
    assert state.flags == ("fading",)


@pytest.mark.parametrize(
    ("front", "log", "fading"),
    [
        ("stage: new\nmet: 2026-10-26", "", True),  # exactly 30 days
        ("stage: new\nmet: 2026-10-27", "", False),  # 29 days
        ("stage: growing", "- 2026-10-01 only contact\n", True),  # first interaction counts
        ("stage: established\nmet: 2026-01-01", "", False),
        ("met: 2026-01-01", "- 2026-11-01 a\n- 2026-11-02 b\n", False),  # two interactions
        ("met: 2026-01-01", "- 2026-12-01 planned\n", False),  # a plan
        ("stage: new", "", False),  # neither date
    ],
)
def test_fading_rules(make_vault, front, log, fading):
    assert ("fading" in one(make_vault, front, log).flags) is fading


def test_fading_after_is_configurable(make_vault):
    config = {".vaultkeeper/config.toml": 'fading_after = "2 weeks"\n'}
    assert "fading" in one(make_vault, "met: 2026-11-10", extra=config).flags


def test_owes_and_balance(make_vault):
    state = one(make_vault, "stage: established", "- 2026-11-20 x got:: a\n- 2026-11-01 y got:: b gave:: c\n")
    assert (state.gave, state.got, state.balance) == (1, 2, -1)
    assert "owes" in state.flags


def test_ready_to_graduate(make_vault):
    log = "- 2026-11-20 a gave:: x\n- 2026-11-10 b got:: y\n- 2026-11-01 c\n"
    assert "ready-to-graduate" in one(make_vault, "stage: growing", log).flags
    assert "ready-to-graduate" not in one(make_vault, "stage: established", log).flags
    assert "ready-to-graduate" not in one(make_vault, "stage: new", log.replace("got::", "gave::")).flags
    two = "- 2026-11-20 a gave:: x\n- 2026-11-10 b got:: y\n"
    assert "ready-to-graduate" not in one(make_vault, "stage: new", two).flags
    config = {".vaultkeeper/config.toml": "graduate_after = 2\n"}
    assert "ready-to-graduate" in one(make_vault, "stage: new", two, extra=config).flags


@pytest.mark.parametrize(
    ("birthday", "today", "soon"),
    [
        ("1990-11-25", date(2026, 11, 25), True),
        ("--12-08", date(2026, 11, 25), True),  # 13 days
        ("12-09", date(2026, 11, 25), False),  # 14 days
        ("--01-02", date(2026, 12, 25), True),  # across the year end
        ("2000-02-29", date(2027, 2, 20), True),  # Feb 28 in 2027
        ("--02-29", date(2027, 3, 1), False),
    ],
)
def test_birthday_soon(make_vault, birthday, today, soon):
    state = one(make_vault, f"birthday: '{birthday}'", today=today)
    assert ("birthday-soon" in state.flags) is soon


def focus_vault(make_vault, people: dict[str, str], limit: int | None = None):
    files = {f"People/{name}.md": f"---\n{front}\n---\n" for name, front in people.items()}
    if limit is not None:
        files[".vaultkeeper/config.toml"] = f"focus_limit = {limit}\n"
    return report_of(make_vault(files))


def test_focus_members_targets_and_slots(make_vault):
    report = focus_vault(
        make_vault,
        {
            "Ada": "stage: growing\nnext: 2026-12-10",
            "Bob": "stage: new\nnext: 2026-12-01",
            "Cy": "stage: established\nfocus: true",
            "Di": "stage: new\nfocus: false",
            "Ed": "stage: target\npriority: 1",
            "Flo": "stage: target\npriority: 5",
            "Gus": "stage: target",
            "Hal": "stage: target",
            "Iv": "focus: true",
        },
        limit=5,
    )
    focus = report.focus
    # by next_due (Cy has a cadence and no contact: due today), no due date last
    assert focus.members == ("Cy", "Bob", "Ada", "Iv")
    assert focus.open_slots == 1 and not focus.over_capacity
    assert focus.suggested_targets == ("Flo",)
    assert [s.name for s in report.people if s.focus] == ["Ada", "Bob", "Cy", "Iv"]


def test_focus_over_capacity_lists_everyone(make_vault):
    report = focus_vault(make_vault, {n: "stage: new" for n in ("A", "B", "C", "D")} | {"T": "stage: target"})
    assert report.focus.members == ("A", "B", "C", "D")
    assert report.focus.over_capacity and report.focus.open_slots == 0
    assert report.focus.suggested_targets == ()


def test_pinned_target_is_a_member_not_a_suggestion(make_vault):
    report = focus_vault(make_vault, {"T": "stage: target\nfocus: true", "U": "stage: target"})
    assert report.focus.members == ("T",)
    assert report.focus.suggested_targets == ("U",)


_ENTRIES = st.lists(
    st.tuples(st.integers(-30, 30), st.integers(0, 2), st.integers(0, 2), st.integers(0, 9)), max_size=12
)


@given(_ENTRIES, st.integers(0, 12))
def test_contact_on_adds_interactions_in_any_order(entries, cut):
    """What a person's interactions come to on a day, however they are split and ordered:
    a note's log is in the order it was written; other notes add theirs later."""
    today = date(2026, 11, 25)
    interactions = [
        Interaction(today + timedelta(days=days), "P.md", line, "x", ("g",) * gave, ("t",) * got)
        for days, gave, got, line in entries
    ]
    past = sorted(i.date for i in interactions if i.date <= today)
    plans = sorted(i.date for i in interactions if i.date > today)
    expected = Contact(
        len(past),
        past[0] if past else None,
        past[-1] if past else None,
        sum(len(i.gave) for i in interactions if i.date <= today),
        sum(len(i.got) for i in interactions if i.date <= today),
        plans[0] if plans else None,
    )
    assert contact_on(interactions, today) == expected
    assert contact_on(interactions[cut:], today, contact_on(interactions[:cut], today)) == expected
    assert contact_on(reversed(interactions), today) == expected


def test_states_and_fields_made_positionally_have_every_field(make_vault):
    """`state_of` and the parser make their named tuples without keywords (made for everyone
    in a full build): a field added to the class must be given there too."""
    from vaultkeeper.model import PersonFields, PersonState

    root = make_vault({"People/Ada.md": "---\nstage: new\naliases: [A]\ncompany: X\n---\n## Log\n- 2026-11-20 tea gave:: a book\n"})
    ada = person(report_of(root), "Ada")
    assert len(ada) == len(PersonState._fields) and ada.interactions == 1 and ada.gave == 1
    assert len(ada.person.fields) == len(PersonFields._fields) and ada.person.fields.extra == (("company", "X"),)


FAR_DAYS = st.dates(date(9999, 1, 1)) | st.dates(max_value=date(1, 12, 31)) | st.dates()


@given(
    st.sampled_from(["new", "growing", "established", "target"]),
    st.sampled_from(["2w", "3 months", "P100Y", "999999999 days", "100000 years"]),
    st.lists(FAR_DAYS, max_size=3),
    st.fixed_dictionaries({}, optional={key: FAR_DAYS for key in ("next", "met", "snooze", "birthday")}),
    FAR_DAYS,
)
def test_dates_at_the_calendars_ends_never_stop_the_computing(stage, cadence, log, keys, today):
    from vaultkeeper.compute import person_state
    from vaultkeeper.config import Config
    from vaultkeeper.model import Person
    from vaultkeeper.parse import Context, parse_note

    front = "".join(f"{key}: {day.isoformat()}\n" for key, day in keys.items())
    items = "".join(f"- {day.isoformat()} call\n" for day in log)
    text = f"---\nstage: {stage}\ncadence: {cadence}\n{front}---\n## Log\n{items}"
    note = parse_note("People/P.md", text.encode(), Context(in_people_folder=True))
    assert note.person is not None and not note.problems, note.problems
    person = Person(note.path, note.person, tuple(sorted(note.log, key=lambda entry: entry.date)))
    state = person_state(person, Config(), today)
    assert state.next_due is None or date.min <= state.next_due <= date.max
