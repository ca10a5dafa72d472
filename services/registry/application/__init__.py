"""registry: application — the use cases (handlers) and integrations with signing."""
