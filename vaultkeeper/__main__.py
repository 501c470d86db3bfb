"""Allow `python -m vaultkeeper`."""

from vaultkeeper.launch import main

main()
