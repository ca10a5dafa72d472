"""The HTTP roles: gunicorn's app factory serves the service the container is for."""

from __future__ import annotations

import pytest

from services import wsgi


def test_the_service_variable_names_one_service_several_or_all():
    assert wsgi.services_from_env("registry") == ("registry",)
    assert wsgi.services_from_env(" scoring , registry,scoring") == ("scoring", "registry")
    assert wsgi.services_from_env("all") == ("registry", "scheduling", "scoring", "console")


@pytest.mark.parametrize("value", ["", "   ", "billing", "registry,billing"])
def test_a_missing_or_unknown_service_stops_the_container_with_the_reason(value):
    with pytest.raises(RuntimeError, match="GONGJIAN_SERVICE"):
        wsgi.services_from_env(value)


def test_the_factory_reads_the_role_from_the_environment(container_env, monkeypatch):
    monkeypatch.setenv("GONGJIAN_SERVICE", "registry")
    app = wsgi.create_app()
    client = app.test_client()
    assert app.extensions["gongjian.role"] == "registry"
    assert client.get("/livez").json == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    # The registry serves the feed (a token is needed, so 401 rather than 404).
    assert client.get("/v1/events").status_code == 401
    app.extensions["gongjian.runtime"].close()


def test_a_role_serves_only_its_own_routes(container_env):
    app = wsgi.create_app("scoring")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert client.get("/v1/events").status_code == 404
    app.extensions["gongjian.runtime"].close()


def test_readiness_fails_on_an_unmigrated_database(container_env, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    app = wsgi.create_app("scheduling")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert "migrations" in answer.json["problems"]
    app.extensions["gongjian.runtime"].close()


def test_an_unreachable_broker_is_reported_as_degraded_but_the_service_stays_ready(
    container_env, monkeypatch
):
    monkeypatch.setenv("GONGJIAN_REDIS_URL", "redis://127.0.0.1:1/0")
    app = wsgi.create_app("registry")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.json["status"] == "ready"
    assert "broker" in answer.json["degraded"] and "broker" not in answer.json["problems"]
    app.extensions["gongjian.runtime"].close()
