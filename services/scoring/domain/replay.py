"""The replay: events in global order in, an assessment out.

The log is read once, in global order, up to the watermark (the last position recorded
by ``known_at``); nothing of it is kept but each project's facts. Business time is
filtered here: an event counts if it occurred by ``as_of``, except corrections and
retractions, which count by ``known_at`` alone and take effect at the business time of
the event they amend. Because a correction is recorded after its event, the
amendments are gathered first (`Amendment`) and applied when the replay meets the
amended event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from .facts import ProjectFacts
from .rollup import (
    advanced_units,
    campaign_totals,
    criticised_units,
    rank_projects,
    roll_up,
)
from .rulebook import Rulebook
from .scorecard import Period, score_project

PROJECT_PREFIX = "project-"
AMENDING_TYPES = ("EventCorrected", "EventRetracted")


class Event(Protocol):
    """What the replay reads of an event (a `RecordedEvent` fits)."""

    event_id: str
    stream_id: str
    global_position: int
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Amendment:
    """The latest correction (``payload``) or retraction (``payload is None``) of an event."""

    position: int
    stream_id: str
    payload: dict[str, Any] | None


def amendment_of(event: Event) -> tuple[str, Amendment]:
    """The id of the amended event and what becomes of it."""
    if event.type == "EventCorrected":
        target, payload = event.payload["corrected_event_id"], event.payload["payload"]
    else:
        target, payload = event.payload["retracted_event_id"], None
    return str(target), Amendment(event.global_position, event.stream_id, payload)


class Replay:
    """Feed it every event up to the watermark, in global order; then ask for the result."""

    def __init__(
        self,
        year: int,
        as_of: datetime,
        zone: ZoneInfo,
        amendments: Mapping[str, Amendment] | None = None,
    ) -> None:
        self.year = year
        self.as_of = as_of
        self.zone = zone
        self.amendments = amendments or {}
        self.projects: dict[str, ProjectFacts] = {}
        self.replayed = 0

    def feed(self, event: Event) -> None:
        self.replayed += 1
        stream_id = event.stream_id
        if not stream_id.startswith(PROJECT_PREFIX) or event.type in AMENDING_TYPES:
            return
        if event.occurred_at > self.as_of:
            return
        evidence = [event.global_position]
        payload = event.payload
        amendment = self.amendments.get(event.event_id)
        project_id = stream_id[len(PROJECT_PREFIX) :]
        if amendment is not None and amendment.stream_id == stream_id:
            evidence.append(amendment.position)
            if amendment.payload is None:
                facts = self.projects.get(project_id)
                if facts is not None:
                    facts.note_retraction(event.type, evidence)
                return
            payload = amendment.payload
        try:
            self._take(project_id, event, payload, evidence)
        except (KeyError, ValueError, TypeError, ArithmeticError):
            if payload is event.payload:
                raise
            # A correction whose payload does not fit the event's type cannot be applied:
            # the event counts as first recorded.
            self._take(project_id, event, event.payload, [event.global_position])

    def _take(
        self, project_id: str, event: Event, payload: dict[str, Any], evidence: list[int]
    ) -> None:
        if event.type == "ProjectRegistered":
            if payload.get("year") == self.year and project_id not in self.projects:
                self.projects[project_id] = ProjectFacts.registered(payload, evidence)
            return
        facts = self.projects.get(project_id)
        if facts is not None:
            on = event.occurred_at.astimezone(self.zone).date()
            facts.apply(event.type, payload, on, evidence)

    def result(self, rulebook: Rulebook) -> dict[str, Any]:
        """Projects, units, leaders and campaign totals; plain JSON values only.

        Consumes the facts: each project's are dropped once scored, so the facts and the
        result are not both held whole."""
        period = Period(self.year, self.as_of.astimezone(self.zone).date())
        projects = [
            score_project(self.projects.pop(project_id), rulebook, period)
            for project_id in sorted(self.projects)
        ]
        rank_projects(projects)
        units = roll_up(projects, rulebook, lambda p: p["lead_unit"])
        leaders = roll_up(projects, rulebook, lambda p: p["leader"])
        return {
            "projects": projects,
            "units": units,
            "leaders": leaders,
            "advanced_units": advanced_units(units, rulebook),
            "criticised_units": criticised_units(units, rulebook),
            "campaign": campaign_totals(projects, rulebook),
            "events_replayed": self.replayed,
        }
