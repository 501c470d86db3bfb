"""Allow `python -m vaultkeeper`."""

from vaultkeeper.cli import main

main()
