"""Many counties, both ways: every route, for a principal of county A, answers nothing of
county B (404 or lists without it) and refuses changes to B; a city sees its own
counties' roll-up and never another city's; whole-deployment answers are refused to a
principal of fewer counties. On SQLite and PostgreSQL, over the whole app."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from services.composition import create_app, runtime_for
from shared.tenancy import DEFAULT_COUNTY, DEPLOYMENT_WIDE
from tests.registry.unit.builders import registration

YEAR = date.today().year
HIERARCHY = [
    {"code": "zj", "name": "某省", "level": "province"},
    {"code": "c1", "name": "甲市", "level": "city", "parent": "zj"},
    {"code": "c2", "name": "乙市", "level": "city", "parent": "zj"},
    {"code": DEFAULT_COUNTY, "name": "甲县", "level": "county", "parent": "c1"},
    {"code": "b", "name": "乙县", "level": "county", "parent": "c1"},
    {
        "code": "d",
        "name": "丙县",
        "level": "county",
        "parent": "c2",
        "targets": {"breakthrough": 2, "new_start": 1, "preliminary": 1, "investment": "1000"},
    },
]
PRINCIPALS = {  # name: (role, tenant)
    "office-a": ("office", DEFAULT_COUNTY),
    "viewer-a": ("viewer", DEFAULT_COUNTY),
    "auditor-a": ("auditor", DEFAULT_COUNTY),
    "office-b": ("office", "b"),
    "city-1": ("office", "c1"),
    "city-2": ("viewer", "c2"),
    "province": ("admin", "zj"),
}
NAMES = {"pa": "甲县项目", "pb": "乙县绝密项目", "pd": "丙县项目"}


@pytest.fixture
def runtime(settings):
    runtime = runtime_for(replace(settings, tenants=json.dumps(HIERARCHY)))
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


@pytest.fixture
def auth(runtime):
    return {
        name: {"Authorization": f"Bearer {runtime.tokens.create(name, role, tenant=tenant)}"}
        for name, (role, tenant) in PRINCIPALS.items()
    }


def _register(client, headers, project_id, **extra):
    body = registration(project_id, national_code=None, name=NAMES[project_id], year=YEAR, **extra)
    body["occurred_at"] = f"{YEAR}-01-05T09:00:00+08:00"
    return client.post("/v1/projects", json=body, headers=headers)


@pytest.fixture
def counties(client, auth):
    """pa of county A (its office's), pb of county B, pd of county D (given by the province)."""
    assert _register(client, auth["office-a"], "pa").status_code == 201
    assert _register(client, auth["office-b"], "pb").status_code == 201
    assert _register(client, auth["province"], "pd", county="d").status_code == 201
    report = {
        "type": "InvestmentReported",
        "occurred_at": f"{YEAR}-02-03T09:00:00+08:00",
        "payload": {"month": f"{YEAR}-01", "amount": "500.00"},
    }
    assert (
        client.post("/v1/projects/pd/events", json=report, headers=auth["province"]).status_code
        == 201
    )
    return client


def test_a_project_is_of_the_county_that_registered_it(counties, auth):
    def county(project_id: str, who: str) -> str:
        response = counties.get(f"/v1/projects/{project_id}", headers=auth[who])
        assert response.status_code == 200, response.json
        return response.json["project"]["county"]

    project = counties.get("/v1/projects/pb", headers=auth["office-b"]).json["project"]
    assert project["county_label"] == "乙县"  # the configured name beside the code
    (row,) = counties.get("/v1/board", headers=auth["office-b"]).json["projects"]
    assert (row["county"], row["county_label"]) == ("b", "乙县")
    assert county("pa", "office-a") == DEFAULT_COUNTY
    assert county("pb", "office-b") == "b"
    assert county("pd", "province") == "d"


def _project_routes(app) -> list[tuple[str, bool]]:
    """Every GET route of one project (its id the only part of the path), and whether it
    is kept for the whole deployment (refused to one county whichever project it names)."""
    return sorted(
        (rule.rule, _deployment_wide(rule.endpoint))
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.arguments == {"project_id"}
        and rule.rule.startswith("/v1/")
    )


def _deployment_wide(endpoint: str) -> bool:
    return endpoint in DEPLOYMENT_WIDE or endpoint.rsplit(".", 1)[0] in DEPLOYMENT_WIDE


def test_every_route_of_another_countys_project_is_404(runtime, counties, auth):
    routes = _project_routes(create_app(runtime))
    assert ("/v1/projects/<project_id>", False) in routes and len(routes) >= 3
    query = "?from=2024-03-01&to=2024-03-31"
    for rule, wide in routes:
        for project_id, status in (("pb", 404), ("pa", 200)):
            status = 403 if wide else status
            path = rule.replace("<project_id>", project_id)
            path += query if path.endswith("/diff") else ""
            response = counties.get(path, headers=auth["office-a"])
            assert response.status_code == status, (path, response.status_code)
            if status != 200:
                assert NAMES["pb"] not in response.get_data(as_text=True)


def _list_routes(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.rule.startswith("/v1/")
    )


@pytest.mark.parametrize("who", ["office-a", "viewer-a", "auditor-a"])
def test_no_list_of_county_a_shows_anything_of_county_b(runtime, counties, auth, who):
    routes = _list_routes(create_app(runtime))
    assert {"/v1/projects", "/v1/board", "/v1/events", "/v1/actions"} <= set(routes)
    for path in routes:
        response = counties.get(path, headers=auth[who])
        assert response.status_code < 500, path
        text = response.get_data(as_text=True)
        assert NAMES["pb"] not in text and "project-pb" not in text, path
        assert not re.search(r'"pb"', text), path


def test_county_a_sees_its_own_projects(counties, auth):
    projects = counties.get("/v1/projects", headers=auth["office-a"]).json["projects"]
    assert [p["project_id"] for p in projects] == ["pa"]
    board = counties.get("/v1/board", headers=auth["viewer-a"]).json
    assert [p["project_id"] for p in board["projects"]] == ["pa"]
    streams = {
        e["stream_id"] for e in counties.get("/v1/events", headers=auth["viewer-a"]).json["events"]
    }
    assert "project-pa" in streams and not streams & {"project-pb", "project-pd"}


def test_a_city_reads_its_counties_and_no_other(counties, auth):
    listed = counties.get("/v1/projects", headers=auth["city-1"]).json["projects"]
    assert [p["project_id"] for p in listed] == ["pa", "pb"]
    board = counties.get("/v1/board", headers=auth["city-2"]).json
    assert [p["project_id"] for p in board["projects"]] == ["pd"]
    assert counties.get("/v1/projects/pd", headers=auth["city-1"]).status_code == 404


def test_county_a_cannot_change_county_b(counties, auth):
    suspend = {
        "type": "ProjectSuspended",
        "occurred_at": f"{YEAR}-03-05T09:00:00+08:00",
        "payload": {"reason": "试探"},
    }
    response = counties.post("/v1/projects/pb/events", json=suspend, headers=auth["office-a"])
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    response = _register(counties, auth["office-a"], "pd", county="b")
    assert response.status_code == 422
    assert response.json["errors"]["county"]
    history = counties.get("/v1/projects/pb/events", headers=auth["office-b"]).json["events"]
    assert [e["type"] for e in history] == ["ProjectRegistered"]  # nothing was changed


def test_a_registration_names_a_county_in_scope(counties, auth):
    """A city's office names the county; an office cannot register into another's."""
    assert _register(counties, auth["city-1"], "pd").status_code == 422  # no county given
    NAMES["pc"] = "甲市登记的乙县项目"
    assert _register(counties, auth["city-1"], "pc", county="b").status_code == 201
    assert (
        counties.get("/v1/projects/pc", headers=auth["office-b"]).json["project"]["county"] == "b"
    )
    assert counties.get("/v1/projects/pc", headers=auth["office-a"]).status_code == 404


def test_a_city_sees_its_counties_ranked_with_totals(counties, auth):
    report = {
        "type": "InvestmentReported",
        "occurred_at": f"{YEAR}-02-03T09:00:00+08:00",
        "payload": {"month": f"{YEAR}-01", "amount": "1000.00"},
    }
    assert (
        counties.post("/v1/projects/pa/events", json=report, headers=auth["office-a"]).status_code
        == 201
    )
    body = counties.get("/v1/rollup/board", headers=auth["city-1"]).json
    assert [c["county"] for c in body["counties"]] == [DEFAULT_COUNTY, "b"]
    assert [c["county_label"] for c in body["counties"]] == ["甲县", "乙县"]
    assert [c["rank"] for c in body["counties"]] == [1, 2]
    assert body["totals"]["projects"] == 2
    assert body["totals"]["investment"]["reported"] == "1000.00"  # D's 500 is not C1's
    assert body["totals"]["categories"]["breakthrough"]["target"] == 2 * 18
    assert body["totals"]["categories_labels"]["breakthrough"]
    assert body["counties"][0]["counts_labels"]["green"] == "绿"


def test_another_city_sees_only_its_own_county(counties, auth):
    body = counties.get("/v1/rollup/board", headers=auth["city-2"]).json
    (county,) = body["counties"]
    assert county["county"] == "d" and county["projects"] == 1
    assert county["investment"] == {"reported": "500.00", "target": "1000.00", "share": "0.5000"}
    assert county["categories"]["breakthrough"] == {"count": 1, "target": 2}


def test_the_province_ranks_every_county(counties, auth):
    body = counties.get("/v1/rollup/board", headers=auth["province"]).json
    assert [c["county"] for c in body["counties"]][0] == "d"  # half its target reached
    assert {c["county"] for c in body["counties"]} == {DEFAULT_COUNTY, "b", "d"}
    assert body["totals"]["projects"] == 3


def test_a_county_office_rolls_up_only_itself(counties, auth):
    body = counties.get("/v1/rollup/board", headers=auth["office-a"]).json
    assert [c["county"] for c in body["counties"]] == [DEFAULT_COUNTY]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/export"),
        ("POST", "/v1/rulebooks"),
        ("GET", "/v1/tokens"),
    ],
)
def test_whole_deployment_answers_are_refused_to_one_county(counties, auth, method, path):
    response = counties.open(path, method=method, headers=auth["office-a"])
    if path == "/v1/tokens":  # admin only: the role check comes first
        assert response.status_code == 403
        return
    assert response.status_code == 403, response.json
    assert response.json["code"] == "beyond_scope"
    assert response.content_type == "application/problem+json"


def test_the_province_gets_whole_deployment_answers(counties, auth):
    assert counties.get("/v1/export", headers=auth["province"]).status_code == 200


def test_a_token_names_a_tenant_of_the_hierarchy(runtime):
    tenancy = runtime.settings.tenancy
    assert tenancy.scope_of("c1").counties == {DEFAULT_COUNTY, "b"}
    assert tenancy.scope_of("zj").everywhere
    assert tenancy.scope_of("b").county == "b"
    assert tenancy.scope_of("c2").county is None


def test_the_roll_up_pages_by_rank_and_totals_every_county(counties, auth):
    first = counties.get("/v1/rollup/board?limit=2", headers=auth["province"])
    assert [c["rank"] for c in first.json["counties"]] == [1, 2]
    assert first.json["next_after"] == 2 and 'rel="next"' in first.headers["Link"]
    rest = counties.get("/v1/rollup/board?limit=2&after=2", headers=auth["province"]).json
    assert [c["rank"] for c in rest["counties"]] == [3] and rest["next_after"] is None
    assert first.json["totals"] == rest["totals"] and rest["totals"]["projects"] == 3


def test_an_integration_writes_only_its_own_countys_projects(runtime, counties):
    from services.registry.wiring import RegistryParts
    from tests.registry.integration.conftest import Integrator, item

    types = ["InvestmentReported", "ProjectRegistered"]
    secret = RegistryParts.of(runtime).integrations.create("b-approvals", types, "b")
    integrator = Integrator(counties, "b-approvals", secret)
    report = {"month": f"{YEAR}-01", "amount": "10.00"}
    when = f"{YEAR}-02-03T10:00:00+08:00"
    NAMES["pe"] = "乙县接入登记项目"
    new = registration("pe", national_code=None, name=NAMES["pe"], year=YEAR)
    answer = integrator.post(
        [
            item("InvestmentReported", report, project_id="pa", occurred_at=when),
            item("InvestmentReported", report, project_id="pb", occurred_at=when),
            item("ProjectRegistered", new, project_id="pe", occurred_at=when),
        ]
    ).json
    statuses = [(r["status"], r.get("code")) for r in answer["results"]]
    assert statuses == [("rejected", "project_not_found"), ("accepted", None), ("accepted", None)]
    listed = RegistryParts.of(runtime).integrations.list()
    assert [(i["name"], i["county"]) for i in listed] == [("b-approvals", "b")]
    state = RegistryParts.of(runtime).registry.state("pe")
    assert state.county == "b"


def test_the_command_line_rolls_up_a_city_and_tokens_name_their_tenant(runtime, counties):
    from click.testing import CliRunner

    from services.cli import main

    env = {
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_TENANTS": json.dumps(HIERARCHY),
        "GONGJIAN_DATA_DIR": str(runtime.settings.data_dir),
    }
    done = CliRunner().invoke(main, ["scheduling", "rollup", "--tenant", "c2"], env=env)
    assert done.exit_code == 0, done.output
    assert "1 丙县 项目1个" in done.output and "甲县" not in done.output
    assert "投资0.05万元/0.10万元 完成率50.0%" in done.output
    made = CliRunner().invoke(
        main,
        ["token", "create", "--role", "viewer", "--name", "c2-viewer", "--tenant", "c2"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    listed = CliRunner().invoke(main, ["token", "list"], env=env).output
    assert '"name": "c2-viewer"' in listed and '"tenant": "c2"' in listed
    refused = CliRunner().invoke(
        main, ["token", "create", "--role", "viewer", "--name", "x", "--tenant", "nowhere"], env=env
    )
    assert refused.exit_code != 0 and "没有代码为“nowhere”的行政区" in refused.output


COUNTY_LISTS = [
    "/v1/colour-record",
    "/v1/inspections",
    "/v1/escalations",
    "/v1/pool",
    "/v1/pool/conversions?year=2026",
    "/v1/leader-visits?quarter=2026-Q1",
    "/v1/alerts",
]


@pytest.mark.parametrize("path", COUNTY_LISTS)
def test_a_list_kept_per_county_is_limited_to_a_county_in_scope(counties, auth, path):
    """``?county=`` names one county of the caller's scope (docs/tenancy.md); the lists'
    own both-ways tests are in test_tenancy_mechanisms.py."""
    at = f"{path}{'&' if '?' in path else '?'}county="
    beyond = counties.get(at + "b", headers=auth["office-a"])
    assert (beyond.status_code, beyond.json["code"]) == (403, "beyond_scope")
    unknown = counties.get(at + "nowhere", headers=auth["city-1"])
    assert (unknown.status_code, unknown.json["code"]) == (422, "unknown_county")
    assert counties.get(at + "b", headers=auth["city-1"]).status_code == 200
    assert counties.get(at + "d", headers=auth["city-1"]).status_code == 403
