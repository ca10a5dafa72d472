"""Scheduling's wired objects, built once by `bootstrap.wire` and kept on the runtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.documents import office_config_for
from shared.runtime import Runtime

from .application import Scheduler, SchedulingService
from .config import SchedulingConfig


@dataclass(frozen=True)
class SchedulingParts:
    config: SchedulingConfig
    service: SchedulingService
    """The read model, the board, plans and follow-up actions."""
    scheduler: Scheduler
    """Claims each period as it opens and asks ``scheduling.plan`` for its plan."""

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
        return cls(config, service, scheduler)
