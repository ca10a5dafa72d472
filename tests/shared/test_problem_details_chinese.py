"""Every problem's ``title`` and ``detail`` are for a person, so they are Chinese; ``type``
and ``code`` are for programs and stay as they are."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, OperationalError

from services.composition import create_app, runtime_for
from shared.config import Settings
from shared.eventstore import ConcurrencyConflict, LockTimeout
from shared.eventstore.errors import DuplicateEventConflict, InvalidEventPayload, UnknownEventType
from shared.eventstore.limits import InvalidEnvelope
from shared.http.problems import register_problem_handlers

CJK = re.compile(r"[\u4e00-\u9fff]")

RAISED = {
    "validation": ValidationError({"name": ["Missing data for required field."]}),
    "conflict": ConcurrencyConflict("project-p1", 2, 3),
    "created-meanwhile": ConcurrencyConflict("project-p1", None, 1),
    "duplicate": DuplicateEventConflict("e-1"),
    "unknown-type": UnknownEventType("Nope"),
    "payload": InvalidEventPayload("ProjectRegistered", {"name": ["required"]}),
    "busy": LockTimeout("the stream is locked"),
    "envelope": InvalidEnvelope("event_id", "too_long", "超过 200 个字"),
    "database": OperationalError("SELECT 1", {}, Exception("connection refused")),
    "unstorable": DataError("SELECT 1", {}, Exception("text fields cannot contain NUL")),
    "bug": RuntimeError("a bug"),
}


@pytest.fixture
def client():
    app = Flask("problems")
    register_problem_handlers(app)

    @app.get("/raise/<kind>")
    def _raise(kind: str):  # type: ignore[no-untyped-def]
        raise RAISED[kind]

    @app.post("/only-post")
    def _only_post():  # type: ignore[no-untyped-def]
        return "", 204

    return app.test_client()


def _chinese(answer) -> dict:  # type: ignore[no-untyped-def]
    assert answer.content_type == "application/problem+json", answer.data
    body = answer.json
    assert CJK.search(body["detail"]) and CJK.search(body["title"]), body
    return body


@pytest.mark.parametrize("kind", sorted(RAISED))
def test_the_stores_and_the_databases_errors_are_explained_in_chinese(client, kind):
    body = _chinese(client.get(f"/raise/{kind}"))
    assert body["type"].startswith("https://gongjian.example/problems/")


def test_the_details_say_what_happened(client):
    assert "第 3 版" in client.get("/raise/conflict").json["detail"]
    assert "尚不存在" in client.get("/raise/created-meanwhile").json["detail"]
    assert "Nope" in client.get("/raise/unknown-type").json["detail"]
    assert client.get("/raise/unknown-type").json["errors"] == {"type": ["未知的事件类型“Nope”"]}
    assert "项目登记" in client.get("/raise/payload").json["detail"]
    database = client.get("/raise/database")
    assert database.status_code == 503 and database.headers["Retry-After"] == "5"
    assert database.json["type"].endswith("/database-unavailable")
    unstorable = client.get("/raise/unstorable")
    assert unstorable.status_code == 422 and unstorable.json["code"] == "value_not_storable"


def test_the_webs_own_errors_are_explained_in_chinese(client):
    nowhere = _chinese(client.get("/nowhere"))
    assert nowhere["status"] == 404 and nowhere["title"] == "未找到"
    assert nowhere["type"].endswith("/not-found")  # the English slug stays, for programs
    refused = client.get("/only-post")
    assert _chinese(refused)["status"] == 405 and "POST" in refused.headers["Allow"]


def test_authentication_and_roles_are_explained_in_chinese(sqlite_url, tmp_path):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url, data_dir=tmp_path))
    try:
        client = create_app(runtime).test_client()
        assert _chinese(client.get("/v1/projects"))["status"] == 401
        unknown = client.get("/v1/projects", headers={"Authorization": "Bearer nope"})
        assert _chinese(unknown)["detail"] == "令牌无效或已被吊销"
        token = runtime.tokens.create("viewer-1", "viewer")
        forbidden = client.post(
            "/v1/projects", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        body = _chinese(forbidden)
        assert body["status"] == 403 and "查阅人员" in body["detail"]
        invalid = client.get("/v1/events?limit=0", headers={"Authorization": f"Bearer {token}"})
        body = _chinese(invalid)
        assert body["status"] == 422 and body["detail"] == "请求有误：limit"
    finally:
        runtime.close()


def test_a_busy_document_register_is_a_409_to_retry_not_a_500(sqlite_url, tmp_path):
    from shared.documents import RegisterBusy

    runtime = runtime_for(Settings.from_env(database_url=sqlite_url, data_dir=tmp_path))
    try:
        app = create_app(runtime)

        @app.get("/busy")
        def _busy():  # type: ignore[no-untyped-def]
            raise RegisterBusy("试了 12 次仍未能编号")

        answer = app.test_client().get("/busy")
        body = _chinese(answer)
        assert (answer.status_code, answer.headers["Retry-After"]) == (409, "1")
        assert body["type"].endswith("/register-busy")
    finally:
        runtime.close()
