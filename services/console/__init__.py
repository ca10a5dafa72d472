"""The web console for people: server-rendered pages over the three services' public
application layer. It sits above the services like the composition root; no service
imports it (import-linter).

The parts, who may call whom, the vocabulary and where each rule lives: docs/architecture.md.
"""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
