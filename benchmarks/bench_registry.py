"""Registry figures on PostgreSQL (`make bench BENCH=registry`).

1. HTTP ingest: signed 100-event batches from concurrent clients to a real server
   process (gunicorn on 127.0.0.1 with ``deploy/gunicorn.conf.py``; the clients keep
   their connections unless ``--reconnect``), events addressed by national project code (as
   approval systems do), events accepted per second; beside it, in the same run, the
   store's own 100-event batched append (one writer, in process) and the ratio
   (aim ≥ 0.7).
2. A project's state as of a past date, for a project with 10,000 events: p50/p95/p99
   latency of the handler and of the HTTP request (in process).

Each part runs in its own throw-away database on ``GONGJIAN_BENCH_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2024, 1, 1, tzinfo=UTC)


def wsgi_app():  # type: ignore[no-untyped-def]
    """The registry alone, for ``gunicorn 'benchmarks.bench_registry:wsgi_app()'``."""
    from services.composition import create_app, runtime_for
    from shared.config import Settings

    return create_app(runtime_for(Settings.from_env()), ("registry",))


@contextlib.contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"gj_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        from services.composition import migration_locations
        from shared.migrations import upgrade

        upgrade(url, migration_locations())
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _registry(url: str):  # type: ignore[no-untyped-def]
    from services.composition import runtime_for
    from shared.config import Settings

    return runtime_for(Settings.from_env(database_url=url))


def _registration(project_id: str, national_code: str | None = None) -> dict:
    return {
        "project_id": project_id,
        "national_code": national_code,
        "name": f"项目 {project_id}",
        "category": "breakthrough",
        "sector": "manufacturing",
        "town": "城关镇",
        "year": 2024,
        "total_investment": "100000000.00",
        "annual_plan": "30000000.00",
        "leader": "张副县长",
        "lead_unit": "县发改局",
        "owner_unit": "某公司",
    }


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.50):.1f} ms, p95 {at(0.95):.1f} ms, p99 {at(0.99):.1f} ms"


# -- 1. HTTP ingest ------------------------------------------------------------------


def bench_ingest(
    url: str, clients: int, batches: int, workers: int, *, reconnect: bool = False
) -> float:
    """Events accepted per second over HTTP (printed with the batch latencies).

    The server runs as deployed (``deploy/gunicorn.conf.py``: threaded workers that keep
    connections alive) with ``workers`` processes; each client keeps its connection, as
    HTTP clients do, unless ``reconnect`` (a new connection for every batch, so that any
    worker may take any batch)."""
    from services.registry.application.signing import sign
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts

    runtime = _registry(url)
    projects_per_client = 10
    parts = RegistryParts.of(runtime)
    secret = parts.integrations.create("bench", ["InspectionCompleted"])
    parts.registry.submit_batch(
        [
            Submission(
                str(uuid.uuid4()), "ProjectRegistered", START, _registration(f"p{n}", _code(n))
            )
            for n in range(clients * projects_per_client)
        ]
    )
    runtime.close()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "benchmarks.bench_registry:wsgi_app()",
        ],
        cwd=ROOT,
        env={**os.environ, "GONGJIAN_DATABASE_URL": url, "GONGJIAN_LOG_LEVEL": "WARNING"},
    )
    try:
        _wait_ready(port)

        def body(client: int, batch: int) -> bytes:
            events = [
                {
                    "event_id": str(uuid.uuid4()),
                    "national_code": _code(client * projects_per_client + i % projects_per_client),
                    "type": "InspectionCompleted",
                    "occurred_at": (START + timedelta(minutes=batch * 100 + i)).isoformat(),
                    "payload": {"inspection_id": f"c{client}-b{batch}-{i}", "result": "passed"},
                }
                for i in range(100)
            ]
            return json.dumps({"events": events}).encode()

        def post(conn: http.client.HTTPConnection, payload: bytes) -> dict:
            request_id, stamp = f"req_{uuid.uuid4().hex}", int(time.time())
            conn.request(
                "POST",
                "/v1/ingest",
                body=payload,
                headers={
                    "content-type": "application/json",
                    "webhook-id": request_id,
                    "webhook-timestamp": str(stamp),
                    "webhook-signature": sign(secret, request_id, stamp, payload),
                    "gongjian-integration": "bench",
                },
            )
            response = conn.getresponse()
            answer = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"ingest answered {response.status}: {answer}")
            return answer

        bodies = {c: [body(c, b) for b in range(batches + 2)] for c in range(clients)}
        accepted, latencies, failures = [0], [], []

        def client(c: int, warm: bool) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            chosen = bodies[c][:2] if warm else bodies[c][2:]
            try:
                for payload in chosen:
                    started = time.perf_counter()
                    answer = post(conn, payload)
                    if not warm:
                        latencies.append(time.perf_counter() - started)
                        accepted[0] += answer["accepted"]
                    if reconnect:
                        conn.close()
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
            finally:
                conn.close()

        for warm in (True, False):
            threads = [threading.Thread(target=client, args=(c, warm)) for c in range(clients)]
            cpu_before = _cpu_by_role(server.pid, url)
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu_after = _cpu_by_role(server.pid, url)
        if failures:
            raise failures[0]
        print(
            f"HTTP ingest (PostgreSQL, gunicorn as deployed with -w {workers}, {clients} clients"
            f"{', a new connection for every batch' if reconnect else ' keeping their connections'}, "
            f"{batches} signed 100-event batches each): {accepted[0]} events in {elapsed:.2f} s "
            f"= {accepted[0] / elapsed:,.0f} events/s; batch latency {_percentiles(latencies)}"
        )
        print(f"CPU an event: {_cpu_per_event(cpu_before, cpu_after, accepted[0], elapsed)}")
        return accepted[0] / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu_by_role(server_pid: int, url: str) -> dict[str, float]:
    """CPU seconds so far of the server's workers, of the database's backends serving
    ``url``'s database and of this process (its client threads); empty where ``/proc``
    cannot tell (not Linux)."""
    proc = Path("/proc")
    if not (proc / str(server_pid) / "stat").exists():
        return {}
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"))
    try:
        with admin.connect() as conn:
            backends = (
                conn.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}
                )
                .scalars()
                .all()
            )
    finally:
        admin.dispose()
    workers = [
        int(pid)
        for pid in (proc / str(server_pid) / "task" / str(server_pid) / "children")
        .read_text()
        .split()
    ]
    return {
        "server": sum(map(_cpu_seconds, workers)),
        "database": sum(map(_cpu_seconds, backends)),
        "clients": time.process_time(),
    }


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_per_event(
    before: dict[str, float], after: dict[str, float], events: int, elapsed: float
) -> str:
    if not before or not after or not events:
        return "not measured here"
    parts = {role: (after[role] - before[role]) * 1e6 / events for role in before}
    used = sum(after[role] - before[role] for role in before) / elapsed
    return (
        ", ".join(f"{role} {us:.0f} µs" for role, us in parts.items())
        + f", in all {sum(parts.values()):.0f} µs; {used:.2f} of {os.cpu_count()} CPUs busy"
    )


def store_batched_rate(server_url: str, events: int) -> float:
    """The store's own append of ``events`` in 100-event batches (one writer, in process,
    payloads validated), on a fresh database: what HTTP ingest is compared with."""
    from services.composition import migration_locations
    from shared.db import create_db_engine
    from shared.events import build_registry
    from shared.eventstore import EventStore

    from ._eventstore_workload import postgres_database, workload

    batched = workload(events)
    with postgres_database(server_url, migration_locations()) as url:
        engine = create_db_engine(url)
        try:
            store = EventStore(engine, build_registry())
            store.append(workload(100, start=events))  # connect and warm up
            started = time.perf_counter()
            for start in range(0, len(batched), 100):
                store.append(batched[start : start + 100])
            return len(batched) / (time.perf_counter() - started)
        finally:
            engine.dispose()


def _code(n: int) -> str:
    """A national project code (项目代码), as approval systems address projects."""
    return f"2403-330000-04-01-{n:06d}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not come up")


# -- 2. state as of a past date --------------------------------------------------------


def _long_history(n: int) -> Iterator[tuple[str, dict]]:
    """A plausible busy project: slips, reassignments, inspections, issues."""
    rng = random.Random(7)
    due = {f"m{k}": datetime(2024, 6, 1).date() for k in range(20)}
    for key, when in due.items():
        yield "MilestonePlanned", {"milestone_id": key, "name": f"节点 {key}", "due": str(when)}
    open_issues: list[str] = []
    for i in range(n - len(due)):
        roll = rng.random()
        if roll < 0.4:
            key = f"m{rng.randrange(20)}"
            due[key] += timedelta(days=1)
            yield "MilestoneSlipped", {"milestone_id": key, "new_due": str(due[key])}
        elif roll < 0.6:
            yield "ResponsibilityAssigned", {"leader": f"领导 {rng.randrange(5)}"}
        elif roll < 0.8:
            yield "InspectionCompleted", {"inspection_id": f"i{i}", "result": "passed"}
        elif roll < 0.9 or not open_issues:
            open_issues.append(f"q{i}")
            yield "IssueRaised", {"issue_id": f"q{i}", "kind": "land", "description": "用地"}
        else:
            yield "IssueResolved", {"issue_id": open_issues.pop(0)}


def bench_as_of(url: str, events: int, queries: int) -> None:
    from services.composition import create_app
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts

    runtime = _registry(url)
    registry = RegistryParts.of(runtime).registry
    registry.submit(Submission(str(uuid.uuid4()), "ProjectRegistered", START, _registration("big")))
    step = timedelta(minutes=50)
    pending: list[Submission] = []
    for n, (type_, payload) in enumerate(_long_history(events - 1), 1):
        pending.append(
            Submission(str(uuid.uuid4()), type_, START + n * step, payload, project_id="big")
        )
        if len(pending) == 100:
            _all_accepted(registry.submit_batch(pending))
            pending = []
    if pending:
        _all_accepted(registry.submit_batch(pending))
    span = events * step
    rng = random.Random(11)
    dates = [START + span * rng.uniform(0.05, 0.95) for _ in range(queries)]
    handler: list[float] = []
    for as_of in dates:
        started = time.perf_counter()
        registry.state("big", as_of)
        handler.append(time.perf_counter() - started)
    client = create_app(runtime, ("registry",)).test_client()
    headers = {"Authorization": f"Bearer {runtime.tokens.create('bench', 'viewer')}"}
    over_http: list[float] = []
    for as_of in dates:
        started = time.perf_counter()
        response = client.get(f"/v1/projects/big?as_of={as_of:%Y-%m-%dT%H:%M:%SZ}", headers=headers)
        over_http.append(time.perf_counter() - started)
        assert response.status_code == 200
    version = registry.state("big").version
    print(
        f"state as of a past date, project with {version:,} events ({queries} random dates): "
        f"handler {_percentiles(handler)}; HTTP in process {_percentiles(over_http)}"
    )
    runtime.close()


def _all_accepted(outcomes: list) -> None:
    refused = [o for o in outcomes if o.status != "accepted"]
    if refused:
        raise RuntimeError(f"bench history refused: {refused[0].to_dict()}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_registry")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batches", type=int, default=40, help="per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="HTTP ingest: a new connection for every batch (any worker takes any batch)",
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--only", choices=("ingest", "as-of"))
    args = parser.parse_args(argv)
    server = os.environ.get(
        "GONGJIAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    if args.only in (None, "ingest"):
        # The store's own rate before and after, averaged: load from elsewhere on the
        # machine falls on both sides of the ratio alike.
        half = args.clients * args.batches * 50
        before = store_batched_rate(server, half)
        with throwaway_database(server) as url:
            ingest = bench_ingest(
                url, args.clients, args.batches, args.workers, reconnect=args.reconnect
            )
        store = (before + store_batched_rate(server, half)) / 2
        ratio = ingest / store
        print(
            f"store append, 100-event batches (one writer, same run): {store:,.0f} events/s; "
            f"HTTP ingest / store = {ratio:.2f} (aim ≥ 0.70: {'met' if ratio >= 0.7 else 'NOT met'})"
            f"; load {os.getloadavg()[0]:.1f}"
        )
    if args.only in (None, "as-of"):
        with throwaway_database(server) as url:
            bench_as_of(url, args.events, args.queries)


if __name__ == "__main__":
    main(sys.argv[1:])
