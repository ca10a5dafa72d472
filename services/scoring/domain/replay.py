"""The replay: events in, an assessment out.

Every event up to the watermark (the last position recorded by ``known_at``) is fed once,
either in global order or stream by stream (`settle` after each project's stream, so
that only one project's facts are held at a time: the assessment's memory is then the
scores, not the province's facts). Which events count, with which payload and business
time, is `shared.history`'s rule. Because a correction is recorded after its event, the
amendments are gathered first (`Amendments`) and applied when the replay meets the
amended event; a project's facts depend only on its own stream's events (in version
order) and the amendments, so either order gives the same facts, scores and digest. The
month-end colours (`colours`), which are not of one project, are fed in global order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from shared.campaign import CARRIED_OVER, campaign_years
from shared.events.codes import PROJECT_STREAM_PREFIX as PROJECT_PREFIX
from shared.eventstore.canonical import Canonical
from shared.history import AMENDMENTS, Amendments, within
from shared.history import Event as HistoryEvent

from .colours import MONTH_COLOURS, MonthColours
from .explanations import ZH
from .facts import HANDLERS, ProjectFacts
from .rollup import (
    advanced_units,
    campaign_totals,
    criticised_units,
    criticism_reasons,
    rank_projects,
    roll_up,
)
from .rulebook import Rulebook
from .scorecard import Period, score_project


class Event(HistoryEvent, Protocol):
    """What the replay reads of an event (a `RecordedEvent` fits)."""

    @property
    def global_position(self) -> int: ...


_NOT_PLAIN = frozenset({*AMENDMENTS, "ProjectRegistered"})
"""Types `Replay.feed_stream` leaves to `Replay.feed`."""


class FedAfterSettled(RuntimeError):
    """An event of a project whose facts were already scored and dropped (`Replay.settle`
    was called before the project's last event): its score would miss that event."""


class Replay:
    """Feed it every event up to the watermark, in global order or stream by stream
    (calling `settle` at the end of each stream); then ask for the result."""

    def __init__(
        self,
        year: int,
        as_of: datetime,
        zone: ZoneInfo,
        amendments: Amendments[Event] | None = None,
        carried: Mapping[str, Iterable[int]] | None = None,
        *,
        compact: bool = False,
    ) -> None:
        self.year = year
        self.compact = compact
        """Keep each settled project's score as its canonical JSON and the few figures the
        rankings and roll-ups read (`_Kept`); the result's projects are then `Canonical`
        texts (for `canonical_json_bytes`), not dicts: a few KB a project instead of the
        score's objects (its evidence ids alone are ~200 objects)."""
        self.carried = carried or {}
        """Project id → the later campaign years it was carried into."""
        self.as_of = as_of
        self.zone = zone
        self.amendments: Amendments[Event] = amendments or Amendments()
        self._targets = self.amendments.targets
        self.projects: dict[str, ProjectFacts] = {}
        """The facts of the projects being fed (all of them, fed in global order)."""
        self.scored: dict[str, Any] = {}
        """Project id → its score, once settled (its facts dropped)."""
        self._scored_by: tuple[Rulebook, str] | None = None
        self.colours = MonthColours()
        """The month-end colours scheduling recorded for the year (`colours`)."""
        self.replayed = 0

    def feed(self, event: Event) -> None:
        self.replayed += 1
        stream_id = event.stream_id
        if not stream_id.startswith(PROJECT_PREFIX) or event.type in AMENDMENTS:
            if event.type == MONTH_COLOURS:
                self.colours.take(event.payload, self.year, self.as_of, self.zone)
            return
        project_id = stream_id[len(PROJECT_PREFIX) :]
        if event.event_id in self._targets:
            self._feed_amended(project_id, event)
        elif event.occurred_at <= self.as_of:  # as recorded: `within`, inlined (hot path)
            self._take(project_id, event, event.payload, event.occurred_at, [event.global_position])

    def feed_stream(self, events: Sequence[Event]) -> None:
        """`feed` each of one stream's events, in version order: the hot loop of a county
        replayed stream by stream (`application.county_replay`), its lookups made once
        for the stream. An event that is not a plain fact of a project being fed (a
        registration, an amendment or an amended event) goes through `feed`."""
        if not events or not events[0].stream_id.startswith(PROJECT_PREFIX):
            for event in events:
                self.feed(event)
            return
        project_id = events[0].stream_id[len(PROJECT_PREFIX) :]
        targets, as_of, zone, projects = self._targets, self.as_of, self.zone, self.projects
        facts = projects.get(project_id)
        fed = 0
        for event in events:
            type_ = event.type
            if facts is None or type_ in _NOT_PLAIN or event.event_id in targets:
                self.feed(event)
                facts = projects.get(project_id)
                continue
            fed += 1
            apply = HANDLERS.get(type_)  # `ProjectFacts.apply`, inlined
            occurred = event.occurred_at
            if apply is not None and occurred <= as_of:
                on = occurred.astimezone(zone).date()
                apply(facts, event.payload, on, [event.global_position])
        self.replayed += fed

    def count_elsewhere(self, events: int) -> None:
        """Count ``events`` events of no project stream (the colours apart) as fed: all
        that `feed` takes of them. For a county replayed from its own streams
        (`application.county_replay`), the number the whole log's pass feeds it."""
        self.replayed += events

    def _feed_amended(self, project_id: str, event: Event) -> None:
        standing = self.amendments.standing(event)
        if not within(standing.occurred_at, self.as_of):
            return
        evidence = [event.global_position]
        if standing.decided_by is not None:
            evidence.append(standing.decided_by.global_position)
        if standing.retracted:
            facts = self.projects.get(project_id)
            if facts is not None:
                facts.note_retraction(event.type, evidence)
            return
        try:
            self._take(project_id, event, standing.payload, standing.occurred_at, evidence)
        except (KeyError, ValueError, TypeError, ArithmeticError):
            # A correction whose payload does not fit the event's type cannot be applied:
            # the event counts as first recorded.
            if within(event.occurred_at, self.as_of):
                evidence = [event.global_position]
                self._take(project_id, event, event.payload, event.occurred_at, evidence)

    def _take(
        self,
        project_id: str,
        event: Event,
        payload: Mapping[str, Any],
        occurred_at: datetime,
        evidence: list[int],
    ) -> None:
        if event.type == "ProjectRegistered":
            years = campaign_years(int(payload.get("year") or 0), self.carried.get(project_id, ()))
            if self.year in years and project_id not in self.projects:
                if project_id in self.scored:
                    raise FedAfterSettled(project_id)
                self.projects[project_id] = ProjectFacts.registered(payload, evidence, years)
            return
        facts = self.projects.get(project_id)
        if facts is not None:
            on = occurred_at.astimezone(self.zone).date()
            facts.apply(event.type, payload, on, evidence)
        elif project_id in self.scored:
            raise FedAfterSettled(project_id)

    def settle(self, rulebook: Rulebook, texts: str = ZH) -> None:
        """Score the projects whose facts are held and drop the facts, keeping the scores
        for the result. Only when none of them has an event still to come: reading stream
        by stream, at the end of each project's stream (`FedAfterSettled` otherwise). The
        same rulebook and wording as the result's."""
        if self._scored_by is None:
            self._scored_by = (rulebook, texts)
        elif self._scored_by[0] is not rulebook or self._scored_by[1] != texts:
            raise ValueError("a replay is scored under one rulebook and one wording")
        if not self.projects:
            return
        period = Period(self.year, self.as_of.astimezone(self.zone).date(), not rulebook.legacy)
        for project_id in sorted(self.projects):
            scored = score_project(self.projects.pop(project_id), rulebook, period, texts)
            self.scored[project_id] = _Kept.of(scored) if self.compact else scored

    def result(self, rulebook: Rulebook, texts: str = ZH) -> dict[str, Any]:
        """Projects, units, leaders and campaign totals; plain JSON values only.

        Consumes the facts and the scores: each project's facts are dropped once scored
        (`settle`), so the facts and the result are not both held whole."""
        self.settle(rulebook, texts)
        kept = [self.scored.pop(project_id) for project_id in sorted(self.scored)]
        projects = [k.figures for k in kept] if self.compact else kept
        if rulebook.red_months is not None:  # absent otherwise: earlier digests stay
            self.colours.annotate(projects)
        rank_projects(projects, rulebook)
        units = roll_up(projects, rulebook, lambda p: p["lead_unit"])
        leaders = roll_up(projects, rulebook, lambda p: p["leader"])
        reasons = criticism_reasons(units, projects, rulebook)
        result = {
            "projects": [k.written(p) for k, p in zip(kept, projects, strict=True)]
            if self.compact
            else projects,
            "units": units,
            "leaders": leaders,
            "advanced_units": advanced_units(units, rulebook),
            "criticised_units": criticised_units(units, rulebook, reasons),
            "campaign": campaign_totals(projects, rulebook),
            "events_replayed": self.replayed,
        }
        if rulebook.criticism_criteria or rulebook.red_months is not None:
            # absent otherwise: earlier digests stay as they were
            result["criticism_reasons"] = reasons
        return result


_FIGURES_OF_A_LINE = ("line", "points", "max")


class _Kept:
    """A settled project's score, compactly: its canonical JSON, and the figures the
    rankings, roll-ups and totals read and add to (every field but the evidence, each
    line's name and points), as a dict of its own."""

    __slots__ = ("figures", "text")

    def __init__(self, text: bytes, figures: dict[str, Any]) -> None:
        self.text, self.figures = text, figures

    @classmethod
    def of(cls, scored: dict[str, Any]) -> _Kept:
        figures = {k: v for k, v in scored.items() if k not in ("lines", "evidence")}
        figures["lines"] = [{k: line[k] for k in _FIGURES_OF_A_LINE} for line in scored["lines"]]
        return cls(Canonical.of(scored), figures)

    def written(self, figures: dict[str, Any]) -> Canonical:
        """The score with what was added to its figures (its rank, its red months)."""
        scored = json.loads(self.text)
        scored.update((k, v) for k, v in figures.items() if k != "lines")
        return Canonical.of(scored)


def carried_over(
    events: Iterable[Event], amendments: Amendments[Event], as_of: datetime
) -> dict[str, list[int]]:
    """Project id → the campaign years it was carried into by ``as_of``, from its
    ``ProjectCarriedOver`` events as amended (`shared.history`)."""
    carried: dict[str, list[int]] = {}
    for event in events:
        if event.type != CARRIED_OVER or not event.stream_id.startswith(PROJECT_PREFIX):
            continue
        standing = amendments.standing(event)
        if standing.retracted or not within(standing.occurred_at, as_of):
            continue
        project_id = event.stream_id[len(PROJECT_PREFIX) :]
        carried.setdefault(project_id, []).append(int(standing.payload["to_year"]))
    return carried
