"""Messaging over dramatiq: the broker from configuration, and nudges after appends.

The event store is the outbox: nothing but a nudge travels on the broker. After an
append commits, `EventBus.nudge` enqueues ``<service>.catch_up(position)`` for every
subscribing service; the actor reads the log from its own checkpoint, so a lost or
repeated nudge loses or doubles nothing. Actors are named ``<service>.<verb>`` and each
service has its own queue (named after the service).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message

from .config import Settings

log = logging.getLogger(__name__)

DEFAULT_SUBSCRIBERS: tuple[str, ...] = ("scheduling",)
"""Services with a read model that follows the log (the message contract)."""


def create_broker(settings: Settings) -> dramatiq.Broker:
    """Redis when ``GONGJIAN_REDIS_URL`` is set, otherwise the in-memory broker."""
    if settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker: dramatiq.Broker = RedisBroker(
            url=settings.redis_url, namespace=settings.redis_namespace
        )
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    return broker


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
    """Sends the small "new events up to position P" message to each subscriber."""

    def __init__(self, broker: dramatiq.Broker, subscribers: Iterable[str] | None = None) -> None:
        self.broker = broker
        self.subscribers = tuple(subscribers) if subscribers is not None else subscribers_from_env()

    def nudge(self, position: int) -> None:
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


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    """An in-process worker (embedded mode and tests)."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
