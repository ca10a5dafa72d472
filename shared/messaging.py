"""Messaging over dramatiq: the broker from configuration, and nudges after appends.

The event store is the outbox: nothing but a nudge travels on the broker. After an
append commits, `EventBus.nudge` enqueues ``<service>.catch_up(position)`` for every
subscribing service; the actor reads the log from its own checkpoint, so a lost or
repeated nudge loses or doubles nothing. Actors are named ``<service>.<verb>`` and each
service has its own queue (named after the service).

When the broker is away, appends go on (the log is the outbox): the bus holds the highest
position it could not send, warns once a minute, and a thread of its own sends that one
nudge as soon as the broker answers again. Workers also catch up on a timer
(`TimedActors`), so a read model follows the log without any nudge.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message

from .config import Settings
from .logging import once_a_minute

log = logging.getLogger(__name__)
outage_log = once_a_minute(logging.getLogger("gongjian.broker"))
"""Warnings about an unreachable broker: once a minute, whatever the request rate."""

BROKER_AWAY = "broker unreachable; appends go on, nudges wait for it"
"""One message template for every warning of an outage, so they share one a minute."""
CONNECT_TIMEOUT_SECONDS = 2.0
"""How long a nudge may wait for Redis to accept a connection before the broker counts
as away (an append must not hang on a host that drops packets)."""
SOCKET_TIMEOUT_SECONDS = 5.0
RETRY_PAUSES = (0.5, 1.0, 2.0)
"""Pauses between attempts to reach the broker again; the last one repeats."""
NUDGE_SPACING_SECONDS = 0.05
"""The least time between two nudges a process sends. Nudges in between are folded into
one, sent when the spacing is up, carrying the highest position: a consumer catches up to
the latest anyway, and signed ingest sent one nudge a subscriber for every batch (over
Redis, two round trips on each request's path)."""
CATCH_UP_SECONDS = 15.0
"""How often a worker catches every read model up without a nudge."""

DEFAULT_SUBSCRIBERS: tuple[str, ...] = ("scheduling",)
"""Services with a read model that follows the log (the message contract)."""


def create_broker(settings: Settings) -> dramatiq.Broker:
    """Redis when ``GONGJIAN_REDIS_URL`` or ``GONGJIAN_REDIS_SENTINELS`` is set, otherwise
    the in-memory broker."""
    if settings.uses_redis:
        from dramatiq.brokers.redis import RedisBroker

        client = redis_client(settings)
        broker: dramatiq.Broker = RedisBroker(client=client, namespace=settings.redis_namespace)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    return broker


def redis_client(settings: Settings) -> Any:
    """The broker's Redis: at ``GONGJIAN_REDIS_URL``, or, with ``GONGJIAN_REDIS_SENTINELS``,
    the master the sentinels name ``GONGJIAN_REDIS_SENTINEL_MASTER`` (asked again after a
    failover: the client's pool follows the new master). With sentinels, the URL only gives
    the master's database number, user and password."""
    import redis

    timeouts = {
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
    }
    if not settings.redis_sentinels:
        return redis.Redis.from_url(settings.redis_url, **timeouts)
    from redis.sentinel import Sentinel

    own = {**timeouts, "password": settings.redis_sentinel_password or None}
    sentinel = Sentinel(sentinel_addresses(settings.redis_sentinels), sentinel_kwargs=own)
    return sentinel.master_for(
        settings.redis_sentinel_master,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        **_master_options(settings.redis_url),
    )


def sentinel_addresses(text: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` (an IPv6 host in brackets) as (host, port) pairs."""
    found = []
    for item in (part.strip() for part in text.split(",")):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(
                f"GONGJIAN_REDIS_SENTINELS：{item!r} 不是 host:port（如 10.0.0.5:26379）"
            )
        found.append((host.strip("[]"), int(port)))
    return found


def _master_options(url: str) -> dict[str, Any]:
    if not url:
        return {}
    from redis.connection import parse_url

    options = parse_url(url)
    return {k: v for k, v in options.items() if k in ("db", "username", "password")}


def subscribers_from_env() -> tuple[str, ...]:
    raw = os.environ.get("GONGJIAN_SUBSCRIBERS")
    if raw is None:
        return DEFAULT_SUBSCRIBERS
    return tuple(s.strip() for s in raw.split(",") if s.strip())


def declare_actor(
    broker: dramatiq.Broker, fn: Callable[..., Any], *, service: str, verb: str, **options: Any
) -> dramatiq.Actor:
    """An actor ``<service>.<verb>`` on the service's queue, bound to ``broker`` (no globals)."""
    name = f"{service}.{verb}"
    if name in broker.actors:
        return broker.get_actor(name)
    return dramatiq.Actor(
        fn, broker=broker, actor_name=name, queue_name=service, priority=0, options=options
    )


class EventBus:
    """Sends the small "new events up to position P" message to each subscriber, at most
    one every `NUDGE_SPACING_SECONDS` (those in between folded into the next); while the
    broker is away, holds the highest position and sends it when the broker is back."""

    def __init__(self, broker: dramatiq.Broker, subscribers: Iterable[str] | None = None) -> None:
        self.broker = broker
        self.subscribers = tuple(subscribers) if subscribers is not None else subscribers_from_env()
        self.retry_pauses = RETRY_PAUSES
        self.spacing = NUDGE_SPACING_SECONDS
        self._lock = threading.Lock()
        self._held: int | None = None  # the position not yet sent, while the broker is away
        self._last_sent = float("-inf")
        self._deferred: int | None = None  # the position to send when the spacing is up
        self._due = 0.0  # when the deferred one is sent (`time.monotonic`)
        self._spaced = threading.Condition(self._lock)  # a deferred nudge, or the close
        self._sender: threading.Thread | None = None
        self._away_since: float | None = None
        self._reason = ""
        self._closed = threading.Event()

    def close(self) -> None:
        """Stop trying to reach a broker that is away, and drop a nudge waiting for its
        spacing (the process is shutting down; consumers catch up on their timer)."""
        self._closed.set()
        with self._lock:
            self._deferred = None
            self._spaced.notify_all()

    def nudge(self, position: int) -> None:
        """Tell the subscribers that events up to ``position`` are committed: at once,
        or when the spacing since the last nudge sent is up (`NUDGE_SPACING_SECONDS`)."""
        with self._lock:
            if self._away_since is not None:  # the retry thread sends it when it can
                self._held = max(self._held or 0, position)
                return
            if self._deferred is not None:  # one waits for its spacing: it carries this
                self._deferred = max(self._deferred, position)
                return
            now = time.monotonic()
            wait = self._last_sent + self.spacing - now
            if wait > 0 and not self._closed.is_set():
                self._deferred, self._due = position, now + wait
                self._wake_sender()
                return
            self._last_sent = now
        self._deliver(position)

    def flush(self) -> None:
        """Send the nudge waiting for its spacing now, if one is."""
        with self._lock:
            position, self._deferred = self._deferred, None
            if position is None:
                return
            if self._away_since is not None:
                self._held = max(self._held or 0, position)
                return
            self._last_sent = time.monotonic()
        self._deliver(position)

    def _wake_sender(self) -> None:
        """Have the sender thread send the deferred nudge when it is due (called with
        the lock held). One thread for the process's life, started with the first
        deferred nudge: a timer thread started for each one cost signed ingest a
        hundredth of its workers' CPU (issue 18), twenty threads a second a worker."""
        if self._sender is None or not self._sender.is_alive():  # none yet, or forked
            self._sender = threading.Thread(
                target=self._send_when_due, name="gongjian-nudge-spacing", daemon=True
            )
            self._sender.start()
        self._spaced.notify()

    def _send_when_due(self) -> None:
        """The sender thread: each deferred nudge sent when its spacing is up, until
        the bus is closed."""
        while True:
            with self._lock:
                while not self._closed.is_set() and (
                    self._deferred is None or self._due > time.monotonic()
                ):
                    pending = None if self._deferred is None else self._due - time.monotonic()
                    self._spaced.wait(pending)
                if self._closed.is_set():
                    return
            self.flush()

    def _deliver(self, position: int) -> None:
        try:
            self._send(position)
        except Exception as exc:  # noqa: BLE001 - any failure to enqueue means the broker is away
            self._went_away(exc, position)

    def health(self) -> str | None:
        """None while the broker answers; otherwise why not (for ``/readyz``'s body)."""
        with self._lock:
            if self._away_since is not None:
                return self._reason
        client = getattr(self.broker, "client", None)
        if client is None:
            return None
        try:
            client.ping()
        except Exception as exc:  # noqa: BLE001
            self._went_away(exc, None)
            return self._reason
        return None

    @property
    def held_position(self) -> int | None:
        """The highest position whose nudge waits for the broker, if any."""
        return self._held

    def _send(self, position: int) -> None:
        for service in self.subscribers:
            self.broker.declare_queue(service)
            self.broker.enqueue(
                Message(
                    queue_name=service,
                    actor_name=f"{service}.catch_up",
                    args=(position,),
                    kwargs={},
                    options={},
                )
            )

    def _went_away(self, exc: Exception, position: int | None) -> None:
        reason = (
            f"broker unreachable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        )
        with self._lock:
            if position is not None:
                self._held = max(self._held or 0, position)
            if self._away_since is not None:
                return
            self._away_since = time.monotonic()
            self._reason = reason
        outage_log.warning(
            BROKER_AWAY,
            extra={"reason": reason, "held_position": self._held},
        )
        threading.Thread(target=self._retry, name="gongjian-nudge-retry", daemon=True).start()

    def _retry(self) -> None:
        """Until the broker answers: try again, growing the pause; then send the held nudge."""
        attempt = 0
        while not self._closed.wait(self.retry_pauses[min(attempt, len(self.retry_pauses) - 1)]):
            attempt += 1
            with self._lock:
                held = self._held
            try:
                client = getattr(self.broker, "client", None)
                if client is not None:
                    client.ping()
                if held is not None:
                    self._send(held)
            except Exception as exc:  # noqa: BLE001
                outage_log.warning(
                    BROKER_AWAY,
                    extra={
                        "reason": str(exc).splitlines()[0] if str(exc) else "",
                        "held_position": held,
                    },
                )
                continue
            if self._back(held):
                return

    def _back(self, sent: int | None) -> bool:
        """Mark the broker back unless a newer position was held meanwhile."""
        with self._lock:
            if self._held != sent:
                return False
            away = time.monotonic() - (self._away_since or time.monotonic())
            self._held = self._away_since = None
        log.warning(
            "broker reachable again; nudged the held position",
            extra={"held_position": sent, "away_seconds": round(away, 1)},
        )
        return True


class TimedActors(dramatiq.Middleware):
    """Runs the named actors' functions in the worker every ``interval`` seconds, straight,
    not through the broker: each subscriber's ``<service>.catch_up`` (read models follow
    the log with no nudge at all, through a broker outage or a lost message) and the
    reapers of jobs whose worker died."""

    def __init__(self, actor_names: Iterable[str], interval: float = CATCH_UP_SECONDS) -> None:
        self.actor_names = tuple(actor_names)
        self.interval = interval
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.clear()
        threading.Thread(
            target=self._run, args=(broker,), name="gongjian-timed-actors", daemon=True
        ).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def run_once(self, broker: dramatiq.Broker) -> None:
        for name in self.actor_names:
            if name not in broker.actors:
                continue
            try:
                broker.get_actor(name).fn()
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                outage_log.warning(
                    "timed actor failed", extra={"actor": name, "reason": str(exc)[:200]}
                )

    def _run(self, broker: dramatiq.Broker) -> None:
        while not self._stop.wait(self.interval):
            self.run_once(broker)


def catch_up_actors(subscribers: Iterable[str]) -> list[str]:
    return [f"{service}.catch_up" for service in subscribers]


def send_or_leave(actor: dramatiq.Actor, *args: Any) -> bool:
    """Send a job's message; with the broker away, log it (once a minute) and leave the
    job to the reaper that sends waiting jobs again (the job itself is in the database)."""
    try:
        actor.send(*args)
    except Exception as exc:  # noqa: BLE001 - any failure to enqueue means the broker is away
        outage_log.warning(BROKER_AWAY, extra={"actor": actor.actor_name, "reason": str(exc)[:200]})
        return False
    return True


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    """An in-process worker (embedded mode and tests)."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
