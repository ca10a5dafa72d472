"""A city account in a real browser on a deployment of several counties: it chooses one
of its counties on the 调度 page (the selector, kept in the query string), makes that
county's plan and sees only that county's projects in it."""

from __future__ import annotations

import json
import logging
import threading
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from werkzeug.serving import make_server

from services.composition import create_app, migrate, runtime_for
from services.console.accounts import Accounts
from shared.config import Settings
from shared.tenancy import DEFAULT_COUNTY
from tests.e2e.test_tenancy import HIERARCHY, _register

from .conftest import FAST_HASHER, PASSWORD, SCREENSHOTS, PageWait
from .test_browser import Console

pytestmark = pytest.mark.browser
PERIOD = f"{date.today().year}-03"


@pytest.fixture
def counties_site(tmp_path):  # type: ignore[no-untyped-def]
    """A live server of a city's deployment: county A's and county B's projects, and a
    city account ``city1``."""
    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'g.db'}",
        redis_url="",
        data_dir=tmp_path,
        tenants=json.dumps(HIERARCHY),
    )
    migrate(settings)
    runtime = runtime_for(settings)
    app = create_app(runtime)
    accounts = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = accounts
    accounts.create("city1", "office", PASSWORD, "甲市发改", tenant="c1")
    api = app.test_client()
    for project_id, county in (("pa", DEFAULT_COUNTY), ("pb", "b")):
        token = runtime.tokens.create(f"office-{county}", "office", tenant=county)
        assert _register(api, {"Authorization": f"Bearer {token}"}, project_id).status_code == 201
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    runtime.close()


def test_a_city_account_chooses_a_county_and_plans_it_in_the_browser(browser, counties_site):
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.set_window_size(1366, 768)
    console = Console(browser, counties_site)
    console.sign_in("city")
    console.open("/dispatch")
    choices = Select(browser.find_element(By.CSS_SELECTOR, "#county-selector select"))
    assert [o.text for o in choices.options] == ["甲县", "乙县"]
    choices.select_by_visible_text("乙县")
    console.submit("#county-selector")
    PageWait(browser, 20).until(lambda d: "county=b" in d.current_url)
    console.wait_for("#plan-now")
    period = browser.find_element(By.CSS_SELECTOR, "#plan-now input[name=period]")
    period.clear()
    period.send_keys(PERIOD)
    console.submit("#plan-now")
    PageWait(browser, 30).until(lambda d: f"/dispatch/plans/monthly/{PERIOD}" in d.current_url)
    assert "county=b" in browser.current_url
    console.wait_for("#documents")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "乙县绝密项目" in page and "甲县项目" not in page
    selected = Select(browser.find_element(By.CSS_SELECTOR, "#county-selector select"))
    assert selected.first_selected_option.text == "乙县"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.shot("dispatch-city-county-b")
    assert console.errors() == []
