"""The composition root: builds the runtime and wires all three services together
(the embedded default runs them in one process)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from shared.checkpointing import serving_problem
from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.http import create_base_app
from shared.messaging import CATCH_UP_SECONDS, TimedActors, catch_up_actors
from shared.migrations import pending, upgrade
from shared.migrations.roles import application_role, grant_application_role
from shared.runtime import Runtime, build_runtime

from . import console
from .console import gateway as console_gateway
from .console.app import mount as mount_console
from .registry import bootstrap as registry
from .scheduling import bootstrap as scheduling
from .scoring import bootstrap as scoring

SERVICES = {"registry": registry, "scheduling": scheduling, "scoring": scoring}
CONSOLE = "console"
"""The web console for people: its own role, or mounted beside the services."""


def migration_locations() -> list[Path]:
    return [*(module.MIGRATIONS for module in SERVICES.values()), console.MIGRATIONS]


def migrate(settings: Settings) -> None:
    """Bring the database to the head of every migration branch (as the tables' owner),
    then give the application role its privileges (PostgreSQL, when it is another role)."""
    upgrade(settings.migration_url, migration_locations())
    role = application_role(settings.database_url, settings.migration_url)
    if role is not None:
        owner = create_db_engine(settings.migration_url, pool_size=1)
        try:
            grant_application_role(owner, role)
        finally:
            owner.dispose()


def wire(runtime: Runtime) -> Runtime:
    """Attach each service's parts (its typed dataclass of wired objects) to the runtime,
    then the console's gateway to them."""
    for module in SERVICES.values():
        runtime.attach(module.wire(runtime))
    runtime.attach(console_gateway.Services(runtime))
    return runtime


def runtime_for(settings: Settings | None = None) -> Runtime:
    return wire(build_runtime(settings or Settings.from_env(), build_registry()))


TIMED_ACTORS = (
    "scoring.take_up_lost_jobs",
    "registry.take_up_unsent_verifications",
    "scheduling.alerts",
)
"""Besides every subscriber's catch-up: what each worker runs on its timer."""


def worker_timer(runtime: Runtime, interval: float | None = None) -> TimedActors:
    """The timer each worker runs (``GONGJIAN_CATCH_UP_SECONDS``, default 15 s): every
    read model's catch-up, the reaper of lost assessment jobs (and of verifications asked
    for while the broker was away: scoring's and the chain's) and the alerts' scan and
    delivery of due ones."""
    every = interval or float(os.environ.get("GONGJIAN_CATCH_UP_SECONDS") or CATCH_UP_SECONDS)
    return TimedActors([*catch_up_actors(runtime.bus.subscribers), *TIMED_ACTORS], every)


def readiness(runtime: Runtime) -> list:
    def migrations() -> str | None:
        missing = pending(runtime.engine, runtime.settings.database_url, migration_locations())
        return f"migrations not at head: {', '.join(sorted(missing))}" if missing else None

    def chain() -> str | None:
        return serving_problem(runtime.store, runtime.settings)

    return [migrations, chain]


def degradations(runtime: Runtime) -> list:
    """What a web process serves without: the broker (appends go on, the log is the
    outbox; nudges wait for it) and the replica (reads go to the primary)."""

    def broker() -> str | None:
        return runtime.bus.health()

    def replica() -> str | None:
        return runtime.replica.health() if runtime.replica is not None else None

    return [broker, replica]


def create_app(runtime: Runtime, services: tuple[str, ...] = (*SERVICES, CONSOLE)) -> Flask:
    """One Flask app serving the named parts (all three services and the console by
    default)."""
    unknown = set(services) - {*SERVICES, CONSOLE}
    if unknown:
        raise ValueError(f"未知的服务：{'、'.join(sorted(unknown))}")
    apis = tuple(name for name in services if name in SERVICES)
    title = "all services" if len(apis) == len(SERVICES) else "+".join(services)
    app, api = create_base_app(
        runtime, title=title, readiness=readiness(runtime), degradations=degradations(runtime)
    )
    for name in apis:
        SERVICES[name].register_routes(api, runtime)
    if CONSOLE in services:
        mount_console(app, runtime)
    return app
