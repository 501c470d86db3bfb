"""SPEC 2 (who is a person, their fields) and SPEC 5 (links and names)."""

import unicodedata
from datetime import date

from click.testing import CliRunner
from conftest import TODAY, by_name, person, report_of, status_json

from vaultkeeper.builder import run_build
from vaultkeeper.cadence import Cadence
from vaultkeeper.cli import cli
from vaultkeeper.dates import Birthday


def names(root):
    return [s.name for s in report_of(root).people]


def test_person_by_folder_type_or_tag(make_vault):
    root = make_vault(
        {
            "People/A.md": "",
            "people/Deep/B.md": "",
            "Notes/C.md": "---\nType: Person\n---\n",
            "Notes/D.md": "---\ntags: [work, People/Friends]\n---\n",
            "Notes/E.md": "---\ntags: \"#person, other\"\n---\n",
            "Notes/F.md": "Just met. #person\n",
            "Notes/G.md": "---\ntags: [personal, peoplepicker]\ntype: project\n---\n`#person` in code\n",
            "Sub/People/H.md": "",
        }
    )
    assert names(root) == ["A", "B", "C", "D", "E", "F"]


def test_configured_people_folders_and_globs(make_vault):
    root = make_vault(
        {
            ".vaultkeeper/config.toml": 'people = ["CRM/Contacts", "*/Friends"]\n',
            "People/A.md": "",
            "CRM/Contacts/B.md": "",
            "Home/Friends/C.md": "",
        }
    )
    assert names(root) == ["B", "C"]


def test_fields_are_read_case_insensitively(make_vault):
    root = make_vault(
        {
            "People/ada.md": (
                "---\nName: Ada Lovelace\nALIASES: Ada\nStage: GROWING\nCadence: monthly\n"
                "Next: 2026-12-01\nSnooze: '[[2026-11-27]]'\nMet: 2026-01-31\nBirthday: --12-10\n"
                "Focus: false\nPriority: true\nIdeas: [one, two]\ncompany: Engines\nphone: 0123\n---\n"
            )
        }
    )
    fields = person(report_of(root), "Ada Lovelace").person.fields
    assert fields.aliases == ("Ada",)
    assert fields.stage == "growing"
    assert fields.cadence == Cadence("M", 1)
    assert fields.next == date(2026, 12, 1)
    assert fields.snooze == date(2026, 11, 27)
    assert fields.met == date(2026, 1, 31)
    assert fields.birthday == Birthday(12, 10)
    assert fields.focus is False
    assert fields.priority == 1
    assert fields.ideas == ("one", "two")
    assert dict(fields.extra) == {"company": "Engines", "phone": "0123"}


def test_empty_values_are_absent(make_vault):
    root = make_vault({"People/Ada.md": "---\nname:\naliases:\nstage:\ncadence:\nnext: ''\n---\n"})
    report = report_of(root)
    fields = person(report, "Ada").person.fields
    assert (fields.aliases, fields.stage, fields.cadence, fields.next) == ((), None, None, None)
    assert report.problems == ()


def test_unknown_stage_is_a_problem_and_absent(make_vault):
    root = make_vault({"People/Ada.md": "---\nstage: friend\n---\n"})
    report = report_of(root)
    assert person(report, "Ada").person.fields.stage is None
    assert [(p.path, p.line) for p in report.problems] == [("People/Ada.md", 2)]
    assert 'unknown stage "friend"' in report.problems[0].message


def test_broken_front_matter_in_people_folder_is_still_a_person(make_vault):
    root = make_vault({"People/Ada.md": "---\nstage: [new\n---\n## Log\n- 2026-11-20 coffee\n"})
    report = report_of(root)
    ada = person(report, "Ada")
    assert ada.person.fields.stage is None and ada.interactions == 1
    assert report.problems[0].message.startswith("invalid YAML")


def test_link_forms_resolve_by_file_name_name_alias_and_path(make_vault):
    root = make_vault(
        {
            "People/ada-l.md": "---\nname: Ada Lovelace\naliases: [Countess]\n---\n",
            "Daily/2026-11-01.md": "[[ada-l]]\n",
            "Daily/2026-11-02.md": "[[ADA LOVELACE|her]]\n",
            "Daily/2026-11-03.md": "[[countess#Log]]\n",
            "Daily/2026-11-04.md": "[[People/ada-l]]\n",
            "Daily/2026-11-05.md": "[[Elsewhere/Ada Lovelace.md]]\n",
            "Daily/2026-11-06.md": "[[Unknown Person]] is an ordinary link\n",
        }
    )
    report = report_of(root)
    assert person(report, "Ada Lovelace").interactions == 5
    assert report.problems == ()


def test_a_name_or_alias_with_a_slash_is_found_by_links_and_by_log(make_vault):
    """`[[AC/DC]]` is a path form, and also the name `AC/DC` (SPEC 5: the name equals X);
    a cached build that learns of that person later resolves the link again."""
    root = make_vault(
        {
            ".vaultkeeper/config.toml": "",
            "People/Ada.md": "",
            "Daily/2026-11-20.md": "- gig with [[AC/DC]], [[bon/scott]] and [[Archive/Ada]]\n",
        }
    )
    assert run_build(root, TODAY).problems == []  # AC/DC is no one yet; the joined state is saved
    (root / "People/AC-DC.md").write_text("---\nname: AC/DC\naliases: [Bon/Scott]\n---\n")
    run_build(root, TODAY)  # from the saved state: the daily note's links are resolved again
    people = by_name(status_json(root))
    assert (people["AC/DC"]["interactions"], people["Ada"]["interactions"]) == (1, 1)
    result = CliRunner().invoke(cli, ["log", "AC/DC", "encore", "--date", "2026-11-21"], env={"VAULTKEEPER_VAULT": str(root)})
    assert result.exit_code == 0 and result.output.startswith("People/AC-DC.md:"), result.output


def test_links_match_names_in_either_unicode_form(make_vault):
    """A file named on macOS may spell `ë` as `e` and a combining mark (NFD); a typed link
    or name has the one character (NFC). Either finds the person, in any case."""
    nfd, nfc = unicodedata.normalize("NFD", "Zoë"), unicodedata.normalize("NFC", "Zoë")
    root = make_vault(
        {
            f"People/{nfd}.md": f"---\naliases: [{nfd} Björk]\n---\n",
            f"People/{nfc} Li.md": "",
            "Daily/2026-11-01.md": f"- [[{nfc}]]\n",
            "Daily/2026-11-02.md": f"- [[ZOË|her]] and [[People/{nfc}]]\n",
            "Daily/2026-11-03.md": f"- [[{nfc} björk]], [[{nfd} LI]]\n",
        }
    )
    report = report_of(root)
    assert person(report, nfd).interactions == 3
    assert person(report, f"{nfc} Li").interactions == 1
    assert report.problems == ()
    capture = CliRunner().invoke(cli, ["log", nfc, "called", "--date", "2026-11-04"], env={"VAULTKEEPER_VAULT": str(root)})
    assert capture.exit_code == 0, capture.output
    assert "called" in (root / f"People/{nfd}.md").read_text(encoding="utf-8")


def test_ambiguous_link_counts_for_neither_and_is_a_problem(make_vault):
    root = make_vault(
        {
            "People/Ada Lovelace.md": "---\naliases: [Ada]\n---\n",
            "People/Ada Byron.md": "---\naliases: [Ada]\n---\n",
            "Daily/2026-11-20.md": "- lunch with [[Ada]]\n- and [[Ada Byron]]\n",
        }
    )
    report = report_of(root)
    assert person(report, "Ada Lovelace").interactions == 0
    assert person(report, "Ada Byron").interactions == 1
    assert [p.as_text() for p in report.problems] == [
        "Daily/2026-11-20.md:1: ambiguous link [[Ada]]: matches People/Ada Byron.md, People/Ada Lovelace.md"
    ]


def test_path_link_disambiguates(make_vault):
    root = make_vault(
        {
            "People/Work/Sam.md": "",
            "People/Family/Sam.md": "---\nname: Sam Family\n---\n",
            "Daily/2026-11-20.md": "[[Work/Sam]] and [[People/Family/Sam]]\n",
        }
    )
    report = report_of(root)
    assert person(report, "Sam").interactions == 1
    assert person(report, "Sam Family").interactions == 1


def test_two_people_with_the_same_name_is_a_problem_on_both(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "---\nname: Ada Lovelace\n---\n",
            "Contacts/Ada Lovelace.md": "---\ntype: person\n---\n",
            "People/Bob.md": "---\nname: Bob\n---\n",
        }
    )
    report = report_of(root)
    assert names(root) == ["Ada Lovelace", "Ada Lovelace", "Bob"]
    assert [p.as_text() for p in report.problems] == [
        'Contacts/Ada Lovelace.md: "Ada Lovelace" is also the name of People/Ada.md',
        'People/Ada.md:2: "Ada Lovelace" is also the name of Contacts/Ada Lovelace.md',
    ]


def test_notes_alike_only_in_file_name_are_no_problem_until_a_link_is_ambiguous(make_vault):
    """SPEC 5: the same name, or a name equal to another's file name, is a problem; two
    `Sam.md` in different folders, each with a name of its own, are not (only `[[Sam]]` is)."""
    files = {
        "People/Work/Sam.md": "---\nname: Sam Work\n---\n",
        "People/Home/Sam.md": "---\nname: Sam Home\n---\n",
        "Daily/2026-11-20.md": "- [[Sam]]\n- [[Sam Home]]\n",
    }
    report = report_of(make_vault(files))
    assert [p.as_text() for p in report.problems] == [
        "Daily/2026-11-20.md:1: ambiguous link [[Sam]]: matches People/Home/Sam.md, People/Work/Sam.md"
    ]
    files["People/Work/Sam.md"] = ""  # now named Sam, as the other's file is
    report = report_of(make_vault(files))
    assert [p.as_text() for p in report.problems] == [
        "Daily/2026-11-20.md:1: ambiguous link [[Sam]]: matches People/Home/Sam.md, People/Work/Sam.md",
        'People/Home/Sam.md: its file name "Sam" is the name of People/Work/Sam.md',
        'People/Work/Sam.md: "Sam" is also the name of People/Home/Sam.md',
    ]


def test_open_loops_from_own_note_and_linked_tasks(make_vault):
    root = make_vault(
        {
            "People/Ada.md": "- [ ] send the paper\n- [x] done already\n- [ ] ask [[Ada]] herself\n",
            "Projects/P.md": "- [ ] send [[Ada]] the paper\n```\n- [ ] [[Ada]] in code\n```\n- [>] [[Ada]] forwarded\n",
        }
    )
    loops = person(report_of(root), "Ada").person.open_loops
    assert [(l.path, l.line, l.text) for l in loops] == [
        ("People/Ada.md", 1, "send the paper"),
        ("People/Ada.md", 3, "ask [[Ada]] herself"),
        ("Projects/P.md", 1, "send [[Ada]] the paper"),
    ]


def test_path_sets_keep_a_lone_path_as_itself():
    from vaultkeeper.people import PathSets

    sets = PathSets()
    sets.add("ada", "People/Ada.md")
    sets.add("ada", "People/Ada.md")
    assert sets.by_key == {"ada": "People/Ada.md"} and list(sets.get("ada")) == ["People/Ada.md"]
    sets.add("ada", "Work/Ada.md")
    assert sets.by_key == {"ada": {"People/Ada.md", "Work/Ada.md"}} and sorted(sets.get("ada")) == sorted(sets.by_key["ada"])
    sets.discard("ada", "Nobody.md")
    sets.discard("ada", "People/Ada.md")
    assert sets.by_key == {"ada": "Work/Ada.md"}  # back to one: the path itself again
    sets.discard("ada", "Other.md")
    sets.discard("ada", "Work/Ada.md")
    assert sets.by_key == {} and list(sets.get("ada")) == []


def test_saved_path_sets_load_on_first_use_and_bad_bytes_are_stale():
    import marshal

    import pytest

    from vaultkeeper.cache import StaleState
    from vaultkeeper.people import Directory, PathSets

    directory = Directory()
    directory.held_keys = marshal.dumps({"ada": "People/Ada.md"})
    assert type(directory.held_keys) is bytes
    directory.by_key.add("bob", "People/Bob.md")  # loaded as PathSets on first use
    assert isinstance(directory.held_keys, PathSets)
    assert directory.held_keys.by_key == {"ada": "People/Ada.md", "bob": "People/Bob.md"}
    for bad in (b"\x00", marshal.dumps([1])):
        directory.held_keys = bad
        with pytest.raises(StaleState):
            directory.by_key.get("ada")


def test_of_two_paths_alike_but_for_case_a_path_form_link_means_the_same_one_whatever_their_order():
    """On a filesystem that tells case apart; the order people come in varies with two
    processes reading (see `PeopleIndex.resolve_while_read`)."""
    from vaultkeeper.model import PersonFields
    from vaultkeeper.people import Directory

    paths = ["People/Sam.md", "People/sam.md", "People/Ada.md"]
    found = set()
    for order in (paths, paths[::-1]):
        built, tracked, added = Directory(), Directory(), Directory()
        built.people = {path: PersonFields(path[7:-3], None) for path in order}  # made when first needed
        named = order[:1]  # as a vault is read: one named before the first path-form link...
        tracked.find_paths_in(named)
        tracked.candidates("People/Nobody")
        for path in order[1:]:  # ...the others after
            named.append(path)
            tracked.track(path)
        added.candidates("People/Nobody")
        for path in order:
            added.add(path, PersonFields(path[7:-3], None))
        found.update(directory.candidates("People/SAM")[0] for directory in (built, tracked, added))
        added.add("People/Other.md", PersonFields("Other", None, ("Sam",)))  # "Sam" as a name: two people
        added.remove("People/sam.md")  # the other is still found by the path
        assert added.candidates("People/SAM") == ["People/Sam.md"]
        added.remove("People/Sam.md")
        assert added.candidates("People/SAM") == ["People/Other.md"]  # by name, now
    assert found == {"People/sam.md"}


def test_resolving_as_notes_are_read_joins_as_a_whole_fill_does():
    """`resolve_while_read`: notes resolved before everyone is named, and the people named
    after them (outside the people folder), end as a fill of the whole vault ends."""
    from vaultkeeper.parse import Context, parse_note
    from vaultkeeper.people import Names, PeopleIndex, may_link

    texts = {
        "Daily/2026-09-01.md": "- met [[Sam]] and [[Zettel/Zed]] gave:: tea\n- [ ] call [[People/Pat]]\n",
        "Daily/2026-09-02.md": "- met [[Zed]] and [[Pat]]\n",
        "People/Pat.md": "---\naliases: [Zed]\n---\n- [ ] ask [[Sam]]\n",
        "People/pat.md": "---\nname: Patty\n---\n",
        "Archive/Sam.md": "#person\n",
        "Zettel/Zed.md": "---\ntags: [person]\naliases: [Sam]\n---\n- [ ] ask [[Pat]]\n",
        "Zettel/Notes.md": "- [ ] send [[Zed]] the notes\n",
    }
    notes = {}
    for path, text in texts.items():
        daily = date(2026, 9, int(path[-5:-3])) if path.startswith("Daily/") else None
        notes[path] = parse_note(path, text.encode(), Context(path.startswith("People/"), daily))
    people = {path: Names(note.person.name, note.person.aliases) for path, note in notes.items() if note.person}
    linking = sorted(path for path, note in notes.items() if may_link(note))

    def joined(index: PeopleIndex) -> tuple:
        given = {path: index.resolved(path) for path in notes}
        given = {path: (dict(v.interactions), dict(v.loops), v.problems, v.keys) for path, v in given.items() if v}
        return dict(index.people()), sorted(index.problems(), key=lambda problem: problem.sort_key()), given

    whole = PeopleIndex()
    whole.fill(dict(notes), people, linking)
    early = ["People/Pat.md", "People/pat.md", "Archive/Sam.md"]  # named before the rest is read
    read_as = PeopleIndex()
    for path in early:
        read_as.name(path, people[path])
    named = list(early)  # kept up to date, as the vault's reading keeps its own
    read_as.resolve_while_read(named, notes.__getitem__)
    for path in linking:
        if path != "Zettel/Zed.md":
            read_as.resolve(path, notes[path])
    named.append("Zettel/Zed.md")
    read_as.name("Zettel/Zed.md", people["Zettel/Zed.md"])  # named late: what links by Zed or Sam again
    read_as.resolve("Zettel/Zed.md", notes["Zettel/Zed.md"])
    read_as.fill(dict(notes), people, [], named=True)
    assert joined(read_as) == joined(whole)
    assert joined(whole)[0]["Zettel/Zed.md"].interactions  # by its path, where Pat is also called Zed
