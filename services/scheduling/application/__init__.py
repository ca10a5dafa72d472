"""scheduling: application."""
