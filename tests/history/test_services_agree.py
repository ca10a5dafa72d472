"""A property test: on any history, registry, scheduling and scoring count the same events
with the same payloads and business times, under any pair of cut-offs."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from hypothesis import event, given, settings
from hypothesis import strategies as st

from shared.eventstore import RecordedEvent
from shared.history import AMENDMENTS, CORRECTED, RETRACTED

from .builders import (
    STREAM,
    Counted,
    Log,
    day,
    investment_by_service,
    registry_counts,
    scheduling_counts,
    scoring_counts,
)

FACT, CORRECT, RETRACT, FOREIGN = "fact", "correct", "retract", "foreign"

step = st.one_of(
    # a report: its month, amount, business day, and how many days late it reaches the store
    st.tuples(st.just(FACT), st.integers(3, 12), st.integers(0, 9_999), st.integers(0, 300)),
    # a correction of any earlier event (an amendment too); perhaps moving business time
    st.tuples(st.just(CORRECT), st.integers(0, 99), st.integers(0, 9_999), st.booleans()),
    # a retraction of any earlier event (an amendment too)
    st.tuples(st.just(RETRACT), st.integers(0, 99)),
    # a retraction written in another project's stream, aimed at this one's event
    st.tuples(st.just(FOREIGN), st.integers(0, 99)),
)

cutoff = st.one_of(st.none(), st.integers(-5, 700).map(day))
"""None, before everything, between events, or after everything."""


def build(steps: list, data: st.DataObject) -> Log:
    log = Log()
    log.register()
    clock = 1  # record time only moves forward
    targets: list[str] = []
    for step_ in steps:
        clock += data.draw(st.integers(0, 5))
        kind = step_[0]
        if kind == FACT:
            _, month, amount, late = step_
            occurred = max(0, clock - late)
            targets.append(log.invest(month, f"{amount}.00", occurred, clock))
        elif not targets:
            continue
        elif kind == CORRECT:
            _, pick, amount, move = step_
            target = pick_target(targets, pick)
            event("correction of an amendment" if log.is_amendment(target) else "correction")
            moved = data.draw(st.integers(0, 400)) if move else None
            payload = {"month": f"2024-{3 + amount % 10:02d}", "amount": f"{amount}.50"}
            targets.append(log.correct(target, payload, clock, moved_to=moved))
        elif kind == RETRACT:
            target = pick_target(targets, step_[1])
            event("retraction of an amendment" if log.is_amendment(target) else "retraction")
            targets.append(log.retract(target, clock))
        else:
            log.retract(pick_target(targets, step_[1]), clock, stream_id="project-p2")
    return log


def pick_target(targets: list[str], pick: int) -> str:
    """Half the time one of the last three (so chains of amendments grow), else any."""
    if pick < 50:
        return targets[-1 - pick % min(3, len(targets))]
    return targets[pick % len(targets)]


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(step, max_size=30),
    as_of=cutoff,
    known_at=cutoff,
    data=st.data(),
)
def test_the_three_services_count_the_same_events_with_the_same_payloads(
    steps, as_of: datetime | None, known_at: datetime | None, data
):
    log = build(steps, data)
    registry = registry_counts(log, as_of, known_at)
    assert registry == model(log, as_of, known_at)
    assert scheduling_counts(log, as_of, known_at) == registry
    assert scoring_counts(log, as_of, known_at) == registry
    investment = investment_by_service(log, as_of, known_at)
    assert investment["scheduling"] == investment["registry"]
    assert investment["scoring"] == investment["registry"]


def model(log: Log, as_of: datetime | None, known_at: datetime | None) -> Counted:
    """The rule of `shared.history`, read literally from its docstring, by brute force."""
    known = [e for e in log.events if known_at is None or e.recorded_at <= known_at]
    by_id = {e.event_id: e for e in known}

    def target(a: RecordedEvent) -> str:
        return a.payload["corrected_event_id" if a.type == CORRECTED else "retracted_event_id"]

    @cache
    def root(amendment_id: str) -> str | None:
        a, aimed = by_id[amendment_id], by_id.get(target(by_id[amendment_id]))
        if aimed is None or aimed.type not in AMENDMENTS:
            return target(a)
        return root(aimed.event_id) if aimed.stream_id == a.stream_id else None

    @cache
    def in_force(amendment_id: str) -> bool:
        a = by_id[amendment_id]
        return not any(
            r.type == RETRACTED
            and r.stream_id == a.stream_id
            and target(r) == amendment_id
            and in_force(r.event_id)
            for r in known
        )

    counted: Counted = []
    for e in known:
        if e.type in AMENDMENTS or e.stream_id != STREAM:
            continue
        chain = [
            a
            for a in known
            if a.type in AMENDMENTS
            and a.stream_id == e.stream_id
            and root(a.event_id) == e.event_id
        ]
        deciding = [
            a
            for a in chain
            if in_force(a.event_id) and (a.type == CORRECTED or target(a) == e.event_id)
        ]
        payload, occurred_at = dict(e.payload), e.occurred_at
        if deciding and deciding[-1].type == RETRACTED:
            continue
        if deciding:
            payload = dict(deciding[-1].payload["payload"])
            if "occurred_at" in deciding[-1].payload:
                occurred_at = datetime.fromisoformat(deciding[-1].payload["occurred_at"])
        if as_of is None or occurred_at <= as_of:
            event("counts, moved" if occurred_at != e.occurred_at else "counts")
            counted.append((e.event_id, payload, occurred_at))
    return counted
