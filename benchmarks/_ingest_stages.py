"""Where a signed ingest request's CPU goes, stage by stage (`bench_registry --only=stages`).

The registry in this process, one client (Flask's test client), signed 100-event batches
(`bench_registry.batch_body`) to a client's share of the projects; every named stage is wrapped to add up the CPU time its thread spends in
it (`time.thread_time`), nested stages inside their callers. Printed per event, beside
the whole process's CPU and the database's backends'. The wrappers cost ~1 µs a call: the
per-event stages (`_prepare`) carry that much more than they do unwrapped.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

STAGES: tuple[tuple[str, str, str], ...] = (
    ("flask:Flask", "wsgi_app", "the request, as the app handles it"),
    ("services.registry.entrypoints.ingest", "_admitted", "  admitted: signature checked"),
    ("services.registry.application.integrations:Integrations", "admit", "    admit"),
    ("services.registry.application.handlers:Registry", "submit_batch", "    submit_batch"),
    ("services.registry.application.handlers:Registry", "_prepare", "      prepare each item"),
    ("services.registry.application.handlers:Registry", "_decide", "      decide"),
    ("services.registry.application.handlers:Registry", "_preload", "        preload states"),
    ("services.registry.application.handlers:Registry", "_commit", "      commit"),
    ("shared.eventstore.store:EventStore", "append", "        the store's append"),
    (
        "services.registry.application.handlers:Registry",
        "_save_snapshots",
        "        snapshots",
    ),
    (
        "services.registry.application.integrations:Integrations",
        "remember",
        "        request id kept",
    ),
    ("services.registry.entrypoints.ingest", "_answer", "    the answer written"),
)
"""(module[:class], function, label): the stages timed, in the order printed."""


@contextmanager
def timed_stages() -> Iterator[Counter[str]]:
    """While entered, each of `STAGES` adds its thread's CPU seconds to the counter."""
    import importlib

    spent: Counter[str] = Counter()
    undo: list[tuple[Any, str, Any]] = []
    for where, name, label in STAGES:
        module_name, _, class_name = where.partition(":")
        owner: Any = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        undo.append((owner, name, original))
        setattr(owner, name, _timing(original, label, spent))
    try:
        yield spent
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def _timing(original: Any, label: str, spent: Counter[str]) -> Any:
    function: Callable[..., Any] = (
        original.__func__ if isinstance(original, staticmethod) else original
    )

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - started

    return staticmethod(wrapper) if isinstance(original, staticmethod) else wrapper


def bench_stages(url: str, batches: int, projects: int) -> None:
    """Sign and post ``batches`` 100-event batches to ``projects`` in process; print each
    stage's CPU an event."""
    from benchmarks import bench_registry as bench
    from services.composition import create_app
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts

    runtime = bench._registry(url)
    parts = RegistryParts.of(runtime)
    secret = parts.integrations.create("bench", ["InspectionCompleted"])
    parts.registry.submit_batch(
        [
            Submission(str(uuid.uuid4()), "ProjectRegistered", bench.START, reg)
            for reg in (bench._registration(f"p{n}", bench._code(n)) for n in range(projects))
        ]
    )
    client = create_app(runtime, ("registry",)).test_client()
    bodies = [bench.batch_body(0, b, projects) for b in range(batches + 5)]

    def post(payload: bytes) -> None:
        response = client.post("/v1/ingest", data=payload, headers=bench.signed(secret, payload))
        if response.status_code != 200 or response.get_json()["accepted"] != 100:
            raise RuntimeError(f"ingest answered {response.status_code}: {response.get_data()}")

    for payload in bodies[:5]:
        post(payload)  # connections, plans and kept states warm
    backends = bench._backends(url)
    database_before = sum(map(bench._cpu_seconds, backends))
    with timed_stages() as spent:
        process_before = time.process_time()
        for payload in bodies[5:]:
            post(payload)
        process = time.process_time() - process_before
    database = sum(map(bench._cpu_seconds, backends | bench._backends(url))) - database_before
    events = batches * 100
    print(
        f"signed ingest in process, one client, {batches} 100-event batches to {projects} "
        "projects "
        "(`--only=stages`): CPU an event by stage"
    )
    for _, _, label in STAGES:
        print(f"  {label:<40} {spent[label] * 1e6 / events:6.1f} µs")
    print(
        f"  this process in all (the test client too) {process * 1e6 / events:6.1f} µs; "
        f"the database's backends {database * 1e6 / events:.1f} µs"
    )
    runtime.close()
