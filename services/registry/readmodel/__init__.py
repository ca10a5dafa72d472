"""registry: read models — the project list, snapshots, and streams in domain terms."""
