"""The worker role: ``dramatiq services.worker`` imports this module to find its broker.

Importing it is the worker's start-up (dramatiq's CLI knows no other hook): it reads the
settings from the environment, waits for Redis with a growing pause between attempts (the
broker may start after the worker, or be restarting; by default for as long as it takes),
builds the runtime, declares every service's actors on the Redis broker, adds the
heartbeat that `gongjian worker-health` reads and the timer that catches every read model
up without nudges, and hands the broker to dramatiq. Once running, dramatiq's consumers
reconnect to a Redis that went away by themselves; the worker never exits for it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dramatiq
import redis
from dramatiq.errors import BrokerConnectionError

from shared.config import Settings
from shared.heap import SettledHeap
from shared.heartbeat import Heartbeat
from shared.logging import configure_logging, once_a_minute
from shared.messaging import redis_client
from shared.runtime import Runtime

from .composition import runtime_for, worker_timer

log = logging.getLogger("gongjian.worker")
waiting_log = once_a_minute(logging.getLogger("gongjian.worker.broker"))

CONNECT_TIMEOUT_VARIABLE = "GONGJIAN_BROKER_CONNECT_TIMEOUT"
"""Seconds to keep trying Redis at start before giving up (exit 1); unset or 0: keep
trying (a warning a minute)."""


class BrokerUnreachable(BrokerConnectionError):
    """Redis did not answer within the start-up timeout (dramatiq's CLI then exits 3)."""


def wait_for_broker(
    url: str,
    *,
    timeout: float | None,
    ping: Callable[[str], object] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Ping Redis until it answers (or ``timeout`` seconds pass); the attempts it took."""
    ping = ping or _ping
    deadline = clock() + timeout if timeout else float("inf")
    pause, attempt = 0.5, 0
    while True:
        attempt += 1
        try:
            ping(url)
            return attempt
        except (redis.RedisError, OSError) as exc:
            left = deadline - clock()
            if left <= 0:
                raise BrokerUnreachable(
                    f"Redis 在 {timeout:g} 秒内（试了 {attempt} 次）未应答：{exc}"
                ) from exc
            waiting_log.warning(
                "broker not reachable yet; retrying",
                extra={"attempt": attempt, "retry_in_s": round(min(pause, left), 2)},
            )
            sleep(min(pause, left))
            pause = min(pause * 2, 10.0)


def _ping(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    finally:
        client.close()


def _pinger(settings: Settings) -> Callable[[str], object] | None:
    """With sentinels, ping the master they name (the default pings the URL)."""
    if not settings.redis_sentinels:
        return None
    return lambda _where: redis_client(settings).ping()


@contextmanager
def _stoppable_while_waiting() -> Iterator[None]:
    """dramatiq's worker process only notes a SIGTERM until its broker module has been
    imported; a worker still waiting for Redis must stop at once, not at the kill."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise BrokerUnreachable("等待 Redis 时进程被停止")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def setup(settings: Settings | None = None) -> Runtime:
    """Build the worker's runtime and make its broker dramatiq's global one."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    if not settings.uses_redis:
        raise RuntimeError(
            "后台任务进程须与网页服务共用消息代理：请设置 GONGJIAN_REDIS_URL"
            "（或 GONGJIAN_REDIS_SENTINELS）"
        )
    timeout = float(os.environ.get(CONNECT_TIMEOUT_VARIABLE) or 0) or None
    with _stoppable_while_waiting():
        where = settings.redis_sentinels or settings.redis_url
        attempts = wait_for_broker(where, timeout=timeout, ping=_pinger(settings))
    runtime = runtime_for(settings)
    runtime.broker.add_middleware(Heartbeat())
    runtime.broker.add_middleware(worker_timer(runtime))
    runtime.broker.add_middleware(SettledHeap(settings.gc_young))
    dramatiq.set_broker(runtime.broker)
    log.info(
        "worker ready",
        extra={
            "broker_attempts": attempts,
            "queues": sorted(runtime.broker.get_declared_queues()),
            "actors": sorted(runtime.broker.actors),
        },
    )
    return runtime


runtime = setup()
broker = runtime.broker
