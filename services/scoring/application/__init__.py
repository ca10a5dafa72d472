"""scoring: application."""
