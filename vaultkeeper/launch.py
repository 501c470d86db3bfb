"""The `vaultkeeper` command's entry point, and the `build` command, which runs without click.

`build` runs from pre-commit hooks after every edit, where loading click and
declaring every command is about 12 ms of the 250 ms a build after one edit
takes at 10,000 people. So a plain `build` (the arguments below, each read as
click would read it) runs here; anything else (help, version, other commands,
any argument not read exactly) goes to the click command line in
`vaultkeeper.cli`, which owns usage errors. Both print through `build`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from vaultkeeper.errors import VaultkeeperError

Echo = Callable[..., None]  # click.echo's signature: echo(message, err=False)
BUILD_FLAGS = {"--check": "check", "--dry-run": "dry_run", "--force": "force", "--no-cache": "no_cache"}
_CSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # what click.echo strips from output that is not a terminal


def main() -> None:
    """The command line. A finished command leaves at once: tearing the interpreter down
    (freeing every object of a vault read) costs a build after one edit about 10%, and
    every file is already written and closed by then."""
    code = plain_build(sys.argv[1:])
    if code is None:
        code = _click_main()
    with contextlib.suppress(OSError):  # e.g. a closed pipe: the output went nowhere anyway
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _click_main() -> int:
    from vaultkeeper.cli import cli

    try:
        cli(prog_name="vaultkeeper")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if isinstance(code, str):  # what SystemExit does with a message
        echo(code, err=True)
        return 1
    return code or 0


def build_arguments(args: list[str]) -> dict[str, str | bool | None] | None:
    """`build`'s parameters if `args` is a plain build, else None (for click to read)."""
    if not args or args[0] != "build":
        return None
    found: dict[str, str | bool | None] = {"vault": None, "today": None}
    found.update(dict.fromkeys(BUILD_FLAGS.values(), False))
    rest = iter(args[1:])
    for arg in rest:
        flag = BUILD_FLAGS.get(arg)
        if flag and not found[flag]:
            found[flag] = True
        elif (arg == "--today" or arg.startswith("--today=")) and found["today"] is None:
            value = arg[8:] if "=" in arg else next(rest, "")
            if not value or value.startswith("-"):
                return None
            found["today"] = value
        elif found["vault"] is None and not arg.startswith("-") and os.path.isdir(arg):
            found["vault"] = arg  # a path that is not a folder is click's to report
        else:
            return None
    return found


def plain_build(args: list[str]) -> int | None:
    """Run `args` as a plain build and return its exit code; None if it is not one."""
    options = build_arguments(args)
    if options is None:
        return None
    try:
        return build(**options, echo=echo)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        echo("", err=True)  # as click does
        echo("Aborted!", err=True)
        return 1
    except OSError as error:
        if error.errno == errno.EPIPE:  # the reader went away
            return 1
        echo(f"Error: {failure(error)}", err=True)
        return 2
    except Exception as error:  # noqa: BLE001 - no tracebacks for users
        echo(f"Error: {failure(error)}", err=True)
        return 2


def failure(error: Exception) -> str:
    """The one line a failed command prints (after "Error: ")."""
    if isinstance(error, VaultkeeperError):
        return str(error)
    return f"internal error: {type(error).__name__}: {error} (run with --debug for details)"


def echo(message: str, err: bool = False) -> None:
    """click.echo for a line of text: no terminal codes unless the stream is a terminal."""
    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        message = _CSI.sub("", message)
    stream.write(message + "\n")
    stream.flush()


def build(
    vault: str | None, today: str | None, *, check: bool, dry_run: bool, force: bool, no_cache: bool, echo: Echo
) -> int:
    """`vaultkeeper build`: regenerate pages and blocks, print what happened, return the exit code."""
    from vaultkeeper.builder import run_build
    from vaultkeeper.dates import resolve_today
    from vaultkeeper.scan import find_vault

    day = resolve_today(today)
    outcome = run_build(
        find_vault(vault),
        day,
        force=force,
        write=not (check or dry_run),
        use_cache=not no_cache,
        progress=progress_bar if sys.stderr.isatty() else None,
    )
    for problem in outcome.problems:
        echo(problem.as_text(), err=True)
    errors = outcome.errors
    if check or dry_run:
        for change in outcome.changes:
            echo(change.diff() if dry_run else f"out of date: {change.path}")
        for error in errors:
            echo(f"error: {error}", err=True)
        if errors:
            return 2
        if check and outcome.changes:
            echo(f"{len(outcome.changes)} file(s) out of date; run: vaultkeeper build", err=True)
            return 1
        return 0
    for notice in outcome.notices:
        echo(notice, err=True)
    for error in errors:
        echo(f"error: {error}", err=True)
    failed = {error.path for error in errors}
    written = len([c for c in outcome.changes if c.path not in failed])
    problems = len(outcome.problems)
    echo(
        f"{written} written, {len(outcome.unchanged)} unchanged · {counted(outcome.people, 'person', 'people')} · "
        f"{counted(problems, 'problem')}"
    )
    return 2 if errors else 0


def counted(count: int, one: str, many: str | None = None) -> str:
    """`1 person`, `2 people`; `many` is `one` + s unless given."""
    return f"{count} {one if count == 1 else many or one + 's'}"


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long cold builds (only on a terminal)."""
    import click  # here: only a cold build of more than about a second shows one

    with click.progressbar(length=total, label="reading notes", file=sys.stderr) as bar:
        yield bar.update
