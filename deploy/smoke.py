"""Smoke test of a running Gongjian stack (deploy/test.sh starts one in containers).

Standard library only, so it runs with any Python 3.11. It talks HTTP to the three
services and runs `gongjian` inside their containers with `docker exec`. Each check
prints PASS, FAIL or SKIP; the exit status is 1 if any check failed.

The journey is: health of every container → tokens → register a project → signed ingest
(sent twice: stored once) → feed and chain → board → dispatch plan → assessment (run by
the worker) → `gongjian verify` → metrics. Steps whose API is not in this build yet
answer 404 and are skipped with "SKIP: endpoint not present (404)".
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PROJECT_ID = "smoke-1"
YEAR = 2025


class Skip(Exception):
    """The step cannot run in this build (its endpoint is absent)."""


class Failed(AssertionError):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise Failed(message)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Stack:
    urls: dict[str, str]
    containers: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    results: list[tuple[str, str, str]] = field(default_factory=list)

    # -- plumbing ------------------------------------------------------------------------

    def http(
        self,
        service: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(
            self.urls[service] + path, data=data, method=method, headers=dict(headers or {})
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {self.tokens[token]}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Answer(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def present(self, answer: Answer) -> Answer:
        """Skip the step when its endpoint is not part of this build yet."""
        if answer.status == 404 and not _is_problem_about_a_resource(answer):
            raise Skip("endpoint not present (404)")
        return answer

    def gongjian(self, role: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["docker", "exec", self.containers[role], "gongjian", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and done.returncode != 0:
            raise Failed(
                f"gongjian {' '.join(args)} exited {done.returncode}: {done.stderr[-500:]}"
            )
        return done

    def run(self, name: str, step: Callable[[Stack], str | None]) -> None:
        started = time.monotonic()
        try:
            note = step(self) or ""
            outcome = "PASS"
        except Skip as skip:
            outcome, note = "SKIP", str(skip)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then the rest run
            outcome, note = "FAIL", f"{type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - started
        self.results.append((outcome, name, note))
        print(f"{outcome}: {name}{' - ' + note if note else ''} ({elapsed:.1f} s)", flush=True)


def _is_problem_about_a_resource(answer: Answer) -> bool:
    """A 404 from a route that exists (an unknown project, say) is a problem+json that
    names the thing; Flask's own 404 for an unknown URL says nothing of the kind."""
    if "problem+json" not in answer.headers.get("Content-Type", ""):
        return False
    detail = str(answer.json.get("detail", ""))
    return "requested URL was not found" not in detail


def poll(what: str, probe: Callable[[], Any], *, timeout: float = 60, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise Failed(f"{what}: not within {timeout:g} s (last: {last!r})")


def docker_health(container: str) -> str:
    done = subprocess.run(
        [
            "docker",
            "inspect",
            "-f",
            "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
            container,
        ],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


# -- what exists now -------------------------------------------------------------------------


def services_are_live_and_ready(stack: Stack) -> str:
    for service in ("registry", "scheduling", "scoring"):
        live = stack.http(service, "GET", "/livez")
        expect(
            live.status == 200 and live.json == {"status": "ok"}, f"{service} /livez: {live.text}"
        )
        ready = stack.http(service, "GET", "/readyz")
        expect(ready.status == 200, f"{service} /readyz {ready.status}: {ready.text}")
        expect(ready.json["status"] == "ready", f"{service} /readyz: {ready.text}")
    return "livez and readyz answer 200 on registry, scheduling, scoring"


def containers_report_healthy(stack: Stack) -> str:
    roles = [r for r in ("registry", "scheduling", "scoring", "worker") if r in stack.containers]
    for role in roles:
        poll(
            f"{role} container healthy",
            lambda role=role: docker_health(stack.containers[role]) == "healthy",
            timeout=60,
        )
    return f"docker health 'healthy': {', '.join(roles)}"


def containers_run_as_a_non_root_user(stack: Stack) -> str:
    for role, container in stack.containers.items():
        uid = subprocess.run(
            ["docker", "exec", container, "id", "-u"], capture_output=True, text=True
        ).stdout.strip()
        expect(uid and uid != "0", f"{role} runs as uid {uid!r}")
    return "uid != 0 in every container"


def the_worker_is_alive(stack: Stack) -> str:
    done = stack.gongjian("worker", "worker-health")
    return done.stdout.strip()


def the_scheduler_runs(stack: Stack) -> str:
    if "scheduler" not in stack.containers:
        raise Skip("`gongjian scheduler` not present in this build")
    state = subprocess.run(
        [
            "docker",
            "inspect",
            "-f",
            "{{.State.Status}} {{.RestartCount}}",
            stack.containers["scheduler"],
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    expect(state[:1] == ["running"] and state[1:] == ["0"], f"scheduler state: {state}")
    return "running, never restarted"


def tokens_are_issued_inside_a_container(stack: Stack) -> str:
    for role in ("admin", "office", "auditor", "viewer"):
        done = stack.gongjian(
            "registry", "token", "create", "--role", role, "--name", f"smoke-{role}"
        )
        token = done.stdout.strip().splitlines()[-1]
        expect(token.startswith("gj_"), f"token for {role}: {done.stdout!r}")
        stack.tokens[role] = token
    return "admin, office, auditor, viewer"


def the_api_refuses_a_request_without_a_token(stack: Stack) -> str:
    answer = stack.http("registry", "GET", "/v1/events")
    expect(answer.status == 401, f"status {answer.status}")
    expect("problem+json" in answer.headers.get("Content-Type", ""), "not problem+json")
    return "401 problem+json"


APPEND_IN_THE_CONTAINER = """
from datetime import UTC, datetime
from services.composition import runtime_for
from shared.eventstore import NewEvent
runtime = runtime_for()
for n in range(3):
    runtime.store.append([NewEvent(
        stream_id="project-smoke-store", type="ConstructionStarted",
        payload={"note": f"smoke {n}"}, occurred_at=datetime.now(UTC),
        source="deploy-smoke", actor="deploy-smoke")])
runtime.close()
"""


def the_log_holds_events(stack: Stack) -> str:
    head = stack.http("registry", "GET", "/v1/events?limit=1", token="auditor").json
    if head["head_position"] > 0:
        return f"head {head['head_position']} from the API steps"
    # While the registry's write API is absent, write through the store itself (in the
    # registry container, with its configuration) so the feed, the chain and the metrics
    # below have events to check.
    done = subprocess.run(
        ["docker", "exec", stack.containers["registry"], "python", "-c", APPEND_IN_THE_CONTAINER],
        capture_output=True,
        text=True,
        timeout=120,
    )
    expect(done.returncode == 0, f"append in the container: {done.stderr[-500:]}")
    return "3 events appended through the store (the write API is not in this build)"


def the_feed_pages_through_the_log(stack: Stack) -> str:
    answer = stack.http("registry", "GET", "/v1/events?after=0&limit=1000", token="auditor")
    expect(answer.status == 200, f"/v1/events {answer.status}: {answer.text[:300]}")
    page = answer.json
    positions = [event["global_position"] for event in page["events"]]
    expect(positions == list(range(1, len(positions) + 1)), f"positions not gapless: {positions}")
    expect(positions, "the log is empty")
    expect(page["head_position"] == len(positions), f"head {page['head_position']} vs {positions}")
    return f"{len(positions)} events, head {page['head_position']}"


def the_chain_verifies_over_http(stack: Stack) -> str:
    answer = stack.http("registry", "GET", "/v1/chain", token="auditor")
    expect(answer.status == 200 and answer.json["ok"] is True, f"/v1/chain: {answer.text[:300]}")
    return f"ok, head {answer.json['head_position']}"


def the_chain_verifies_on_the_command_line(stack: Stack) -> str:
    done = stack.gongjian("registry", "verify")
    expect("链条完好" in done.stdout, done.stdout)
    return done.stdout.strip()


def metrics_are_exposed(stack: Stack) -> str:
    head = stack.http("registry", "GET", "/v1/events?after=0&limit=1", token="auditor").json[
        "head_position"
    ]
    for service in ("registry", "scheduling", "scoring"):
        text = stack.http(service, "GET", "/metrics").text
        samples = _samples(text)
        expect(samples.get("gongjian_http_requests_total"), f"{service}: no request counts")
        expect(
            any(name == "gongjian_http_request_seconds_bucket" for name in samples),
            f"{service}: no latency histogram",
        )
        expect(samples.get("gongjian_event_head_position") == [({}, head)], f"{service}: head")
        expect(
            samples.get("gongjian_chain_verified_position") == [({}, head)],
            f"{service}: verified position {samples.get('gongjian_chain_verified_position')} "
            f"!= head {head} after `gongjian verify`",
        )
        up = {labels["dependency"]: value for labels, value in samples["gongjian_dependency_up"]}
        expect(up == {"database": 1.0, "broker": 1.0}, f"{service}: dependencies {up}")
    return f"request counts and latencies, head and verified position {head}, dependencies up"


def the_relay_catches_up(stack: Stack) -> str:
    def lags() -> tuple[dict[str, float]] | None:
        samples = _samples(stack.http("registry", "GET", "/metrics").text)
        found = {
            labels["consumer"]: value
            for labels, value in samples.get("gongjian_relay_lag_events", [])
        }
        return (found,) if all(v == 0 for v in found.values()) else None

    (lag,) = poll("every consumer at the head", lags, timeout=60)
    if not lag:
        raise Skip("no consumers with checkpoints in this build")
    depth = _samples(stack.http("registry", "GET", "/metrics").text).get("gongjian_queue_depth", [])
    return f"lag 0 for {', '.join(sorted(lag))}; queue depth {[(q['queue'], v) for q, v in depth]}"


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Prometheus text format, just enough of it: name → [(labels, value)]."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        name, _, rest = series.partition("{")
        labels = {}
        for pair in filter(None, rest.rstrip("}").split(",")):
            key, _, quoted = pair.partition("=")
            labels[key] = quoted.strip('"')
        samples.setdefault(name, []).append((labels, float(value)))
    return samples


# -- the journey through APIs written in parallel (each skips while absent) -------------------


def a_project_is_registered(stack: Stack) -> str:
    payload = {
        "project_id": PROJECT_ID,
        "name": "冒烟测试项目 (smoke test)",
        "category": "breakthrough",
        "sector": "manufacturing",
        "town": "城关镇",
        "year": YEAR,
        "total_investment": "120000000",
        "annual_plan": "60000000",
        "major": True,
        "cadence": "weekly",
        "leader": "张三",
        "lead_unit": "县发展和改革局",
        "owner_unit": "某某实业有限公司",
    }
    answer = stack.present(
        stack.http("registry", "POST", "/v1/projects", body=payload, token="office")
    )
    expect(answer.status in (200, 201), f"POST /v1/projects {answer.status}: {answer.text[:300]}")
    got = stack.present(stack.http("registry", "GET", f"/v1/projects/{PROJECT_ID}", token="viewer"))
    expect(got.status == 200, f"GET /v1/projects/{PROJECT_ID} {got.status}: {got.text[:300]}")
    return f"{PROJECT_ID} registered"


def a_signed_batch_is_ingested_once(stack: Stack) -> str:
    stack.present(stack.http("registry", "POST", "/v1/ingest", body={"events": []}))
    name = "smoke-approvals"
    created = stack.gongjian(
        "registry", "integration", "create", "--name", name, "--types", "ApprovalGranted"
    )
    secret = created.stdout.strip().splitlines()[-1]
    occurred = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    good = {
        "event_id": str(uuid.uuid4()),
        "type": "ApprovalGranted",
        "occurred_at": occurred,
        "project_id": PROJECT_ID,
        "payload": {"approval_id": "eia-1", "kind": "eia", "document_no": "环审〔2025〕1号"},
    }
    bad = {**good, "event_id": str(uuid.uuid4()), "payload": {"approval_id": "x", "kind": "bribe"}}
    body = json.dumps({"events": [good, bad]}).encode()
    first = _signed_post(stack, name, secret, body)
    expect(first.status == 200, f"ingest {first.status}: {first.text[:300]}")
    expect(first.json["accepted"] == 1 and first.json["rejected"] == 1, f"first: {first.text}")
    # The approval system timed out and sends the same batch again (a new delivery id).
    again = _signed_post(stack, name, secret, body)
    expect(again.status == 200, f"resend {again.status}: {again.text[:300]}")
    expect(again.json["duplicates"] == 1 and again.json["accepted"] == 0, f"again: {again.text}")
    return "1 accepted, 1 rejected with its field; the resend acknowledged as a duplicate"


def _signed_post(stack: Stack, integration: str, secret: str, body: bytes) -> Answer:
    """Standard Webhooks signing (services/registry/application/signing.py)."""
    request_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{request_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    headers = {
        "gongjian-integration": integration,
        "webhook-id": request_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    return stack.http("registry", "POST", "/v1/ingest", raw=body, headers=headers)


def the_board_shows_the_project(stack: Stack) -> str:
    stack.present(stack.http("scheduling", "GET", "/v1/board", token="viewer"))

    def shown() -> bool:
        answer = stack.http("scheduling", "GET", "/v1/board", token="viewer")
        return answer.status == 200 and PROJECT_ID in answer.text

    poll(f"{PROJECT_ID} on the board (the worker relays the log)", shown, timeout=60)
    return f"{PROJECT_ID} on the board"


def a_dispatch_plan_is_made(stack: Stack) -> str:
    period = f"{YEAR}-03"
    answer = stack.present(
        stack.http(
            "scheduling",
            "POST",
            "/v1/plans",
            body={"cadence": "monthly", "period": period},
            token="office",
        )
    )
    expect(answer.status in (200, 201, 202), f"POST /v1/plans {answer.status}: {answer.text[:300]}")

    def made() -> Answer | None:
        got = stack.http("scheduling", "GET", f"/v1/plans/monthly/{period}", token="viewer")
        return got if got.status == 200 else None

    poll(f"plan monthly/{period}", made, timeout=60)
    agenda = stack.http(
        "scheduling", "GET", f"/v1/plans/monthly/{period}/agenda.md", token="viewer"
    )
    expect(agenda.status == 200, f"agenda.md {agenda.status}")
    return f"monthly plan {period} with its agenda"


def an_assessment_runs_on_the_worker(stack: Stack) -> str:
    answer = stack.present(
        stack.http("scoring", "POST", "/v1/assessments", body={"year": YEAR}, token="office")
    )
    expect(answer.status == 202, f"POST /v1/assessments {answer.status}: {answer.text[:300]}")
    job = answer.json.get("job", answer.json)
    job_id = job.get("job_id") or job.get("id")
    expect(job_id, f"no job id in {answer.text[:300]}")

    def finished() -> dict[str, Any] | None:
        status = stack.http("scoring", "GET", f"/v1/assessments/jobs/{job_id}", token="auditor")
        document = status.json if status.status == 200 else {}
        finished = ("done", "succeeded", "completed", "finished", "failed", "error")
        return document if document.get("status") in finished else None

    done = poll(f"assessment job {job_id}", finished, timeout=120, every=1)
    expect(done["status"] not in ("failed", "error"), f"job failed: {done}")
    assessment_id = done.get("assessment_id") or (done.get("result") or {}).get("assessment_id")
    expect(assessment_id, f"no assessment id in {done}")
    got = stack.http("scoring", "GET", f"/v1/assessments/{assessment_id}", token="auditor")
    expect(got.status == 200, f"GET /v1/assessments/{assessment_id} {got.status}")
    return f"job {job_id} → assessment {assessment_id}"


# -- order -----------------------------------------------------------------------------------

STEPS: list[tuple[str, Callable[[Stack], str | None]]] = [
    ("services are live and ready", services_are_live_and_ready),
    ("containers report healthy", containers_report_healthy),
    ("containers run as a non-root user", containers_run_as_a_non_root_user),
    ("the worker is alive", the_worker_is_alive),
    ("the scheduler runs", the_scheduler_runs),
    ("tokens are issued inside a container", tokens_are_issued_inside_a_container),
    ("the API refuses a request without a token", the_api_refuses_a_request_without_a_token),
    ("a project is registered", a_project_is_registered),
    ("a signed batch is ingested once", a_signed_batch_is_ingested_once),
    ("the log holds events", the_log_holds_events),
    ("the feed pages through the log", the_feed_pages_through_the_log),
    ("the chain verifies over HTTP", the_chain_verifies_over_http),
    ("the board shows the project", the_board_shows_the_project),
    ("a dispatch plan is made", a_dispatch_plan_is_made),
    ("an assessment runs on the worker", an_assessment_runs_on_the_worker),
    ("the chain verifies on the command line", the_chain_verifies_on_the_command_line),
    ("the relay catches up", the_relay_catches_up),
    ("metrics are exposed", metrics_are_exposed),
]


def main() -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a running Gongjian stack.")
    for service in ("registry", "scheduling", "scoring"):
        parser.add_argument(f"--{service}-url", required=True)
    for role in ("registry", "scheduling", "scoring", "worker", "scheduler"):
        parser.add_argument(f"--{role}-container", default=None)
    args = parser.parse_args()
    stack = Stack(
        urls={
            s: getattr(args, f"{s}_url").rstrip("/") for s in ("registry", "scheduling", "scoring")
        },
        containers={
            role: getattr(args, f"{role}_container")
            for role in ("registry", "scheduling", "scoring", "worker", "scheduler")
            if getattr(args, f"{role}_container")
        },
    )
    for name, step in STEPS:
        stack.run(name, step)
    counts = {k: sum(1 for r in stack.results if r[0] == k) for k in ("PASS", "SKIP", "FAIL")}
    print(f"smoke: {counts['PASS']} passed, {counts['SKIP']} skipped, {counts['FAIL']} failed")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
