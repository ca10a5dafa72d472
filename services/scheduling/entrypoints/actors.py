"""Dramatiq actors on the ``scheduling`` queue: small messages, idempotent work."""

from __future__ import annotations

import dramatiq

from shared.messaging import declare_actor
from shared.runtime import Runtime

from ..readmodel import queries
from ..wiring import SchedulingParts


def declare(runtime: Runtime) -> dict[str, dramatiq.Actor]:
    def catch_up(position: int = 0) -> None:
        """Bring the read model up to at least ``position`` (a nudge after an append)."""
        service = SchedulingParts.of(runtime).service
        if position and queries.checkpoint(runtime.store) >= position:
            return
        service.catch_up()

    def plan(cadence: str, period: str) -> None:
        """Make the period's plan unless it exists; mark the scheduler's claim done."""
        parts = SchedulingParts.of(runtime)
        parts.service.plan(cadence, period, actor="scheduler", source="scheduling")
        parts.scheduler.mark_planned(cadence, period)

    def refresh(cadence: str, period: str) -> None:
        """Bring the period's plan up to date before its meeting (only if still due)."""
        SchedulingParts.of(runtime).service.refresh_before_meeting(cadence, period)

    return {
        "refresh": declare_actor(
            runtime.broker, refresh, service="scheduling", verb="refresh", max_retries=3
        ),
        "catch_up": declare_actor(
            runtime.broker, catch_up, service="scheduling", verb="catch_up", max_retries=3
        ),
        "plan": declare_actor(
            runtime.broker, plan, service="scheduling", verb="plan", max_retries=5
        ),
    }
