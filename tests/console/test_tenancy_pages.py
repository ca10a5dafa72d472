"""Many counties in the console: an office account sees only its county's projects; a
city account has the 县区汇总 page of its own counties, ranked (and never another city's)."""

from __future__ import annotations

from datetime import date

import pytest

from shared.tenancy import DEFAULT_COUNTY
from tests.e2e.test_tenancy import YEAR

from .conftest import csrf_of, many_counties_app, signed_in_client

ACCOUNTS = {
    "clerk-a": ("office", DEFAULT_COUNTY),
    "city-1": ("viewer", "c1"),
    "city-office": ("office", "c1"),
}


@pytest.fixture
def app(settings):
    runtime, app = many_counties_app(settings, ACCOUNTS)
    yield app
    runtime.close()


def _client(app, username):  # type: ignore[no-untyped-def]
    return signed_in_client(app, username)


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
    assert "审计" not in menu and "项目" in menu and "考核" in menu and "调度" in menu
    for path in ("/audit",):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "涵盖全部县" in page.text, path


def _assess(app, county: str) -> str:
    """County ``county``'s assessment, run here (no worker): its id."""
    from services.scoring.application import assessments
    from services.scoring.readmodel.records import Records

    runtime = app.extensions["gongjian.runtime"]
    records = Records(runtime.engine)
    request = assessments.request_for(
        runtime.store,
        YEAR,
        as_of=date(YEAR, 6, 30),
        known_at=None,
        rulebook_version=None,
        zone=runtime.settings.zone,
        county=county,
    )
    job, _ = assessments.submit(records, request)
    done = assessments.run(runtime.store, records, job["job_id"], runtime.settings.zone)
    assert done is not None
    return done["assessment_id"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_office_account_assesses_its_own_county(app):
    mine, theirs = _assess(app, DEFAULT_COUNTY), _assess(app, "b")
    client = _client(app, "clerk-a")
    assert "考核" in client.get("/").text
    listing = client.get("/assessments").text
    assert mine[:12] in listing and theirs[:12] not in listing
    assert 'name="county"' not in listing  # its own county: nothing to choose
    assert client.get(f"/assessments/{theirs}").status_code == 404
    page = client.get(f"/assessments/{mine}").text
    assert "甲县项目" in page and "乙县绝密项目" not in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_city_account_chooses_the_county(app):
    mine, theirs = _assess(app, DEFAULT_COUNTY), _assess(app, "b")
    client = _client(app, "city-office")
    listing = client.get("/assessments").text
    assert mine[:12] in listing and theirs[:12] in listing and "乙县" in listing
    assert "丙县" not in listing  # another city's county is not offered
    narrowed = client.get("/assessments?county=b").text
    assert theirs[:12] in narrowed and mine[:12] not in narrowed
    token = csrf_of(listing)
    asked = {"csrf_token": token, "year": str(YEAR), "as_of": f"{YEAR}-06-30"}
    refused = client.post("/assessments", data=asked)
    assert refused.status_code == 422 and "请用 county 指明" in refused.text
    started = client.post("/assessments", data={**asked, "county": "b"})
    assert started.status_code == 302 and "/assessments/jobs/" in started.headers["Location"]
    beyond = client.post("/assessments", data={**asked, "county": "d"})
    assert beyond.status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_roll_up_page_ranks_the_citys_assessments(app):
    client = _client(app, "city-1")
    html = client.get("/rollup").text
    assert "年度考核排名" in html and "尚无已发布的考核结果：甲县、乙县" in html
    _assess(app, "b")
    office = _client(app, "city-office")
    drafts = office.get("/rollup?basis=latest").text
    assert 'id="assessment-ranking"' in drafts and "尚无考核结果：甲县" in drafts
    assert "乙县</a>" in drafts and "草稿" in drafts
    assert "丙县" not in drafts
    viewer = client.get("/rollup?basis=latest").text  # a viewer: published only
    assert "尚无已发布的考核结果：甲县、乙县" in viewer
