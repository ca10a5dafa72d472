"""Gunicorn settings of the HTTP roles (registry, scheduling, scoring).

Every value comes from the environment, so one image serves every role and host:
``GONGJIAN_HOST``/``GONGJIAN_PORT`` (where to listen), ``GONGJIAN_WEB_WORKERS`` (processes),
``GONGJIAN_WEB_THREADS`` (threads per process), ``GONGJIAN_WEB_TIMEOUT`` (seconds a
request may take before its worker is replaced).
"""

import logging
import os

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = f"{os.environ.get('GONGJIAN_HOST') or '0.0.0.0'}:{_int('GONGJIAN_PORT', 8000)}"
workers = _int("GONGJIAN_WEB_WORKERS", 2)
# Requests spend their time waiting on PostgreSQL: threads, not more processes.
worker_class = "gthread"
threads = _int("GONGJIAN_WEB_THREADS", 4)
timeout = _int("GONGJIAN_WEB_TIMEOUT", 60)
# Below the orchestrator's grace period (compose stop_grace_period and Kubernetes
# terminationGracePeriodSeconds are 60 s), so in-flight requests finish before a kill.
graceful_timeout = _int("GONGJIAN_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then so a slow leak never takes a service down.
max_requests = _int("GONGJIAN_WEB_MAX_REQUESTS", 10000)
max_requests_jitter = max_requests // 10
# The heartbeat files on a RAM disk: a slow overlay filesystem can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The app logs each request as JSON; gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GONGJIAN_LOG_LEVEL", "info").lower()
# Gunicorn's own lines (boot, worker exits, timeouts) in the app's format: one JSON object a
# line with a time-zone-aware time (GONGJIAN_LOG_FORMAT=text for people).
_formatter = (
    "shared.logging.text_formatter"
    if os.environ.get("GONGJIAN_LOG_FORMAT", "json") == "text"
    else "shared.logging.json_formatter"
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"gongjian": {"()": _formatter}},
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "gongjian",
            "stream": "ext://sys.stderr",
        },
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "gongjian",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
            "qualname": "gunicorn.error",
        },
        # With a logging config gunicorn writes access lines whatever ``accesslog`` says;
        # they come at INFO: dropped here, as the app has logged the request already.
        "gunicorn.access": {
            "level": "WARNING",
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
    "root": {"level": loglevel.upper(), "handlers": ["error_console"]},
}


class QuietAccessLogger(Logger):
    """gunicorn's logger, which with a logging config puts every access line's fields
    together before the config's level drops the line (a fiftieth of a signed ingest
    request's CPU, measured under `py-spy`): none put together while ``gunicorn.access``
    takes no INFO lines."""

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


logger_class = QuietAccessLogger
# A reverse proxy in front sets X-Forwarded-*; trust it only where it runs.
forwarded_allow_ips = os.environ.get("GONGJIAN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = f"gongjian-{os.environ.get('GONGJIAN_SERVICE', 'web')}"
# Gunicorn 25+ opens a control socket under $HOME, which the image's user has none of;
# the orchestrator, not gunicornc, manages these processes. (Older versions ignore it.)
control_socket_disable = True


def post_worker_init(worker):  # noqa: ARG001 - gunicorn's hook signature
    """The worker's app is built: what it holds frozen out of the collector's sight
    (``shared.heap``; ``GONGJIAN_GC_YOUNG=0`` leaves the collector as Python sets it)."""
    from shared.heap import settle

    settle()


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """Drop a dead worker's live gauges from the summed metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
