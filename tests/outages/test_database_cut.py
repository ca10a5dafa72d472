"""PostgreSQL lost or cut: a request answers 503 problem+json with ``Retry-After``, never
500, and the pool reconnects (a closed connection is seen on checkout, `shared.db`) so
the next request succeeds."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from services.composition import create_app, runtime_for
from shared.config import Settings
from tests.registry.integration.conftest import register


@pytest.fixture
def runtime(postgres_url, tmp_path):
    runtime = runtime_for(
        Settings.from_env(database_url=postgres_url, redis_url="", data_dir=tmp_path)
    )
    yield runtime
    runtime.close()


@pytest.fixture
def admin(postgres_url):
    engine = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


def terminate_every_connection(admin) -> int:
    """What a failover or a restarted server does to the pool's connections: each is
    closed by the time the next request comes (the call waits until the backends end)."""
    with admin.connect() as conn:
        return len(
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        )


def office(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}


def test_after_every_connection_was_terminated_the_next_requests_succeed(runtime, admin):
    client = create_app(runtime).test_client()
    headers = office(runtime)
    register(client, headers, "p1")
    for _ in range(3):  # several pooled connections
        assert client.get("/v1/projects/p1", headers=headers).status_code == 200

    assert terminate_every_connection(admin) >= 1

    assert client.get("/v1/projects/p1", headers=headers).status_code == 200
    register(client, headers, "p2", national_code="2403-330000-04-01-000002")
    assert client.get("/readyz").status_code == 200


def test_a_connection_cut_mid_request_answers_503_with_retry_after_then_recovers(runtime, admin):
    client = create_app(runtime).test_client()
    headers = office(runtime)
    register(client, headers, "p1")
    cuts = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def cut_once(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not cuts and "events" in statement and statement.lstrip().upper().startswith("SELECT"):
            pid = cursor.connection.info.backend_pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            cuts.append(pid)

    answer = client.get("/v1/projects/p1/events", headers=headers)
    event.remove(runtime.engine, "before_cursor_execute", cut_once)

    assert cuts, "the request never read the events"
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.content_type == "application/problem+json"
    assert answer.headers["Retry-After"] == "5"
    assert answer.json["type"].endswith("/database-unavailable")
    assert client.get("/v1/projects/p1/events", headers=headers).status_code == 200


def test_with_the_database_unreachable_requests_answer_503_and_readiness_fails(tmp_path):
    runtime = runtime_for(
        Settings.from_env(
            database_url="postgresql://postgres@127.0.0.1:1/nowhere",
            redis_url="",
            data_dir=tmp_path,
        )
    )
    try:
        client = create_app(runtime).test_client()
        answer = client.get("/v1/projects/p1", headers={"Authorization": "Bearer gj_x"})
        ready = client.get("/readyz")
    finally:
        runtime.close()
    assert answer.status_code == 503
    assert answer.content_type == "application/problem+json"
    assert answer.headers["Retry-After"] == "5"
    assert ready.status_code == 503 and "database" in ready.json["problems"]
