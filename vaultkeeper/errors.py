"""Errors that stop a command. Problems in notes are not errors: see `model.Problem`."""

from __future__ import annotations


class VaultkeeperError(Exception):
    """A failure the user must fix; knows the file and line it is about."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return where + self.message


class ConfigError(VaultkeeperError):
    """`.vaultkeeper/config.toml` is unreadable or holds an unknown key or bad value."""


class UsageError(VaultkeeperError):
    """The command line asks for something impossible (bad date, unknown vault, …)."""
