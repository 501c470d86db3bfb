"""The default page templates, shipped inside the package as `vaultkeeper.templates`."""
