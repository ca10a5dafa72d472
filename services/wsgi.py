"""The WSGI app of one container role, for gunicorn: ``gunicorn 'services.wsgi:create_app()'``.

``GONGJIAN_SERVICE`` names the service this process serves (registry, scheduling,
scoring, or console: the web pages for people; a comma-separated list, or ``all``, serves
several from one process). Gunicorn
calls the factory in each worker process, so nothing connects before the fork.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from shared.config import Settings
from shared.logging import configure_logging

from . import composition

SERVICE_VARIABLE = "GONGJIAN_SERVICE"


def services_from_env(value: str | None = None) -> tuple[str, ...]:
    """The services named by ``GONGJIAN_SERVICE``; an unknown or missing name is an error."""
    raw = (value if value is not None else os.environ.get(SERVICE_VARIABLE, "")).strip()
    if not raw:
        raise RuntimeError(
            f"未设置 {SERVICE_VARIABLE}：请写明要提供的服务"
            f"（{'、'.join((*composition.SERVICES, composition.CONSOLE))}，或 all）"
        )
    parts = (*composition.SERVICES, composition.CONSOLE)
    if raw == "all":
        return parts
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in parts]
    if unknown:
        raise RuntimeError(
            f"{SERVICE_VARIABLE}={raw!r}：未知的服务 {'、'.join(unknown)}；"
            f"可选 {'、'.join(parts)}，或 all"
        )
    return names


def create_app(service: str | None = None) -> Flask:
    """The app for ``service`` (default: ``GONGJIAN_SERVICE``) over the configured runtime."""
    services = services_from_env(service)
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    # /readyz compares the schema with the migration scripts on every probe; alembic
    # would log two lines each time. A web process never migrates.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    runtime = composition.runtime_for(settings)
    app = composition.create_app(runtime, services=services)
    app.extensions["gongjian.role"] = ",".join(services)
    return app
