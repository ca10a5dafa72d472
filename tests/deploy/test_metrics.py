"""/metrics: relay lag, queue depth and the verified chain position, read at scrape time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from dramatiq.message import Message
from prometheus_client.parser import text_string_to_metric_families

from services.cli import main
from services.composition import create_app, runtime_for
from shared.eventstore import Verification, checkpoint_of, load_checkpoint, save_checkpoint
from shared.metrics import VERIFIED_CHECKPOINT, record_verification
from tests.shared.helpers import note

ROOT = Path(__file__).resolve().parents[2]


def scrape(runtime) -> dict[str, dict[tuple, float]]:
    """name → {sorted label items → value} from one scrape of the app."""
    answer = create_app(runtime).test_client().get("/metrics")
    assert answer.status_code == 200
    found: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def set_checkpoint(store, consumer: str, position: int) -> None:
    with store.engine.begin() as conn:
        load_checkpoint(conn, consumer)
        save_checkpoint(conn, consumer, position)


@pytest.fixture
def runtime(settings):
    runtime = runtime_for(settings)
    yield runtime
    runtime.close()


def test_relay_lag_is_the_head_minus_each_consumers_checkpoint(runtime):
    runtime.store.append([note("project-a", str(i)) for i in range(5)])
    set_checkpoint(runtime.store, "scheduling.board", 2)
    set_checkpoint(runtime.store, "scoring.replay", 5)
    record_verification(runtime.store, runtime.store.verify())

    metrics = scrape(runtime)

    assert metrics["gongjian_event_head_position"] == {(): 5}
    assert metrics["gongjian_relay_lag_events"] == {
        (("consumer", "scheduling.board"),): 3,
        (("consumer", "scoring.replay"),): 0,
    }
    assert metrics["gongjian_chain_verified_position"] == {(): 5}
    assert metrics["gongjian_dependency_up"] == {
        (("dependency", "database"),): 1,
        (("dependency", "broker"),): 1,
    }


def test_a_failed_verification_leaves_the_verified_position_where_it_was(runtime):
    runtime.store.append([note("project-a", str(i)) for i in range(3)])
    assert record_verification(runtime.store, runtime.store.verify(up_to=2))
    broken = Verification(False, 2, 2, "0" * 64, bad_position=3, reason="changed")

    assert not record_verification(runtime.store, broken)
    assert checkpoint_of(runtime.store, VERIFIED_CHECKPOINT) == 2


def test_gongjian_verify_records_how_far_the_chain_verified(monkeypatch, sqlite_url):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("GONGJIAN_REDIS_URL", raising=False)
    runtime = runtime_for()
    runtime.store.append([note("project-a", str(i)) for i in range(4)])

    result = CliRunner().invoke(main, ["verify"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert checkpoint_of(runtime.store, VERIFIED_CHECKPOINT) == 4
    runtime.close()


def _enqueue(broker, queue: str, count: int, *, delay: int | None = None) -> None:
    broker.declare_queue(queue)
    for n in range(count):
        broker.enqueue(
            Message(
                queue_name=queue, actor_name=f"{queue}.catch_up", args=(n,), kwargs={}, options={}
            ),
            delay=delay,
        )


def test_queue_depth_counts_waiting_and_delayed_messages_in_redis(
    settings, redis_url, redis_namespace
):
    from dataclasses import replace

    runtime = runtime_for(replace(settings, redis_url=redis_url, redis_namespace=redis_namespace))
    _enqueue(runtime.broker, "scheduling", 3)
    _enqueue(runtime.broker, "scheduling", 1, delay=60_000)

    metrics = scrape(runtime)
    runtime.close()

    assert metrics["gongjian_queue_depth"][(("queue", "scheduling"),)] == 3
    assert metrics["gongjian_queue_delayed"][(("queue", "scheduling"),)] == 1
    assert metrics["gongjian_queue_dead_letters"][(("queue", "scheduling"),)] == 0


def test_queue_depth_of_the_in_memory_broker(runtime):
    _enqueue(runtime.broker, "scoring", 2)

    depth = scrape(runtime)["gongjian_queue_depth"]
    assert depth[(("queue", "scoring"),)] == 2
    assert all(n == 0 for (label,), n in depth.items() if label != ("queue", "scoring"))


def test_a_scrape_answers_with_the_broker_down_and_says_so(settings):
    from dataclasses import replace

    runtime = runtime_for(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    runtime.broker.declare_queue("scheduling")

    metrics = scrape(runtime)
    runtime.close()

    assert metrics["gongjian_dependency_up"][(("dependency", "broker"),)] == 0
    assert metrics["gongjian_dependency_up"][(("dependency", "database"),)] == 1


@pytest.mark.slow
def test_request_counts_are_summed_over_gunicorn_processes(tmp_path, sqlite_url):
    """Under gunicorn each worker process counts its own requests; a scrape answered by
    any one of them reports the sum (PROMETHEUS_MULTIPROC_DIR), once."""
    program = textwrap.dedent(
        """
        import sys
        from services.wsgi import create_app
        app = create_app("registry")
        client = app.test_client()
        for _ in range(int(sys.argv[1])):
            assert client.get("/livez").status_code == 200
        if sys.argv[2] == "scrape":
            print(client.get("/metrics").get_data(as_text=True))
        """
    )
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "GONGJIAN_DATABASE_URL": sqlite_url,
        "GONGJIAN_REDIS_URL": "",
        "GONGJIAN_LOG_FORMAT": "text",
    }

    def process(requests: int, then: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", program, str(requests), then],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    process(2, "exit")
    text = process(3, "scrape")

    counts = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "gongjian_http_requests_total"
    }
    livez = (("endpoint", "livez"), ("method", "GET"), ("status", "200"))
    assert counts[livez] == 5
    assert "gongjian_event_head_position 0.0" in text
    assert text.count("# TYPE gongjian_event_head_position") == 1
