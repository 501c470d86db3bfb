"""Two installed versions of vaultkeeper side by side: cold builds, interleaved, wall and CPU time.

    python benchmarks/ab.py OLD NEW [--people 10000] [--runs 21]

OLD and NEW are the `vaultkeeper` commands of two virtual environments, each
installed from a wheel (`python -m venv /tmp/old && /tmp/old/bin/pip install
<checkout>`, then `/tmp/old/bin/vaultkeeper`). Each gets its own copy of one
generated vault; the runs alternate which goes first, so a change in the
machine's load falls on both. Prints the medians of wall time and of CPU time
(this process and the copies it forks), which the machines here keep steadier
than wall time. The A/B figures in docs/benchmarks.md are this script's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import OLD, build, make_cold, run  # noqa: E402
from generate import generate  # noqa: E402


def cold(command: str, root: Path) -> tuple[float, float]:
    """Wall and CPU time in ms of one cold build: no cache, no pages."""
    make_cold(root)
    wall, _, cpu = run(build(root, command=command))
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="the `vaultkeeper` command of the version to compare against")
    parser.add_argument("new", help="the `vaultkeeper` command of the version measured")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        roots = {"old": Path(folder) / "old", "new": Path(folder) / "new"}
        generate(roots["old"], args.people)
        for path in roots["old"].rglob("*.md"):
            os.utime(path, (OLD, OLD))
        (roots["old"] / ".vaultkeeper").mkdir()
        shutil.copytree(roots["old"], roots["new"])
        times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
        for run in range(args.runs):
            for name in ("old", "new") if run % 2 == 0 else ("new", "old"):
                times[name].append(cold(getattr(args, name), roots[name]))
    for name, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(f"{name}: cold build, {args.people} people, medians of {args.runs}: {wall:.0f} ms, CPU {cpu:.0f} ms")


if __name__ == "__main__":
    main()
