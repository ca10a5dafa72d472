"""The pages of issue 17's mechanisms per county (月度红黄绿灯, 督查, 项目库, 挂点服务): a
county's account sees and records its own county's; a city's account sees its counties
(a 县 column), chooses one with the selector (kept in the query string and the forms) and
records in the county chosen; nothing of another city's. In a real browser too."""

from __future__ import annotations

import logging
import threading
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from werkzeug.serving import make_server

from services.scheduling.wiring import SchedulingParts
from shared.tenancy import DEFAULT_COUNTY

from .conftest import PageWait, csrf_of, many_counties_app, signed_in_client
from .test_browser import Console

ACCOUNTS = {
    "clerk-a": ("office", DEFAULT_COUNTY),
    "clerk-b": ("office", "b"),
    "city-1": ("viewer", "c1"),
    "cityoffice1": ("office", "c1"),
}
TODAY = date.today().isoformat()
PAGES = ("/colour-record", "/pool", "/visits", "/oversight")


def _app(settings):  # type: ignore[no-untyped-def]
    return many_counties_app(settings, ACCOUNTS)


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    runtime, app = _app(settings)
    yield app
    runtime.close()


def _client(app, username):  # type: ignore[no-untyped-def]
    return signed_in_client(app, username)


def _escalate(client, path: str, matter: str, **extra: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(path).text)
    form = {"unit": "县自然资源局", "matter": matter, "raised_by": "县发改局", "raised_on": TODAY}
    return client.post("/oversight/escalations", data={**form, **extra, "csrf_token": token})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_county_account_sees_and_records_its_own(app):
    clerk = _client(app, "clerk-a")
    for path in PAGES:
        page = clerk.get(path)
        assert page.status_code == 200, path
        assert "乙县绝密项目" not in page.text and 'id="county-selector"' not in page.text, path
    assert "甲县项目" in clerk.get("/colour-record").text
    assert _escalate(clerk, "/oversight", "甲县用地问题").status_code == 302
    assert "甲县用地问题" in clerk.get("/oversight").text
    assert "甲县用地问题" not in _client(app, "clerk-b").get("/oversight").text


@pytest.fixture
def app_and_runtime(settings):  # type: ignore[no-untyped-def]
    runtime, app = _app(settings)
    yield app, runtime
    runtime.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rounds_notice_shows_its_countys_number(app_and_runtime):
    """A round's 督查通报 is numbered in its county's register; the page shows that number."""
    app, runtime = app_and_runtime
    api, numbers = app.test_client(), {}
    for county, round_id in (("b", "RB"), (DEFAULT_COUNTY, "RA")):
        token = runtime.tokens.create(f"notice-{county}", "office", tenant=county)
        headers = {"Authorization": f"Bearer {token}"}
        round_ = {
            "round_id": round_id,
            "title": "重点项目专项督查",
            "started_on": TODAY,
            "ended_on": TODAY,
            "team": {"leader": "督查组长", "members": ["组员甲"]},
            "units": ["县发改局"],
            "findings": [],
        }
        assert api.post("/v1/inspections", json=round_, headers=headers).status_code == 201
        issued = api.post(f"/v1/inspections/{round_id}/notice/issue", headers=headers)
        assert issued.status_code == 201 and issued.json["county"] == county, issued.json
        numbers[county] = issued.json["number"]
    assert numbers["b"] == numbers[DEFAULT_COUNTY]  # each county numbers from 1
    page = _client(app, "clerk-b").get("/oversight").text
    assert f"<strong>{numbers['b']}</strong>" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_city_account_chooses_a_county(app):
    city = _client(app, "city-1")
    for path in PAGES:
        page = city.get(path)
        assert page.status_code == 200, path
        assert 'id="county-selector"' in page.text and "丙县" not in page.text, path
    both = city.get("/colour-record").text
    assert "甲县项目" in both and "乙县绝密项目" in both and "<th>县（市、区）</th>" in both
    only_b = city.get("/colour-record?county=b").text
    assert "乙县绝密项目" in only_b and "甲县项目" not in only_b
    assert '<option value="b" selected>' in only_b
    assert city.get("/colour-record?county=d").status_code == 404  # another city's county


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_city_office_records_in_the_county_it_chose(app):
    office = _client(app, "cityoffice1")
    refused = _escalate(office, "/oversight", "未选县的问题")
    assert refused.status_code == 422 and "请先在页面上方选择所属县" in refused.text
    page = office.get("/oversight?county=b").text
    assert '<input type="hidden" name="county" value="b">' in page
    made = _escalate(office, "/oversight?county=b", "乙县要素问题", county="b")
    assert made.status_code == 302 and "county=b" in made.headers["Location"]
    assert "乙县要素问题" in _client(app, "clerk-b").get("/oversight").text
    assert "乙县要素问题" not in _client(app, "clerk-a").get("/oversight").text
    token = csrf_of(office.get("/pool?county=b").text)
    pooled = {
        "project_id": "qb",
        "name": "乙县库内项目",
        "sector": "制造业",
        "town": "城关镇",
        "total_investment_wan": "100",
        "stage": "planning",
        "county": "b",
        "csrf_token": token,
    }
    assert office.post("/pool/enter", data=pooled).status_code == 302
    assert "乙县库内项目" in _client(app, "clerk-b").get("/pool").text
    assert "乙县库内项目" not in _client(app, "clerk-a").get("/pool").text


# -- in a real browser ----------------------------------------------------------------


@pytest.fixture
def county_site(tmp_path):  # type: ignore[no-untyped-def]
    from services.composition import migrate
    from shared.config import Settings

    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'gongjian.db'}", redis_url="", data_dir=tmp_path
    )
    migrate(settings)
    runtime, app = _app(settings)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield runtime, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    runtime.close()


@pytest.mark.browser
def test_a_city_office_chooses_a_county_and_escalates_in_the_browser(browser, county_site):
    runtime, base = county_site
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.set_window_size(1366, 900)
    console = Console(browser, base)
    console.sign_in("cityoffice")
    console.open("/oversight")
    console.wait_for("#county-selector")
    Select(browser.find_element(By.CSS_SELECTOR, "#county-selector select")).select_by_visible_text(
        "乙县"
    )
    console.submit("#county-selector")
    PageWait(browser, 20).until(lambda d: "county=b" in d.current_url)
    console.wait_for("#escalation-form")
    form = "#escalation-form"
    for name, value in {
        "unit": "乙县自然资源局",
        "matter": "浏览器提请的乙县问题",
        "raised_by": "乙县发改局",
    }.items():
        browser.find_element(By.CSS_SELECTOR, f"{form} [name={name}]").send_keys(value)
    field = browser.find_element(By.CSS_SELECTOR, f"{form} [name=raised_on]")
    browser.execute_script("arguments[0].value = arguments[1]", field, TODAY)
    console.submit(form)
    PageWait(browser, 20).until(lambda d: d.current_url.endswith("#escalations"))
    console.wait_for("#escalations")
    assert "浏览器提请的乙县问题" in console.text("#escalations")
    assert "county=b" in browser.current_url
    console.shot("county-oversight")
    assert not console.errors()
    service = SchedulingParts.of(runtime).service
    (found,) = [e for e in service.escalations() if e["matter"] == "浏览器提请的乙县问题"]
    assert found["county"] == "b"
