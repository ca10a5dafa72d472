"""Many counties in the console: an office account sees only its county's projects; a
city account has the 县区汇总 page of its own counties, ranked (and never another city's)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from argon2 import PasswordHasher

from services.composition import create_app, runtime_for
from services.console.accounts import Accounts
from shared.tenancy import DEFAULT_COUNTY, Tenancy, configure
from tests.e2e.test_tenancy import HIERARCHY, _register

from .conftest import PASSWORD, sign_in

ACCOUNTS = {"clerk-a": ("office", DEFAULT_COUNTY), "city-1": ("viewer", "c1")}


@pytest.fixture
def app(settings):
    runtime = runtime_for(replace(settings, tenants=json.dumps(HIERARCHY)))
    app = create_app(runtime)
    accounts = Accounts(
        runtime.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    app.extensions["console.accounts"] = accounts
    for name, (role, tenant) in ACCOUNTS.items():
        accounts.create(name, role, PASSWORD, name, tenant=tenant)
    api = app.test_client()
    for project_id, county in (("pa", DEFAULT_COUNTY), ("pb", "b"), ("pd", "d")):
        token = runtime.tokens.create(f"office-{county}", "office", tenant=county)
        headers = {"Authorization": f"Bearer {token}"}
        assert _register(api, headers, project_id).status_code == 201
    yield app
    runtime.close()
    configure(Tenancy.single())


def _client(app, username):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_office_account_sees_only_its_county(app):
    client = _client(app, "clerk-a")
    listing = client.get("/projects").text
    assert "甲县项目" in listing and "乙县绝密项目" not in listing and "丙县项目" not in listing
    assert client.get("/projects/pb").status_code == 404
    assert client.get("/projects/pa").status_code == 200
    assert "县区汇总" not in client.get("/").text
    assert client.get("/rollup").status_code == 404
    assert "甲县·" in listing  # the header names the person's county


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_city_account_sees_its_counties_ranked(app):
    client = _client(app, "city-1")
    assert "县区汇总" in client.get("/").text
    page = client.get("/rollup")
    assert page.status_code == 200
    html = page.text
    assert "甲市县区汇总" in html
    assert "甲县" in html and "乙县" in html and "丙县" not in html
    assert "合计" in html


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_whole_deployment_pages_are_refused_to_one_county(app):
    client = _client(app, "clerk-a")
    menu = client.get("/").text
    assert "考核" not in menu and "审计" not in menu and "项目" in menu
    for path in ("/assessments", "/audit"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "涵盖全部县" in page.text, path
