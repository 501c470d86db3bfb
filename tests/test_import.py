"""Importing vCards and LinkedIn connections: the expected notes, byte for byte; never a duplicate."""

import hashlib
from pathlib import Path

from click.testing import CliRunner
from conftest import person, report_of, save_meanwhile

from vaultkeeper.cli import cli
from vaultkeeper.contacts import read_linkedin, read_vcards

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = FIXTURES / "expected"


def run(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["import", *args, "--vault", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def import_all(root: Path, *extra: str) -> list[str]:
    out = []
    for name in ("apple.vcf", "google.vcf", "outlook.vcf"):
        out.append(run(root, "vcard", str(FIXTURES / name), "--stage", "target", "--tag", "imported", *extra))
    out.append(run(root, "linkedin", str(FIXTURES / "Connections.csv"), *extra))
    return out


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }  # fmt: skip


def test_imports_give_the_expected_notes_byte_for_byte(make_vault):
    root = make_vault({"People/.keep": ""})
    outputs = import_all(root)
    created = sorted(p.name for p in (root / "People").glob("*.md"))
    assert created == sorted(p.name for p in EXPECTED.glob("*.md"))
    for name in created:
        assert (root / "People" / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    assert outputs[1].splitlines() == [
        "line 1: created People/Alan Turing.md",
        "line 20: problem Broken Card: birthday 'next spring' is not a date",
        "line 20: created People/Broken Card.md",
        "line 25: problem unreadable vCard: At line 3: Failed to parse line: this line is not a property at all",
        "line 29: created People/Katherine Johnson.md",
        "3 created, 0 updated, 0 unchanged, 0 skipped, 2 problems",
    ]
    assert outputs[3].splitlines() == [
        "line 5: skipped Grace Hopper: matches People/Grace Hopper.md",
        "line 6: created People/Edsger Dijkstra.md",
        "line 7: problem expected 7 columns, found 2",
        "line 8: problem Radia Perlman: 'Connected On' '31 Foo 2022' is not a date like 12 Mar 2024",
        "line 8: created People/Radia Perlman.md",
        "2 created, 0 updated, 0 unchanged, 1 skipped, 2 problems",
    ]
    report = report_of(root)
    assert report.problems == ()  # every note it wrote reads back cleanly
    ada = person(report, "Ada Lovelace")
    assert ada.person.fields.birthday.iso() == "--12-10" and ada.person.fields.aliases == ("Countess",)
    assert dict(person(report, "José Müller").person.fields.extra)["company"] == "Büro AG"
    assert person(report, "Edsger Dijkstra").person.fields.met.isoformat() == "2023-02-01"


def test_duplicates_in_one_file_are_merged():
    contacts, _ = read_vcards((FIXTURES / "google.vcf").read_text())
    from vaultkeeper.contacts import merge_duplicates

    alan = [c for c in merge_duplicates(contacts) if c.name.casefold() == "alan turing"]
    assert len(alan) == 1
    assert alan[0].emails == ["alan@bletchley.uk", "turing@manchester.ac.uk"]
    assert alan[0].phones == ["+44 161 000", "+44 161 111"] and alan[0].aliases == ["Prof"]


def test_photo_is_skipped_and_big_cards_are_fine():
    assert (FIXTURES / "apple.vcf").stat().st_size > 2_000_000
    contacts, problems = read_vcards((FIXTURES / "apple.vcf").read_text())
    assert problems == [] and [c.name for c in contacts] == ["Ada Lovelace", "Grace Hopper"]
    assert "photo" not in {key for c in contacts for key, _ in c.fields()}


def test_reimport_changes_nothing(make_vault):
    root = make_vault({"People/.keep": ""})
    import_all(root)
    before = snapshot(root)
    again = import_all(root)
    assert snapshot(root) == before
    assert "0 created" in again[0] and "2 skipped" in again[0]
    import_all(root, "--update")  # LinkedIn adds what the vCard did not have for Grace Hopper
    updated = snapshot(root)
    assert [k for k in updated if updated[k] != before[k]] == ["People/Grace Hopper.md"]
    import_all(root, "--update")
    assert snapshot(root) == updated  # nothing missing any more: nothing added


def test_update_adds_only_missing_keys(make_vault):
    note = "---\n# mine\nName: Grace Hopper  # keep\nrole: Admiral\nphone: 0123\n---\n# Grace\n\nMy notes.\n"
    root = make_vault({"People/Grace.md": note})
    out = run(root, "linkedin", str(FIXTURES / "Connections.csv"), "--update")
    assert "line 5: updated People/Grace.md: company, linkedin, met" in out
    assert (root / "People/Grace.md").read_text() == (
        "---\n# mine\nName: Grace Hopper  # keep\nrole: Admiral\nphone: 0123\ncompany: US Navy\n"
        "linkedin: https://www.linkedin.com/in/gracehopper\nmet: 2024-03-12\n---\n# Grace\n\nMy notes.\n"
    )


def test_update_leaves_a_note_that_is_not_utf8_alone_and_goes_on(make_vault):
    data = "---\nname: Grace Hopper\nnote: café\n---\n".encode("latin-1")
    root = make_vault({"People/Grace.md": data})
    out = run(root, "linkedin", str(FIXTURES / "Connections.csv"), "--update")
    assert "line 5: problem Grace Hopper: People/Grace.md: not valid UTF-8; not editing it" in out
    assert (root / "People/Grace.md").read_bytes() == data
    assert "created People/Edsger Dijkstra.md" in out  # the rest of the file is imported


def test_match_by_email_or_alias(make_vault):
    root = make_vault({"People/Eddie.md": "---\nemail: EWD@utexas.edu\n---\n", "People/Countess.md": "---\naliases: [Ada Lovelace]\n---\n"})
    out = run(root, "linkedin", str(FIXTURES / "Connections.csv"))
    assert "line 6: skipped Edsger Dijkstra: matches People/Eddie.md" in out
    out = run(root, "vcard", str(FIXTURES / "apple.vcf"))
    assert "line 1: skipped Ada Lovelace: matches People/Countess.md" in out


def test_dry_run_reports_and_writes_nothing(make_vault):
    root = make_vault({"People/.keep": ""})
    before = snapshot(root)
    out = run(root, "vcard", str(FIXTURES / "google.vcf"), "--dry-run")
    assert "line 1: created People/Alan Turing.md" in out
    assert out.splitlines()[-1] == "3 created, 0 updated, 0 unchanged, 0 skipped, 2 problems (dry run: nothing written)"
    assert snapshot(root) == before


def test_linkedin_without_a_header_is_one_problem():
    contacts, problems = read_linkedin("just,some\ncsv,data\n")
    assert contacts == [] and problems[0][0] == 1 and "not a LinkedIn Connections export" in problems[0][1]


def test_year_less_birthday_forms():
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P{i}\r\nBDAY{param}:{value}\r\nEND:VCARD\r\n"
        for i, (param, value) in enumerate(
            [("", "--0415"), ("", "--04-15"), (";X-APPLE-OMIT-YEAR=1604", "1604-04-15"), ("", "1990-04-15T00:00:00Z"), ("", "19900415")]
        )
    )
    contacts, problems = read_vcards(cards)
    assert problems == []
    assert [c.birthday for c in contacts] == ["--04-15", "--04-15", "--04-15", "1990-04-15", "1990-04-15"]


def test_a_contact_cannot_clash_with_one_created_earlier_in_the_same_import(make_vault, tmp_path):
    root = make_vault({"People/Someone.md": "---\nstage: target\n---\n"})
    cards = tmp_path / "two.vcf"
    cards.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nNICKNAME:Annie\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Annie\nEND:VCARD\n"
    )
    out = run(root, "vcard", str(cards))
    assert "created People/Ann Lee.md" in out
    assert "skipped Annie: matches People/Ann Lee.md" in out
    assert not (root / "People/Annie.md").exists()


def test_update_leaves_a_note_saved_meanwhile_as_saved_and_goes_on(make_vault, tmp_path, monkeypatch):
    root = make_vault({"People/Ada Lovelace.md": "---\nstage: new\n---\n", "People/Grace Hopper.md": ""})
    cards = tmp_path / "cards.vcf"
    cards.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEMAIL:ada@example.com\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Grace Hopper\nEMAIL:grace@example.com\nEND:VCARD\n"
    )
    save_meanwhile(monkeypatch, root / "People/Ada Lovelace.md", "---\nstage: growing\n---\nJust typed.\n")
    out = run(root, "vcard", str(cards), "--update")
    assert "Ada Lovelace: People/Ada Lovelace.md: changed meanwhile; left as it is" in out
    assert "People/Grace Hopper.md: email" in out
    assert (root / "People/Ada Lovelace.md").read_text() == "---\nstage: growing\n---\nJust typed.\n"
    assert (root / "People/Grace Hopper.md").read_text() == "---\nemail: grace@example.com\n---\n"
