"""Liveness of processes that serve no HTTP (workers): a heartbeat file.

A dramatiq worker touches the file every few seconds while all its consumer and worker
threads are alive; `gongjian worker-health` (the container's health check and the
Kubernetes liveness probe) says whether the file is fresh. A wedged or dead process stops
touching it and is restarted. Each beat also stamps the worker in a Redis sorted set
(`LIVE_WORKERS`), which the metrics count as live workers.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import dramatiq

log = logging.getLogger(__name__)

HEARTBEAT_VARIABLE = "GONGJIAN_HEARTBEAT_FILE"
INTERVAL_SECONDS = 10.0
MAX_AGE_SECONDS = 60.0
"""Several missed beats before a process counts as dead: a long GC pause is no crash."""


LIVE_WORKERS = "gongjian:live-workers"
"""The sorted set ``<namespace>:gongjian:live-workers``: worker id → time of its last beat."""


def live_workers_key(broker: dramatiq.Broker) -> str:
    return f"{getattr(broker, 'namespace', 'dramatiq')}:{LIVE_WORKERS}"


def live_workers(broker: dramatiq.Broker, *, now: float | None = None) -> int | None:
    """Workers that beat within `MAX_AGE_SECONDS`; None without a Redis broker."""
    client = getattr(broker, "client", None)
    if client is None:
        return None
    since = (time.time() if now is None else now) - MAX_AGE_SECONDS
    return int(client.zcount(live_workers_key(broker), since, "+inf"))


def heartbeat_path() -> Path:
    raw = os.environ.get(HEARTBEAT_VARIABLE)
    return Path(raw) if raw else Path(tempfile.gettempdir()) / "gongjian-worker.heartbeat"


def heartbeat_age(path: Path | None = None, *, now: float | None = None) -> float | None:
    """Seconds since the last beat, or None when there never was one."""
    try:
        beat = (path or heartbeat_path()).stat().st_mtime
    except FileNotFoundError:
        return None
    return max((time.time() if now is None else now) - beat, 0.0)


def beat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class Heartbeat(dramatiq.Middleware):
    """Beats from worker boot to worker shutdown, while the worker's threads live."""

    def __init__(self, path: Path | None = None, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path or heartbeat_path()
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(worker, broker), name="gongjian-heartbeat", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _announce(self, broker: dramatiq.Broker) -> None:
        """Stamp this worker as live in Redis (for the metrics); Redis away: skip a beat."""
        client = getattr(broker, "client", None)
        if client is None:
            return
        try:
            key = live_workers_key(broker)
            client.zadd(key, {self.worker_id: time.time()})
            client.zremrangebyscore(key, 0, time.time() - 24 * 3600)
        except Exception:  # noqa: BLE001 - liveness is the file; this only feeds a metric
            log.debug("live worker not stamped in Redis", exc_info=True)

    def _run(self, worker: Any, broker: dramatiq.Broker) -> None:
        while not self._stop.is_set():
            threads = [*worker.consumers.values(), *worker.workers]
            dead = [thread.name for thread in threads if not thread.is_alive()]
            if dead:
                log.error("worker threads died; no heartbeat", extra={"threads": dead})
            else:
                try:
                    beat(self.path)
                except OSError:
                    log.exception("could not write the heartbeat", extra={"path": str(self.path)})
                self._announce(broker)
            self._stop.wait(self.interval)
