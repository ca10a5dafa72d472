"""scheduling: readmodel."""
