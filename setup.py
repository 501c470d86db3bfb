"""Compiles the modules a cold build spends its time in with mypyc, when building a wheel.

The metadata is in pyproject.toml; this file only adds the compiled modules.
They are the same source, type-checked and translated to C: a cold build of
10,000 people takes about a sixth less time and CPU (docs/benchmarks.md). Nothing is
compiled for an editable install (an edit to a module must take effect), nor
with VAULTKEEPER_PURE=1; and if compiling fails (no C compiler, no Python
headers), vaultkeeper is installed as plain Python, which behaves the same.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# Pure computation on a note's text and a person's values, which no test replaces
# in place: a compiled module calls its own functions directly, so patching one
# from outside would not take effect.
COMPILED = [
    "vaultkeeper/blocks.py",
    "vaultkeeper/cadence.py",
    "vaultkeeper/codec.py",
    "vaultkeeper/compute.py",
    "vaultkeeper/dates.py",
    "vaultkeeper/front_matter.py",
    "vaultkeeper/lazy.py",
    "vaultkeeper/markdown.py",
    "vaultkeeper/model.py",
    "vaultkeeper/parse.py",
    "vaultkeeper/people.py",
    "vaultkeeper/views.py",
]


class PlainIfNotCompiled(build_ext):
    """Build the compiled modules, or none of them: the modules share one library, so a
    part built without the rest would fail on import."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - any failure means plain Python
            for output in self.get_outputs():
                if os.path.exists(output):
                    os.remove(output)
            self.announce(f"vaultkeeper: not compiled ({error}); installing plain Python", level=3)


def compiled_modules() -> list:
    """The extensions to build: only for a wheel, unless VAULTKEEPER_PURE is set."""
    if "bdist_wheel" not in sys.argv or os.environ.get("VAULTKEEPER_PURE"):
        return []
    try:
        from mypyc.build import mypycify

        return mypycify(COMPILED, group_name="vaultkeeper_native")
    except Exception as error:  # noqa: BLE001 - no mypyc, or it refused the source: plain Python
        print(f"vaultkeeper: not compiled ({error}); installing plain Python", file=sys.stderr)
        return []


setup(ext_modules=compiled_modules(), cmdclass={"build_ext": PlainIfNotCompiled})
