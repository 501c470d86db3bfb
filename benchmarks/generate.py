"""Deterministic synthetic vaults for benchmarks: `python benchmarks/generate.py DIR --people N`.

The shape follows a heavy real vault: person notes with front matter and logs
of varying length (about ten lines on average, with gave/got items), daily
notes linking people, meeting notes, and thousands of unrelated notes, half
with front matter of their own.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

FIRST = ["Ada", "Alan", "Barbara", "Claude", "Dennis", "Donald", "Edsger", "Frances", "Grace", "Hedy",
         "John", "Katherine", "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Tim", "Vint", "Yukihiro"]  # fmt: skip
LAST = ["Allen", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Gray", "Hamilton", "Hopper", "Iverson",
        "Johnson", "Kay", "Lamport", "Liskov", "Matsumoto", "Naur", "Perlman", "Ritchie", "Shannon", "Wirth"]  # fmt: skip
STAGES = ["target", "new", "growing", "established", "established", "established", "dormant", None]
WORDS = "coffee call lunch walk intro review demo pitch paper talk conference dinner chat email".split()
START = date(2024, 1, 1)


def person_name(index: int) -> str:
    return f"{FIRST[index % 20]} {LAST[(index // 20) % 20]} {index}"


def person_note(rng: random.Random, index: int, people: int) -> str:
    lines = ["---"]
    stage = rng.choice(STAGES)
    if stage:
        lines.append(f"stage: {stage}")
    if rng.random() < 0.3:
        lines.append(f"aliases: [P{index}]")
    if rng.random() < 0.3:
        lines.append(f"cadence: {rng.choice(['2 weeks', 'monthly', 'quarterly', '10'])}")
    if rng.random() < 0.5:
        lines.append(f"met: {START + timedelta(days=rng.randrange(700))}")
    if rng.random() < 0.2:
        lines.append(f"birthday: --{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if rng.random() < 0.1:
        lines.append(f"priority: {rng.randint(0, 5)}")
    lines += [f"company: Company {rng.randrange(500)}", "phone: 0123 456", "---", f"# {person_name(index)}", "",
              "Some background on how we met and what they care about.", "", "## Log"]  # fmt: skip
    for _ in range(rng.choice([0, 1, 2, 5, 10, 15, 20, 27])):
        day = START + timedelta(days=rng.randrange(1000))
        item = rng.choice(["", "", " gave:: an intro", " got:: advice", f" [gave:: notes on [[{person_name(rng.randrange(people))}]]]"])
        lines.append(f"- {day} {rng.choice(WORDS)} about {rng.choice(WORDS)}.{item}")
    if rng.random() < 0.2:
        lines.append("- [ ] send the follow-up")
    return "\n".join(lines) + "\n"


def daily_note(rng: random.Random, people: int) -> str:
    lines = ["# Daily", ""]
    for _ in range(rng.randint(2, 6)):
        who = person_name(rng.randrange(people))
        lines.append(rng.choice([f"- {rng.choice(WORDS)} with [[{who}]]", f"- [ ] call [[{who}]]", "- worked on the project",
                                 f"- met [[{who}]] gave:: a book", "> a quote"]))  # fmt: skip
    return "\n".join(lines) + "\n"


def generate(root: Path, people: int, seed: int = 1) -> None:
    """Write a vault with `people` person notes and proportionate other notes."""
    rng = random.Random(seed)
    for folder in ("People", "Daily", "Meetings", "Projects"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for index in range(people):
        (root / "People" / f"{person_name(index)}.md").write_text(person_note(rng, index, people))
    for index in range(people // 5):
        (root / "Daily" / f"{START + timedelta(days=index)}.md").write_text(daily_note(rng, people))
    for index in range(people // 20):
        attendees = "\n".join(f'  - "[[{person_name(rng.randrange(people))}]]"' for _ in range(3))
        (root / "Meetings" / f"Meeting {index}.md").write_text(
            f"---\ndate: {START + timedelta(days=rng.randrange(1000))}\nattendees:\n{attendees}\n---\n# Notes\n"
        )
    for index in range(people // 2):
        front = f"---\ntitle: Project {index}\ntags: [project]\n---\n" if index % 2 else ""
        (root / "Projects" / f"Project {index}.md").write_text(front + "# Project\n\nPlain notes. " * 5 + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.root, args.people, args.seed)


if __name__ == "__main__":
    main()
