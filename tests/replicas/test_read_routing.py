"""Read-only requests go to a real streaming replica (made by pg_basebackup), say how far it
is, fall back to the primary when it is away, behind a client's own write, or lagging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy.engine import make_url

import shared.replica
from services.composition import create_app, runtime_for
from shared.config import Settings
from shared.eventstore import parse_instant
from tests.registry.unit.builders import registration
from tests.replicas.conftest import Standby, wait_for_receipt, wait_for_replay

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class Api:
    """All services over a primary and its replica; the office's token on every request."""

    def __init__(self, primary_url: str, standby: Standby, tmp_path) -> None:
        database = make_url(primary_url).database or "postgres"
        self.primary_url = primary_url
        self.standby = standby
        wait_for_replay(primary_url, standby)  # the replica has this test's database
        settings = Settings.from_env(
            database_url=primary_url,
            replica_url=standby.url(database),
            redis_url="",
            data_dir=tmp_path,
        )
        self.runtime = runtime_for(settings)
        self.client = create_app(self.runtime).test_client()
        token = self.runtime.tokens.create("office-1", "office")
        self.client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {token}")

    def register(self, project_id: str) -> int:
        return int(self.registered(project_id).json["global_position"])

    def registered(self, project_id: str):  # type: ignore[no-untyped-def]
        code = f"2403-330000-04-01-{int(project_id[1:]):06d}"
        body = {
            **registration(project_id, national_code=code),
            "occurred_at": "2024-03-01T09:00:00+08:00",
        }
        answer = self.client.post("/v1/projects", json=body)
        assert answer.status_code == 201, answer.json
        return answer

    def project_ids(self, **headers: str):  # type: ignore[no-untyped-def]
        answer = self.client.get("/v1/projects", headers=headers)
        assert answer.status_code == 200, answer.json
        return [p["project_id"] for p in answer.json["projects"]], answer.headers

    def replayed(self) -> None:
        wait_for_replay(self.primary_url, self.standby)


@pytest.fixture
def api(postgres_url, pg_replica, tmp_path) -> Iterator[Api]:
    api = Api(postgres_url, pg_replica, tmp_path)
    yield api
    api.runtime.close()


def _instant(value: str) -> datetime:
    return parse_instant(value)


def test_reads_are_served_by_the_replica_saying_how_far_it_has_replayed(api):
    position = api.register("p1")
    api.replayed()
    head = api.runtime.store.head()
    for path in ("/v1/projects", "/v1/projects/p1", "/v1/board", "/v1/events", "/v1/plans"):
        answer = api.client.get(path)
        assert answer.status_code == 200, (path, answer.json)
        assert answer.headers["Gongjian-Served-By"] == "replica", path
        assert int(answer.headers["Gongjian-Replica-Position"]) == head.position >= position
        # Other writes (the board's read model catching up) keep it a moment behind.
        assert 0.0 <= float(answer.headers["Gongjian-Replica-Lag-Seconds"]) < 5.0
        assert _instant(answer.headers["Gongjian-Replica-Replayed-At"]) >= head.recorded_at
        assert "Gongjian-Replica-Fallback" not in answer.headers


def test_writes_and_health_checks_use_the_primary_without_route_headers(api):
    written = api.registered("p1")
    assert "Gongjian-Served-By" not in written.headers
    assert "Gongjian-Served-By" not in api.client.get("/readyz").headers


def test_a_lagging_replica_states_what_it_lacks_and_a_reader_of_its_own_write_gets_the_primary(
    api,
):
    api.register("p1")
    api.replayed()
    api.standby.execute("SELECT pg_wal_replay_pause()")
    try:
        later = api.register("p2")
        wait_for_receipt(api.primary_url, api.standby)
        recorded = api.runtime.store.head().recorded_at

        ids, headers = api.project_ids()
        assert ids == ["p1"]  # the replica has not replayed p2's registration
        assert headers["Gongjian-Served-By"] == "replica"
        assert int(headers["Gongjian-Replica-Position"]) < later
        assert float(headers["Gongjian-Replica-Lag-Seconds"]) > 0
        assert _instant(headers["Gongjian-Replica-Replayed-At"]) < recorded

        ids, headers = api.project_ids(**{"Gongjian-Min-Position": str(later)})
        assert ids == ["p1", "p2"]
        assert headers["Gongjian-Served-By"] == "primary"
        assert headers["Gongjian-Replica-Fallback"] == "min-position"
        assert int(headers["Gongjian-Replica-Position"]) < later

        api.runtime.replica.max_lag_seconds = 0
        ids, headers = api.project_ids()
        assert ids == ["p1", "p2"]
        assert headers["Gongjian-Replica-Fallback"] == "lagging"
    finally:
        api.standby.execute("SELECT pg_wal_replay_resume()")
    api.runtime.replica.max_lag_seconds = 30
    api.replayed()
    ids, headers = api.project_ids()
    assert (ids, headers["Gongjian-Served-By"]) == (["p1", "p2"], "replica")


def test_reads_fall_back_to_the_primary_while_the_replica_is_down(api, monkeypatch):
    api.register("p1")
    api.replayed()
    monkeypatch.setattr(shared.replica, "RETRY_SECONDS", 0.0)
    api.standby.stop("fast")
    try:
        ids, headers = api.project_ids()
        assert ids == ["p1"]
        assert headers["Gongjian-Served-By"] == "primary"
        assert headers["Gongjian-Replica-Fallback"] == "unreachable"
        ready = api.client.get("/readyz")
        assert ready.status_code == 200
        assert "replica" in ready.json["degraded"]
        assert "gongjian_replica_up 0.0" in api.client.get("/metrics").get_data(as_text=True)
    finally:
        api.standby.start()
    api.replayed()
    ids, headers = api.project_ids()
    assert (ids, headers["Gongjian-Served-By"]) == (["p1"], "replica")
    assert "replica" not in api.client.get("/readyz").json["degraded"]


def test_a_replica_that_stops_mid_request_leaves_that_request_to_the_primary(api, monkeypatch):
    api.register("p1")
    api.replayed()
    replica = api.runtime.replica
    route = replica.route

    def route_then_stop(min_position=None):  # type: ignore[no-untyped-def]
        chosen = route(min_position)
        assert chosen.served_by == "replica"
        api.standby.stop("immediate")  # after the route was chosen, before the reads
        return chosen

    monkeypatch.setattr(replica, "route", route_then_stop)
    try:
        ids, headers = api.project_ids()
        assert ids == ["p1"]
        assert headers["Gongjian-Served-By"] == "primary"
        assert headers["Gongjian-Replica-Fallback"] == "interrupted"
    finally:
        api.standby.start()
    monkeypatch.setattr(replica, "route", route)
    monkeypatch.setattr(shared.replica, "RETRY_SECONDS", 0.0)
    replica.failed(RuntimeError("tried again at once"))  # the 5 s pause, cut short
    api.replayed()
    ids, headers = api.project_ids()
    assert (ids, headers["Gongjian-Served-By"]) == (["p1"], "replica")
