"""vaultkeeper: a personal relationship manager that lives in a Markdown vault."""

__version__ = "0.1.0"
