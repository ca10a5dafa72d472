"""Dramatiq actors on the ``scheduling`` queue: small messages, idempotent work."""

from __future__ import annotations

import dramatiq

from shared.messaging import declare_actor
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_COUNTY

from ..readmodel import queries
from ..wiring import SchedulingParts


def declare(runtime: Runtime) -> dict[str, dramatiq.Actor]:
    def catch_up(position: int = 0) -> None:
        """Bring the read model up to at least ``position`` (a nudge after an append)."""
        service = SchedulingParts.of(runtime).service
        if position and queries.checkpoint(runtime.store) >= position:
            return
        service.catch_up()

    def plan(cadence: str, period: str, county: str = DEFAULT_COUNTY) -> None:
        """Make the county's plan of the period unless it exists; mark the claim done."""
        parts = SchedulingParts.of(runtime)
        parts.service.plan(cadence, period, actor="scheduler", source="scheduling", county=county)
        parts.scheduler_of(county).mark_planned(cadence, period)

    def refresh(cadence: str, period: str, county: str = DEFAULT_COUNTY) -> None:
        """Bring the county's plan of the period up to date before its meeting (if due)."""
        SchedulingParts.of(runtime).service.refresh_before_meeting(cadence, period, county)

    def alerts() -> None:
        """Derive the alerts due now into the outbox, and deliver every due one (timed)."""
        parts = SchedulingParts.of(runtime)
        parts.alerts.scan()
        parts.alerts.deliver_due()

    def alerts_deliver(alert_id: str) -> None:
        """One delivery attempt of an alert (a failure schedules the next, with backoff)."""
        SchedulingParts.of(runtime).alerts.deliver(alert_id)

    return {
        "alerts": declare_actor(
            runtime.broker, alerts, service="scheduling", verb="alerts", max_retries=0
        ),
        "alerts_deliver": declare_actor(
            runtime.broker,
            alerts_deliver,
            service="scheduling",
            verb="alerts_deliver",
            max_retries=0,
        ),
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
