"""Liveness of processes that serve no HTTP (workers): a heartbeat file.

A dramatiq worker touches the file every few seconds while all its consumer and worker
threads are alive; `gongjian worker-health` (the container's health check and the
Kubernetes liveness probe) says whether the file is fresh. A wedged or dead process stops
touching it and is restarted.
"""

from __future__ import annotations

import logging
import os
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

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(worker,), name="gongjian-heartbeat", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _run(self, worker: Any) -> None:
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
            self._stop.wait(self.interval)
