"""Build benchmarks: naive parse, stat walk, cold, warm and one-change builds, peak memory.

    python benchmarks/bench.py [--sizes 1000 10000 50000] [--repeat 3]

Every figure is a fresh process, as `vaultkeeper build` runs from a shell or a
pre-commit hook, measured side by side in one run on the same generated vault:

- naive: python-frontmatter `load()` of every `.md` file (parsing alone);
- stat: a walk that stats every `.md` file (the floor for noticing changes);
- cold: `vaultkeeper build` with no cache and no pages;
- warm: `vaultkeeper build` again, nothing changed;
- one-change: `vaultkeeper build` after appending a line to one person note;
- next-day: `vaultkeeper build` on the next day, nothing changed (no target: the
  first build of each day, as a pre-commit hook runs it).

Reports medians, the ratios the targets are stated in, and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, person_name  # noqa: E402

WALK = """
import os, sys{imports}
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.endswith(".md"):
            {action}(os.path.join(folder, name))
"""
NAIVE = WALK.format(imports=", frontmatter", action="frontmatter.load")
STAT = WALK.format(imports="", action="os.stat")
OLD = time.time() - 86400  # generated notes look a day old, as a real vault's do


def timed(command: list[str]) -> tuple[float, int]:
    """Wall time in ms and peak RSS in MB of one process."""
    elapsed, rss, _ = run(command)
    return elapsed, rss


def run(command: list[str]) -> tuple[float, int, float]:
    """Wall time in ms, peak RSS in MB and CPU time in ms (with the copies it forks) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = (time.perf_counter() - started) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024, (usage.ru_utime + usage.ru_stime) * 1000


def build(root: Path, today: str = "2026-11-25", command: str | None = None) -> list[str]:
    """A build of `root` by `command`, or by the `vaultkeeper` command installed beside this
    Python (what a shell or a hook runs)."""
    if command is not None:
        return [command, "build", str(root), "--today", today]
    script = Path(sys.executable).with_name("vaultkeeper")
    installed = [str(script)] if script.exists() else [sys.executable, "-m", "vaultkeeper"]
    return [*installed, "build", str(root), "--today", today]


def make_cold(root: Path) -> None:
    """No pages and no cache: what a cold build starts from."""
    shutil.rmtree(root / "Relationships", ignore_errors=True)
    for cache in (root / ".vaultkeeper").glob("cache*"):  # the parse cache and compiled templates
        shutil.rmtree(cache) if cache.is_dir() else cache.unlink()


def compile_bytecode() -> None:
    """Installed from a wheel, vaultkeeper's modules are compiled once at install time; an
    editable install compiles them on first use, unless PYTHONDONTWRITEBYTECODE is set
    (as on the machines here), which would make every run compile them again."""
    import compileall

    import vaultkeeper

    compileall.compile_dir(str(Path(vaultkeeper.__file__).parent), quiet=1)


def measure(people: int, repeat: int) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = {
        k: [] for k in ("naive", "stat", "cold", "warm", "one-change", "next-day")
    }
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "vault"
        generate(root, people)
        (root / ".vaultkeeper").mkdir()
        for path in root.rglob("*.md"):
            os.utime(path, (OLD, OLD))
        for run in range(repeat):
            results["naive"].append(timed([sys.executable, "-c", NAIVE, str(root)]))
            results["stat"].append(timed([sys.executable, "-c", STAT, str(root)]))
            make_cold(root)
            results["cold"].append(timed(build(root)))
            results["warm"].append(timed(build(root)))
            note = root / "People" / f"{person_name(run * 13 % people)}.md"
            with note.open("a") as handle:
                handle.write(f"- 2026-11-2{run % 5} benchmark edit {run}\n")
            results["one-change"].append(timed(build(root)))
            os.utime(note, (OLD, OLD))  # time passes before the next round: the edit is old news
            results["next-day"].append(timed(build(root, "2026-11-26")))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    print(f"{os.cpu_count()} cores; medians of {args.repeat} runs; each figure is a fresh process")
    print(f"{'people':>7} {'naive':>8} {'stat':>7} {'cold':>8} {'warm':>7} {'1-change':>8} {'next-day':>8}"
          f" {'cold/naive':>10} {'warm/stat':>9} {'1ch/stat':>8} {'day/stat':>8}"
          f" {'RSS cold':>8} {'RSS warm':>8} {'RSS day':>8}")  # fmt: skip
    cold_per_person = {}
    for size in args.sizes:
        results = measure(size, args.repeat)
        ms = {k: statistics.median(t for t, _ in v) for k, v in results.items()}
        rss = {k: max(m for _, m in v) for k, v in results.items()}
        cold_per_person[size] = ms["cold"] / size
        print(
            f"{size:>7} {ms['naive']:>8.0f} {ms['stat']:>7.0f} {ms['cold']:>8.0f} {ms['warm']:>7.0f} "
            f"{ms['one-change']:>8.0f} {ms['next-day']:>8.0f} {ms['cold'] / ms['naive']:>10.2f} "
            f"{ms['warm'] / ms['stat']:>9.2f} {ms['one-change'] / ms['stat']:>8.2f} {ms['next-day'] / ms['stat']:>8.2f} "
            f"{rss['cold']:>6} MB {rss['warm']:>6} MB {rss['next-day']:>6} MB",
            flush=True,
        )
    if len(cold_per_person) > 1:
        small, large = min(cold_per_person), max(cold_per_person)
        print(f"cold per person, {large} vs {small}: {cold_per_person[large] / cold_per_person[small]:.2f}× (≤ 1 is linear or better)")


if __name__ == "__main__":
    main()
