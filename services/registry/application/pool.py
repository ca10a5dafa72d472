"""The project pool (项目库, plan 3): a project enters it at a stage (``ProjectPooled``),
moves on (``ProjectStageChanged``), enters a campaign from it (its ``ProjectRegistered``,
on the same stream), is entered into the statistics database (``ProjectStatisticsEntered``);
the list and the conversions by quarter. Every write goes through the project's rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.events import project_id_of
from shared.eventstore import EventStore
from shared.tenancy import DEFAULT_COUNTY

from ..domain import KeyProject, ProjectNotFound
from ..domain.pool import conversions, listing
from ..readmodel import projects as project_list
from .handlers import Registry
from .submissions import Outcome, Submission

_FROM_POOL = ("name", "sector", "town", "total_investment", "owner_unit")
"""What a campaign registration takes from the pool entry unless the office restates it
(and its county, always: a pooled project enters a campaign in its own county)."""


@dataclass(frozen=True)
class Written:
    """Who writes, when the fact occurred, and its id (a re-sent id is a duplicate)."""

    actor: str = ""
    source: str = ""
    occurred_at: datetime | None = None
    event_id: str | None = None


@dataclass
class Pool:
    store: EventStore
    registry: Registry
    zone: ZoneInfo

    def enter(self, payload: dict[str, Any], written: Written) -> Outcome:
        """A project enters the pool (``ProjectPooled``)."""
        return self.submit("ProjectPooled", str(payload.get("project_id", "")), payload, written)

    def advance(self, project_id: str, stage: str, note: str, written: Written) -> Outcome:
        """The project moves to a later pool stage (``ProjectStageChanged``)."""
        payload = {"stage": stage, "note": note}
        return self.submit("ProjectStageChanged", project_id, payload, written)

    def enter_statistics(
        self, project_id: str, statistics_code: str | None, note: str, written: Written
    ) -> Outcome:
        """The started project is entered into the statistics database (入统)."""
        payload = {"statistics_code": statistics_code, "note": note}
        return self.submit("ProjectStatisticsEntered", project_id, payload, written)

    def enter_campaign(self, project_id: str, body: dict[str, Any], written: Written) -> Outcome:
        """A pooled project enters campaign ``body["year"]``: its ``ProjectRegistered``,
        with the pool entry's name, place, investment and owner unless restated."""
        project = self.registry.state(project_id)
        pooled = {name: _text(getattr(project, name)) for name in (*_FROM_POOL, "county")}
        stated = {k: v for k, v in body.items() if v is not None}
        payload = {**{k: v for k, v in pooled.items() if v}, **stated, "project_id": project_id}
        return self.submit("ProjectRegistered", project_id, payload, written)

    def submit(
        self, type_: str, project_id: str, payload: dict[str, Any], written: Written
    ) -> Outcome:
        """One event of ``type_`` on the project's stream, through its rules."""
        return self.registry.submit(
            Submission(
                event_id=written.event_id or str(uuid.uuid4()),
                type=type_,
                occurred_at=written.occurred_at or self.store.clock(),
                payload=payload,
                project_id=project_id,
                actor=written.actor,
                source=written.source,
            )
        )

    # -- reading ------------------------------------------------------------------

    def projects(self, county: str | None = None) -> list[KeyProject]:
        """Every project in the pool of the request's counties (of ``county`` alone when
        given): pooled ones and every registered project, by id."""
        with self.store.reading() as conn:
            ids = set(project_list.all_ids(conn))
        ids |= {project_id_of(e.stream_id) for e in self.store.iter_all(types=["ProjectPooled"])}
        found = []
        for project_id in sorted(ids):
            try:
                project = self.registry.state(project_id)
            except ProjectNotFound:  # another county's
                continue
            if county is None or (project.county or DEFAULT_COUNTY) == county:
                found.append(project)
        return found

    def listing(self, stage: str | None = None, county: str | None = None) -> list[dict[str, Any]]:
        rows = [listing(p, self.zone) for p in self.projects(county)]
        return [r for r in rows if stage is None or r["stage"] == stage]

    def conversions(self, year: int, county: str | None = None) -> list[dict[str, Any]]:
        return conversions(self.projects(county), year, self.zone)


def _text(value: Any) -> Any:
    """A state's value as a payload writes it (money as a decimal string)."""
    return value if isinstance(value, str) or value is None else f"{value:.2f}"
