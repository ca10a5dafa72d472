"""scheduling: entrypoints."""
