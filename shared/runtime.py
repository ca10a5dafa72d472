"""The wired objects a process runs with: engine, store, broker, tokens, and each
service's own wired objects (its *parts*), attached by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import dramatiq
from sqlalchemy import Engine

from .auth.tokens import TokenStore
from .config import Settings
from .db import create_db_engine
from .eventstore import EventStore, EventTypeRegistry
from .eventstore.status import verification_leases
from .leases import RowLeases
from .messaging import EventBus, create_broker
from .replica import Replica
from .tenancy import configure

Part = TypeVar("Part")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    store: EventStore
    broker: dramatiq.Broker
    bus: EventBus
    tokens: TokenStore
    replica: Replica | None = None
    """The streaming replica that read-only requests go to, when one is configured."""
    gauges: list[Callable[[], Iterable[Any]]] = field(default_factory=list, repr=False)
    """Metric families a service adds to every scrape (e.g. scoring's jobs by state)."""
    leased_jobs: dict[str, RowLeases] = field(default_factory=dict, repr=False)
    """Every table of jobs run under a lease (`shared.leases`), by the job's kind
    (``chain-verification``, and what the services add): the metrics count their takeovers."""
    _parts: dict[type[Any], Any] = field(default_factory=dict, repr=False)

    def attach(self, part: object) -> None:
        """Keep one service's wired objects (a dataclass of its own, e.g. ``RegistryParts``).

        ``shared`` may not name the services' types (an import-linter contract), so the
        runtime keeps each part under its class, and `part` hands it back typed."""
        self._parts[type(part)] = part

    def part(self, kind: type[Part]) -> Part:
        """The attached part of class ``kind``; a `LookupError` names what was not wired."""
        found = self._parts.get(kind)
        if found is None:
            raise LookupError(
                f"{kind.__name__} is not wired into this runtime "
                "(services.composition.runtime_for wires every service)"
            )
        return cast(Part, found)

    def close(self) -> None:
        self.bus.close()
        self.broker.close()
        if self.replica is not None:
            self.replica.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings, registry: EventTypeRegistry, *, broker: dramatiq.Broker | None = None
) -> Runtime:
    """Nothing connects here: engines and brokers connect on first use."""
    engine = create_db_engine(settings.database_url)
    store = EventStore(
        engine,
        registry,
        lock_timeout_ms=settings.lock_timeout_ms,
        zone=settings.zone,
        holder_slice_us=settings.holder_slice_us,
        release_early=settings.early_lock_release,
    )
    broker = broker or create_broker(settings)
    bus = EventBus(broker)
    store.on_appended.append(bus.nudge)
    configure(settings.tenancy)
    replica = (
        Replica(store, settings.replica_url, max_lag_seconds=settings.replica_max_lag_seconds)
        if settings.replica_url
        else None
    )
    runtime = Runtime(settings, engine, store, broker, bus, TokenStore(engine), replica)
    runtime.leased_jobs["chain-verification"] = verification_leases(engine)
    if replica is not None:
        runtime.gauges.append(replica.gauges)
    return runtime
