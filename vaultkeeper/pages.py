"""Rendering the generated pages with Jinja2, and the marks that make them ours.

Templates come from the vault's `.vaultkeeper/templates/` first, then the
defaults shipped in the package. A synced vault may carry templates written by
someone else, so every template renders in Jinja2's sandbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkeeper.config import TEMPLATES_PATH, default_templates, templates_digest
from vaultkeeper.edit import yaml_list, yaml_scalar
from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.views import Pages, cell, escape

if TYPE_CHECKING:
    import jinja2

PAGES = ("Dashboard", "Follow-ups", "Focus", "Reciprocity")
BLOCK_NAMES = {name.lower(): name for name in PAGES}
USER_TEMPLATES = TEMPLATES_PATH
TEMPLATE_CACHE = ".vaultkeeper/cache-templates"  # git-ignored with the parse cache (cache*)
FOOTER = re.compile(r"^<!-- vaultkeeper: generated page, edit your notes instead; checksum ([0-9a-f]{16}) -->$")
CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)


class TemplateError(VaultkeeperError):
    """A page template that does not parse or fails while rendering."""


def _bytecode_cache(vault: Path) -> jinja2.BytecodeCache | None:
    """Compiled default templates kept beside the parse cache (only where the vault has one).

    Jinja2 keys them by the template's source and writes them atomically.
    """
    import jinja2

    folder = vault / TEMPLATE_CACHE
    if not folder.parent.is_dir():
        return None
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _inline(text: str) -> str:
    return " ".join(str(text).split())


class Renderer:
    """Renders pages from the user's templates, falling back to the defaults.

    The shipped defaults are trusted and render in a plain environment; any
    template from the vault renders in the sandbox.
    """

    def __init__(self, vault: Path):
        import jinja2  # here: a build whose pages are as last rendered never needs it
        from jinja2.sandbox import SandboxedEnvironment

        self.vault = vault
        self.user_dir = vault / USER_TEMPLATES
        defaults = jinja2.FileSystemLoader(str(default_templates()))
        options: dict[str, Any] = {
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
            "autoescape": False,
        }
        self.default_env = jinja2.Environment(loader=defaults, bytecode_cache=_bytecode_cache(vault), **options)
        self.user_env = SandboxedEnvironment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(self.user_dir)), defaults]), **options
        )
        for env in (self.default_env, self.user_env):
            env.filters.update(
                cell=cell, escape_md=escape, inline=_inline, yaml=lambda v: yaml_scalar(str(v)), yaml_list=yaml_list
            )

    @classmethod
    def compiled(cls, vault: Path) -> Renderer:
        """A renderer whose page templates are compiled already (one that does not compile
        is reported when its page renders)."""
        renderer = cls(vault)
        for page in PAGES:
            with contextlib.suppress(Exception):
                renderer.template(f"{page}.md.j2")
        return renderer

    def template(self, name: str) -> jinja2.Template:
        """The vault's own template when it has one (sandboxed), else the default."""
        env = self.user_env if (self.user_dir / name).is_file() else self.default_env
        return env.get_template(name)

    def shown_path(self, filename: str | None, name: str) -> str:
        """A template's path as the user should see it (never absolute)."""
        if filename:
            path = Path(filename)
            if path.is_relative_to(self.user_dir):
                return path.relative_to(self.vault).as_posix()
        return f"templates/{name}"

    def render(self, page: str, pages: Pages, output_dir: str) -> str:
        """The page's text, normalized and signed; raises TemplateError with file and line."""
        import jinja2

        name = f"{page}.md.j2"
        try:
            template = self.template(name)
            text = template.render(**pages._asdict(), output_dir=output_dir)
        except jinja2.TemplateSyntaxError as error:
            where = self.shown_path(error.filename, error.name or name)
            raise TemplateError(f"template error: {error.message}", where, error.lineno) from None
        except Exception as error:  # noqa: BLE001 - any failure inside a template is the template's
            filename, line = _template_frame(error)
            where = self.shown_path(filename, name)
            raise TemplateError(f"template error: {type(error).__name__}: {error}", where, line) from None
        return sign(normalize(text))


class RenderMemo:
    """The pages the last build rendered, by what they showed: a build whose arranged pages
    are the same (same templates, same output folder) reuses the text and skips Jinja2."""

    def __init__(self, vault: Path, saved: object):
        self.sources = templates_digest(vault)
        self.saved = saved if isinstance(saved, dict) else {}
        self.made: dict[str, Any] | None = None  # to be saved for the next build

    def key(self, pages: Pages, output_dir: str) -> str:
        text = f"{self.sources}\0{output_dir}\0{pages!r}"  # named tuple reprs: every field, in order
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def get(self, key: str) -> dict[str, str] | None:
        pages = self.saved.get("pages")
        return dict(pages) if self.saved.get("key") == key and isinstance(pages, dict) else None

    def put(self, key: str, rendered: dict[str, str]) -> None:
        self.made = {"key": key, "pages": rendered}


def _template_frame(error: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where a rendering error happened (Jinja maps frames)."""
    import traceback  # here: only a failing template needs it

    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2"):
            found = (frame.filename, frame.lineno)
    return found


def normalize(text: str) -> str:
    """LF endings, no trailing spaces, headings set apart, single blank lines, final newline."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        heading = line.startswith("#")
        if heading and out and out[-1]:
            out.append("")
        if line or (out and out[-1]):
            out.append(line)
        if heading:
            out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _checksum(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def sign(body: str) -> str:
    """Append the footer whose checksum later tells a hand edit from our own text."""
    return f"{body}\n<!-- vaultkeeper: generated page, edit your notes instead; checksum {_checksum(body)} -->\n"


def is_pristine(text: str) -> bool:
    """Whether a page is exactly as vaultkeeper wrote it (no hand edits)."""
    body, _, footer = text.removesuffix("\n").rpartition("\n\n")
    match = FOOTER.match(footer)
    return match is not None and _checksum(body + "\n") == match.group(1)


def has_conflict_markers(text: str) -> bool:
    """Git left `<<<<<<<`/`=======`/`>>>>>>>` lines: the page is simply regenerated."""
    return len(set(m.group(1)[0] for m in CONFLICT.finditer(text))) >= 2


def block_text(page: str) -> str:
    """A page's content for a marked block: without its title and footer."""
    lines = page.rstrip("\n").split("\n")
    if lines and FOOTER.match(lines[-1]):
        lines.pop()
    if lines and lines[0].startswith("# "):
        lines.pop(0)
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
