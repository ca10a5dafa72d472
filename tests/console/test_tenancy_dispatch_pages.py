"""The dispatch pages per county: a county's clerk works in its own county's plans, set
pieces and documents; a city account chooses one of its counties (a selector kept in
the query string) and never sees another city's."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shared.tenancy import DEFAULT_COUNTY

from .conftest import csrf_of, many_counties_app, signed_in_client

ACCOUNTS = {
    "clerk-a": ("office", DEFAULT_COUNTY),
    "clerk-b": ("office", "b"),
    "city-1": ("office", "c1"),
}
PERIOD = f"{date.today().year}-03"


@pytest.fixture
def app(settings):
    runtime, app = many_counties_app(settings, ACCOUNTS)
    yield app
    runtime.close()


def _client(app, username):  # type: ignore[no-untyped-def]
    return signed_in_client(app, username)


def _make_plan(client, query: str = ""):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(f"/dispatch{query}").text)
    form = {"cadence": "monthly", "period": PERIOD, "csrf_token": token}
    return client.post(f"/dispatch/plans{query}", data=form)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_county_clerk_plans_its_own_county_without_a_selector(app):
    clerk = _client(app, "clerk-b")
    page = clerk.get("/dispatch")
    assert page.status_code == 200 and 'id="county-selector"' not in page.text
    made = _make_plan(clerk)
    assert made.status_code == 302 and "county=" not in made.headers["Location"]
    plan = clerk.get(made.headers["Location"]).text
    assert "乙县绝密项目" in plan and "甲县项目" not in plan
    assert PERIOD in clerk.get("/dispatch").text
    other = _client(app, "clerk-a")
    assert PERIOD not in _text(other.get("/dispatch").text)  # B's plan is not A's
    refused = other.get(f"/dispatch/plans/monthly/{PERIOD}?county=b")
    assert refused.status_code == 403 and "乙县绝密项目" not in refused.text


def test_a_city_account_chooses_one_of_its_counties(app):
    city = _client(app, "city-1")
    page = city.get("/dispatch").text
    selector = page[page.index('id="county-selector"') :].split("</form>")[0]
    assert "甲县" in selector and "乙县" in selector and "丙县" not in selector
    made = _make_plan(city, "?county=b")
    assert made.status_code == 302 and "county=b" in made.headers["Location"]
    plan = city.get(made.headers["Location"]).text
    assert "乙县绝密项目" in plan and "甲县项目" not in plan
    assert "county=b" in plan  # downloads and versions stay in county B
    token = csrf_of(plan)
    issued = city.post(
        f"/dispatch/plans/monthly/{PERIOD}/agenda/issue?county=b",
        data={"csrf_token": token, "version": "1"},
    )
    assert issued.status_code == 302
    again = city.get(issued.headers["Location"]).text
    assert f"攻坚办〔{PERIOD[:4]}〕1号" in again
    download = city.get(f"/dispatch/plans/monthly/{PERIOD}/agenda.md?county=b").text
    assert "乙县重点项目建设攻坚行动领导小组办公室" in download
    assert PERIOD not in _text(city.get("/dispatch?county=default").text)
    assert city.get("/dispatch?county=d").status_code == 403  # another city's county
    assert city.get("/dispatch?county=zz").status_code == 422
