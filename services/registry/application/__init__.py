"""registry: application."""
