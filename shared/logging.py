"""Structured logs: one JSON object a line (or plain text for a terminal), with
time-zone-aware timestamps; and a filter that lets a recurring warning through once a
minute (an outage must not write a traceback per request)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}

REPEATING_LOGGERS = ("dramatiq.worker.ConsumerThread", "dramatiq.worker.WorkerThread")
"""dramatiq's threads (one logger per queue, ``…ConsumerThread(<queue>)``) that log the
same error every few seconds while Redis is away: a line a minute for all queues."""


def iso_time(record: logging.LogRecord) -> str:
    """The record's instant in RFC 3339 with its offset (UTC), milliseconds included."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class ZonedJsonFormatter(JsonFormatter):
    """JSON lines whose ``time`` says its time zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return iso_time(record)


class ZonedTextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return iso_time(record)


def json_formatter() -> logging.Formatter:
    return ZonedJsonFormatter(JSON_FIELDS, rename_fields=RENAMED, json_ensure_ascii=False)


def text_formatter() -> logging.Formatter:
    return ZonedTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class OncePerInterval(logging.Filter):
    """Lets each recurring message (by logger and message template) through once per
    ``seconds``; the next one that passes says how many were held back. With
    ``prefixes`` (on a handler), only records of loggers named so are limited, and all
    the loggers under one prefix count as one."""

    def __init__(
        self,
        seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        prefixes: tuple[str, ...] = (),
    ):
        super().__init__()
        self.seconds = seconds
        self.clock = clock
        self.prefixes = prefixes
        self._last: dict[tuple[str, Any], float] = {}
        self._held: dict[tuple[str, Any], int] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget what was let through (a test's fresh start)."""
        with self._lock:
            self._last.clear()
            self._held.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if self.prefixes:
            name = next((p for p in self.prefixes if record.name.startswith(p)), "")
            if not name:
                return True
        key = (name, record.msg)
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.seconds:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            record.repeats_held_back = self._held.pop(key, 0)
        return True


def once_a_minute(logger: logging.Logger) -> logging.Logger:
    """``logger`` with a `OncePerInterval` filter of a minute (added once)."""
    if not any(isinstance(f, OncePerInterval) for f in logger.filters):
        logger.addFilter(OncePerInterval(60.0))
    return logger


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else text_formatter())
    handler.addFilter(OncePerInterval(60.0, prefixes=REPEATING_LOGGERS))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic narrates every readiness probe's version check at INFO.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
