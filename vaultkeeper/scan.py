"""Finding the vault and listing the notes in it, skipping what must never be read."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from vaultkeeper.cache import Stamp
from vaultkeeper.config import Config, load_config
from vaultkeeper.errors import UsageError
from vaultkeeper.model import Problem

MARKERS = (".vaultkeeper", ".obsidian")
DAILY_SETTINGS = ".obsidian/daily-notes.json"
TEMPLATES_SETTINGS = ".obsidian/templates.json"
TEMPLATER_SETTINGS = ".obsidian/plugins/templater-obsidian/data.json"


def find_vault(argument: str | None, cwd: Path | None = None) -> Path:
    """Like git finds a repo: the argument, $VAULTKEEPER_VAULT, a marked parent, or cwd."""
    if argument:
        return Path(argument)
    env = os.environ.get("VAULTKEEPER_VAULT")
    if env:
        return Path(env)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).is_dir() for marker in MARKERS):
            return folder
    return start


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`**` spans folders, `*` and `?` stay within one name; a folder matches its contents."""
    pattern = pattern.strip().strip("/")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def glob_match(path: str, pattern: str) -> bool:
    """Whether a vault-relative `/` path is matched by a glob or lies under a folder."""
    return bool(_glob_regex(pattern).fullmatch(path))


@lru_cache(maxsize=64)
def _any_glob_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression matching what any of `patterns` matches (None for none)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{_glob_regex(pattern).pattern})" for pattern in patterns))


def any_glob_match(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether any of `patterns` matches the path, as `glob_match` would (one match, not one each)."""
    regex = _any_glob_regex(patterns)
    return regex is not None and regex.fullmatch(path) is not None


class DailyRule(NamedTuple):
    """Which notes are daily notes: `folder` ("" = vault root) and a name regex."""

    folder: str | None  # None: any folder
    pattern: re.Pattern[str]

    def date_of(self, path: str) -> date | None:
        stem = path[:-3] if path.lower().endswith(".md") else path
        if self.folder is not None:
            if self.folder:
                if not stem.startswith(self.folder + "/"):
                    return None
                stem = stem[len(self.folder) + 1 :]
        candidates = [stem, stem.rsplit("/", 1)[-1]] if self.folder is not None else [stem.rsplit("/", 1)[-1]]
        for candidate in candidates:
            match = self.pattern.fullmatch(candidate)
            if match:
                return date_of_match(match)
        return None


MONTHS = ("january", "february", "march", "april", "may", "june", "july",
          "august", "september", "october", "november", "december")  # fmt: skip
_SHORT_MONTHS = [month[:3] for month in MONTHS]
# Moment.js tokens (longest first, as Moment reads them): those that say nothing of the day,
# or that vaultkeeper does not read, are a mistake to report; a word in a format is a
# token too unless bracketed (Moment reads the D of `Daily` as the day)
_MOMENT = re.compile(
    r"\[([^\]]*)\]"
    r"|(Mo|DDDD?o?|do|[wW][wo]?|Qo?|N+|y+|g+|G+|[eEaAhHkmsSxXzZlL]+|Y(?!Y)|YYY(?!Y))"
    r"|(YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|dd|d)"
)
_GROUPS = {
    "YYYY": ("y", r"\d{4}"), "YY": ("yy", r"\d{2}"),
    "MMMM": ("mn", f"(?i:{'|'.join(MONTHS)})"), "MMM": ("mn", f"(?i:{'|'.join(_SHORT_MONTHS)})"),
    "MM": ("m", r"\d{2}"), "M": ("m", r"\d{1,2}"),
    "Do": ("d", r"\d{1,2}(?:st|nd|rd|th)"), "DD": ("d", r"\d{2}"), "D": ("d", r"\d{1,2}"),
    "dddd": ("", r"[^\W\d_]+"), "ddd": ("", r"[^\W\d_]+"), "dd": ("", r"[^\W\d_]+"), "d": ("", "[0-6]"),
}  # fmt: skip


def moment_regex(fmt: str) -> re.Pattern[str]:
    """A regex for an Obsidian (Moment.js) daily note format: the year (`YYYY`, `YY`), month
    (`MM`, `M`, `MMMM`, `MMM` in English), day (`DD`, `D`, `Do`), the weekday (`dddd`, `ddd`,
    `dd` in any language, `d`) and [bracketed] text. Raises ValueError for a format it cannot
    read, naming the token, so a daily note is never passed over without a word."""
    out, pos, seen = [], 0, set()
    for match in _MOMENT.finditer(fmt):
        out.append(re.escape(fmt[pos : match.start()]))
        literal, other, token = match.groups()
        if other is not None:
            raise ValueError(f"daily note format {fmt!r}: vaultkeeper does not read the token {other!r} (text goes in brackets)")
        if literal is not None:
            out.append(re.escape(literal))
        else:
            name, regex = _GROUPS[token]
            kind = name[:1]  # y or yy, m or mn: the first of each is read
            if name and kind not in seen:
                seen.add(kind)
                regex = f"(?P<{name}>{regex})"
            out.append(f"(?:{regex})")
        pos = match.end()
    out.append(re.escape(fmt[pos:]))
    if not {"y", "m", "d"} <= seen:
        raise ValueError(f"daily note format {fmt!r} needs a year, a month and a day (YYYY, MM and DD)")
    return re.compile("".join(out))


def date_of_match(match: re.Match[str]) -> date | None:
    """The date a name matched by `moment_regex` gives, or None if there is no such day."""
    found = match.groupdict()
    if found.get("y") is not None:
        year = int(found["y"])
    else:
        year = int(found["yy"]) + (1900 if int(found["yy"]) >= 69 else 2000)  # as Moment reads YY
    month = int(found["m"]) if found.get("m") is not None else _SHORT_MONTHS.index(found["mn"][:3].lower()) + 1
    try:
        return date(year, month, int(found["d"].rstrip("stndrh")))
    except ValueError:
        return None


AUTO_DAILY = DailyRule(None, moment_regex("YYYY-MM-DD"))


class Layout(NamedTuple):
    """What to read in a vault: the configuration plus Obsidian's own settings."""

    root: Path
    config: Config
    skipped: tuple[str, ...]
    daily: DailyRule
    unnamed: list[str]  # the notes and folders the last walk passed over for their names (`is_text`)
    problems: tuple[Problem, ...] = ()

    def is_skipped(self, path: str) -> bool:
        """Whether a vault-relative file or folder must never be read."""
        if not is_text(path):
            return True
        parts = path.split("/")
        if any(part.startswith(".") for part in parts):
            return True
        if any(path == s or path.startswith(s + "/") for s in self.skipped):
            return True
        return any_glob_match(path, self.config.exclude)

    @property
    def parse_key(self) -> str:  # made again each time: a build asks twice
        """Everything besides a note's path and bytes that its parse depends on."""
        daily = (self.daily.folder, self.daily.pattern.pattern)
        text = repr((self.config.people, daily, tuple(h.lower() for h in self.config.log_headings)))
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def in_people_folder(self, path: str) -> bool:
        return any_glob_match(path, self.config.people)

    def daily_date(self, path: str) -> date | None:
        return self.daily.date_of(path)


def read_layout(root: Path, config: Config) -> Layout:
    """Read Obsidian's settings that decide what vaultkeeper reads."""
    problems: list[Problem] = []
    skipped = [config.output_dir]
    templates = _json_setting(root, TEMPLATES_SETTINGS, "folder", problems)
    templater = _json_setting(root, TEMPLATER_SETTINGS, "templates_folder", problems)
    for folder in (templates, templater):
        if isinstance(folder, str) and folder.strip("/ "):
            skipped.append(folder.strip("/ "))
    daily = _daily_rule(root, config, problems)
    return Layout(root, config, tuple(skipped), daily, [], tuple(problems))


def is_text(name: str) -> bool:
    """Whether a file name is text: one whose bytes are not UTF-8 (os.fsdecode gives it
    surrogates) cannot be shown, linked, rendered or kept in the cache."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_path(path: str) -> str:
    """A path as it can be printed: its bytes that are not UTF-8 as `\\xNN`."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def walk_for_names(layout: Layout) -> bool:
    """Walk the vault again for the names a walk passes over (`is_text`), as `watch` does
    when one comes or goes (it reads notes one by one, not by walking); whether they changed."""
    before = list(layout.unnamed)
    _walk(layout, stamped=False)
    return layout.unnamed != before


def name_problems(layout: Layout) -> list[Problem]:
    """The notes and folders the last walk passed over for their names."""
    return [Problem(shown_path(path), None, "name is not valid UTF-8: rename it to have it read") for path in layout.unnamed]


def _json_setting(root: Path, rel: str, key: str, problems: list[Problem]) -> object:
    try:
        text = (root / rel).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(rel, None, f"cannot read Obsidian settings: {error}"))
        return None
    import json  # here: a vault without Obsidian's settings has no use for it

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        line = getattr(error, "lineno", None)
        problems.append(Problem(rel, line, f"cannot read Obsidian settings: {error}"))
        return None
    return data.get(key) if isinstance(data, dict) else None


def _daily_rule(root: Path, config: Config, problems: list[Problem]) -> DailyRule:
    if config.daily_notes == "auto":
        return AUTO_DAILY
    if config.daily_notes is not None:
        return DailyRule(config.daily_notes, AUTO_DAILY.pattern)
    if not (root / DAILY_SETTINGS).is_file():
        return AUTO_DAILY
    folder = _json_setting(root, DAILY_SETTINGS, "folder", problems)
    fmt = _json_setting(root, DAILY_SETTINGS, "format", problems)
    folder = folder.strip().strip("/") if isinstance(folder, str) else ""
    try:
        pattern = moment_regex(fmt) if isinstance(fmt, str) and fmt.strip() else AUTO_DAILY.pattern
    except ValueError as error:
        problems.append(Problem(DAILY_SETTINGS, None, f"{error}; using YYYY-MM-DD"))
        pattern = AUTO_DAILY.pattern
    return DailyRule(folder, pattern)


def list_notes(layout: Layout) -> list[str]:
    """Every readable `.md` note, as sorted vault-relative `/` paths, without a stat per note
    (most of a walk's time): for a read of every note, which stamps each as it reads it."""
    return sorted(_walk(layout, stamped=False))


def scan_notes(layout: Layout) -> dict[str, Stamp]:
    """Every readable `.md` note with its size and mtime, in one walk (a stat per note)."""
    return _walk(layout, stamped=True)  # type: ignore[return-value]


def _walk(layout: Layout, stamped: bool) -> dict[str, Stamp | None]:
    """Every readable `.md` note, with its stamp if `stamped`, else None.

    Folders that are symlinks are not followed (they can loop or leave the vault).
    """
    found: dict[str, Stamp | None] = {}
    unnamed: list[str] = []
    folders = [(str(layout.root), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            handle = os.open(folder, _FOLDER_FLAGS) if _BY_FD else folder
        except OSError:
            continue
        try:
            _scan_folder(layout, handle, folder, prefix, found, folders, stamped, unnamed)
        finally:
            if _BY_FD:
                os.close(handle)  # type: ignore[arg-type]
    layout.unnamed[:] = sorted(unnamed)
    return found


# A folder listed from its descriptor stats each note by its name in it (fstatat) rather than
# by its whole path: a tenth off the walk, which is most of a build after one edit.
_BY_FD = os.scandir in os.supports_fd
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _scan_folder(
    layout: Layout,
    handle: int | str,
    folder: str,
    prefix: str,
    found: dict[str, Stamp | None],
    folders: list[tuple[str, str]],
    stamped: bool,
    unnamed: list[str],
) -> None:
    exclude = layout.config.exclude
    try:
        entries = list(os.scandir(handle))
    except OSError:
        return
    for entry in entries:  # notes first: most entries are notes, and this loop is most of a warm build
        name = entry.name
        if name[0] == ".":
            continue
        try:
            if not name.isascii() and not is_text(name):  # (a note's, or a folder's: none of its notes is read)
                if name[-3:].lower() == ".md" or entry.is_dir(follow_symlinks=False):
                    unnamed.append(prefix + name)
            elif (name.endswith(".md") or name[-3:].lower() == ".md") and entry.is_file():
                rel = prefix + name
                if not exclude or not any_glob_match(rel, exclude):
                    if stamped:
                        stat = entry.stat()
                        found[rel] = _stamp(Stamp, (stat.st_size, stat.st_mtime_ns))
                    else:
                        found[rel] = None
            elif entry.is_dir(follow_symlinks=False):
                rel = prefix + name
                if not layout.is_skipped(rel):
                    folders.append((os.path.join(folder, name), rel + "/"))
        except OSError:  # vanished or unreadable meanwhile: not a note now
            continue


_stamp = tuple.__new__  # a Stamp without the Python-level __new__ a NamedTuple adds (half the time)


def read_layout_of(root: Path) -> Layout:
    """The configuration and Obsidian settings of the vault at `root`."""
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    return read_layout(root, load_config(root))


def stamps_of(root: Path, paths: list[str]) -> dict[str, Stamp]:
    """Size and mtime of each file (a file that vanished has none)."""
    stamps = {}
    base = str(root) + os.sep
    for path in paths:
        try:
            stat = os.stat(base + path)
        except OSError:
            continue
        stamps[path] = Stamp(stat.st_size, stat.st_mtime_ns)
    return stamps
