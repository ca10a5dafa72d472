"""Under contention ingest stores the batch or answers its items ``retry`` (with
``Retry-After``); a single event gets a documented 503 with ``Retry-After``; never a 409
that no document describes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from services.registry.wiring import RegistryParts
from shared.eventstore import ConcurrencyConflict, LockTimeout
from shared.eventstore.store import EVENT_LOG_LOCK_KEY

from .conftest import item, post_event, register


def granted(approval_id: str):
    return item("ApprovalGranted", {"approval_id": approval_id, "kind": "eia"}, project_id="p1")


def always(error: Exception):
    def append(*args, **kwargs):
        raise error

    return append


@pytest.fixture
def contended(runtime, monkeypatch):
    """Every append loses: another writer always took the versions first."""

    def lose(error: Exception) -> None:
        store = RegistryParts.of(runtime).registry.validated
        monkeypatch.setattr(store, "append", always(error))

    return lose


class TestContention:
    @pytest.mark.parametrize(
        "error, code",
        [
            (ConcurrencyConflict("project-p1", 1, 2), "contended"),
            (LockTimeout("the event log stayed locked"), "busy"),
        ],
        ids=["versions taken on every attempt", "the log's lock timed out"],
    )
    def test_items_that_could_not_be_stored_are_answered_retry_with_retry_after(
        self, client, office, integrator, contended, error, code
    ):
        register(client, office)
        contended(error)
        bad = item("ApprovalGranted", {"approval_id": "a9"}, project_id="p1")
        response = integrator.post([granted("a1"), bad])
        assert response.status_code == 200, response.json
        assert response.headers["Retry-After"] == "1"
        first, second = response.json["results"]
        assert (first["status"], first["code"]) == ("retry", code)
        assert second["status"] == "rejected"
        assert (response.json["retry"], response.json["rejected"]) == (1, 1)

    def test_an_item_sent_twice_in_a_batch_that_could_not_be_stored_is_retry_both_times(
        self, client, office, integrator, contended
    ):
        """The second copy of an item is answered as the first (a duplicate of it, with
        its positions, once stored): when nothing is stored, both are ``retry`` — never a
        duplicate without a position (seen under load in tests/deploy/test_threaded_server)."""
        register(client, office)
        contended(LockTimeout("the event log stayed locked"))
        twice = granted("a1")
        response = integrator.post([twice, granted("a2"), twice])
        assert response.status_code == 200, response.json
        assert [r["status"] for r in response.json["results"]] == ["retry"] * 3
        assert response.json["retry"] == 3 and response.json["duplicates"] == 0

    def test_a_single_event_that_keeps_losing_is_a_503_with_retry_after(
        self, client, office, contended
    ):
        register(client, office)
        contended(ConcurrencyConflict("project-p1", 1, 2))
        response = post_event(
            client, office, "p1", "InvestmentReported", {"month": "2024-02", "amount": "1.00"}
        )
        assert response.status_code == 503
        assert response.content_type == "application/problem+json"
        assert response.headers["Retry-After"] == "1"
        assert response.json["type"].endswith("/contended")

    def test_the_retried_items_are_stored_once_the_log_is_free(
        self, client, office, integrator, runtime, monkeypatch
    ):
        register(client, office)
        store = RegistryParts.of(runtime).registry.validated
        real = store.append
        monkeypatch.setattr(store, "append", always(LockTimeout("locked")))
        events = [granted("a1"), granted("a2")]
        assert integrator.post(events).json["retry"] == 2
        monkeypatch.setattr(store, "append", real)
        assert integrator.post(events).json["accepted"] == 2


@pytest.fixture
def postgres_settings(postgres_url, tmp_path):
    from shared.config import Settings

    return Settings.from_env(
        database_url=postgres_url, redis_url="", data_dir=tmp_path, lock_timeout_ms=300
    )


def test_a_real_lock_held_past_the_timeout_answers_retry_on_postgresql(
    postgres_settings, postgres_url
):
    from services.composition import create_app, runtime_for
    from shared.db import create_db_engine

    from .conftest import Integrator

    runtime = runtime_for(postgres_settings)
    try:
        client = create_app(runtime, ("registry",)).test_client()
        office = {"Authorization": f"Bearer {runtime.tokens.create('o', 'office')}"}
        register(client, office)
        secret = RegistryParts.of(runtime).integrations.create("pa", ["ApprovalGranted"])
        integrator = Integrator(client, "pa", secret)
        holder = create_db_engine(postgres_url)
        held, release = threading.Event(), threading.Event()

        def hold_the_log() -> None:
            with holder.begin() as conn:
                conn.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK_KEY})"))
                held.set()
                release.wait(10)

        thread = threading.Thread(target=hold_the_log)
        thread.start()
        held.wait(10)
        try:
            response = integrator.post([granted("a1")])
        finally:
            release.set()
            thread.join()
            holder.dispose()
        assert response.status_code == 200, response.json
        assert response.json["results"][0]["status"] == "retry"
        assert response.headers["Retry-After"] == "1"
    finally:
        runtime.close()
