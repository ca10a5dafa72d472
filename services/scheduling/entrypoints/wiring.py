"""One `SchedulingService` and one `Scheduler` per runtime, built on first use."""

from __future__ import annotations

from datetime import timedelta

from shared.runtime import Runtime

from ..application import Scheduler, SchedulingService
from ..config import SchedulingConfig


def config_for(runtime: Runtime) -> SchedulingConfig:
    config = runtime.extras.get("scheduling.config")
    if config is None:
        config = runtime.extras["scheduling.config"] = SchedulingConfig.load()
    return config


def service_for(runtime: Runtime) -> SchedulingService:
    service = runtime.extras.get("scheduling.service")
    if service is None:
        service = SchedulingService(runtime.store, runtime.settings.zone, config_for(runtime))
        runtime.extras["scheduling.service"] = service
    return service


def scheduler_for(runtime: Runtime) -> Scheduler:
    scheduler = runtime.extras.get("scheduling.scheduler")
    if scheduler is None:
        config = config_for(runtime)

        def request_plan(cadence: str, period: str) -> None:
            runtime.broker.get_actor("scheduling.plan").send(cadence, period)

        scheduler = Scheduler(
            runtime.engine,
            runtime.settings.zone,
            request_plan,
            since=config.scheduler_since,
            stale_after=timedelta(seconds=config.stale_claim_seconds),
        )
        runtime.extras["scheduling.scheduler"] = scheduler
    return scheduler
