"""Hand-built logs for the history rule, and each service's reading of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.registry.domain import admitted, state_at
from services.registry.readmodel.streams import to_domain
from services.scheduling.domain.project import amended_fact, effective_facts, fold
from services.scoring.domain.replay import Replay
from shared.eventstore import RecordedEvent
from shared.history import AMENDMENTS, Amendments, known_by
from tests.scoring.builders import registration

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 3, 1, 2, tzinfo=UTC)
STREAM = "project-p1"


def day(n: int) -> datetime:
    """Day ``n`` of the campaign, at 10:00 in Shanghai."""
    return START + timedelta(days=n)


@dataclass
class Log:
    """The global log: events in record order, each with its two clocks."""

    events: list[RecordedEvent] = field(default_factory=list)

    def add(
        self,
        type_: str,
        payload: dict[str, Any],
        occurred: int,
        recorded: int | None = None,
        stream_id: str = STREAM,
    ) -> str:
        """Append; ``recorded`` defaults to ``occurred`` and must not go back in time."""
        event_id = str(uuid.uuid4())
        recorded_at = day(occurred if recorded is None else recorded)
        if self.events and recorded_at < self.events[-1].recorded_at:
            recorded_at = self.events[-1].recorded_at
        position = len(self.events) + 1
        self.events.append(
            RecordedEvent(
                event_id,
                stream_id,
                position,
                position,
                type_,
                1,
                day(occurred),
                recorded_at,
                "test",
                "test",
                None,
                None,
                payload,
                "",
                "",
            )
        )
        return event_id

    def is_amendment(self, event_id: str) -> bool:
        return any(e.event_id == event_id and e.type in AMENDMENTS for e in self.events)

    def register(self) -> str:
        return self.add("ProjectRegistered", registration("p1"), 0)

    def invest(self, month: int, amount: str, occurred: int, recorded: int | None = None) -> str:
        payload = {"month": f"2024-{month:02d}", "amount": amount}
        return self.add("InvestmentReported", payload, occurred, recorded)

    def correct(
        self, target: str, payload: dict[str, Any], recorded: int, *, moved_to: int | None = None
    ) -> str:
        body: dict[str, Any] = {"corrected_event_id": target, "payload": payload, "reason": "r"}
        if moved_to is not None:
            body["occurred_at"] = day(moved_to).isoformat()
        return self.add("EventCorrected", body, recorded, recorded)

    def retract(self, target: str, recorded: int, stream_id: str = STREAM) -> str:
        body = {"retracted_event_id": target, "reason": "sent in error"}
        return self.add("EventRetracted", body, recorded, recorded, stream_id)


Counted = list[tuple[str, dict[str, Any], datetime]]
"""The events that count, each with the payload and business time it counts with."""


def registry_counts(log: Log, as_of: datetime | None, known_at: datetime | None) -> Counted:
    events = [to_domain(e) for e in log.events if e.stream_id == STREAM]
    return [
        (e.event_id, dict(e.payload), e.occurred_at)
        for e in admitted(events, as_of, known_at)
        if not e.is_amendment and not e.retracted_by
    ]


def scheduling_counts(log: Log, as_of: datetime | None, known_at: datetime | None) -> Counted:
    """Both of scheduling's paths: a stream folded whole, and the log streamed past the
    amendments gathered first; they must agree with each other too."""
    known = known_by(log.events, known_at)
    whole = [f for f in effective_facts(known, as_of) if f.stream_id == STREAM]
    amendments: Amendments[RecordedEvent] = Amendments(known)
    streamed = [
        f
        for e in known
        if e.stream_id == STREAM and (f := amended_fact(amendments, e, as_of)) is not None
    ]
    assert [(f.event_id, f.payload) for f in whole] == [(f.event_id, f.payload) for f in streamed]
    return [(f.event_id, dict(f.payload), f.occurred_at) for f in whole]


class _RecordingReplay(Replay):
    """Scoring's replay, noting what it takes into each project's facts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken: Counted = []

    def _take(self, project_id, event, payload, occurred_at, evidence) -> None:  # type: ignore[no-untyped-def]
        if event.stream_id == STREAM:
            self.taken.append((event.event_id, dict(payload), occurred_at))
        super()._take(project_id, event, payload, occurred_at, evidence)


def scoring_replay(log: Log, as_of: datetime | None, known_at: datetime | None) -> _RecordingReplay:
    known = known_by(log.events, known_at)
    replay = _RecordingReplay(2024, as_of or day(10_000), ZONE, Amendments(known))
    for event in known:
        replay.feed(event)
    return replay


def scoring_counts(log: Log, as_of: datetime | None, known_at: datetime | None) -> Counted:
    return scoring_replay(log, as_of, known_at).taken


def investment_by_service(
    log: Log, as_of: datetime | None, known_at: datetime | None
) -> dict[str, dict[str, Decimal]]:
    """Each service's monthly investment for the project under the cut-off."""
    events = [to_domain(e) for e in log.events if e.stream_id == STREAM]
    registry = state_at("p1", events, as_of, known_at).investment
    known = known_by(log.events, known_at)
    state = fold((f for f in effective_facts(known, as_of) if f.stream_id == STREAM), ZONE)
    scheduling = {m: i.amount for m, i in state.investments.items()} if state else {}
    facts = scoring_replay(log, as_of, known_at).projects.get("p1")
    scoring = {m: amount for m, (amount, _) in facts.investment.items()} if facts else {}
    return {"registry": registry, "scheduling": scheduling, "scoring": scoring}
