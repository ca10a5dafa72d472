"""Wiring of the registry service: its parts (no actors: it is the source of truth and
follows no log) and its routes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.campaign_log import CampaignBook
from shared.documents.office import OfficeConfig
from shared.documents.ranks import LeaderRanks
from shared.events import PROJECT_EVENT_TYPES
from shared.http import create_base_app
from shared.runtime import Runtime
from shared.secrets import lazy_secrets_box
from shared.tenancy import deployment_wide

from .application.campaigns import Campaigns
from .application.handlers import Registry
from .application.integrations import Integrations
from .application.ledger import LEDGER
from .application.monthly_report import MONTHLY_REPORT
from .application.pool import Pool
from .application.spreadsheets import SpreadsheetImports
from .application.visits import Visits
from .entrypoints import (
    admin,
    campaigns,
    errors,
    export,
    feed,
    imports,
    ingest,
    pool,
    projects,
    visits,
)
from .wiring import RegistryParts

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"

errors.register()
# Answers of the whole deployment: only a principal of every county (shared.tenancy).
deployment_wide(export.blp.name, "全量日志导出")
deployment_wide(admin.blp.name, "令牌与接入系统管理")
deployment_wide(f"{campaigns.blp.name}.define_campaign", "攻坚年设定")


def wire(runtime: Runtime) -> RegistryParts:
    """The registry's use cases (the composition root attaches them to the runtime)."""
    declare_actors(runtime)
    registry = Registry(runtime.store, max_skew_seconds=runtime.settings.max_clock_skew_seconds)
    zone = runtime.settings.zone
    pool = Pool(runtime.store, registry, zone)
    ranks = LeaderRanks(OfficeConfig.load())
    return RegistryParts(
        registry,
        Integrations(runtime.engine, PROJECT_EVENT_TYPES, lazy_secrets_box(runtime.settings)),
        SpreadsheetImports(registry, (LEDGER, MONTHLY_REPORT)),
        Campaigns(runtime.store, registry, CampaignBook(runtime.store)),
        pool,
        Visits(runtime.store, pool, zone, ranks.ordered),
    )


def register_routes(api: Api, runtime: Runtime) -> None:
    blueprints = (
        feed.blp,
        projects.blp,
        campaigns.blp,
        pool.blp,
        visits.blp,
        ingest.blp,
        export.blp,
        imports.blp,
    )
    for blueprint in (*blueprints, admin.blp):
        api.register_blueprint(blueprint)


def declare_actors(runtime: Runtime) -> None:
    """``registry.verify_chain(job_id)``: a full verification of the log with progress,
    under a lease (one worker at a time); ``registry.take_up_unsent_verifications`` (on
    the workers' timer) takes back the ones whose worker died and sends them again, with
    the ones asked for while the broker was away. The registry follows no log (it is the source of
    truth), so it has no catch-up."""
    from shared.checkpointing import keyring
    from shared.eventstore.status import run_verification
    from shared.messaging import declare_actor

    from .application import chain_verifications

    def verify_chain(job_id: str) -> None:
        run_verification(runtime.store, keyring(runtime.settings), job_id)

    def take_up_unsent_verifications() -> None:
        chain_verifications.take_up_unsent(runtime.engine, actor.send)

    actor = declare_actor(runtime.broker, verify_chain, service="registry", verb="verify_chain")
    declare_actor(
        runtime.broker,
        take_up_unsent_verifications,
        service="registry",
        verb="take_up_unsent_verifications",
    )


def create_app(runtime: Runtime) -> Flask:
    app, api = create_base_app(runtime, title="registry")
    register_routes(api, runtime)
    return app
