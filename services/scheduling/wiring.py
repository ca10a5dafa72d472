"""Scheduling's wired objects, built once by `bootstrap.wire` and kept on the runtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.documents import LeaderRanks, office_config_for
from shared.messaging import BROKER_AWAY, outage_log
from shared.runtime import Runtime
from shared.secrets import lazy_secrets_box

from .application import Scheduler, SchedulingService
from .application.alerts import Alerts
from .config import SchedulingConfig


@dataclass(frozen=True)
class SchedulingParts:
    config: SchedulingConfig
    service: SchedulingService
    """The read model, the board, plans and follow-up actions."""
    scheduler: Scheduler
    """Claims each period as it opens and asks ``scheduling.plan`` for its plan."""
    alerts: Alerts
    """Alert channels, the outbox and its delivery (``scheduling.alerts_deliver``)."""

    @classmethod
    def of(cls, runtime: Runtime) -> SchedulingParts:
        return runtime.part(cls)

    @classmethod
    def build(cls, runtime: Runtime) -> SchedulingParts:
        config = SchedulingConfig.load()

        def request_plan(cadence: str, period: str) -> None:
            runtime.broker.get_actor("scheduling.plan").send(cadence, period)

        def request_refresh(cadence: str, period: str) -> None:
            runtime.broker.get_actor("scheduling.refresh").send(cadence, period)

        office = office_config_for(runtime)
        service = SchedulingService(runtime.store, runtime.settings.zone, config, office)
        scheduler = Scheduler(
            runtime.engine,
            runtime.settings.zone,
            request_plan,
            since=config.scheduler_since,
            stale_after=timedelta(seconds=config.stale_claim_seconds),
            ready=service.has_projects,
            due_for_refresh=service.due_for_refresh,
            request_refresh=request_refresh,
        )
        return cls(config, service, scheduler, _alerts(runtime, config, service))


def _alerts(runtime: Runtime, config: SchedulingConfig, service: SchedulingService) -> Alerts:
    def request_delivery(alert_id: str, delay: float) -> None:
        actor = runtime.broker.get_actor("scheduling.alerts_deliver")
        try:
            actor.send_with_options(args=(alert_id,), delay=int(delay * 1000) or None)
        except Exception as exc:  # noqa: BLE001 - the broker is away: the timer delivers it
            outage_log.warning(BROKER_AWAY, extra={"actor": actor.actor_name, "reason": str(exc)})

    return Alerts(
        runtime.store,
        service,
        config.alerts,
        lazy_secrets_box(runtime.settings),
        LeaderRanks(office_config_for(runtime)),
        sending=config.alerts.sending(runtime.settings.database_url),
        request_delivery=request_delivery,
    )
