"""registry: entrypoints."""
