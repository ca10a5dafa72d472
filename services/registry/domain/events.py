"""The domain's view of a project event: what the aggregate folds and the rules judge.

Payloads are in their stored JSON form (money and dates as strings), exactly as the
catalogue dumps them; the aggregate parses what it compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CORRECTED = "EventCorrected"
RETRACTED = "EventRetracted"
AMENDMENTS = (CORRECTED, RETRACTED)
"""Events that amend an earlier event instead of stating a new fact."""


@dataclass(frozen=True, slots=True)
class ProjectEvent:
    """One event of a ``project-<id>`` stream (recorded, or about to be)."""

    event_id: str
    type: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    recorded_at: datetime | None = None
    stream_version: int = 0
    source: str = ""
    amended_by: tuple[str, ...] = field(default=())
    """Ids of the corrections whose payload this event now carries."""
    retracted_by: tuple[str, ...] = field(default=())
    """Ids of the amendments that withdrew this event: it has no effect any more."""

    @property
    def is_amendment(self) -> bool:
        return self.type in AMENDMENTS

    @property
    def target(self) -> str | None:
        """The event an amendment points at."""
        if self.type == CORRECTED:
            return str(self.payload["corrected_event_id"]).lower()
        if self.type == RETRACTED:
            return str(self.payload["retracted_event_id"]).lower()
        return None
