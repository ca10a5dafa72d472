"""The wired objects a process runs with: engine, store, broker, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dramatiq
from sqlalchemy import Engine

from .auth.tokens import TokenStore
from .config import Settings
from .db import create_db_engine
from .eventstore import EventStore, EventTypeRegistry
from .messaging import EventBus, create_broker


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    store: EventStore
    broker: dramatiq.Broker
    bus: EventBus
    tokens: TokenStore
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.broker.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings, registry: EventTypeRegistry, *, broker: dramatiq.Broker | None = None
) -> Runtime:
    """Nothing connects here: engines and brokers connect on first use."""
    engine = create_db_engine(settings.database_url)
    store = EventStore(
        engine, registry, lock_timeout_ms=settings.lock_timeout_ms, zone=settings.zone
    )
    broker = broker or create_broker(settings)
    bus = EventBus(broker)
    store.on_appended.append(bus.nudge)
    return Runtime(settings, engine, store, broker, bus, TokenStore(engine))
