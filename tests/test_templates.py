"""Page templates: user overrides in a sandbox, clear errors, safe Markdown, the wheel."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import this_process_claims_first
from markdown_it import MarkdownIt

from vaultkeeper.cli import cli
from vaultkeeper.pages import PAGES, is_pristine, normalize, sign
from vaultkeeper.views import cell, escape, wikilink

ROOT = Path(__file__).resolve().parent.parent
BASE = {
    "People/Ada.md": "---\nstage: growing\n---\n## Log\n- 2026-11-20 coffee gave:: tea\n",
    "People/Tim.md": "---\nstage: target\n---\n",
}


def build(root: Path, *args: str):
    return CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25", *args])


def test_user_template_overrides_one_page(make_vault):
    root = make_vault(
        {
            **BASE,
            ".vaultkeeper/templates/Focus.md.j2": (
                "# My focus\n{% for p in focus_members %}\n* {{ p.link }} due {{ p.due }}\n{% endfor %}\n"
            ),
        }
    )
    assert build(root).exit_code == 0
    focus = (root / "Relationships/Focus.md").read_text()
    assert focus.startswith("# My focus\n\n* [[People/Ada|Ada]] due 2026-12-04\n\n<!-- vaultkeeper: generated page")
    assert (root / "Relationships/Dashboard.md").read_text().startswith("# Relationships\n")


def test_user_templates_run_in_the_sandbox(make_vault):
    root = make_vault(
        {**BASE, ".vaultkeeper/templates/Focus.md.j2": "# x\n\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"}
    )
    result = build(root)
    assert result.exit_code == 2
    assert "error: .vaultkeeper/templates/Focus.md.j2:3: template error: SecurityError" in result.stderr
    assert not (root / "Relationships/Focus.md").exists()
    assert (root / "Relationships/Dashboard.md").exists()  # the other pages are still built


def test_template_syntax_error_names_file_and_line_and_keeps_the_old_page(make_vault):
    root = make_vault(BASE)
    build(root)
    old = (root / "Relationships/Focus.md").read_bytes()
    (root / ".vaultkeeper/templates").mkdir(parents=True)
    (root / ".vaultkeeper/templates/Focus.md.j2").write_text("# ok\n\n{% for p in focus_members %}\n{{ p.name }\n")
    (root / "People/Ada.md").write_text("---\nstage: new\n---\n")
    result = build(root)
    assert result.exit_code == 2
    assert "error: .vaultkeeper/templates/Focus.md.j2:4: template error: " in result.stderr
    assert (root / "Relationships/Focus.md").read_bytes() == old
    assert "Traceback" not in result.output


def test_template_undefined_value_names_the_line(make_vault):
    root = make_vault({**BASE, ".vaultkeeper/templates/Reciprocity.md.j2": "# R\n\n\n{{ no_such_thing }}\n"})
    result = build(root)
    assert result.exit_code == 2
    assert "error: .vaultkeeper/templates/Reciprocity.md.j2:4: template error: UndefinedError" in result.stderr


def test_blocks_of_a_failed_page_are_left_alone(make_vault):
    note = "# Home\n<!-- vaultkeeper:focus -->\nkept\n<!-- /vaultkeeper -->\n"
    root = make_vault({**BASE, "Home.md": note, ".vaultkeeper/templates/Focus.md.j2": "{{ nope }}"})
    result = build(root)
    assert result.exit_code == 2
    assert (root / "Home.md").read_text() == note


def test_signature_detects_any_edit():
    page = sign(normalize("# Title\n\n- one\n"))
    assert is_pristine(page)
    assert not is_pristine(page.replace("one", "two"))
    assert not is_pristine(page.replace("# Title", "# Title "))
    assert not is_pristine("# Title\n\n- one\n")


@pytest.mark.parametrize(
    "name",
    ["Ada | Lovelace", "Ada [the] Countess", "A*da* _Love_", "#hash Name", "Back\\slash `code` <b>"],
)
def test_names_with_markdown_characters_do_not_break_pages(make_vault, name):
    root = make_vault(
        {
            "People/ada.md": (
                f"---\nname: '{name}'\nstage: growing\n---\n## Log\n"
                "- 2026-11-20 coffee [gave:: a | pipe and [[link]]] got:: stars\n- 2026-11-19 x\n- 2026-11-18 y\n"
            )
        }
    )
    assert build(root).exit_code == 0
    md = MarkdownIt("commonmark").enable("table")
    for page in PAGES:
        text = (root / f"Relationships/{page}.md").read_text()
        tokens = md.parse(text)
        for index, token in enumerate(tokens):
            if token.type == "tr_open":
                cells = 0
                for inner in tokens[index + 1 :]:
                    if inner.type == "tr_close":
                        break
                    cells += inner.type in ("td_open", "th_open")
                header = text.count("| Person |")
                assert cells in (5, 6), (page, text)
                assert header
        html = md.render(text)
        assert "<em>" not in html and "<h1>#" not in html and "<b>" not in html
        assert "[[People/ada" in text


def test_escaping_helpers():
    assert escape("a*b_c [d] <e> | `f`") == "a\\*b\\_c \\[d\\] \\<e\\> \\| \\`f\\`"
    assert escape("# not a heading") == "\\# not a heading"
    assert cell("x | y \\| z\nw") == "x \\| y \\| z w"
    assert wikilink("People/Ada.md", "Ada | L") == "[[People/Ada|Ada / L]]"
    assert wikilink("People/A#1.md", "A") == "**A**"


def test_default_templates_are_in_the_wheel(tmp_path):
    """`pip install .` (not -e) must carry the default templates."""
    source = tmp_path / "src"
    source.mkdir()
    for item in ("pyproject.toml", "setup.py", "README.md", "templates", "vaultkeeper"):  # what a clone holds
        copy = shutil.copytree if (ROOT / item).is_dir() else shutil.copy
        copy(ROOT / item, source / item)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        env={**os.environ, "VAULTKEEPER_PURE": "1"},  # the templates are the same either way; compiling takes 20 s
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("vaultkeeper-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for page in PAGES:
        assert f"vaultkeeper/templates/{page}.md.j2" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    vault = tmp_path / "vault"
    (vault / "People").mkdir(parents=True)
    (vault / "People/Ada.md").write_text("---\nstage: new\n---\n")
    result = subprocess.run(
        [sys.executable, "-c", "from vaultkeeper.launch import main; main()", "build", str(vault), "--today", "2026-11-25"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (vault / "Relationships/Focus.md").read_text().startswith("# Focus 1/3\n")


def test_templates_compiled_while_another_process_reads_render_and_fail_as_usual(make_vault, monkeypatch):
    """With a second reading process, the pages' templates are compiled between this one's
    parts (`Renderer.compiled`): the same pages, the same errors, one renderer."""
    from vaultkeeper import pages, reading

    files = {
        **BASE,
        **{f"People/P{number}.md": "---\nstage: new\n---\n" for number in range(12)},
        ".vaultkeeper/templates/Focus.md.j2": "# ok\n\n{% for p in focus_members %}\n{{ p.name }\n",
        ".vaultkeeper/templates/Dashboard.md.j2": "# Mine\n\n{{ focus_members | length }}\n",
    }
    alone = make_vault(files)
    expected = build(alone)
    made = []
    init, compiled = pages.Renderer.__init__, pages.Renderer.compiled

    def counted(renderer, vault):
        made.append("made")
        init(renderer, vault)

    monkeypatch.setattr(pages.Renderer, "__init__", counted)
    monkeypatch.setattr(pages.Renderer, "compiled", lambda vault: made.append("compiled") or compiled(vault))
    monkeypatch.setattr(reading, "PARALLEL_AFTER", 2)
    monkeypatch.setattr(reading, "PART", 2)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading.threading, "active_count", lambda: 1)  # pytest may run threads of its own
    this_process_claims_first(monkeypatch)
    shutil.rmtree(alone / "Relationships")  # a cold build again
    (alone / ".vaultkeeper/cache.sqlite").unlink()
    result = build(alone)
    assert result.exit_code == expected.exit_code == 2
    assert "error: .vaultkeeper/templates/Focus.md.j2:4: template error: " in result.stderr
    assert result.stderr == expected.stderr and made == ["compiled", "made"]  # (made by `compiled`)
    assert (alone / "Relationships/Dashboard.md").read_text().startswith("# Mine\n\n13\n")
