"""One vocabulary over HTTP (docs/architecture.md): ``as_of`` a date, ``known_at`` an
instant, every list paged by ``after`` + ``limit`` with ``next_after`` and a ``Link``
header, old parameter names answered with a ``Deprecation`` header for one release."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from marshmallow import ValidationError

from services.composition import create_app, runtime_for
from shared.config import Settings
from shared.http import AsOf, ClockQuery, KnownAt
from tests.registry.unit.builders import registration

# GET paths that answer one document, not a list: why each one takes no paging.
DOCUMENTS = {
    "/v1/chain": "the verification of the whole chain, one result",
    "/v1/export": "one NDJSON download of the log, streamed, for offline verification",
    "/v1/projects/{project_id}/diff": "one comparison of two dates",
    "/v1/pool/conversions": "one year's conversions, its four quarters",
}


@pytest.fixture
def runtime(sqlite_url, tmp_path):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url, data_dir=tmp_path))
    yield runtime
    runtime.close()


@pytest.fixture
def office(runtime):
    return {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


def _register(client, office, *project_ids: str) -> None:
    for project_id in project_ids:
        body = {**registration(project_id), "occurred_at": "2024-03-01T09:00:00+08:00"}
        body["national_code"] = None
        response = client.post("/v1/projects", json=body, headers=office)
        assert response.status_code == 201, response.json


def _list_endpoints(spec: dict) -> list[tuple[str, dict]]:
    """Every GET whose path ends in a literal collection name (not ``{id}``, not a file
    such as ``agenda.{fmt}``), apart from the documents above."""
    found = []
    for path, operations in spec["paths"].items():
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if "get" not in operations or last.startswith("{") or "." in last:
            continue
        if path in DOCUMENTS or not path.startswith("/v1/"):
            continue
        found.append((path, operations["get"]))
    return found


def test_every_list_endpoint_in_the_spec_takes_after_and_limit(client):
    spec = client.get("/openapi.json").json
    endpoints = _list_endpoints(spec)
    assert {"/v1/projects", "/v1/events", "/v1/actions", "/v1/assessments"} <= {
        path for path, _ in endpoints
    }
    for path, operation in endpoints:
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"after", "limit"} <= names, f"{path} does not page with after + limit"


def test_every_schema_of_the_spec_has_a_name_of_its_own(runtime):
    """Two marshmallow schemas of one name would be renamed silently (Foo1) by apispec."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        create_app(runtime).test_client().get("/openapi.json")
    clashes = [str(w.message) for w in caught if "Multiple schemas resolved" in str(w.message)]
    assert not clashes


def test_old_parameter_names_are_documented_as_deprecated(client):
    spec = client.get("/openapi.json").json
    params = {p["name"]: p for p in spec["paths"]["/v1/projects"]["get"]["parameters"]}
    assert params["cursor"]["deprecated"] is True
    assert params.get("after", {}).get("deprecated") is not True


def test_a_list_pages_with_next_after_and_a_link_header_to_the_next_page(client, office):
    _register(client, office, "p1", "p2", "p3")
    first = client.get("/v1/projects?limit=2", headers=office)
    assert [p["project_id"] for p in first.json["projects"]] == ["p1", "p2"]
    assert first.json["next_after"] == "p2"
    assert first.headers["Link"] == '</v1/projects?limit=2&after=p2>; rel="next"'
    assert "Deprecation" not in first.headers
    second = client.get("/v1/projects?limit=2&after=p2", headers=office)
    assert [p["project_id"] for p in second.json["projects"]] == ["p3"]
    assert second.json["next_after"] is None and "Link" not in second.headers


def test_a_deprecated_cursor_still_pages_and_says_it_is_deprecated(client, office):
    _register(client, office, "p1", "p2", "p3")
    response = client.get("/v1/projects?limit=1&cursor=p1", headers=office)
    assert [p["project_id"] for p in response.json["projects"]] == ["p2"]
    assert response.headers["Deprecation"].startswith("@")
    links = response.headers.getlist("Link")
    assert any('rel="deprecation"' in link for link in links)
    assert '</v1/projects?limit=1&after=p2>; rel="next"' in links


def test_a_deprecated_after_version_still_pages_a_project_history(client, office):
    _register(client, office, "p1")
    for day in (5, 6, 7):
        body = {
            "type": "InspectionCompleted",
            "occurred_at": f"2024-03-0{day}T09:00:00+08:00",
            "payload": {"inspection_id": f"i{day}", "result": "passed", "inspector": "县督查组"},
        }
        assert client.post("/v1/projects/p1/events", json=body, headers=office).status_code == 201
    old = client.get("/v1/projects/p1/events?after_version=1&limit=2", headers=office)
    new = client.get("/v1/projects/p1/events?after=1&limit=2", headers=office)
    assert old.json["events"] == new.json["events"]
    assert [e["stream_version"] for e in new.json["events"]] == [2, 3]
    assert old.json["next_after"] == new.json["next_after"] == 3
    assert "Deprecation" in old.headers and "Deprecation" not in new.headers


def test_as_of_given_as_an_instant_still_answers_but_is_deprecated(client, office):
    _register(client, office, "p1")
    by_date = client.get("/v1/projects/p1?as_of=2024-03-10", headers=office)
    by_instant = client.get("/v1/projects/p1?as_of=2024-03-10T12:00:00%2B08:00", headers=office)
    assert by_date.json["as_of"] == "2024-03-10" and "Deprecation" not in by_date.headers
    assert by_instant.status_code == 200 and "Deprecation" in by_instant.headers


def test_a_bare_date_known_at_is_the_end_of_that_day_in_shanghai(client, office):
    _register(client, office, "p1")
    path = "/v1/projects/p1/diff?from=2024-03-01&to=2024-03-10&known_at=2025-03-02"
    response = client.get(path, headers=office)
    assert response.json["to"]["known_at"] == "2025-03-02T15:59:59.999999Z"


def test_the_known_at_field_reads_dates_in_the_campaign_zone_and_instants_with_offsets():
    with Flask("t").app_context():
        field = KnownAt()
        assert field.deserialize("2026-03-02") == datetime(2026, 3, 2, 15, 59, 59, 999999, UTC)
        assert field.deserialize("2026-03-02T09:30:00+08:00") == datetime(
            2026, 3, 2, 1, 30, tzinfo=UTC
        )
        for bad in ("2026-03-02T09:30:00", "tomorrow", "2026-13-45"):
            with pytest.raises(ValidationError):
                field.deserialize(bad)


def test_as_of_is_a_calendar_date():
    assert AsOf().deserialize("2026-03-02") == date(2026, 3, 2)
    with pytest.raises(ValidationError):
        AsOf().deserialize("March")


def test_the_clock_query_loads_both_clocks_and_leaves_them_unbounded_by_default():
    with Flask("t").app_context():
        assert ClockQuery().load({}) == {"as_of": None, "known_at": None}
        loaded = ClockQuery().load({"as_of": "2024-12-31", "known_at": "2025-02-20"})
    assert loaded["as_of"] == date(2024, 12, 31)
    assert loaded["known_at"] == datetime(2025, 2, 20, 15, 59, 59, 999999, UTC)
