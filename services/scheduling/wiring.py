"""Scheduling's wired objects, built once by `bootstrap.wire` and kept on the runtime."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from shared.documents import LeaderRanks, office_config_for
from shared.messaging import BROKER_AWAY, outage_log
from shared.runtime import Runtime
from shared.secrets import lazy_secrets_box
from shared.tenancy import DEFAULT_COUNTY

from .application import Scheduler, SchedulingService
from .application.alerts import Alerts
from .config import SchedulingConfig
from .readmodel.queries import StateCache


@dataclass(frozen=True)
class SchedulingParts:
    config: SchedulingConfig
    service: SchedulingService
    """The read model, the board, plans and follow-up actions."""
    scheduler: Scheduler
    """The default county's scheduler (the first county's of the deployment)."""
    alerts: Alerts
    """Alert channels, the outbox and its delivery (``scheduling.alerts_deliver``)."""
    schedulers: tuple[Scheduler, ...] = ()
    """One per county of the deployment: claims each of its periods as it opens and asks
    ``scheduling.plan`` for that county's plan."""

    def scheduler_of(self, county: str | None) -> Scheduler:
        wanted = county or DEFAULT_COUNTY
        return next((s for s in self.schedulers if s.county == wanted), self.scheduler)

    @classmethod
    def of(cls, runtime: Runtime) -> SchedulingParts:
        return runtime.part(cls)

    @classmethod
    def build(cls, runtime: Runtime) -> SchedulingParts:
        config = SchedulingConfig.load()

        def sender(verb: str, county: str) -> Callable[[str, str], None]:
            def send(cadence: str, period: str) -> None:
                actor = runtime.broker.get_actor(f"scheduling.{verb}")
                if county == DEFAULT_COUNTY:  # the message as before tenancy
                    actor.send(cadence, period)
                else:
                    actor.send(cadence, period, county)

            return send

        office = office_config_for(runtime)
        service = SchedulingService(
            runtime.store,
            runtime.settings.zone,
            config,
            office,
            states=StateCache(runtime.settings.kept_states),
        )
        schedulers = tuple(
            Scheduler(
                runtime.engine,
                runtime.settings.zone,
                sender("plan", county),
                since=config.scheduler_since,
                stale_after=timedelta(seconds=config.stale_claim_seconds),
                ready=functools.partial(service.has_projects, county=county),
                due_for_refresh=functools.partial(service.due_for_refresh, county=county),
                request_refresh=sender("refresh", county),
                county=county,
            )
            for county in runtime.settings.tenancy.counties
        )
        default = next((s for s in schedulers if s.county == DEFAULT_COUNTY), schedulers[0])
        alerts = _alerts(runtime, config, service)
        return cls(config, service, default, alerts, schedulers)


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
