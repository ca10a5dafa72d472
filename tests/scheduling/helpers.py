"""Builders of real project events, written through the event store exactly as the
registry stores them (catalogue types, ``project-<id>`` streams)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import EventStore, NewEvent

ZONE = ZoneInfo("Asia/Shanghai")


def at(day: date | str, hour: int = 10) -> datetime:
    """An instant on ``day`` in the campaign's time zone."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC)


@dataclass
class Clock:
    """The store's record time, moved by the test."""

    now: datetime = field(default_factory=lambda: at("2024-01-02"))

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date | str, hour: int = 12) -> None:
        self.now = at(day, hour)

    def advance(self, **kwargs: Any) -> None:
        self.now += timedelta(**kwargs)


def registration(project_id: str, **overrides: Any) -> dict[str, Any]:
    payload = {
        "project_id": project_id,
        "name": f"项目 {project_id}",
        "category": "breakthrough",
        "sector": "manufacturing",
        "town": "城关镇",
        "year": 2024,
        "total_investment": "100000000.00",
        "annual_plan": "12000000.00",
        "major": False,
        "cadence": "monthly",
        "leader": "张县长",
        "lead_unit": "发改局",
        "owner_unit": f"业主 {project_id}",
        "planned_start": None,
        "planned_completion": None,
    }
    payload.update(overrides)
    return payload


class Project:
    """Writes one project's events; each call appends one event and returns its id."""

    def __init__(self, store: EventStore, project_id: str) -> None:
        self.store = store
        self.project_id = project_id
        self.stream = f"project-{project_id}"

    def event(self, type_: str, on: date | str | datetime, **payload: Any) -> str:
        occurred = on if isinstance(on, datetime) else at(on)
        event_id = str(uuid.uuid4())
        self.store.append(
            [
                NewEvent(
                    stream_id=self.stream,
                    type=type_,
                    payload=payload,
                    occurred_at=occurred,
                    event_id=event_id,
                    source="registry",
                    actor="office",
                )
            ]
        )
        return event_id

    def register(self, on: date | str = "2024-01-02", **overrides: Any) -> str:
        return self.event("ProjectRegistered", on, **registration(self.project_id, **overrides))

    def milestone(self, milestone_id: str, due: str, on: str = "2024-01-03", name: str = "") -> str:
        return self.event(
            "MilestonePlanned", on, milestone_id=milestone_id, name=name or milestone_id, due=due
        )

    def slip(self, milestone_id: str, new_due: str, on: str) -> str:
        return self.event("MilestoneSlipped", on, milestone_id=milestone_id, new_due=new_due)

    def complete(self, milestone_id: str, on: str) -> str:
        return self.event("MilestoneCompleted", on, milestone_id=milestone_id)

    def invest(self, month: str, amount: str, on: str | None = None) -> str:
        year, mon = int(month[:4]), int(month[5:])
        following = date(year + mon // 12, mon % 12 + 1, 1)
        return self.event("InvestmentReported", on or following, month=month, amount=amount)

    def invest_on_plan(
        self, through_month: int, year: int = 2024, amount: str = "1000000.00"
    ) -> None:
        for month in range(1, through_month + 1):
            self.invest(f"{year}-{month:02d}", amount)

    def issue(self, issue_id: str, on: str, allowed_days: int = 15, owner: str = "") -> str:
        return self.event(
            "IssueRaised",
            on,
            issue_id=issue_id,
            kind="land",
            description=f"用地问题 {issue_id}",
            allowed_days=allowed_days,
            owner=owner,
        )

    def resolve(self, issue_id: str, on: str) -> str:
        return self.event("IssueResolved", on, issue_id=issue_id)

    def request_approval(self, approval_id: str, on: str, allowed_days: int = 20) -> str:
        return self.event(
            "ApprovalRequested", on, approval_id=approval_id, kind="eia", allowed_days=allowed_days
        )

    def grant(self, approval_id: str, on: str) -> str:
        return self.event("ApprovalGranted", on, approval_id=approval_id, kind="eia")

    def inspect(self, inspection_id: str, result: str, on: str) -> str:
        return self.event("InspectionCompleted", on, inspection_id=inspection_id, result=result)

    def start(self, on: str) -> str:
        return self.event("ConstructionStarted", on)

    def correct(
        self, event_id: str, payload: dict[str, Any], on: str, moved_to: datetime | None = None
    ) -> str:
        """``moved_to``: the corrected business time of the event, if that was wrong too."""
        moved = {"occurred_at": moved_to.isoformat()} if moved_to is not None else {}
        return self.event(
            "EventCorrected",
            on,
            corrected_event_id=event_id,
            payload=payload,
            reason="typo",
            **moved,
        )

    def retract(self, event_id: str, on: str) -> str:
        return self.event("EventRetracted", on, retracted_event_id=event_id, reason="wrong project")
