"""Latency from one note change to the updated page on disk, under `vaultkeeper watch`.

    python benchmarks/watch_latency.py [--sizes 1000 10000] [--repeat 15]

For each size: generate a vault, start the real watcher (inotify observer) with
the debounce at its minimum (0 ms), then repeatedly append a plan for tomorrow
to one person note and time until Follow-ups.md on disk shows it. Reports medians
of the end-to-end latency and of the update's own time (parse, join, compute,
render, write: what the watcher measures around one update, so the debounce
wait and event delivery are excluded), and the ratio between sizes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, person_name  # noqa: E402

from vaultkeeper.watch import Watcher  # noqa: E402

TODAY = date(2026, 11, 25)


def measure(people: int, repeat: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "vault"
        generate(root, people)
        watcher = Watcher(root, debounce=0.0, today=lambda: TODAY, out=lambda _line: None, err=print)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        if not watcher.ready.wait(600):
            raise SystemExit("the watcher did not start")
        page = root / "Relationships" / "Follow-ups.md"
        end_to_end, own = [], []
        notes = [root / "People" / f"{person_name(index)}.md" for index in range(0, people, 7)]
        notes = [note for note in notes if "stage: dormant" not in note.read_text()]  # dormant: never due
        try:
            for run in range(repeat):
                note = notes[run]
                stamp = f"benchmark-{run}"
                day = TODAY + timedelta(days=1)  # a plan for tomorrow: the person moves into "this week"
                before = watcher.updates
                started = time.perf_counter()
                with note.open("a") as handle:
                    handle.write(f"- {day} {stamp}\n")
                deadline = started + 60
                while stamp not in page.read_text():
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"no update within 60 s for {note}")
                    time.sleep(0.001)
                end_to_end.append((time.perf_counter() - started) * 1000)
                while watcher.updates == before:
                    time.sleep(0.001)
                own.append(watcher.last_update_ms)
        finally:
            watcher.stop()
            thread.join(10)
        return end_to_end, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        end_to_end, own = measure(size, args.repeat)
        results[size] = (statistics.median(end_to_end), statistics.median(own))
        print(f"{size:>6} people: end-to-end median {results[size][0]:7.1f} ms · update median {results[size][1]:7.1f} ms")
    if len(args.sizes) > 1:
        small, large = min(args.sizes), max(args.sizes)
        print(f"ratio {large}/{small}: end-to-end {results[large][0] / results[small][0]:.2f}× · "
              f"update {results[large][1] / results[small][1]:.2f}×")  # fmt: skip


if __name__ == "__main__":
    main()
