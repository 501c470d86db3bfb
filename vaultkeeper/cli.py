"""The command line: a thin shell that turns arguments into calls and errors into exit codes.

Exit codes: 0 success, 1 a check found something (`doctor` problems), 2 usage
errors and failures, always as one line on stderr (a traceback only with --debug).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from vaultkeeper import __version__, launch
from vaultkeeper.collector import collector_back_on
from vaultkeeper.errors import UsageError, VaultkeeperError

if TYPE_CHECKING:  # imported where used: a command loads only what it needs
    from collections.abc import Callable

    from vaultkeeper.importer import Result
    from vaultkeeper.model import PersonState
    from vaultkeeper.vault import Vault

VAULT_ARGUMENT = click.argument("vault", required=False, type=click.Path(file_okay=False))
TODAY_OPTION = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Compute as if today were this date (default: $VAULTKEEPER_TODAY, else the local date).",
)
NO_CACHE_OPTION = click.option(
    "--no-cache", is_flag=True, help="Parse every note again instead of reading the cache the last build left."
)


class _Group(click.Group):
    """Maps vaultkeeper's errors to exit code 2 with one clear line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VaultkeeperError as error:
            raise _fail(launch.failure(error)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - last resort: no tracebacks for users
            if (ctx.obj or {}).get("debug"):
                raise
            raise _fail(launch.failure(error)) from None


class _Failure(click.ClickException):
    exit_code = 2  # SPEC 8: usage errors and failures


def _fail(message: str) -> click.ClickException:
    return _Failure(message)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """A personal relationship manager that lives in your Markdown vault.

    \b
    Example:
        vaultkeeper status ~/Notes
    """
    ctx.obj = {"debug": debug}
    if ctx.invoked_subcommand != "watch" and gc.isenabled():
        # a command runs once and exits: the cyclic collector would only rescan a whole vault's
        # objects again and again (status at 10,000 people: 1.2 s -> 0.8 s); watch runs for days
        gc.disable()
        ctx.call_on_close(collector_back_on)


@cli.command()
@VAULT_ARGUMENT
@TODAY_OPTION
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any page or block is out of date.")
@click.option("--dry-run", is_flag=True, help="Write nothing; show the diff of what would change.")
@click.option("--force", is_flag=True, help="Overwrite pages edited by hand without keeping a copy.")
@click.option("--no-cache", is_flag=True, help="Parse every note again; neither read nor write the cache.")
def build(vault: str | None, today: str | None, check: bool, dry_run: bool, force: bool, no_cache: bool) -> None:
    """Regenerate the pages in the output folder and the marked blocks in notes.

    Only pages and blocks whose text changes are written, atomically. A page
    edited by hand is kept as a copy next to it before it is replaced.

    \b
    Examples:
        vaultkeeper build ~/Notes
        vaultkeeper build --check      # in a pre-commit hook
    """
    code = launch.build(vault, today, check=check, dry_run=dry_run, force=force, no_cache=no_cache, echo=click.echo)
    if code:
        sys.exit(code)


@cli.command()
@VAULT_ARGUMENT
@click.option("--poll", is_flag=True, help="Poll for changes instead of OS events (network drives, some sync folders).")
@click.option(
    "--debounce",
    type=click.IntRange(0, 60_000),
    default=300,
    show_default=True,
    metavar="MS",
    help="Quiet period after a burst of changes before updating.",
)
def watch(vault: str | None, poll: bool, debounce: int) -> None:
    """Build once, then keep the pages current as notes change, until Ctrl-C.

    Only the files that changed are re-read. The pages are also rebuilt at
    local midnight, since what is due depends on the date.

    \b
    Example:
        vaultkeeper watch ~/Notes
    """
    import signal

    from vaultkeeper.dates import resolve_today
    from vaultkeeper.scan import find_vault
    from vaultkeeper.watch import Watcher

    resolve_today(None)  # a bad $VAULTKEEPER_TODAY is a usage error before anything starts
    watcher = Watcher(
        find_vault(vault),
        poll=poll,
        debounce=debounce / 1000,
        today=lambda: resolve_today(None),
        out=lambda line: click.echo(line),
        err=lambda line: click.echo(line, err=True),
    )
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: watcher.stop())
    watcher.run()
    click.echo("stopped")


@cli.command()
@VAULT_ARGUMENT
@TODAY_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable state (see the README).")
@NO_CACHE_OPTION
def status(vault: str | None, today: str | None, as_json: bool, no_cache: bool) -> None:
    """Show who is due, the focus list, who you owe, fading contacts and problems.

    \b
    Examples:
        vaultkeeper status
        vaultkeeper status ~/Notes --today 2026-11-25 --json
    """
    from vaultkeeper.dates import resolve_today
    from vaultkeeper.report import json_pieces
    from vaultkeeper.scan import find_vault
    from vaultkeeper.terminal import ansi, plain, render_status, status_view
    from vaultkeeper.vault import load_vault, with_vault

    day = resolve_today(today)
    root = find_vault(vault)
    if as_json:
        loaded = load_vault(root, use_cache=not no_cache)
        for piece in json_pieces(loaded.at(day), loaded.problems):
            click.echo(piece, nl=False)
        return
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def text(loaded: Vault) -> str:  # only the people it lists are loaded
        return render_status(status_view(loaded.at(day), loaded.problems, loaded.preload), ansi if colour else plain)

    click.echo(with_vault(root, text, use_cache=not no_cache), nl=False, color=colour)


@cli.command()
@VAULT_ARGUMENT
@NO_CACHE_OPTION
def doctor(vault: str | None, no_cache: bool) -> None:
    """List every problem in the vault as path:line: message; exit 1 if there are any.

    \b
    Example:
        vaultkeeper doctor ~/Notes
    """
    from vaultkeeper.model import sort_problems
    from vaultkeeper.scan import find_vault
    from vaultkeeper.vault import load_vault

    loaded = load_vault(find_vault(vault), use_cache=not no_cache)
    problems = sort_problems(loaded.problems)
    for problem in problems:
        click.echo(problem.as_text())
    if problems:
        click.echo(f"{launch.counted(len(problems), 'problem')} in {launch.counted(len(loaded.notes), 'note')}", err=True)
        sys.exit(1)
    notes, people = launch.counted(len(loaded.notes), "note"), launch.counted(len(loaded.people), "person", "people")
    click.echo(f"no problems in {notes} ({people})")


VAULT_OPTION = click.option(
    "--vault",
    type=click.Path(file_okay=False),
    help="The vault (default: $VAULTKEEPER_VAULT, else the nearest folder with .vaultkeeper/ or .obsidian/).",
)


@cli.command()
@VAULT_ARGUMENT
@TODAY_OPTION
def init(vault: str | None, today: str | None) -> None:
    """Set up a vault: a commented config, its .gitignore, a People folder, a first build.

    Never overwrites a file; running it again changes nothing.

    \b
    Example:
        vaultkeeper init ~/Notes
    """
    from pathlib import Path

    from vaultkeeper.builder import run_build
    from vaultkeeper.capture import init_vault
    from vaultkeeper.dates import resolve_today
    from vaultkeeper.scan import find_vault

    day = resolve_today(today)
    root = Path(vault) if vault else find_vault(None)
    for made in init_vault(root):
        click.echo(f"created {made}")
    outcome = run_build(root, day)
    for change in outcome.changes:
        click.echo(f"built {change.path}")
    for error in outcome.errors:
        click.echo(f"error: {error}", err=True)
    if outcome.errors:
        sys.exit(2)
    click.echo(f"vault ready: {root}")


@cli.command()
@click.argument("name")
@click.option("--stage", type=click.Choice(["target", "new", "growing", "established", "dormant"], case_sensitive=False))
@click.option("--cadence", help="How often to be in touch, e.g. '2 weeks', 'monthly'.")
@click.option("--met", metavar="YYYY-MM-DD|today", help="When you met.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--alias", "aliases", multiple=True, help="Another name links may use (repeatable).")
@VAULT_OPTION
@TODAY_OPTION
def add(
    name: str,
    stage: str | None,
    cadence: str | None,
    met: str | None,
    tags: tuple[str, ...],
    aliases: tuple[str, ...],
    vault: str | None,
    today: str | None,
) -> None:
    """Create a person note (front matter and an empty log) in the people folder.

    \b
    Example:
        vaultkeeper add "Ada Lovelace" --stage new --met today --tag work
    """
    from vaultkeeper.capture import NewPerson, add_person
    from vaultkeeper.dates import DateError, parse_iso_day, resolve_today
    from vaultkeeper.scan import find_vault
    from vaultkeeper.vault import with_vault

    met_day = None
    if met:
        try:
            met_day = resolve_today(today) if met.lower() == "today" else parse_iso_day(met)
        except DateError as error:
            raise UsageError(f"--met: {error}") from None
    for option, values in (("--tag", tags), ("--alias", aliases)):
        if not all(value.strip().lstrip("#").strip() for value in values):
            raise UsageError(f"{option}: an empty value")  # (it would be written, and read as nothing)
    new = NewPerson(name, stage, cadence, met_day, tags, aliases)
    rel = with_vault(find_vault(vault), lambda loaded: add_person(loaded, new))
    click.echo(f"created {rel}")


@cli.command()
@click.argument("name")
@click.argument("text")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="When it happened (default: today).")
@click.option("--gave", multiple=True, help="Something you gave (repeatable).")
@click.option("--got", multiple=True, help="Something you received (repeatable).")
@click.option("--next", "next_value", metavar="DATE|CADENCE", help="Set the `next` follow-up: a date, or e.g. '2 weeks'.")
@VAULT_OPTION
@TODAY_OPTION
def log(
    name: str,
    text: str,
    day: str | None,
    gave: tuple[str, ...],
    got: tuple[str, ...],
    next_value: str | None,
    vault: str | None,
    today: str | None,
) -> None:
    """Add an interaction to a person's log, changing nothing else in the note.

    \b
    Example:
        vaultkeeper log Ada "Coffee, talked about her seed round" --gave "intro to Grace" --next "2 weeks"
    """
    from vaultkeeper.capture import log_interaction
    from vaultkeeper.dates import DateError, parse_iso_day, resolve_today
    from vaultkeeper.scan import find_vault
    from vaultkeeper.vault import with_vault

    try:
        when = parse_iso_day(day) if day else resolve_today(today)
    except DateError as error:
        raise UsageError(f"--date: {error}") from None
    logged = with_vault(
        find_vault(vault), lambda loaded: log_interaction(loaded, name, text, when, gave, got, next_value)
    )
    click.echo(f"{logged.path}:{logged.line}: - {logged.entry}")


@cli.command()
@click.argument("name")
@VAULT_OPTION
@TODAY_OPTION
@NO_CACHE_OPTION
def show(name: str, vault: str | None, today: str | None, no_cache: bool) -> None:
    """One person's card: state, why they are due, gave/got, open loops, ideas, timeline.

    \b
    Example:
        vaultkeeper show Ada
    """
    from vaultkeeper.capture import find_person
    from vaultkeeper.compute import person_state
    from vaultkeeper.dates import resolve_today
    from vaultkeeper.scan import find_vault
    from vaultkeeper.terminal import ansi, plain, render_card
    from vaultkeeper.vault import with_vault

    day = resolve_today(today)

    def state_of(loaded: Vault) -> PersonState:  # that person's alone: nobody else's is needed
        return person_state(loaded.people[find_person(loaded, name)], loaded.layout.config, day)

    state = with_vault(find_vault(vault), state_of, use_cache=not no_cache)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    click.echo(render_card(state, day, ansi if colour else plain), nl=False, color=colour)


@cli.group("import")
def import_group() -> None:
    """Import contacts as person notes, never duplicating anyone.

    \b
    Example:
        vaultkeeper import vcard contacts.vcf --stage target --dry-run
    """


def _import(kind: str, file: str, vault: str | None, stage: str | None, tags: tuple[str, ...], dry_run: bool, update: bool) -> None:
    from pathlib import Path

    from vaultkeeper.contacts import read_linkedin, read_vcards
    from vaultkeeper.importer import import_contacts, summary
    from vaultkeeper.scan import find_vault
    from vaultkeeper.vault import load_vault

    raw = Path(file).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Outlook's exports are often Windows-1252
    contacts, problems = (read_vcards if kind == "vcard" else read_linkedin)(text)
    loaded = load_vault(find_vault(vault))
    def run(progress: Callable[[int], None] | None = None) -> list[Result]:
        return import_contacts(
            loaded, contacts, problems, stage=stage, tags=tags, update=update, dry_run=dry_run, progress=progress
        )

    if sys.stdout.isatty() and len(contacts) > 200:
        with click.progressbar(length=len(contacts), label="importing", file=sys.stderr) as bar:
            results = run(bar.update)
    else:
        results = run()
    for result in results:
        click.echo(result.text())
    click.echo(summary(results, dry_run))


STAGE_OPTION = click.option(
    "--stage", type=click.Choice(["target", "new", "growing", "established", "dormant"], case_sensitive=False)
)
IMPORT_OPTIONS = [
    click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing."),
    click.option("--update", is_flag=True, help="Add the keys an existing person's note lacks (never changes others)."),
]


@import_group.command("vcard")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@STAGE_OPTION
@click.option("--tag", "tags", multiple=True, help="A tag for every new note (repeatable).")
@IMPORT_OPTIONS[0]
@IMPORT_OPTIONS[1]
@VAULT_OPTION
def import_vcard(file: str, stage: str | None, tags: tuple[str, ...], dry_run: bool, update: bool, vault: str | None) -> None:
    """Contacts from a .vcf file (vCard 2.1, 3.0 or 4.0, as phones, Google, iCloud and Outlook export).

    \b
    Example:
        vaultkeeper import vcard contacts.vcf --stage target --tag imported
    """
    _import("vcard", file, vault, stage, tags, dry_run, update)


@import_group.command("linkedin")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@STAGE_OPTION
@IMPORT_OPTIONS[0]
@IMPORT_OPTIONS[1]
@VAULT_OPTION
def import_linkedin(file: str, stage: str | None, dry_run: bool, update: bool, vault: str | None) -> None:
    """Connections from LinkedIn's data export (Connections.csv).

    \b
    Example:
        vaultkeeper import linkedin Connections.csv --stage target
    """
    _import("linkedin", file, vault, stage, (), dry_run, update)


@cli.group()
def export() -> None:
    """Export the vault's state for other tools.

    \b
    Example:
        vaultkeeper export ics ~/Notes --out ~/vaultkeeper.ics
    """


@export.command("ics")
@VAULT_ARGUMENT
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@TODAY_OPTION
@NO_CACHE_OPTION
def export_ics(vault: str | None, out: str | None, today: str | None, no_cache: bool) -> None:
    """An iCalendar file: each due follow-up (overdue ones today) and yearly birthdays.

    Event UIDs are stable, so a calendar that subscribes updates instead of duplicating.

    \b
    Example:
        vaultkeeper export ics ~/Notes --out ~/vaultkeeper.ics
    """
    from pathlib import Path

    from vaultkeeper.dates import resolve_today
    from vaultkeeper.ics import calendar_text
    from vaultkeeper.scan import find_vault
    from vaultkeeper.vault import with_vault
    from vaultkeeper.write import write_atomic

    day = resolve_today(today)
    text = with_vault(find_vault(vault), lambda found: calendar_text(found.at(day), day, found.feed), not no_cache)
    if out is None:
        click.echo(text, nl=False)
        return
    target = Path(out)
    write_atomic(target, text.encode("utf-8"), str(target))
    click.echo(f"wrote {target}", err=True)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from vaultkeeper import parse  # compiled or not, as installed (see setup.py)

        kind = "plain Python" if parse.__file__.endswith(".py") else "compiled"
        click.echo(f"vaultkeeper, version {__version__} ({kind})")
        ctx.exit()


def _add_version_options(command: click.Command) -> None:
    """`--version` works on every command, not only on `vaultkeeper` itself."""
    command.params.append(
        click.Option(
            ["--version"], is_flag=True, expose_value=False, is_eager=True,
            callback=_print_version, help="Show the version and exit.",
        )  # fmt: skip
    )
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _add_version_options(subcommand)


_add_version_options(cli)

