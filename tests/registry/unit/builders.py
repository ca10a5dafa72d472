"""Builders for domain tests: project events in their stored JSON form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.registry.domain import KeyProject, ProjectEvent, check

DAY0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
NOW = datetime(2024, 12, 31, 8, 0, tzinfo=UTC)


def registration(project_id: str = "p1", **overrides: Any) -> dict[str, Any]:
    payload = {
        "project_id": project_id,
        "national_code": "2403-330000-04-01-000001",
        "name": "年产10万吨新材料项目",
        "category": "breakthrough",
        "sector": "manufacturing",
        "town": "城关镇",
        "year": 2024,
        "total_investment": "500000000.00",
        "annual_plan": "120000000.00",
        "monthly_plan": None,
        "major": True,
        "cadence": "weekly",
        "leader": "张副县长",
        "lead_unit": "县发改局",
        "owner_unit": "某新材料有限公司",
        "planned_start": "2024-04-01",
        "planned_completion": "2025-06-30",
    }
    payload.update(overrides)
    return payload


class History:
    """A project's stream under construction: each event a day after the last,
    recorded a minute after it occurred (unless said otherwise)."""

    def __init__(self, project_id: str = "p1") -> None:
        self.project_id = project_id
        self.events: list[ProjectEvent] = []

    def add(
        self,
        type_: str,
        payload: dict[str, Any] | None = None,
        *,
        day: int | None = None,
        recorded_day: int | None = None,
        source: str = "office",
    ) -> ProjectEvent:
        day = len(self.events) if day is None else day
        occurred = DAY0 + timedelta(days=day)
        recorded_base = DAY0 + timedelta(days=recorded_day if recorded_day is not None else day)
        recorded = max(
            [recorded_base + timedelta(minutes=1)]
            + [e.recorded_at + timedelta(seconds=1) for e in self.events if e.recorded_at]
        )
        event = ProjectEvent(
            event_id=str(uuid.uuid4()),
            type=type_,
            occurred_at=occurred,
            payload=payload or {},
            recorded_at=recorded,
            stream_version=len(self.events) + 1,
            source=source,
        )
        self.events.append(event)
        return event

    def registered(self, **overrides: Any) -> History:
        self.add("ProjectRegistered", registration(self.project_id, **overrides), day=0)
        return self

    def project(self) -> KeyProject:
        from services.registry.domain import state_at

        return state_at(self.project_id, self.events)


def candidate(type_: str, payload: dict[str, Any], *, day: int = 30, **kw: Any) -> ProjectEvent:
    return ProjectEvent(
        event_id=str(uuid.uuid4()),
        type=type_,
        occurred_at=kw.pop("occurred_at", DAY0 + timedelta(days=day)),
        payload=payload,
        **kw,
    )


def judge(history: History, type_: str, payload: dict[str, Any], **kw: Any) -> None:
    """When: the event is checked against the project as it stands."""
    check(history.project(), candidate(type_, payload, **kw), now=NOW)
