"""挂点服务: a leader's visit to a project (``LeaderVisited``, through the project's rules),
and by quarter which leaders have not visited their projects."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import EventStore
from shared.tenancy import DEFAULT_COUNTY, counties_in_scope

from ..domain.pool import Quarter
from ..domain.visits import leader_visits
from .pool import Pool, Written
from .submissions import Outcome


@dataclass
class Visits:
    store: EventStore
    pool: Pool
    zone: ZoneInfo
    order: Callable[[Iterable[str]], list[str]] = sorted
    """Leaders by rank (`shared.documents.ranks.LeaderRanks.ordered`)."""

    def record(self, project_id: str, body: dict[str, Any], written: Written) -> Outcome:
        """A visit (``LeaderVisited``); the leader defaults to the project's own, the
        visit's id to the event's (so a re-sent ``event_id`` is the same visit)."""
        written = replace(written, event_id=written.event_id or str(uuid.uuid4()))
        payload = dict(body)
        payload.setdefault("visit_id", written.event_id)
        if not payload.get("leader"):
            payload["leader"] = self.pool.registry.state(project_id).leader
        return self.pool.submit("LeaderVisited", project_id, payload, written)

    def quarter(self, year: int, number: int, county: str | None = None) -> list[dict[str, Any]]:
        """Each leader with the quarter's projects, visited and not visited: county by
        county of the request's scope (of ``county`` alone when given), each row with its
        ``county`` (a leader serves the projects of one county)."""
        projects = self.pool.projects(county)
        rows = []
        for code in [county] if county else counties_in_scope():
            own = [p for p in projects if (p.county or DEFAULT_COUNTY) == code]
            found = leader_visits(own, Quarter(year, number), self.zone, self.order)
            rows += [{**row, "county": code} for row in found]
        return rows
