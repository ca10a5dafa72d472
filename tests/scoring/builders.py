"""Hand-built histories for the scoring tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import EventStore, NewEvent

ZONE = ZoneInfo("Asia/Shanghai")


def on(day: str) -> datetime:
    """Noon of a campaign-zone date, as a UTC instant."""
    return datetime.combine(date.fromisoformat(day), time(12), tzinfo=ZONE).astimezone(UTC)


def registration(project_id: str, **overrides: Any) -> dict[str, Any]:
    payload = {
        "project_id": project_id,
        "name": f"Project {project_id}",
        "category": "breakthrough",
        "sector": "manufacturing",
        "town": "Chengguan",
        "year": 2024,
        "total_investment": "5000000.00",
        "annual_plan": "1200000.00",
        "leader": "Leader A",
        "lead_unit": "Unit A",
        "owner_unit": "Owner A",
    }
    payload.update(overrides)
    return payload


@dataclass
class FakeEvent:
    """An event as the replay reads it, without a store (domain tests)."""

    event_id: str
    stream_id: str
    global_position: int
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass
class Log:
    """A log in memory: append returns the event id; positions count from 1."""

    events: list[FakeEvent] = field(default_factory=list)

    def add(self, project_id: str, type_: str, payload: dict[str, Any], day: str) -> str:
        event_id = str(uuid.uuid4())
        self.events.append(
            FakeEvent(
                event_id, f"project-{project_id}", len(self.events) + 1, type_, on(day), payload
            )
        )
        return event_id

    def correct(self, project_id: str, event_id: str, payload: dict[str, Any]) -> str:
        amendment = {"corrected_event_id": event_id, "payload": payload, "reason": "typo"}
        return self.add(project_id, "EventCorrected", amendment, "2024-12-31")

    def retract(self, project_id: str, event_id: str) -> str:
        amendment = {"retracted_event_id": event_id, "reason": "sent in error"}
        return self.add(project_id, "EventRetracted", amendment, "2024-12-31")

    def position_of(self, event_id: str) -> int:
        return next(e.global_position for e in self.events if e.event_id == event_id)


class History:
    """Appends to a real store with a hand-set record clock (for ``known_at``)."""

    def __init__(self, store: EventStore, recorded: str = "2024-03-01") -> None:
        self.store = store
        self.recorded = on(recorded)
        store.clock = lambda: self.recorded

    def record_on(self, day: str) -> History:
        self.recorded = on(day)
        return self

    def add(self, project_id: str, type_: str, payload: dict[str, Any], day: str) -> str:
        event_id = str(uuid.uuid4())
        self.store.append(
            [
                NewEvent(
                    stream_id=f"project-{project_id}",
                    type=type_,
                    payload=payload,
                    occurred_at=on(day),
                    event_id=event_id,
                    source="test",
                    actor="tester",
                )
            ]
        )
        return event_id

    def register(self, project_id: str, day: str = "2024-03-01", **overrides: Any) -> str:
        return self.add(project_id, "ProjectRegistered", registration(project_id, **overrides), day)

    def position_of(self, event_id: str) -> int:
        event = self.store.get(event_id)
        assert event is not None
        return event.global_position
