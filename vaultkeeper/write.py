"""The only place that writes into the vault: atomically, and only when text changes."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from vaultkeeper.errors import VaultkeeperError


class WriteError(VaultkeeperError):
    """A file could not be written; nothing was half-written."""


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: bytes, shown: str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over `path`.

    A crash at any moment leaves either the old file or the new one. An existing
    file keeps its permissions. `shown` is the vault-relative path for messages.
    """
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror}", shown) from None
    import tempfile  # here: most builds write nothing, and it costs 4 ms to import

    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise WriteError(f"cannot write: {error.strerror}", shown) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise WriteError(f"cannot write: {error.strerror or error}", shown) from None
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def ensure_folder(vault: Path, rel: str) -> Path:
    """Create the output folder; refuse one that resolves outside the vault."""
    target = vault / rel
    inside(vault, target, rel)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot create the output folder: {error.strerror}", rel) from None
    inside(vault, target, rel)
    return target


def inside(vault: Path, target: Path, shown: str) -> None:
    """Raise unless `target`, symlinks resolved, lies inside the vault."""
    real_vault = vault.resolve()
    if not target.resolve().is_relative_to(real_vault):
        raise WriteError("leads outside the vault (through a symlink?); not writing there", shown)
