"""The read route without a PostgreSQL replica: a copy of the SQLite file stands in for one
(it never lags), so the choice and the headers are checked on the embedded backend too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from services.composition import create_app, runtime_for
from shared.config import Settings
from shared.db import reader, reads_from
from tests.registry.unit.builders import registration


@pytest.fixture
def api(sqlite_url, tmp_path):
    """All services over a SQLite file and a copy of it taken after p1 was registered."""
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url, data_dir=tmp_path))
    client = create_app(runtime).test_client()
    token = runtime.tokens.create("office-1", "office")
    client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.post("/v1/projects", json=_registration("p1")).status_code == 201
    runtime.close()
    copy = tmp_path / "replica.db"
    shutil.copy(make_url(sqlite_url).database, copy)
    settings = Settings.from_env(
        database_url=sqlite_url, replica_url=f"sqlite:///{copy}", data_dir=tmp_path
    )
    runtime = runtime_for(settings)
    client = create_app(runtime).test_client()
    client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {token}")
    written = client.post("/v1/projects", json=_registration("p2"))
    assert written.status_code == 201
    yield client, int(written.json["global_position"])
    runtime.close()


def _registration(project_id: str) -> dict:
    code = f"2403-330000-04-01-{int(project_id[1:]):06d}"
    return {
        **registration(project_id, national_code=code),
        "occurred_at": "2024-03-01T09:00:00+08:00",
    }


def _ids(answer) -> list[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.json
    return [p["project_id"] for p in answer.json["projects"]]


def test_a_read_goes_to_the_replica_and_says_which_position_it_has(api):
    client, position = api
    answer = client.get("/v1/projects")
    assert _ids(answer) == ["p1"]
    assert answer.headers["Gongjian-Served-By"] == "replica"
    assert int(answer.headers["Gongjian-Replica-Position"]) < position


def test_a_reader_of_its_own_write_gets_the_primary(api):
    client, position = api
    answer = client.get("/v1/projects", headers={"Gongjian-Min-Position": str(position)})
    assert _ids(answer) == ["p1", "p2"]
    assert answer.headers["Gongjian-Served-By"] == "primary"
    assert answer.headers["Gongjian-Replica-Fallback"] == "min-position"


@pytest.mark.parametrize("value", ["-1", "one", "1.5", "٣"])
def test_a_bad_min_position_is_a_400_problem_that_reads_nothing(api, value):
    client, _ = api
    answer = client.get("/v1/projects", headers={"Gongjian-Min-Position": value})
    assert answer.status_code == 400
    assert answer.content_type == "application/problem+json"
    assert answer.json["code"] == "min_position_invalid"
    assert "Gongjian-Min-Position" in answer.json["detail"]


def test_the_route_is_documented_on_every_read_of_the_api(api):
    client, _ = api
    spec = client.get("/openapi.json").json
    for path, item in spec["paths"].items():
        if not path.startswith("/v1/") or "get" not in item:
            continue
        names = [p["name"] for p in item["get"].get("parameters", [])]
        assert "Gongjian-Min-Position" in names, path
        ok = [r for status, r in item["get"]["responses"].items() if status.startswith("2")]
        assert all("Gongjian-Replica-Replayed-At" in r["headers"] for r in ok), path


def test_outside_a_routed_request_every_read_goes_to_its_own_engine(tmp_path):
    from shared.db import create_db_engine

    primary = create_db_engine(f"sqlite:///{tmp_path / 'a.db'}")
    replica = create_db_engine(f"sqlite:///{tmp_path / 'b.db'}")
    other = create_db_engine(f"sqlite:///{tmp_path / 'c.db'}")
    assert reader(primary) is primary
    with reads_from(primary, replica):
        assert reader(primary) is replica
        assert reader(other) is other
    assert reader(primary) is primary


def test_without_a_replica_a_bad_min_position_is_refused_and_a_good_one_answered(settings):
    runtime = runtime_for(settings)
    client = create_app(runtime).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}
    bad = client.get("/v1/projects", headers={**office, "Gongjian-Min-Position": "x"})
    assert (bad.status_code, bad.json["code"]) == (400, "min_position_invalid")
    good = client.get("/v1/projects", headers={**office, "Gongjian-Min-Position": "7"})
    assert good.status_code == 200
    assert "Gongjian-Served-By" not in good.headers
    runtime.close()


def test_the_replica_is_in_every_scrape(api):
    client, position = api
    text = client.get("/metrics").get_data(as_text=True)
    assert "gongjian_replica_up 1.0" in text
    assert "gongjian_replica_lag_seconds 0.0" in text
    assert f"gongjian_replica_position {float(position - 1)}" in text


def _replica_status(monkeypatch, database_url: str, replica_url: str | None):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from services.cli import main

    monkeypatch.setenv("GONGJIAN_DATABASE_URL", database_url)
    if replica_url is None:
        monkeypatch.delenv("GONGJIAN_REPLICA_URL", raising=False)
    else:
        monkeypatch.setenv("GONGJIAN_REPLICA_URL", replica_url)
    return CliRunner().invoke(main, ["replica-status"])


def test_the_command_says_how_far_the_replica_is(api, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    done = _replica_status(monkeypatch, sqlite_url, f"sqlite:///{tmp_path / 'replica.db'}")
    assert done.exit_code == 0, done.output
    assert "只读副本：已回放至全局位置" in done.output


def test_the_command_fails_without_a_readable_replica(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    missing = _replica_status(monkeypatch, sqlite_url, None)
    assert missing.exit_code == 1 and "未配置只读副本" in missing.output
    away = "postgresql://postgres@127.0.0.1:9/nothing"  # the discard port: nothing listens
    unreachable = _replica_status(monkeypatch, sqlite_url, away)
    assert unreachable.exit_code == 1 and "只读副本无法连接" in unreachable.output


def test_a_replica_that_fails_mid_request_leaves_the_request_to_the_primary(api):
    client, _ = api
    replica = client.application.extensions["gongjian.runtime"].replica
    copy = Path(make_url(str(replica.engine.url)).database)
    route = replica.route

    def route_then_lose_the_copy(min_position=None):  # type: ignore[no-untyped-def]
        chosen = route(min_position)
        assert chosen.served_by == "replica"
        copy.unlink()  # the next connection finds an empty file: no tables
        replica.engine.dispose()
        return chosen

    replica.route = route_then_lose_the_copy
    answer = client.get("/v1/projects")
    assert _ids(answer) == ["p1", "p2"]  # the primary has the write the copy lacked
    assert answer.headers["Gongjian-Served-By"] == "primary"
    assert answer.headers["Gongjian-Replica-Fallback"] == "interrupted"
    assert "Gongjian-Replica-Position" not in answer.headers
    replica.route = route
    again = client.get("/v1/projects")  # the failure counts: the primary, without a try
    assert _ids(again) == ["p1", "p2"]
    assert again.headers["Gongjian-Replica-Fallback"] == "unreachable"
