"""Prometheus metrics read at scrape time: how far behind the relay is, how full the
queues are, how far the chain has been verified, how many leased jobs lost their worker.

Nothing here is counted in the request path: each scrape reads the head of the log, the
``checkpoints`` table and the queue lengths (a few cheap queries). HTTP request counts and
latencies are counted in ``shared.http.app``; under gunicorn with several worker processes
they are summed over the processes through ``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .eventstore.audit import VERIFIED, save_verified_head, verified_at
from .eventstore.consumer import all_checkpoints
from .heartbeat import live_workers

if TYPE_CHECKING:
    from .eventstore import EventStore, Verification
    from .runtime import Runtime

log = logging.getLogger(__name__)

VERIFIED_CHECKPOINT = VERIFIED
"""The checkpoint row that holds the last global position (and its hash) whose chain
verified OK; see `shared.eventstore.audit`. Relay lag leaves it out."""


def record_verification(store: EventStore, result: Verification) -> bool:
    """Remember how far the chain verified OK (position and hash, never backwards); False
    when it could not be written (a read-only replica, say): verification itself does
    not depend on it."""
    if not result.ok:
        return False
    try:
        save_verified_head(store, result.head_position, result.head_hash)
    except Exception:  # noqa: BLE001 - a metric must never fail the verification
        log.warning("could not record the verified chain position", exc_info=True)
        return False
    return True


class RuntimeCollector(Collector):
    """Gauges of the event store and the broker, computed when Prometheus scrapes."""

    NAMES = (
        "gongjian_event_head_position",
        "gongjian_relay_lag_events",
        "gongjian_consumer_checkpoint_position",
        "gongjian_chain_verified_position",
        "gongjian_queue_depth",
        "gongjian_queue_delayed",
        "gongjian_queue_dead_letters",
        "gongjian_dependency_up",
        "gongjian_chain_verified_timestamp_seconds",
        "gongjian_live_workers",
    )

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def describe(self) -> Iterator[Metric]:
        # Registering asks for the names; answering without touching the database keeps
        # app creation free of connections.
        for name in self.NAMES:
            yield GaugeMetricFamily(name, name)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "gongjian_dependency_up",
            "Whether the last scrape could read the dependency (1) or not (0)",
            labels=["dependency"],
        )
        try:
            yield from self._store_metrics()
            up.add_metric(["database"], 1)
        except Exception:  # noqa: BLE001 - a scrape must answer even with the database down
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric(["database"], 0)
        try:
            yield from self._queue_metrics()
            up.add_metric(["broker"], 1)
        except Exception:  # noqa: BLE001
            log.warning("metrics: the broker could not be read", exc_info=True)
            up.add_metric(["broker"], 0)
        yield up
        for gauges in self.runtime.gauges:
            try:
                yield from gauges()
            except Exception:  # noqa: BLE001 - a service's gauges must not fail the scrape
                log.warning("metrics: a service's gauges could not be read", exc_info=True)

    def _store_metrics(self) -> Iterator[Metric]:
        store = self.runtime.store
        with store.reading() as conn:
            head = store.head(connection=conn).position
            positions = all_checkpoints(conn)
            last_verified = verified_at(conn)
        verified = positions.pop(VERIFIED_CHECKPOINT, 0)
        yield GaugeMetricFamily(
            "gongjian_chain_verified_timestamp_seconds",
            "When the chain last verified OK (Unix time; 0: never)",
            value=last_verified.timestamp() if last_verified is not None else 0,
        )
        yield GaugeMetricFamily(
            "gongjian_event_head_position", "Global position of the last event", value=head
        )
        lag = GaugeMetricFamily(
            "gongjian_relay_lag_events",
            "Events committed but not yet applied by a consumer (head minus its checkpoint)",
            labels=["consumer"],
        )
        checkpoint = GaugeMetricFamily(
            "gongjian_consumer_checkpoint_position",
            "Global position a consumer has applied up to",
            labels=["consumer"],
        )
        for consumer, position in sorted(positions.items()):
            lag.add_metric([consumer], max(head - position, 0))
            checkpoint.add_metric([consumer], position)
        yield lag
        yield checkpoint
        yield GaugeMetricFamily(
            "gongjian_chain_verified_position",
            "Last global position whose hash chain verified OK (`gongjian verify`)",
            value=verified,
        )
        yield self._lease_expiries()

    def _lease_expiries(self) -> Metric:
        """Takeovers of every kind of leased job, one sample per kind (0 before the first)."""
        expiries = CounterMetricFamily(
            "gongjian_job_lease_expiries",
            "Jobs taken up again because their worker's lease ran out",
            labels=["kind"],
        )
        for kind, leases in sorted(self.runtime.leased_jobs.items()):
            expiries.add_metric([kind], leases.takeovers())
        return expiries

    def _queue_metrics(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "gongjian_queue_depth", "Messages waiting on a dramatiq queue", labels=["queue"]
        )
        delayed = GaugeMetricFamily(
            "gongjian_queue_delayed", "Messages delayed (retries) on a queue", labels=["queue"]
        )
        dead = GaugeMetricFamily(
            "gongjian_queue_dead_letters", "Messages given up on a queue", labels=["queue"]
        )
        for queue, (waiting, later, given_up) in sorted(queue_lengths(self.runtime).items()):
            depth.add_metric([queue], waiting)
            delayed.add_metric([queue], later)
            dead.add_metric([queue], given_up)
        yield depth
        yield delayed
        yield dead
        workers = live_workers(self.runtime.broker)
        if workers is not None:
            yield GaugeMetricFamily(
                "gongjian_live_workers",
                "Worker processes that beat within the last minute",
                value=workers,
            )


def queue_names(runtime: Runtime) -> set[str]:
    """Every queue this process knows of: its actors' queues and the nudged subscribers'."""
    declared = set(runtime.broker.get_declared_queues()) | set(runtime.bus.subscribers)
    return {name for name in declared if not name.endswith((".DQ", ".XQ"))}


def queue_lengths(runtime: Runtime) -> dict[str, tuple[int, int, int]]:
    """Per queue: (waiting, delayed, dead) message counts."""
    broker = runtime.broker
    names = sorted(queue_names(runtime))
    client = getattr(broker, "client", None)
    if client is None:  # the in-memory broker of the embedded default
        queues = getattr(broker, "queues", {})
        return {
            name: (
                queues[name].qsize() if name in queues else 0,
                queues[f"{name}.DQ"].qsize() if f"{name}.DQ" in queues else 0,
                len(getattr(broker, "dead_letters_by_queue", {}).get(name, ())),
            )
            for name in names
        }
    # The Redis broker keeps ids of waiting messages in the list <namespace>:<queue>,
    # delayed ones in <queue>.DQ and dead letters in the sorted set <queue>.XQ.
    prefix = getattr(broker, "namespace", "dramatiq")
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(f"{prefix}:{name}")
        pipe.llen(f"{prefix}:{name}.DQ")
        pipe.zcard(f"{prefix}:{name}.XQ")
    counts = pipe.execute()
    return {
        name: (int(counts[3 * i]), int(counts[3 * i + 1]), int(counts[3 * i + 2]))
        for i, name in enumerate(names)
    }


def exposition(registry: CollectorRegistry, runtime_collector: Collector | None = None) -> bytes:
    """The text a scrape returns. With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with
    several processes), request metrics are summed over every process's files."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(registry)
    from prometheus_client import multiprocess

    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged, path=directory)
    if runtime_collector is not None:
        merged.register(runtime_collector)
    return generate_latest(merged)
