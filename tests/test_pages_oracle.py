"""SPEC 6: the pages a build writes show what `status --json` says, on the SPEC oracle's drawn vaults.

`test_oracle` checks `status --json` against the SPEC; this checks the pages against
`status --json`: who is in which Follow-ups section with which dates, the ledger's
counts, who you owe, the focus list with its capacity and suggested targets, and the
dashboard's lists (do today, fading, birthdays, you owe, ready to graduate, problems).
The drawn vaults are small, so no list is cut short.
"""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from test_oracle import vaults, written

from vaultkeeper.cli import cli

LINK = re.compile(r"\[\[([^\]|\\]+)(?:\\?\|[^\]]*)?\]\]")  # the path of a page's wikilink to a person
CELL = re.compile(r"(?<!\\)\|")


def sections(page: str) -> dict[str, list[str]]:
    """Each `## ` section's lines that start with a person's link: table rows, list items and
    (Focus) the members' own headings, which stay in the section above them."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in page.splitlines():
        if line.startswith("## ") and not line.startswith("## [["):
            current = line[3:].strip()
            found[current] = []
        elif line.startswith(("| [[", "- [[", "## [[")):
            found[current].append(line)
    return found


def person_of(line: str) -> str:
    return LINK.search(line).group(1) + ".md"


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in CELL.split(row)[1:-1]]


FLAGS = ("overdue", "due-today", "fading", "birthday-soon", "owes", "ready-to-graduate")


def section_of(days: int) -> str:
    return "Overdue" if days < 0 else "Today" if days == 0 else "This week" if days <= 7 else "Later"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(vaults())
def test_the_pages_show_what_status_says(tmp_path_factory, drawn):
    files, _, today, _, _ = drawn
    root = written(tmp_path_factory, files)
    day = today.isoformat()
    status = json.loads(CliRunner().invoke(cli, ["status", str(root), "--today", day, "--json"]).output)
    result = CliRunner().invoke(cli, ["build", str(root), "--today", day])
    assert result.exit_code == 0, result.output
    people = {p["path"]: p for p in status["people"]}
    names = ("Dashboard", "Follow-ups", "Reciprocity", "Focus")
    page = {name: (root / "Relationships" / f"{name}.md").read_text() for name in names}

    follow_ups = sections(page["Follow-ups"])
    for name in ("Overdue", "Today", "This week", "Later"):
        rows = [cells(row) for row in follow_ups.get(name, [])]
        shown = [(person_of(row[0]), row[1], row[2]) for row in rows]
        expected = [
            (path, p["next_due"], p["last_contact"] or "never")
            for path, p in people.items()
            if p["days_until_due"] is not None and section_of(p["days_until_due"]) == name
        ]
        assert sorted(shown) == sorted(expected), name
        assert [due for _, due, _ in shown] == sorted(due for _, due, _ in shown), f"{name}: most urgent first"

    reciprocity = sections(page["Reciprocity"])
    owed = [person_of(line) for line in reciprocity.get("You owe", [])]
    assert sorted(owed) == sorted(path for path, p in people.items() if "owes" in p["flags"])
    ledger = [cells(row) for row in reciprocity.get("Ledger", [])]
    assert sorted(person_of(row[0]) for row in ledger) == sorted(p for p, s in people.items() if s["gave"] or s["got"])
    for row in ledger:
        one = people[person_of(row[0])]
        assert (int(row[1]), int(row[2]), int(row[3])) == (one["gave"], one["got"], one["balance"])
    assert [int(row[3]) for row in ledger] == sorted(int(row[3]) for row in ledger), "who you owe most first"

    focus = status["focus"]
    head = re.match(r"# Focus (\d+)/(\d+)\n", page["Focus"])
    assert head is not None and (int(head[1]), int(head[2])) == (len(focus["members"]), focus["limit"])
    assert ("Over capacity" in page["Focus"]) == focus["over_capacity"]
    by_path = {path: p["name"] for path, p in people.items()}
    dashboard = sections(page["Dashboard"])
    flagged = {flag: sorted(path for path, p in people.items() if flag in p["flags"]) for flag in FLAGS}
    assert sorted(map(person_of, dashboard.get("Do today", []))) == sorted(flagged["overdue"] + flagged["due-today"])
    assert sorted(map(person_of, dashboard.get("Fading: met once, never followed up", []))) == flagged["fading"]
    assert sorted(map(person_of, dashboard.get("Birthdays", []))) == flagged["birthday-soon"]
    assert sorted(map(person_of, dashboard.get("You owe", []))) == flagged["owes"]
    count = re.search(r"^## Problems \((\d+)\)$", page["Dashboard"], re.MULTILINE)
    assert (int(count[1]) if count else 0) == len(status["problems"])
    ready = [line for line in dashboard[next(n for n in dashboard if n.startswith("Focus "))] if "ready to graduate" in line]
    assert sorted(map(person_of, ready)) == sorted(
        path for path in flagged["ready-to-graduate"] if people[path]["focus"]
    )

    parts = sections(page["Focus"])
    assert [by_path[person_of(line)] for line in parts[""]] == focus["members"]
    suggested = parts.get(f"Open slots: {focus['open_slots']}", [])
    assert [by_path[person_of(line)] for line in suggested] == focus["suggested_targets"]
