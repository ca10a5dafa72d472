"""The web server as deployed, under concurrent first use: gunicorn with
``deploy/gunicorn.conf.py`` (gthread), one worker process of 8 threads serving every
service and the console, on PostgreSQL and Redis.

Process-wide caches are built on first use, and a request thread that finds one half
built answers 500 (`tests/shared/test_event_types_threads.py` is one that was). So each
round starts a fresh server process, its threads taking turns far more often than
Python's default (`SWITCHING_OFTEN`), and 12 clients released together send a mix from
their very first request: signed ingest batches (one with an item of every event type,
from three clients at once; then valid items, refused items, duplicates, the same events
from several clients at once, new projects and events addressed by their new national
codes), every GET route of the app (the API with ``as_of``/``known_at``, the feed,
scheduling and scoring reads, console pages signed in, the OpenAPI document, ``/readyz``,
``/metrics``) and a few requests that write. A worker process runs throughout, so the
read models move and the chain is verified while the web threads read. With the event
catalogue's old two-step build put back, the first round answers 500s; it found
``/readyz`` answering 503 while a worker verified the chain
(`tests/shared/test_readiness_while_appending.py`).

Afterwards: no answer was a 5xx, every API error was problem+json, every item accepted
is in the log exactly once (by event id), every duplicate was answered with its stored
position, the chain verifies, and so did every full verification the worker finished
while the log grew. ``GONGJIAN_STRESS_ROUNDS`` and
``GONGJIAN_STRESS_SECONDS`` run it longer (defaults 3 rounds of 4 s: about 30 s).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text

from services.composition import create_app, runtime_for
from services.console.accounts import Accounts
from services.registry.application.signing import sign
from services.registry.application.submissions import Submission
from services.registry.wiring import RegistryParts
from shared.config import Settings
from shared.eventstore.schema import verification_jobs
from tests.console.conftest import FAST_HASHER
from tests.outages.conftest import free_port
from tests.registry.unit import builders

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("GONGJIAN_STRESS_ROUNDS", "3"))
SECONDS = float(os.environ.get("GONGJIAN_STRESS_SECONDS", "4"))
CLIENTS = 12
INTEGRATION = "stress"
PROJECTS = [f"XM2024{n:03d}" for n in range(1, 9)]
START = datetime(2024, 1, 8, tzinfo=UTC)
PASSWORD = "县项目办-2024-stress"
ROLES = ("office", "auditor", "admin", "viewer", "approver")
OPS = ["/readyz", "/livez", "/metrics", "/openapi.json"]
FILL = {
    "project_id": PROJECTS[0],
    "year": "2024",
    "cadence": "monthly",
    "period": "2024-03",
    "kind": "agenda",
    "fmt": "md",
}
"""What a GET route's parameters are filled with; any other is an id that is not there
(a 404 must be an answer too, never a 500)."""


def national_code(n: int) -> str:
    return f"2403-330000-04-01-{n:06d}"


@dataclass
class Campaign:
    """What the clients need: the database, the secret, a token per role, the routes,
    the event types the integration may send (all of them)."""

    database_url: str
    redis_url: str
    namespace: str
    data_dir: Path
    secret: str
    tokens: dict[str, str]
    paths: list[str]
    types: tuple[str, ...]


@dataclass
class Answer:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Tally:
    """Every answer the clients got, and what ingest said of each item."""

    answers: list[Answer] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: list[tuple[str, int]] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)
    registering: dict[str, str] = field(default_factory=dict)
    """Event id of a registration sent → the new project's national code."""
    codes: list[str] = field(default_factory=list)
    """National codes of the projects registered by the clients."""
    failures: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ingested(self, answer: Answer) -> None:
        if answer.status != 200:
            return
        for result in json.loads(answer.body)["results"]:
            if result["status"] == "accepted":
                self.accepted[result["event_id"]] += 1
                if result["event_id"] in self.registering:
                    self.codes.append(self.registering[result["event_id"]])
            elif result["status"] == "duplicate":
                self.duplicates.append((result["event_id"], result["global_position"]))


@pytest.fixture
def campaign(postgres_url, redis_url, redis_namespace, tmp_path) -> Iterator[Campaign]:
    """Eight projects with a little history, an integration, a token per role and a
    console account per role, made in this process; the routes read from the app's map."""
    settings = Settings.from_env(
        database_url=postgres_url,
        redis_url=redis_url,
        redis_namespace=redis_namespace,
        data_dir=tmp_path,
    )
    runtime = runtime_for(settings)
    try:
        parts = RegistryParts.of(runtime)
        types = parts.integrations.known_types
        secret = parts.integrations.create(INTEGRATION, list(types))
        parts.registry.submit_batch(list(history()))
        tokens = {role: runtime.tokens.create(f"stress-{role}", role) for role in ROLES}
        accounts = Accounts(runtime.engine, FAST_HASHER)  # cheap to verify, as its hashes say
        for role in ROLES:
            accounts.create(f"{role}1", role, PASSWORD, f"{role}压测")
        paths = get_paths(create_app(runtime))
    finally:
        runtime.close()
    yield Campaign(postgres_url, redis_url, redis_namespace, tmp_path, secret, tokens, paths, types)


def history() -> Iterator[Submission]:
    for n, pid in enumerate(PROJECTS):
        yield Submission(
            str(uuid.uuid4()), "ProjectRegistered", START, registration(pid, national_code(n))
        )
        for k in range(3):
            yield Submission(
                str(uuid.uuid4()),
                "MilestonePlanned",
                START + timedelta(days=k + 1),
                {"milestone_id": f"m{k}", "name": f"节点{k}", "due": f"2024-0{k + 4}-30"},
                project_id=pid,
            )


def registration(project_id: str, code: str) -> dict:
    return builders.registration(project_id, national_code=code, name=f"压测项目{project_id}")


def get_paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route, its parameters filled, plus the queries on the two clocks."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        paths.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: FILL.get(m[1], "nope"), rule.rule))
    project = f"/v1/projects/{PROJECTS[1]}"
    return sorted(set(paths)) + [
        f"{project}?as_of=2024-01-09",
        f"{project}?as_of=2024-01-10&known_at=2024-01-09T12:00:00Z",
        f"{project}?known_at={datetime.now(UTC):%Y-%m-%d}",
        f"{project}?as_of=not-a-date",
        f"{project}/events?limit=2",
        "/v1/projects?as_of=2024-02-01",
        "/v1/board?as_of=2024-03-31&known_at=2024-04-01",
        "/v1/events?after=0&limit=5",
        "/v1/events?type=InspectionCompleted&limit=50",
        "/v1/events?after=-1",
        "/projects?as_of=2024-02-01",
    ]


class Client:
    """One HTTP/1.1 connection kept open, as a client keeps it; a session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def send(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        headers = dict(headers or {})
        if self.cookie:
            headers["cookie"] = self.cookie
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gthread closes a kept connection now and then (keepalive): open another.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        cookie = response.getheader("set-cookie") or ""
        if cookie.startswith("gongjian_session="):
            self.cookie = cookie.split(";", 1)[0]
        return Answer(method, path, response.status, response.getheader("content-type", ""), data)

    def close(self) -> None:
        self.conn.close()


class Storm:
    """The clients' requests: each client a random mix, from its first request on."""

    def __init__(self, campaign: Campaign, port: int, tally: Tally, seed: int) -> None:
        self.campaign = campaign
        self.port = port
        self.tally = tally
        self.seed = seed
        rng = random.Random(seed)
        self.contested = [self.new_item(rng) for _ in range(40)]
        # The first wave: each of these from three clients at once, on a cold process.
        self.api_paths = [p for p in campaign.paths if p.startswith("/v1/")] + OPS
        self.pages = [p for p in campaign.paths if not p.startswith(("/v1/", "/signin", *OPS))]
        self.wave = [*rng.sample(self.api_paths, 2), rng.choice(self.pages)]

    def client(self, n: int, start: threading.Barrier) -> None:
        rng = random.Random(self.seed * 100 + n)
        client = Client(self.port)
        role = ROLES[n % len(ROLES)]
        kinds = [self.ingest, self.ingest, self.api, self.api, self.api, self.console, self.write]
        try:
            start.wait()
            self.first(client, rng, n)  # answered once the worker has built the app
            until = time.monotonic() + SECONDS
            while time.monotonic() < until:
                rng.choice(kinds)(client, rng, role)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with self.tally.lock:
                self.tally.failures.append(exc)
        finally:
            client.close()

    def record(self, answer: Answer) -> Answer:
        with self.tally.lock:
            self.tally.answers.append(answer)
        return answer

    def first(self, client: Client, rng: random.Random, n: int) -> None:
        """A signed batch, one of the wave's API paths, or sign-in and the wave's page."""
        if n % 4 == 0:
            self.every_type(client)
        elif n % 4 == 3:
            self.sign_in(client, "office")
            self.record(client.send("GET", self.wave[2]))
        else:
            self.get(client, self.wave[n % 4 - 1], "office")

    def api(self, client: Client, rng: random.Random, role: str) -> None:
        path = rng.choice(OPS if rng.random() < 0.15 else self.api_paths)
        self.get(client, path, "office" if rng.random() < 0.5 else role)  # some refused

    def get(self, client: Client, path: str, role: str) -> None:
        headers = {"authorization": f"Bearer {self.campaign.tokens[role]}"}
        self.record(client.send("GET", path, headers=headers))

    def console(self, client: Client, rng: random.Random, role: str) -> None:
        if not client.cookie:
            self.sign_in(client, role)
        self.record(client.send("GET", rng.choice(self.pages)))

    def sign_in(self, client: Client, role: str) -> None:
        page = self.record(client.send("GET", "/signin"))
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
        assert token, "the sign-in page has its form"
        form = urlencode({"username": f"{role}1", "password": PASSWORD, "csrf_token": token[1]})
        answer = self.record(
            client.send(
                "POST",
                "/signin",
                form.encode(),
                {"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
            )
        )
        assert answer.status == 302, answer

    def write(self, client: Client, rng: random.Random, role: str) -> None:
        """Requests that write or start work, the same ones from several clients."""
        method, path, body = rng.choice(
            [
                ("POST", "/v1/plans", {"cadence": "monthly", "period": "2024-03"}),
                ("POST", "/v1/assessments", {"year": 2024}),
                ("POST", "/v1/chain/verifications", {}),
            ]
        )
        headers = {
            "authorization": f"Bearer {self.campaign.tokens['office']}",
            "content-type": "application/json",
        }
        self.record(client.send(method, path, json.dumps(body).encode(), headers))

    def every_type(self, client: Client) -> None:
        """A batch with an item of every type in the catalogue's order, from three clients
        at once: each type's payload checks are built on first use, and a client that
        catches up with another finds them being built (their payloads are empty, so
        every item is refused, after its type's checks are built)."""
        when = (START + timedelta(days=40)).isoformat()
        items = [
            {
                "event_id": str(uuid.uuid4()),
                "project_id": PROJECTS[0],
                "type": name,
                "occurred_at": when,
                "payload": {},
            }
            for name in self.campaign.types
        ]
        self.post_batch(client, items)

    def ingest(self, client: Client, rng: random.Random, role: str) -> None:
        items = [self.item(rng) for _ in range(rng.randint(1, 30))]
        self.post_batch(client, items, forged=rng.random() < 0.05)

    def post_batch(self, client: Client, items: list[dict], *, forged: bool = False) -> None:
        with self.tally.lock:
            self.tally.sent.update(item["event_id"] for item in items)
        body = json.dumps({"events": items}, ensure_ascii=False).encode()
        request_id, stamp = f"req_{uuid.uuid4().hex}", int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": request_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(self.campaign.secret, request_id, stamp, body),
            "gongjian-integration": INTEGRATION,
        }
        if forged:
            headers["webhook-signature"] = "v1,bm90IGEgc2lnbmF0dXJl"
        answer = self.record(client.send("POST", "/v1/ingest", body, headers))
        with self.tally.lock:
            self.tally.ingested(answer)

    def item(self, rng: random.Random) -> dict:
        roll = rng.random()
        if roll < 0.25:  # sent by several clients at once: one accepted, the rest duplicates
            return rng.choice(self.contested)
        item = self.new_item(rng)
        if roll < 0.30:
            item["payload"]["result"] = "也许"
        elif roll < 0.34:
            item["occurred_at"] = item["occurred_at"][:19]  # no time zone
        elif roll < 0.37:
            item["type"] = "ProjectRegistered"
        elif roll < 0.40:
            item["project_id"], item["national_code"] = "XM-nowhere", None
        elif roll < 0.43:
            item["type"] = "IssueRaised"
            item["payload"] = {"issue_id": f"q{rng.randrange(10**9)}", "kind": "land"}
        elif roll < 0.48:  # a new project, with a national code this process has not seen
            pid, code = f"XS{uuid.uuid4().hex[:8]}", f"2403-330000-04-02-{rng.randrange(10**6):06d}"
            item.pop("project_id", None)
            item.pop("national_code", None)
            item["type"], item["payload"] = "ProjectRegistered", registration(pid, code)
            with self.tally.lock:
                self.tally.registering[item["event_id"]] = code
        elif roll < 0.60 and self.tally.codes:  # addressed by a code just registered
            item.pop("project_id", None)
            item["national_code"] = rng.choice(self.tally.codes[-20:])
        return item

    @staticmethod
    def new_item(rng: random.Random) -> dict:
        n = rng.randrange(len(PROJECTS))
        when = START + timedelta(days=30, minutes=rng.randrange(100_000))
        item = {
            "event_id": str(uuid.uuid4()),
            "type": "InspectionCompleted",
            "occurred_at": when.isoformat(),
            "payload": {"inspection_id": f"i{rng.randrange(10**9)}", "result": "passed"},
        }
        if n % 2:
            item["project_id"] = PROJECTS[n]
        else:
            item["national_code"] = national_code(n)
        return item


SWITCHING_OFTEN = (
    "import sys; sys.setswitchinterval(1e-5); sys.argv[0] = 'gunicorn'; "
    "from gunicorn.app.wsgiapp import run; run()"
)
"""``gunicorn``, its threads taking turns every 10 µs instead of every 5 ms: a thread is
then stopped inside a short unguarded step (building a cache entry in two assignments,
tens of microseconds) often, not once in a long while."""


def environment(campaign: Campaign, **more: str) -> dict[str, str]:
    env = {
        **os.environ,
        "GONGJIAN_DATABASE_URL": campaign.database_url,
        "GONGJIAN_REDIS_URL": campaign.redis_url,
        "GONGJIAN_REDIS_NAMESPACE": campaign.namespace,
        "GONGJIAN_DATA_DIR": str(campaign.data_dir),
        "GONGJIAN_LOG_LEVEL": "WARNING",
        "GONGJIAN_LOG_FORMAT": "text",
        **more,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def serve(campaign: Campaign, port: int, log: Path) -> subprocess.Popen:
    env = environment(
        campaign,
        GONGJIAN_SERVICE="all",
        GONGJIAN_HOST="127.0.0.1",
        GONGJIAN_PORT=str(port),
        GONGJIAN_WEB_WORKERS="1",
        GONGJIAN_WEB_THREADS="8",
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SWITCHING_OFTEN, "--config", "deploy/gunicorn.conf.py"]
            + ["services.wsgi:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@contextlib.contextmanager
def worker(campaign: Campaign, log: Path) -> Iterator[None]:
    """The worker role, one process of two threads, for every round: the read models move
    (new projects on the board) while the web threads read them."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.worker_main", "services.worker"]
            + ["--processes", "1", "--threads", "2"],
            env=environment(campaign, GONGJIAN_HEARTBEAT_FILE=str(log.with_suffix(".beat"))),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def wait_until_listening(port: int, server: subprocess.Popen) -> None:
    """Until the port takes connections: no request, so that every cache stays cold."""
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def run_round(campaign: Campaign, tally: Tally, seed: int, log: Path) -> None:
    port = free_port()
    server = serve(campaign, port, log)
    try:
        wait_until_listening(port, server)
        storm = Storm(campaign, port, tally, seed)
        start = threading.Barrier(CLIENTS)
        # The worker builds the app while the first requests wait in the listen queue:
        # they then all meet cold caches together.
        clients = [threading.Thread(target=storm.client, args=(n, start)) for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(120)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def test_concurrent_first_use_of_a_fresh_threaded_server_answers_every_request(campaign, tmp_path):
    tally = Tally()
    log = tmp_path / "gunicorn.log"
    with worker(campaign, tmp_path / "worker.log"):
        for seed in range(ROUNDS):
            run_round(campaign, tally, seed, log)
    server_log = log.read_text(errors="replace")[-6000:]

    assert tally.failures == [], f"{tally.failures[:3]}\n{server_log}"
    failed = [
        f"{a.method} {a.path} → {a.status} {a.body[:400].decode(errors='replace')}"
        for a in tally.answers
        if a.status >= 500
    ]
    assert failed == [], f"{failed[:10]}\n{server_log}"
    not_problems = [
        f"{a.method} {a.path} → {a.status} {a.content_type}"
        for a in tally.answers
        if a.status >= 400
        and (a.path.startswith("/v1/") or "json" in a.content_type)
        and a.content_type != "application/problem+json"
    ]
    assert not_problems == []
    kinds = {a.path.split("?")[0] for a in tally.answers}
    assert {"/v1/ingest", "/v1/events", "/openapi.json", "/readyz", "/metrics"} <= kinds
    pages = [a for a in tally.answers if not a.path.startswith(("/v1/", "/signin", *OPS))]
    assert any(a.status == 200 for a in pages), "a console page answered"
    assert tally.accepted and tally.duplicates

    logged = logged_positions(campaign.database_url, tally.sent)
    assert max(tally.accepted.values()) == 1, "an item accepted twice"
    assert {e: n for e, (n, _) in logged.items()} == {e: 1 for e in tally.accepted}
    wrong = [(e, p) for e, p in tally.duplicates if logged[e][1] != p]
    assert wrong == [], "a duplicate answered with another position than its stored one"
    runtime = runtime_for(Settings.from_env(database_url=campaign.database_url, redis_url=""))
    try:
        assert runtime.store.verify().ok
        # The full verifications the worker finished while the log grew: all held.
        with runtime.engine.connect() as conn:
            jobs = conn.execute(select(verification_jobs.c.status, verification_jobs.c.result))
            finished = [(status, result) for status, result in jobs if status in ("done", "failed")]
    finally:
        runtime.close()
    assert finished, "the worker finished a chain verification"
    assert [r for s, r in finished if s != "done" or not json.loads(r)["ok"]] == []


def logged_positions(database_url: str, event_ids: set[str]) -> dict[str, tuple[int, int]]:
    """Each of ``event_ids`` in the log: how many times, and its global position."""
    from shared.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT event_id, count(*), min(global_position) FROM events"
                    " WHERE event_id = ANY(:ids) GROUP BY event_id"
                ),
                {"ids": sorted(event_ids)},
            )
            return {row[0]: (row[1], row[2]) for row in rows}
    finally:
        engine.dispose()
