"""`.vaultkeeper/config.toml`: every key optional, every mistake a clear error.

A wrong setting is never guessed around: an unknown key or a bad value raises
ConfigError naming the key and its line.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from vaultkeeper.cadence import Cadence, CadenceError, parse_cadence
from vaultkeeper.errors import ConfigError
from vaultkeeper.model import STAGES

CONFIG_PATH = ".vaultkeeper/config.toml"
TEMPLATES_PATH = ".vaultkeeper/templates"

DEFAULT_STAGE_CADENCE: dict[str, Cadence | None] = {
    "target": None,
    "new": Cadence("D", 7),
    "growing": Cadence("D", 14),
    "established": Cadence("M", 3),
    "dormant": None,
}


class Config(NamedTuple):  # a named tuple, as the values in vaultkeeper.model are
    people: tuple[str, ...] = ("People", "people")
    output_dir: str = "Relationships"
    focus_limit: int = 3
    page_limit: int = 50
    ics: bool = False
    fading_after: Cadence = Cadence("D", 30)
    graduate_after: int = 3
    log_headings: tuple[str, ...] = ("Log", "Interactions")
    daily_notes: str | None = None
    exclude: tuple[str, ...] = ()
    stage_cadence: dict[str, Cadence | None] = DEFAULT_STAGE_CADENCE  # shared: never changed in place


def load_config(vault: Path) -> Config:
    """The vault's configuration, or the defaults when it has no config file."""
    path = vault / CONFIG_PATH
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", CONFIG_PATH) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("not valid UTF-8", CONFIG_PATH) from None
    return parse_config(text)


def parse_config(text: str) -> Config:
    """Validate a config file's text; raises ConfigError with the key's line."""
    import tomllib  # here: most vaults have no config file, and a build after an edit has no use for it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        reason = message[: match.start()].strip() if match else message
        raise ConfigError(f"invalid TOML: {reason}", CONFIG_PATH, line) from None
    return _Reader(text).read(data)


class _Reader:
    """Turns the TOML mapping into a Config, one checked key at a time."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def fail(self, key: str, message: str, table: str | None = None) -> ConfigError:
        return ConfigError(f"{key}: {message}", CONFIG_PATH, self.line_of(key, table))

    def line_of(self, key: str, table: str | None = None) -> int | None:
        """The line where `key` is set (inside `[table]` when given)."""
        current: str | None = None
        pattern = re.compile(r'\s*(?:"%s"|%s)\s*=' % (re.escape(key), re.escape(key)))
        header = re.compile(r"\s*\[+\s*([^\]]+?)\s*\]+")
        for number, line in enumerate(self.lines, start=1):
            head = header.match(line)
            if head:
                current = head.group(1).replace('"', "")
                if table is None and current == key:
                    return number
                if table is not None and current == f"{table}.{key}":
                    return number
                continue
            if current == table and pattern.match(line):
                return number
        return None

    def read(self, data: dict[str, Any]) -> Config:
        values: dict[str, Any] = {}
        for key, value in data.items():
            reader = getattr(self, f"read_{key}", None)
            if reader is None or key.startswith("_"):
                known = ", ".join(sorted(_KEYS))
                raise self.fail(key, f"unknown key (known keys: {known})")
            values.update(reader(key, value))
        return Config(**values)

    def read_people(self, key: str, value: Any) -> dict[str, Any]:
        return {"people": self.string_list(key, value, allow_empty=True)}

    def read_exclude(self, key: str, value: Any) -> dict[str, Any]:
        return {"exclude": self.string_list(key, value, allow_empty=True)}

    def read_log_headings(self, key: str, value: Any) -> dict[str, Any]:
        return {"log_headings": self.string_list(key, value, allow_empty=False)}

    def read_output_dir(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a folder name inside the vault, like \"Relationships\"")
        path = PurePosixPath(value.strip().replace("\\", "/"))
        if path.is_absolute() or re.match(r"^[A-Za-z]:", value) or ".." in path.parts:
            raise self.fail(key, f"must be a folder inside the vault, not {value!r}")
        if str(path) == "." or path.parts[0].startswith("."):
            raise self.fail(key, f"must be a visible folder inside the vault, not {value!r}")
        return {"output_dir": str(path)}

    def read_focus_limit(self, key: str, value: Any) -> dict[str, Any]:
        return {"focus_limit": self.whole_number(key, value, minimum=0)}

    def read_page_limit(self, key: str, value: Any) -> dict[str, Any]:
        return {"page_limit": self.whole_number(key, value, minimum=1)}

    def read_ics(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return {"ics": value}

    def read_graduate_after(self, key: str, value: Any) -> dict[str, Any]:
        return {"graduate_after": self.whole_number(key, value, minimum=1)}

    def read_fading_after(self, key: str, value: Any) -> dict[str, Any]:
        return {"fading_after": self.cadence(key, value)}

    def read_daily_notes(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, str):
            raise self.fail(key, 'must be a folder name or "auto"')
        folder = value.strip().strip("/")
        if ".." in PurePosixPath(folder).parts:
            raise self.fail(key, f"must be a folder inside the vault, not {value!r}")
        return {"daily_notes": "auto" if folder.lower() == "auto" else folder}

    def read_stages(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table, like [stages.new]")
        cadences = dict(DEFAULT_STAGE_CADENCE)
        for stage, table in value.items():
            if stage not in STAGES:
                raise self.fail(stage, f"unknown stage (stages: {', '.join(STAGES)})", "stages")
            if not isinstance(table, dict):
                raise self.fail(stage, "must be a table with a cadence", "stages")
            for inner, setting in table.items():
                if inner != "cadence":
                    raise self.fail(inner, "unknown key (known keys: cadence)", f"stages.{stage}")
                if isinstance(setting, str) and setting.strip().lower() in ("", "none"):
                    cadences[stage] = None
                else:
                    cadences[stage] = self.cadence("cadence", setting, f"stages.{stage}")
        return {"stage_cadence": cadences}

    def string_list(self, key: str, value: Any, allow_empty: bool) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        if not value and not allow_empty:
            raise self.fail(key, "must not be empty")
        return tuple(v.strip() for v in value)

    def whole_number(self, key: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be a whole number of at least {minimum}, not {value!r}")
        return value

    def cadence(self, key: str, value: Any, table: str | None = None) -> Cadence:
        try:
            return parse_cadence(value)
        except CadenceError as error:
            raise self.fail(key, str(error), table) from None


_KEYS = [name[len("read_") :] for name in vars(_Reader) if name.startswith("read_") and name != "read"]

DEFAULT_CONFIG_TEXT = """\
# vaultkeeper configuration. Every key is optional; the values shown are the defaults.

# Folders (or globs) whose notes are people. Notes elsewhere are people too when
# their front matter says `type: person` or they are tagged #person / #people.
people = ["People", "people"]

# Where the generated pages go, inside the vault.
output_dir = "Relationships"

# How many new relationships to grow at once.
focus_limit = 3

# At most this many people per list on a page (the rest are counted).
page_limit = 50

# Also write vaultkeeper.ics (follow-ups and birthdays) into the output folder.
ics = false

# Met once and not followed up for this long: the contact is fading.
fading_after = "30d"

# Interactions needed (with something given and received) before a new
# relationship is ready to graduate to "established".
graduate_after = 3

# Headings that start a person's interaction log.
log_headings = ["Log", "Interactions"]

# Daily notes: "auto" (any note named YYYY-MM-DD) or a folder. When unset, the
# folder and format come from .obsidian/daily-notes.json, else "auto".
# daily_notes = "auto"

# Globs of notes never to read, e.g. ["Archive/**", "Templates/**"].
exclude = []

# Default cadence per stage; a person's own `cadence` wins. "none" = no cadence.
[stages.target]
cadence = "none"

[stages.new]
cadence = "1 week"

[stages.growing]
cadence = "2 weeks"

[stages.established]
cadence = "3 months"

[stages.dormant]
cadence = "none"
"""


def default_templates() -> Path:
    """The folder of the default page templates (the package `vaultkeeper.templates`)."""
    import vaultkeeper.templates  # its path, without importlib.resources (5 ms of a build's start)

    return Path(vaultkeeper.templates.__path__[0])


def templates_digest(root: Path) -> str:
    """Every template a page could be rendered from, default or the vault's own."""
    h = hashlib.blake2b(digest_size=20)
    for folder in (default_templates(), root / TEMPLATES_PATH):
        if folder.is_dir():
            for template in sorted(folder.iterdir()):
                if template.suffix == ".j2":
                    with contextlib.suppress(OSError):
                        h.update(template.name.encode() + b"\0" + template.read_bytes() + b"\0")
        h.update(b"\1")
    return h.hexdigest()
