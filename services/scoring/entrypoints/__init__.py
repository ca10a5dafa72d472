"""scoring: entrypoints."""
