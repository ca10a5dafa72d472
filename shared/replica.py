"""Reads from a PostgreSQL streaming replica (``GONGJIAN_REPLICA_URL``), writes to the primary.

A web request that only reads (``GET``/``HEAD`` under ``/v1/``) is *routed*: before it
runs, the replica is asked one question — is it up, how far has it replayed the
primary's log, which global position has it got — and the request is then served wholly
by the replica (`shared.db.reads_from`) or wholly by the primary:

- the replica cannot be reached, or it failed within the last `RETRY_SECONDS`: primary
  (``unreachable``); reads degrade to the primary, they never fail for the replica;
- it lags more than ``GONGJIAN_REPLICA_MAX_LAG_SECONDS``: primary (``lagging``);
- the client asks to read its own writes (``Gongjian-Min-Position: <position>``, the
  position its write was answered with) and the replica has not got that far: primary
  (``min-position``);
- the replica fails in the middle of the request (it stopped, its connection was cut):
  the request is run once more, wholly on the primary (``interrupted``), and the replica
  counts as failed (`Replica.failed`).

Writes, authentication (a revoked token stops at once), the console and the workers
always use the primary: only the event store's reads and the read models' queries ask
`shared.db.reader` where to go.

What a replica's answer cannot include is stated in its headers (`ReadRoute.headers`):
``Gongjian-Served-By``, ``Gongjian-Replica-Replayed-At`` (the primary's commit time of the
last transaction the replica has replayed: anything recorded later is missing),
``Gongjian-Replica-Position`` (the last global position it has) and
``Gongjian-Replica-Lag-Seconds``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine, text

from .db import create_db_engine, is_postgres
from .eventstore import EventStore
from .eventstore.envelope import format_instant
from .logging import once_a_minute

log = once_a_minute(logging.getLogger("gongjian.replica"))

RETRY_SECONDS = 5.0
"""After a failure, how long requests go to the primary before the replica is tried again."""
CONNECT_TIMEOUT_SECONDS = 2

SERVED_BY = "Gongjian-Served-By"
REPLAYED_AT = "Gongjian-Replica-Replayed-At"
REPLICA_POSITION = "Gongjian-Replica-Position"
LAG_SECONDS = "Gongjian-Replica-Lag-Seconds"
FALLBACK = "Gongjian-Replica-Fallback"
MIN_POSITION = "Gongjian-Min-Position"

_STATUS = text(
    "SELECT pg_is_in_recovery() AS standby, pg_last_xact_replay_timestamp() AS replayed_at,"
    " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() AS caught_up,"
    " clock_timestamp() AS now"
)


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """How far the replica is: ``replayed_at`` the primary's commit time of the last
    transaction it replayed (None: none since it started), ``position`` its last global
    position, ``lag_seconds`` 0 when it has replayed all it received."""

    replayed_at: datetime | None
    position: int
    lag_seconds: float


@dataclass(frozen=True, slots=True)
class ReadRoute:
    """Where one request's reads went, and why."""

    served_by: str  # "replica" | "primary"
    status: ReplicaStatus | None = None
    fallback: str | None = None  # unreachable | lagging | min-position | interrupted

    def headers(self) -> dict[str, str]:
        found = {SERVED_BY: self.served_by}
        if self.fallback:
            found[FALLBACK] = self.fallback
        if self.status is not None:
            found[REPLICA_POSITION] = str(self.status.position)
            found[LAG_SECONDS] = f"{self.status.lag_seconds:.3f}"
            if self.status.replayed_at is not None:
                found[REPLAYED_AT] = format_instant(self.status.replayed_at)
        return found


class Replica:
    """The replica of ``store``'s primary at ``url``, and the choice of a request's route."""

    def __init__(
        self,
        store: EventStore,
        url: str,
        *,
        max_lag_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.engine: Engine = create_db_engine(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        self.max_lag_seconds = max_lag_seconds
        self._clock = clock
        self._down_until = 0.0
        self._lock = threading.Lock()

    def route(self, min_position: int | None = None) -> ReadRoute:
        """Replica or primary for one request (see the module's docstring)."""
        status = self.status()
        if status is None:
            return ReadRoute("primary", fallback="unreachable")
        if status.lag_seconds > self.max_lag_seconds:
            return ReadRoute("primary", status, "lagging")
        if min_position is not None and status.position < min_position:
            return ReadRoute("primary", status, "min-position")
        return ReadRoute("replica", status)

    def status(self) -> ReplicaStatus | None:
        """How far the replica is, or None while it cannot be reached (for `RETRY_SECONDS`
        after a failure, without trying again)."""
        with self._lock:
            if self._clock() < self._down_until:
                return None
        try:
            return self._ask()
        except Exception as exc:  # noqa: BLE001 - any failure: read from the primary
            self.failed(exc)
            return None

    def failed(self, exc: BaseException) -> None:
        """The replica failed (asked how far it is, or in the middle of a request): reads
        go to the primary for `RETRY_SECONDS` without trying it again."""
        with self._lock:
            self._down_until = self._clock() + RETRY_SECONDS
        log.warning("replica unreachable; reads go to the primary: %s", _first_line(exc))

    def health(self) -> str | None:
        """None while the replica answers; otherwise why not (``/readyz``'s degraded)."""
        return None if self.status() is not None else "replica unreachable; reading the primary"

    def gauges(self) -> Iterator[Metric]:
        """``gongjian_replica_up`` and, while up, ``gongjian_replica_lag_seconds`` and
        ``gongjian_replica_position`` (added to every scrape by `build_runtime`)."""
        status = self.status()
        yield GaugeMetricFamily(
            "gongjian_replica_up", "1 while the read replica answers", 1 if status else 0
        )
        if status is not None:
            lag = status.lag_seconds if status.lag_seconds != float("inf") else -1.0
            yield GaugeMetricFamily(
                "gongjian_replica_lag_seconds", "How far the read replica is behind", lag
            )
            yield GaugeMetricFamily(
                "gongjian_replica_position",
                "The last global position on the replica",
                status.position,
            )

    def close(self) -> None:
        self.engine.dispose()

    def _ask(self) -> ReplicaStatus:
        with self.engine.connect() as conn:
            if not is_postgres(self.engine):  # a copy for tests and drills: never behind
                return ReplicaStatus(None, self.store.head(connection=conn).position, 0.0)
            row = conn.execute(_STATUS).one()
            head = self.store.head(connection=conn)
        return ReplicaStatus(row.replayed_at, head.position, _lag(row))


def _lag(row: Any) -> float:
    if not row.standby or row.caught_up:
        return 0.0
    if row.replayed_at is None:
        return float("inf")
    return max(0.0, (row.now - row.replayed_at).total_seconds())


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
