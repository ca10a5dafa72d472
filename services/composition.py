"""The composition root: builds the runtime and wires all three services together
(the embedded default runs them in one process)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from shared.config import Settings
from shared.events import build_registry
from shared.http import create_base_app
from shared.migrations import pending, upgrade
from shared.runtime import Runtime, build_runtime

from .registry import bootstrap as registry
from .scheduling import bootstrap as scheduling
from .scoring import bootstrap as scoring

SERVICES = {"registry": registry, "scheduling": scheduling, "scoring": scoring}


def migration_locations() -> list[Path]:
    return [module.MIGRATIONS for module in SERVICES.values()]


def migrate(settings: Settings) -> None:
    """Bring the database to the head of every migration branch."""
    upgrade(settings.database_url, migration_locations())


def runtime_for(settings: Settings | None = None) -> Runtime:
    runtime = build_runtime(settings or Settings.from_env(), build_registry())
    for module in SERVICES.values():
        module.declare_actors(runtime)
    return runtime


def readiness(runtime: Runtime) -> list:
    def migrations() -> str | None:
        missing = pending(runtime.engine, runtime.settings.database_url, migration_locations())
        return f"migrations not at head: {', '.join(sorted(missing))}" if missing else None

    def broker() -> str | None:
        client = getattr(runtime.broker, "client", None)
        if client is not None:
            client.ping()
        return None

    return [migrations, broker]


def create_app(runtime: Runtime, services: tuple[str, ...] = tuple(SERVICES)) -> Flask:
    """One Flask app serving the named services (all three by default)."""
    unknown = set(services) - set(SERVICES)
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(sorted(unknown))}")
    title = "all services" if len(services) == len(SERVICES) else "+".join(services)
    app, api = create_base_app(runtime, title=title, readiness=readiness(runtime))
    for name in services:
        SERVICES[name].register_routes(api, runtime)
    return app
