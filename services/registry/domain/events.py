"""The domain's view of a project event: what the aggregate folds and the rules judge.

Payloads are in their stored JSON form (money and dates as strings), exactly as the
catalogue dumps them; the aggregate parses what it compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.history import AMENDMENTS, CORRECTED, RETRACTED, target_of

__all__ = ["AMENDMENTS", "CORRECTED", "RETRACTED", "ProjectEvent"]


@dataclass(slots=True)
class ProjectEvent:
    """One event of a ``project-<id>`` stream (recorded, or about to be). Not changed once
    built, but for ``instant`` (its occurred time's text, kept once written); not frozen
    only because a frozen dataclass takes ten times as long to build, and every event
    read or decided is built into one (issue 18)."""

    event_id: str
    type: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    recorded_at: datetime | None = None
    stream_version: int = 0
    source: str = ""
    amended_by: tuple[str, ...] = field(default=())
    """Ids of the amendments of this event (see `shared.history`), when it still counts."""
    retracted_by: tuple[str, ...] = field(default=())
    """Ids of the amendments of this event, when they withdrew it: it has no effect."""
    stream_id: str = ""
    """Empty where the stream goes without saying (one project's history)."""
    instant: str | None = field(default=None, init=False, repr=False, compare=False)
    """The occurred time as folded (`project.instant_text`), once written: folding an
    event writes it twice or more (the record's time, the state's latest)."""

    @property
    def is_amendment(self) -> bool:
        return self.type in AMENDMENTS

    @property
    def target(self) -> str | None:
        """The event an amendment points at."""
        return target_of(self) if self.is_amendment else None
