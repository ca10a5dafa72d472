"""scoring: readmodel."""
