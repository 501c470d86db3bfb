"""The only place that writes into the vault: atomically, and only when text changes."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from vaultkeeper.errors import VaultkeeperError
from vaultkeeper.model import Stamp


class WriteError(VaultkeeperError):
    """A file could not be written; nothing was half-written."""


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def stamp_of(path: Path) -> Stamp | None:
    """The stamp of the file at `path` (through a link), or None if there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return Stamp(stat.st_size, stat.st_mtime_ns)


def write_atomic(
    path: Path, data: bytes, shown: str, vault: Path | None = None, unchanged_since: Stamp | None = None
) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over `path`.

    A crash at any moment leaves either the old file or the new one. An existing
    file keeps its permissions; a symbolic link stays one (its file is replaced, as
    editors write), but not one that leads out of `vault`, if given: a cloned vault's link
    must not make vaultkeeper write elsewhere. `shown` is the vault-relative path for messages.
    With `unchanged_since` (the stamp the file had when its text was read), a file that
    has changed since, as when an editor saved it meanwhile, is left as it is: WriteError.
    """
    path = _through_link(path, vault, shown)
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
        if unchanged_since is not None and stamp_of(path) != unchanged_since:  # checked last: the smallest gap
            raise WriteError("changed meanwhile; left as it is (run the command again)", shown)
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise WriteError(f"cannot write: {error.strerror or error}", shown) from None
        raise
    _sync_folder(path.parent)


def _through_link(path: Path, vault: Path | None, shown: str) -> Path:
    """The file a write replaces: a link's target when the link leads to a file, so the link
    is not replaced by a copy that no longer follows the file."""
    if not path.is_symlink():
        return path
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop: the link itself is replaced
        return path
    if not target.is_file():
        return path
    if vault is not None and not target.is_relative_to(vault.resolve()):
        raise WriteError("is a link to a file outside the vault; not writing through it", shown)
    return target


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
