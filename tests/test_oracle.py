"""`status --json` against a second, deliberately plain reading of SPEC 3–5 on drawn vaults.

The oracle below is written from the SPEC's words alone, not from vaultkeeper's code:
no caches, no fast paths, one person at a time. The drawn vaults keep to the
note shapes the oracle reads (plain log items, daily-note list items linking by
name or alias, meeting notes), but draw every computed rule's inputs at their edges:
plans, snoozes, `next` before and after contact, month cadences at months' ends,
Feb 29 birthdays, focus pins, priorities and ties.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkeeper.cli import cli

NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Bob", "carol king", "Dan", "Eve Li", "Zoë"]
STAGES = ["target", "new", "growing", "established", "dormant"]
# cadence text -> (unit, amount) as SPEC 4 reads it; None: a problem, no cadence
CADENCES: dict[str, tuple[str, int] | None] = {
    "1w": ("D", 7), "2 weeks": ("D", 14), "every week": ("D", 7), "10": ("D", 10), "3d": ("D", 3),
    "monthly": ("M", 1), "P3M": ("M", 3), "quarterly": ("M", 3), "1 month": ("M", 1),
    "yearly": ("Y", 1), "P2W": ("D", 14), "biweekly": ("D", 14), "0": None, "-2w": None,
}  # fmt: skip
DEFAULT_CADENCE = {"new": ("D", 7), "growing": ("D", 14), "established": ("M", 3)}
SETTINGS = {"30d": ("D", 30), "2w": ("D", 14), "1 month": ("M", 1), "3m": ("M", 3)}  # fading_after


def add(day: date, cadence: tuple[str, int]) -> date:
    unit, amount = cadence
    if unit == "D":
        return day + timedelta(days=amount)
    months = day.month - 1 + amount * (12 if unit == "Y" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_birthday(month: int, day: int, today: date) -> date:
    for year in (today.year, today.year + 1):
        shown = 28 if (month, day) == (2, 29) and not calendar.isleap(year) else day
        if date(year, month, shown) >= today:
            return date(year, month, shown)
    raise AssertionError("a birthday comes every year")


DAY_FORMS = ["{}", '"{}T09:30"', '"{} 14:30"', '"[[{}]]"', "[[{}]]"]  # SPEC 2: YAML, ISO, wikilinked dates


@dataclass
class Entry:
    """One log interaction and the syntax it is written in (SPEC 3a)."""

    day: date
    gave: int
    got: int
    form: str  # "item", "done", "nested", "continued" or "heading"
    marker: str = "-"  # with "item": `-`, `*`, `+` or `1.`, maybe indented
    linked_day: bool = False
    time: bool = False
    bracketed: tuple[bool, ...] = ()

    def fields(self) -> str:
        kinds = ["gave"] * self.gave + ["got"] * self.got
        styles = [*self.bracketed, *[False] * len(kinds)][: len(kinds)]
        inside = [
            f"[{k}:: an intro]" if k == "gave" else "(got:: a tip)" for k, b in zip(kinds, styles, strict=True) if b
        ]
        plain = [
            f"{k}:: some {k}" for k, b in zip(kinds, styles, strict=True) if not b
        ]  # each runs to the next or the end
        return " ".join(inside + plain)

    def lines(self) -> list[str]:
        day = f"[[{self.day}]]" if self.linked_day else str(self.day)
        head = f"{day}{' 14:30' if self.time else ''} talked"
        fields = self.fields()
        if self.form == "item":
            return [f"{self.marker} {head} {fields}".rstrip()]
        if self.form == "done":
            return [f"- [x] {head} {fields}".rstrip()]
        if self.form == "nested":
            return [f"- {head}", f"  - {fields or 'she prefers mornings'}"]
        if self.form == "continued":
            return [f"- {head}", f"  and then {fields}".rstrip()]
        return [f"### {head}", f"- {fields or 'notes'}", ""]  # a dated sub-heading and its body


@dataclass
class Person:
    name: str
    alias: str | None
    stage: str | None
    cadence: str | None
    next: date | None
    snooze: date | None
    met: date | None
    birthday: tuple[str, int, int] | None  # (text, month, day)
    focus: bool | None
    priority: int | bool | None
    log: list[Entry]
    own_tasks: int
    where: str  # "folder", "type", "tag" or "body tag": how SPEC 2 makes it a person
    forms: tuple[int, bool, bool]  # the date form of its date keys, upper-case keys, CRLF and a BOM
    interactions: list[tuple[date, int, int]] = field(default_factory=list)  # (day, gave, got)
    open_loops: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, text)

    @property
    def path(self) -> str:
        return f"People/{self.name}.md" if self.where == "folder" else f"Contacts/{self.name}.md"

    def text(self) -> str:
        """The note; its log's interactions and its own open loops are noted as its lines are made."""
        day_form, upper, crlf = self.forms
        key = str.upper if upper else str
        front = {"folder": [], "type": ["type: Person"], "tag": ["tags: [people/friends]"], "body tag": []}[self.where]
        if self.alias:
            front.append(f"{key('aliases')}: [{self.alias}]")
        if self.stage:
            front.append(f"{key('stage')}: {self.stage.capitalize() if len(self.stage) % 2 else self.stage}")
        if self.cadence is not None:
            front.append(f"{key('cadence')}: {self.cadence}")
        for name in ("next", "snooze", "met"):
            value = getattr(self, name)
            if value is not None:
                front.append(f"{key(name)}: {DAY_FORMS[day_form].format(value)}")
        if self.birthday:
            front.append(f'{key("birthday")}: "{self.birthday[0]}"')
        if self.focus is not None:
            front.append(f"focus: {str(self.focus).lower()}")
        if self.priority is not None:
            front.append(f"priority: {str(self.priority).lower()}")
        lines = ["---", *front, "---", f"# {self.name}", "Tags: #person" if self.where == "body tag" else "", "## Log"]
        self.interactions, self.open_loops = [], []
        for entry in sorted(self.log, key=lambda e: e.form == "heading"):  # sub-headings last: each runs to the next
            lines += entry.lines()
            self.interactions.append((entry.day, entry.gave, entry.got))
        if self.own_tasks:
            lines.append("## Next")
            lines += ["- [ ] follow up on the `intro`"] * self.own_tasks
            self.open_loops += [(self.path, len(lines) - n, "follow up on the `intro`") for n in range(self.own_tasks)]
        return "\r\n".join(lines) + "\r\n" if crlf else "\n".join(lines) + "\n"


MONTH_ENDS = [date(2026, 1, 31), date(2026, 8, 31), date(2025, 11, 30), date(2026, 10, 31), date(2027, 1, 31)]
EDGES = [0, 1, -1, 7, 8, -7, -8, -14, -15, -30, -31, -29, -60, -92, -91, -90]  # days from today at SPEC 4's bounds


def some_day(today: date) -> st.SearchStrategy[date]:
    near = st.integers(-120, 60) | st.sampled_from(EDGES)
    return near.map(lambda n: today + timedelta(days=n)) | st.sampled_from(MONTH_ENDS)


def entries(today: date) -> st.SearchStrategy[Entry]:
    return st.builds(
        Entry,
        some_day(today),
        st.integers(0, 2),
        st.integers(0, 1),
        st.sampled_from(["item", "item", "done", "nested", "continued", "heading"]),
        st.sampled_from(["-", "*", "+", "1.", " -", " +"]),  # indented less than the text above: not nested
        st.booleans(),
        st.booleans(),
        st.lists(st.booleans(), max_size=3).map(tuple),
    )


@st.composite
def people(draw: st.DrawFn, today: date) -> list[Person]:
    when = some_day(today)
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    out = []
    for index, name in enumerate(names):
        birthday = draw(
            st.none()
            | st.tuples(
                st.sampled_from(["{y}-{m:02d}-{d:02d}", "--{m:02d}-{d:02d}", "{m:02d}-{d:02d}"]),
                st.sampled_from([(2, 29), (11, 25), (12, 8), (12, 9), (1, 3), (11, 24)]),
            )
        )
        if birthday:
            form, (month, day) = birthday
            birthday = (form.format(y=1988, m=month, d=day), month, day)
        out.append(
            Person(
                name=name,
                alias=draw(st.sampled_from([None, f"P{index}x", "Sam"])),  # two Sams: links to Sam count for neither
                stage=draw(st.none() | st.sampled_from(STAGES)),
                cadence=draw(st.none() | st.sampled_from(sorted(CADENCES))),
                next=draw(st.none() | when),
                snooze=draw(st.none() | when),
                met=draw(st.none() | when),
                birthday=birthday,
                focus=draw(st.none() | st.booleans()),
                priority=draw(st.none() | st.integers(-1, 3) | st.booleans()),
                log=draw(st.lists(entries(today), max_size=5)),
                own_tasks=draw(st.integers(0, 1)),
                where=draw(st.sampled_from(["folder", "folder", "type", "tag", "body tag"])),
                forms=draw(st.tuples(st.integers(0, len(DAY_FORMS) - 1), st.booleans(), st.booleans())),
            )
        )
    return out


DAILY = {  # a daily-note line for one person (two for "pair"), and what it gives them: (contact, gave, got)
    "met": ("- met [[{}]]", (1, 0, 0)),
    "task": ("- [ ] send [[{}]] the `paper | v2`", None),
    "callout task": ("> [!todo]\n> - [ ] ask [[{0}]] in a callout\n> - [x] called [[{0}]] (a quote)", None),
    "done": ("- [x] called [[{}|them]]", (1, 0, 0)),
    "gave": ("- lunch with [[{}]] gave:: advice", (1, 1, 0)),
    "got": ("* [[{}]] sent news [got:: a lead]", (1, 0, 1)),
    "heading": ("## Call with [[{}]]", (1, 0, 0)),
    "nested": ("- coffee with [[{}]]\n  - gave:: a book\n  - got:: thanks", (1, 1, 1)),
    "quote": ("> she said [[{}]] would come", (0, 0, 0)),
    "code": ("- see `[[{}]]`", (0, 0, 0)),
    "code value": ("- lunch with [[{}]] gave:: `a script`", (1, 1, 0)),
    "embed": ("- ![[{}]]", (0, 0, 0)),
    "value": ("- gave:: an intro to [[{}]]", (0, 0, 0)),
    "pair": ("- dinner with [[{}]] and [[{}]] got:: a recipe", (1, 0, 1)),
    "markdown": ("- walk with [them]({}) gave:: a map", (1, 1, 0)),  # the note's path, as Obsidian writes it
}


@st.composite
def vaults(draw: st.DrawFn) -> tuple[dict[str, str], list[Person], date, dict, set[str]]:
    """Files, the people with their interactions and open loops filled in, today, the
    settings (SPEC 4b) and the notes that have problems."""
    today = draw(st.sampled_from([date(2026, 11, 25), date(2026, 12, 31), date(2027, 2, 28), date(2027, 1, 31)]))
    crowd = draw(people(today))
    limit = draw(st.integers(0, 4))
    fading = draw(st.sampled_from(sorted(SETTINGS)))
    graduate = draw(st.integers(1, 4))
    stage_cadences = draw(
        st.dictionaries(st.sampled_from(STAGES), st.sampled_from(["3d", "2 weeks", "monthly"]), max_size=2)
    )
    files = {
        ".vaultkeeper/config.toml": f'focus_limit = {limit}\nfading_after = "{fading}"\ngraduate_after = {graduate}\n'
    }
    for stage, cadence in sorted(stage_cadences.items()):
        files[".vaultkeeper/config.toml"] += f'[stages.{stage}]\ncadence = "{cadence}"\n'
    config = {"limit": limit, "fading": SETTINGS[fading], "graduate": graduate,
                "cadences": {**DEFAULT_CADENCE, **{k: CADENCES[v] for k, v in stage_cadences.items()}}}  # fmt: skip
    problems = {p.path for p in crowd if p.cadence is not None and CADENCES[p.cadence] is None}
    for one in crowd:
        text = one.text()
        files[one.path] = ("\ufeff" if one.forms[2] else "") + text  # a BOM with the CRLF notes
    sams = [p for p in crowd if p.alias == "Sam"]
    line = st.tuples(
        st.integers(0, len(crowd) - 1),
        st.integers(0, 2),
        st.sampled_from(sorted(DAILY)),
        st.integers(0, len(crowd) - 1),
    )
    meeting = st.sets(st.integers(0, len(crowd) - 1), max_size=3)
    for day in sorted(draw(st.sets(some_day(today), max_size=4))):
        path = f"Daily/{day}.md"
        met = sorted(draw(meeting))  # a meeting in the daily note: the same single interaction that day
        lines = ["---", f"attendees: [{', '.join(crowd[w].name for w in met)}]", "---"] if met else []
        lines.append("# notes")
        day_items: dict[int, list[int]] = {w: [0, 0] for w in met}
        for who, how, kind, other in draw(st.lists(line, max_size=5)):
            template, gives = DAILY[kind]
            group = [who, other] if kind == "pair" and other != who else [who]
            targets = []
            for w in group:
                one = crowd[w]
                by_alias = how == 1 and one.alias is not None and gives != (0, 0, 0)
                if kind == "markdown":
                    targets.append(f"../{one.path}".replace(" ", "%20") if how else f"<{one.path}>")
                else:
                    targets.append(one.alias if by_alias else one.name.lower() if how == 2 else one.name)
            if kind == "pair" and len(group) == 1:
                template = template.replace(" and [[{}]]", "")
            first = len(lines) + 1
            lines += template.format(*targets).split("\n")
            for w, target in zip(group, targets, strict=True):
                if target == "Sam" and len(sams) > 1:
                    problems.add(path)  # SPEC 5: an ambiguous link is a problem and counts for neither
                elif gives is None:
                    task = next(i for i in range(first - 1, len(lines)) if "[ ] " in lines[i])
                    crowd[w].open_loops.append((path, task + 1, lines[task].split("[ ] ", 1)[1]))
                elif gives[0]:
                    counts = day_items.setdefault(w, [0, 0])
                    counts[0] += gives[1]
                    counts[1] += gives[2]
        files[path] = "\n".join(lines) + "\n"
        for who, (g, r) in day_items.items():
            crowd[who].interactions.append((day, g, r))
    for number, (day, who) in enumerate(
        draw(st.lists(st.tuples(some_day(today), st.sets(st.integers(0, len(crowd) - 1), min_size=1)), max_size=3))
    ):
        names = ", ".join(f'"[[{crowd[w].name}]]"' if w % 2 else crowd[w].name for w in sorted(who))
        files[f"Meetings/M{number}.md"] = f"---\ndate: {day}\nattendees: [{names}]\n---\nNotes.\n"
        for w in who:
            crowd[w].interactions.append((day, 0, 0))
    lines = ["# Projects"]  # a note about no one: its open tasks are open loops, its done ones not contact
    for who, state, nested in draw(
        st.lists(st.tuples(st.integers(0, len(crowd) - 1), st.sampled_from(" x-"), st.booleans()), max_size=4)
    ):
        one = crowd[who]
        lines.append(
            f"{'  ' if nested else ''}- [{state}] ask [[{one.name}]] and [them]({one.path.replace(' ', '%20')})"
        )
        if state == " ":  # one a task, however many links
            one.open_loops.append(("Projects/Todo.md", len(lines), lines[-1].split("] ", 1)[1]))
    files["Projects/Todo.md"] = "\n".join(lines) + "\n"
    return files, crowd, today, config, problems


def expected(crowd: list[Person], today: date, settings: dict) -> dict:
    """SPEC 4 and 9, read plainly."""
    rows = []
    for one in crowd:
        stage = one.stage
        cadence = CADENCES[one.cadence] if one.cadence is not None else settings["cadences"].get(stage or "")
        past = [i for i in one.interactions if i[0] <= today]
        plans = sorted(i[0] for i in one.interactions if i[0] > today)
        last = max((i[0] for i in past), default=None)
        if stage == "dormant":
            due = None
        elif plans:
            due = plans[0]
        elif one.next is not None and (last is None or one.next > last):
            due = one.next
        elif cadence and last:
            due = add(last, cadence)
        elif cadence:
            due = add(one.met, cadence) if one.met else today
        else:
            due = None
        if due is not None and one.snooze is not None and due < one.snooze:
            due = one.snooze
        gave, got = sum(i[1] for i in past), sum(i[2] for i in past)
        flags = set()
        days = (due - today).days if due else None
        if days is not None:
            flags |= {"overdue"} if days < 0 else {"due-today"} if days == 0 else {"due-soon"} if days <= 7 else set()
            if cadence and today >= add(due, cadence):
                flags.add("at-risk")
        if not past:
            flags.add("never-contacted")
        starts = [d for d in (one.met, min((i[0] for i in past), default=None)) if d is not None]
        if (
            stage in (None, "new", "growing")
            and len(past) <= 1
            and not plans
            and starts
            and add(min(starts), settings["fading"]) <= today
        ):
            flags.add("fading")
        if got > gave:
            flags.add("owes")
        if stage in ("new", "growing") and gave >= 1 and got >= 1 and len(past) >= settings["graduate"]:
            flags.add("ready-to-graduate")
        if one.birthday and 0 <= (next_birthday(one.birthday[1], one.birthday[2], today) - today).days <= 13:
            flags.add("birthday-soon")
        member = (stage in ("new", "growing") or one.focus is True) and one.focus is not False
        rows.append((one, cadence, last, due, days, gave, got, sorted(flags), member))
    members = sorted((r for r in rows if r[8]), key=lambda r: (r[3] is None, r[3] or today, r[0].name.lower()))
    limit = settings["limit"]
    slots = max(0, limit - len(members))
    targets = sorted(
        (r for r in rows if r[0].stage == "target" and not r[8]),
        key=lambda r: (-(r[0].priority or 0), r[0].name.lower()),
    )
    iso = {"D": "P{}D", "M": "P{}M", "Y": "P{}Y"}
    return {
        "people": [
            {
                "name": one.name,
                "path": one.path,
                "stage": one.stage,
                "cadence": iso[cadence[0]].format(cadence[1]) if cadence else None,
                "interactions": sum(1 for i in one.interactions if i[0] <= today),
                "last_contact": last and last.isoformat(),
                "next_due": due and due.isoformat(),
                "days_until_due": days,
                "gave": gave,
                "got": got,
                "balance": gave - got,
                "focus": member,
                "open_loops": sorted(one.open_loops),
                "flags": flags,
            }
            for one, cadence, last, due, days, gave, got, flags, member in sorted(rows, key=lambda r: r[0].name.lower())
        ],
        "focus": {
            "limit": limit,
            "members": [r[0].name for r in members],
            "over_capacity": len(members) > limit,
            "open_slots": slots,
            "suggested_targets": [r[0].name for r in targets[:slots]],
        },
    }


KEYS = (
    "name",
    "path",
    "stage",
    "cadence",
    "interactions",
    "last_contact",
    "next_due",
    "days_until_due",
    "gave",
    "got",
    "balance",
    "focus",
    "flags",
)


def written(tmp_path_factory, files: dict[str, str]) -> Path:
    """A new vault holding these files."""
    root = tmp_path_factory.mktemp("vault")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode())
    return root


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(vaults())
def test_status_json_agrees_with_a_plain_reading_of_the_spec(tmp_path_factory, drawn):
    files, crowd, today, settings, problems = drawn
    root = written(tmp_path_factory, files)
    result = CliRunner().invoke(cli, ["status", str(root), "--today", today.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    want = expected(crowd, today, settings)
    assert {p["path"] for p in got["problems"]} == problems, got["problems"]
    assert [{k: p[k] for k in KEYS} for p in got["people"]] == [{k: p[k] for k in KEYS} for p in want["people"]]
    assert [sorted((loop["path"], loop["line"], loop["text"]) for loop in p["open_loops"]) for p in got["people"]] == [
        p["open_loops"] for p in want["people"]
    ]
    assert got["focus"] == want["focus"]
    assert Path(root / "Relationships").exists() is False  # status reads; it never writes pages
