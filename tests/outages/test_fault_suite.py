"""The fault suite, short form (``make soak`` runs it longer): 8 writer processes post events with
duplicates and stale versions through a real HTTP server on PostgreSQL and a real Redis
while the database connections are cut every 2 s, Redis is stopped and started, and the
worker is killed with SIGKILL and replaced. Afterwards: no 500, every accepted event is
stored and nothing else, positions are gapless, the chain verifies, and the read model
equals a rebuild."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field, replace

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

from services.composition import create_app, runtime_for
from services.scheduling.readmodel import queries
from services.scheduling.readmodel.tables import projects as board_projects
from services.scheduling.wiring import SchedulingParts
from shared.config import Settings
from tests.registry.unit.builders import registration

from .conftest import start_worker, stop, wait_until

WRITERS = 8
SECONDS = float(os.environ.get("GONGJIAN_SOAK_SECONDS") or 15)


@dataclass
class Tally:
    accepted: set[str] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, event_id: str | None = None) -> None:
        with self.lock:
            self.statuses.append(status)
            if event_id is not None:
                self.accepted.add(event_id)


def call(base: str, path: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def writer(base: str, token: str, project: str, until: float, tally: Tally) -> None:
    """New events, re-sent duplicates and stale versions; a 503 is retried with the same
    event id until it is answered (so what was committed before a cut is acknowledged)."""
    number, version, last = 0, 1, None
    while time.monotonic() < until:
        number += 1
        event_id = last if last and number % 3 == 0 else str(uuid.uuid4())
        body = {
            "event_id": event_id,
            "type": "MilestonePlanned",
            "occurred_at": "2024-03-05T09:00:00+08:00",
            "payload": {"milestone_id": event_id[:8], "name": "节点", "due": "2024-09-30"},
            "expected_version": 1 if number % 5 == 0 and event_id != last else None,
        }
        for _attempt in range(50):
            status, answer = call(base, f"/v1/projects/{project}/events", body, token)
            tally.note(status, event_id if status in (200, 201) else None)
            if status != 503:
                break
            time.sleep(0.2)
        if status in (200, 201):
            version = max(version, answer.get("project", {}).get("version", version))
            last = event_id


def writer_process(base: str, token: str, project: str, until: float, results) -> None:  # type: ignore[no-untyped-def]
    """One writer in a process of its own; its answers go back through ``results``."""
    tally = Tally()
    writer(base, token, project, until, tally)
    results.put((tally.statuses, sorted(tally.accepted)))


def cut_connections(admin, until: float) -> None:
    """Every 2 s, what a failover does: every connection cut, in flight or idle (each
    backend has ended when the cut returns, as after a restart)."""
    while time.monotonic() < until:
        time.sleep(2)
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )


def board(runtime) -> list[tuple]:
    with runtime.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(board_projects).order_by("project_id"))]


@pytest.mark.slow
def test_writes_survive_cut_connections_a_redis_outage_and_a_killed_worker(
    postgres_url, private_redis, tmp_path
):
    settings = Settings.from_env(database_url=postgres_url, redis_url="", data_dir=tmp_path)
    runtime = runtime_for(replace(settings, redis_url=private_redis.url))
    runtime.bus.retry_pauses = (0.2,)
    admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    server = make_server("127.0.0.1", 0, create_app(runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    token = runtime.tokens.create("soak-office", "office")
    for n in range(WRITERS):
        body = {**registration(f"s{n}"), "national_code": None}
        body["occurred_at"] = "2024-03-01T09:00:00+08:00"
        assert call(base, "/v1/projects", body, token)[0] == 201
    worker = start_worker(runtime, tmp_path)
    tally, until = Tally(), time.monotonic() + SECONDS
    # Forked: a writer only speaks HTTP, and a forked child leaves by os._exit, so the
    # parent's pooled connections it inherits are never touched.
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    writers = [
        fork.Process(target=writer_process, args=(base, token, f"s{n}", until, results))
        for n in range(WRITERS)
    ]
    threads = [threading.Thread(target=cut_connections, args=(admin, until))]
    try:
        for process in writers:
            process.start()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS * 0.2)
        private_redis.stop()
        time.sleep(SECONDS * 0.15)
        stop(worker, signal.SIGKILL)
        worker = start_worker(runtime, tmp_path, GONGJIAN_HEARTBEAT_FILE=str(tmp_path / "b2"))
        time.sleep(SECONDS * 0.15)
        private_redis.start()
        for _ in writers:
            statuses, accepted = results.get(timeout=SECONDS + 120)
            tally.statuses += statuses
            tally.accepted.update(accepted)
        for process in writers:
            process.join(timeout=30)
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        head = runtime.store.head().position
        assert wait_until(lambda: queries.checkpoint(runtime.store) == head, timeout=60)
    finally:
        stop(worker)
        server.shutdown()
    try:
        stored = {
            e.event_id
            for n in range(WRITERS)
            for e in runtime.store.read_stream(f"project-s{n}")
            if e.type == "MilestonePlanned"
        }
        positions = [e.global_position for e in runtime.store.read_all(limit=1_000_000)]
        caught_up = board(runtime)
        SchedulingParts.of(runtime).service.rebuild()
        rebuilt = board(runtime)
        verified = runtime.store.verify()
    finally:
        runtime.close()
        admin.dispose()

    assert 500 not in tally.statuses
    assert set(tally.statuses) <= {200, 201, 409, 503}
    counts = {status: tally.statuses.count(status) for status in set(tally.statuses)}
    print(f"fault suite: {counts} answers, {len(stored)} events stored")  # noqa: T201
    assert counts.get(201, 0) > WRITERS  # the writers got through
    assert counts.get(200, 0) and counts.get(409, 0)  # duplicates and stale versions were sent
    assert stored == tally.accepted
    assert positions == list(range(1, len(positions) + 1))
    assert verified.ok, verified
    assert caught_up == rebuilt
