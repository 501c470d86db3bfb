"""Importing a large address book: `python benchmarks/import_contacts.py [--contacts 8000]`.

Writes a .vcf of N generated cards, imports it into an empty vault (every note
created and fsynced), then imports it again (every contact matched and
skipped), each as a fresh `vaultkeeper import vcard` process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def card(index: int) -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person{index};Test;;;\r\nFN:Test Person{index}\r\n"
        f"EMAIL;type=INTERNET:p{index}@example.org\r\nTEL;type=CELL:+1 555 {index:04d}\r\n"
        f"ORG:Company {index % 300};\r\nBDAY:--{index % 12 + 1:02d}-{index % 28 + 1:02d}\r\nEND:VCARD\r\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        vcf = Path(folder) / "contacts.vcf"
        vcf.write_text("".join(card(i) for i in range(args.contacts)), newline="")
        vault = Path(folder) / "vault"
        (vault / "People").mkdir(parents=True)
        command = [sys.executable, "-m", "vaultkeeper", "import", "vcard", str(vcf), "--vault", str(vault)]
        for label in ("first import", "re-import"):
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            print(f"{label}: {seconds:.1f} s · {result.stdout.splitlines()[-1]}")


if __name__ == "__main__":
    main()
