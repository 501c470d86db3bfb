"""`vaultkeeper build`: pages, marked blocks and the writing rules of SPEC 6."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import save_meanwhile, status_json

import vaultkeeper.write as write_module
from vaultkeeper.blocks import find_blocks
from vaultkeeper.cli import cli
from vaultkeeper.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample-vault"
PAGE_PATHS = [f"Relationships/{page}.md" for page in PAGES]

VAULT = {
    "People/Ada Lovelace.md": (
        "---\naliases: [Ada]\nstage: growing\nideas: [intro to an investor]\n---\n## Log\n"
        "- 2026-11-20 coffee [gave:: intro to [[Grace Hopper]]]\n- 2026-10-02 call got:: feedback\n- 2026-10-01 met\n"
    ),
    "People/Grace Hopper.md": "---\nstage: target\npriority: 2\n---\n",
    "People/Alan.md": "---\nstage: established\ncadence: 1 week\n---\n## Log\n- 2026-11-01 walk got:: a book\n",
    "Daily/2026-11-21.md": "- [ ] send [[Ada]] the paper\n",
    "Home.md": "# Home\n\nMine.\n<!-- vaultkeeper:focus -->\nold content\n<!-- /vaultkeeper -->\nAlso mine.\n",
}


def build(root: Path, *args: str, today: str = "2026-11-25"):
    return CliRunner().invoke(cli, ["build", str(root), "--today", today, *args])


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def outside_blocks(data: bytes) -> bytes:
    """A note's bytes with the content of its marked blocks removed."""
    lines = data.decode("utf-8").split("\n")
    blocks, _ = find_blocks([line.rstrip("\r") for line in lines])
    keep = set(range(len(lines)))
    for block in blocks:
        keep -= set(range(block.start + 1, block.end))
    return hashlib.sha256("\n".join(lines[i] for i in sorted(keep)).encode()).digest()


def test_build_writes_the_four_pages_and_fills_blocks(make_vault):
    root = make_vault(VAULT)
    result = build(root)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "5 written, 0 unchanged · 3 people · 0 problems"
    for page in PAGE_PATHS:
        assert (root / page).read_text().endswith(" -->\n")
    home = (root / "Home.md").read_text()
    assert home.startswith("# Home\n\nMine.\n<!-- vaultkeeper:focus -->\n## [[People/Ada Lovelace|Ada Lovelace]]\n")
    assert home.endswith("<!-- /vaultkeeper -->\nAlso mine.\n")
    assert "old content" not in home
    dashboard = (root / "Relationships/Dashboard.md").read_text()
    assert "- [[People/Alan|Alan]]: overdue since 2026-11-08, last contact 2026-11-01." in dashboard
    assert "- Open slot: [[People/Grace Hopper|Grace Hopper]] is the next target you chose." in dashboard


def test_an_empty_vault_gets_pages_that_say_how_to_start(make_vault):
    root = make_vault({"Notes/Idea.md": "Nobody here yet.\n"})
    assert build(root).exit_code == 0
    dashboard = (root / "Relationships/Dashboard.md").read_text()
    assert dashboard.startswith("# Relationships\n\nNothing is due today.\n\n## Focus 0/3\n\nNobody is in focus.")
    assert "Nobody is due." in (root / "Relationships/Follow-ups.md").read_text()
    assert "Nobody is in focus." in (root / "Relationships/Focus.md").read_text()
    assert "Nothing given or received yet." in (root / "Relationships/Reciprocity.md").read_text()


def test_nothing_but_pages_and_blocks_change(make_vault):
    root = make_vault(VAULT)
    (root / ".obsidian").mkdir()
    (root / ".obsidian/app.json").write_text("{}")
    before = snapshot(root)
    assert build(root).exit_code == 0
    after = snapshot(root)
    for rel, (data, mtime) in before.items():
        if rel == "Home.md":
            assert outside_blocks(after[rel][0]) == outside_blocks(data)
        else:
            assert after[rel] == (data, mtime), rel
    assert sorted(set(after) - set(before)) == sorted(PAGE_PATHS)


def test_second_build_writes_nothing(make_vault):
    root = make_vault(VAULT)
    build(root)
    before = snapshot(root)
    result = build(root)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "0 written, 5 unchanged · 3 people · 0 problems"
    assert snapshot(root) == before


def test_check_exits_1_and_writes_nothing(make_vault):
    root = make_vault(VAULT)
    build(root)
    assert build(root, "--check").exit_code == 0
    (root / "People/Alan.md").write_text("---\nstage: established\ncadence: 1 week\n---\n## Log\n- 2026-11-24 call\n")
    before = snapshot(root)
    result = build(root, "--check")
    assert result.exit_code == 1
    assert "out of date: Relationships/Dashboard.md" in result.stdout
    assert "out of date: Home.md" not in result.stdout  # the focus list did not change
    assert snapshot(root) == before


def test_dry_run_shows_the_diff_and_writes_nothing(make_vault):
    root = make_vault(VAULT)
    before = snapshot(root)
    result = build(root, "--dry-run")
    assert result.exit_code == 0
    assert "--- a/Home.md\n+++ b/Home.md\n" in result.stdout
    assert "-old content\n" in result.stdout
    assert "+++ b/Relationships/Focus.md" in result.stdout
    assert snapshot(root) == before


def test_output_is_identical_across_vault_paths(make_vault, tmp_path):
    first = make_vault(VAULT)
    second = tmp_path / "somewhere" / "else"
    shutil.copytree(first, second)
    build(first)
    build(second)
    for rel in [*PAGE_PATHS, "Home.md"]:
        data = (first / rel).read_bytes()
        assert data == (second / rel).read_bytes()
        assert b"\r" not in data and data.endswith(b"\n")
        assert str(tmp_path).encode() not in data


def test_hand_edited_page_is_kept_as_a_copy(make_vault):
    root = make_vault(VAULT)
    build(root)
    page = root / "Relationships/Focus.md"
    edited = page.read_text().replace("# Focus", "# Focus — my notes")
    page.write_text(edited)
    result = build(root)
    assert result.exit_code == 0
    assert "Relationships/Focus.md was edited by hand; your version is kept as Relationships/Focus.edited.md" in result.stderr
    assert (root / "Relationships/Focus.edited.md").read_text() == edited
    assert page.read_text().startswith("# Focus 1/3\n")
    page.write_text(edited + "again\n")
    build(root)
    assert (root / "Relationships/Focus.edited-2.md").read_text() == edited + "again\n"


def test_a_page_edited_while_the_build_writes_is_kept_and_copied_by_the_next(make_vault, monkeypatch):
    root = make_vault(VAULT)
    build(root)
    (root / "People/Alan.md").write_text("---\nstage: new\n---\n")  # every page changes
    page = root / "Relationships/Follow-ups.md"
    save_meanwhile(monkeypatch, page, "# Follow-ups — my notes\n")
    result = build(root)
    assert result.exit_code == 2
    assert "Relationships/Follow-ups.md: changed meanwhile; left as it is" in result.output
    assert page.read_text() == "# Follow-ups — my notes\n"
    assert "your version is kept as Relationships/Follow-ups.edited.md" in build(root).stderr
    assert (root / "Relationships/Follow-ups.edited.md").read_text() == "# Follow-ups — my notes\n"


def test_force_overwrites_a_hand_edit(make_vault):
    root = make_vault(VAULT)
    build(root)
    (root / "Relationships/Focus.md").write_text("my own page\n")
    result = build(root, "--force")
    assert result.exit_code == 0 and "edited by hand" not in result.stderr
    assert not (root / "Relationships/Focus.edited.md").exists()
    assert (root / "Relationships/Focus.md").read_text().startswith("# Focus 1/3\n")


def test_page_with_conflict_markers_is_regenerated(make_vault):
    root = make_vault(VAULT)
    build(root)
    page = root / "Relationships/Dashboard.md"
    good = page.read_text()
    page.write_text(f"<<<<<<< HEAD\n{good}=======\n{good.replace('Alan', 'Al')}>>>>>>> theirs\n")
    result = build(root)
    assert result.exit_code == 0 and "edited by hand" not in result.stderr
    assert page.read_text() == good
    assert not (root / "Relationships/Dashboard.edited.md").exists()


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("<!-- vaultkeeper:focus -->\nx\n", "vaultkeeper block 'focus' is never closed"),
        ("x\n<!-- /vaultkeeper -->\n", "closing vaultkeeper marker without an opening one"),
        (
            "<!-- vaultkeeper:focus -->\n<!-- vaultkeeper:dashboard -->\n<!-- /vaultkeeper -->\n<!-- /vaultkeeper -->\n",
            "nested vaultkeeper block marker",
        ),
        (
            "<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n",
            "duplicate vaultkeeper block 'focus'",
        ),
        ("<!-- vaultkeeper:nope -->\n<!-- /vaultkeeper -->\n", "unknown vaultkeeper block 'nope'"),
    ],
)
def test_bad_markers_leave_the_note_untouched(make_vault, note, message):
    root = make_vault({**VAULT, "Home.md": "# Home\n" + note})
    before = (root / "Home.md").read_bytes()
    result = build(root)
    assert result.exit_code == 0
    assert (root / "Home.md").read_bytes() == before
    assert message in result.stderr
    assert "Home.md:" in result.stderr


def test_blocks_keep_crlf_bom_and_front_matter(make_vault):
    text = "\ufeff---\r\ntitle: x\r\n---\r\nTop\r\n<!-- vaultkeeper:reciprocity -->\r\n<!-- /vaultkeeper -->\r\nEnd\r\n"
    root = make_vault({**VAULT, "Home.md": text.encode("utf-8")})
    build(root)
    data = (root / "Home.md").read_bytes()
    assert data.startswith("\ufeff---\r\ntitle: x\r\n---\r\nTop\r\n<!-- vaultkeeper:reciprocity -->\r\n".encode())
    assert data.endswith(b"<!-- /vaultkeeper -->\r\nEnd\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"## Ledger\r\n" in data


def test_a_failed_rename_leaves_the_old_page(make_vault, monkeypatch):
    root = make_vault(VAULT)
    build(root)
    (root / "People/Alan.md").write_text("---\nstage: established\n---\n")
    before = snapshot(root)

    def fail(*_args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(write_module.os, "replace", fail)
    result = build(root)
    assert result.exit_code == 2
    assert "error: Relationships/Dashboard.md: cannot write: Input/output error" in result.stderr
    assert snapshot(root) == before  # old pages intact, no temporary files left


def test_a_crash_mid_write_leaves_the_old_page(make_vault, monkeypatch):
    root = make_vault(VAULT)
    build(root)
    (root / "People/Alan.md").write_text("---\nstage: established\n---\n")
    before = snapshot(root)
    real_fsync = os.fsync

    def crash(fd):
        real_fsync(fd)
        raise KeyboardInterrupt  # killed after part of the data reached the disk

    monkeypatch.setattr(write_module.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        from vaultkeeper.build import apply_plan, plan_build
        from vaultkeeper.vault import load_vault

        vault = load_vault(root)
        apply_plan(plan_build(vault, __import__("datetime").date(2026, 11, 25)), root, "Relationships")
    assert snapshot(root) == before


def test_a_note_saved_while_its_block_is_written_is_left_as_saved(make_vault, monkeypatch):
    root = make_vault(VAULT)
    save_meanwhile(monkeypatch, root / "Home.md", "# Home\n\nJust typed.\n")
    result = build(root)
    assert result.exit_code == 2
    assert "Home.md: changed meanwhile; left as it is (run the command again)" in result.output
    assert (root / "Home.md").read_text() == "# Home\n\nJust typed.\n"
    assert not [p for p in root.rglob("*.tmp")]
    assert build(root).exit_code == 0  # and the next build fills nothing: the markers are gone


def test_read_only_output_folder_is_a_clear_error(make_vault, monkeypatch):
    root = make_vault(VAULT)
    build(root)
    (root / "People/Alan.md").write_text("---\nstage: established\n---\n")
    before = snapshot(root)
    if os.geteuid() == 0:  # root ignores permissions: make the folder refuse new files instead

        def refuse(*_args, **_kwargs):
            raise PermissionError(13, "Permission denied")

        import tempfile

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        (root / "Relationships").chmod(0o555)
    try:
        result = build(root)
    finally:
        (root / "Relationships").chmod(0o755)
    assert result.exit_code == 2
    assert "error: Relationships/Dashboard.md: cannot write: Permission denied" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(root) == before


def test_output_folder_through_a_symlink_out_of_the_vault_is_refused(make_vault, tmp_path):
    root = make_vault(VAULT)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "Relationships")
    result = build(root)
    assert result.exit_code == 2
    assert "Relationships: leads outside the vault" in result.stderr
    assert list(outside.iterdir()) == []


def test_output_dir_outside_the_vault_is_a_config_error(make_vault):
    root = make_vault({**VAULT, ".vaultkeeper/config.toml": 'output_dir = "../pages"\n'})
    result = build(root)
    assert result.exit_code == 2
    assert "output_dir: must be a folder inside the vault" in result.output


def test_configured_output_dir_is_never_read(make_vault):
    root = make_vault({**VAULT, ".vaultkeeper/config.toml": 'output_dir = "CRM/Pages"\n'})
    build(root)
    (root / "CRM/Pages/2026-11-24.md").write_text("- [[Alan]] a daily-looking note in the output folder\n")
    assert build(root, "--check").exit_code == 0
    assert (root / "CRM/Pages/Dashboard.md").exists()


def test_build_reports_problems_on_stderr_and_exits_0(make_vault):
    root = make_vault({**VAULT, "People/Bad.md": "---\nstage: friend\n---\n"})
    result = build(root)
    assert result.exit_code == 0
    assert 'People/Bad.md:2: unknown stage "friend"' in result.stderr
    assert result.stdout.splitlines()[-1].endswith("· 1 problem")


def test_sample_vault_pages_are_the_golden_output():
    result = build(SAMPLE, "--check")
    assert result.exit_code == 0, result.output


BELOW_A_BLOCK = {
    ".vaultkeeper/config.toml": "",
    "People/Ada.md": (
        "---\nstage: growing\n---\n<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n"
        "## Log\n- 2026-11-01 coffee\n- no date here\n"
    ),
    "Home.md": "# Home\n<!-- vaultkeeper:focus -->\n<!-- /vaultkeeper -->\n- [ ] send [[Ada]] the paper\n",
}


def test_lines_below_a_filled_block_are_shown_where_the_fill_puts_them(make_vault):
    root = make_vault(BELOW_A_BLOCK)
    first = build(root)
    ada = (root / "People/Ada.md").read_text().splitlines()
    home = (root / "Home.md").read_text().splitlines()
    problem = f"People/Ada.md:{ada.index('- no date here') + 1}: log item has no date: no date here"
    assert ada.index("- no date here") > 7  # the fill moved it
    assert first.stderr.splitlines() == [problem]
    assert f"- {problem}" in (root / "Relationships/Dashboard.md").read_text()
    loops = status_json(root)["people"][0]["open_loops"]
    assert loops == [{"path": "Home.md", "line": home.index("- [ ] send [[Ada]] the paper") + 1, "text": "send [[Ada]] the paper"}]
    for args in ((), ("--no-cache",)):  # settled in one build, with or without what it cached
        assert build(root, *args).stdout.startswith("0 written"), args
