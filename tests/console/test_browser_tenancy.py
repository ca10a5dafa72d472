"""Many counties in a real browser: a city's office account chooses the county on the 考核
page, starts that county's assessment and watches it finish, then finds its counties'
assessments ranked on the 县区汇总 page (the counties without one named)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from services.composition import create_app, migrate, runtime_for
from services.console.accounts import Accounts
from shared.config import Settings
from shared.messaging import start_worker
from shared.tenancy import DEFAULT_COUNTY
from tests.e2e.test_tenancy import HIERARCHY, YEAR, _register

from .conftest import FAST_HASHER, PASSWORD, PageWait
from .test_browser import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def many(tmp_path, browser):  # type: ignore[no-untyped-def]
    """A live many-county console (SQLite, a worker) with a city office account
    ``city1``, and a project in each county."""
    from werkzeug.serving import make_server

    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'g.db'}", redis_url="", data_dir=tmp_path
    )
    settings = replace(settings, tenants=json.dumps(HIERARCHY))
    migrate(settings)
    runtime = runtime_for(settings)
    worker = start_worker(runtime.broker, threads=1)
    app = create_app(runtime)
    accounts = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = accounts
    accounts.create("city1", "office", PASSWORD, "甲市项目办", tenant="c1")
    api = app.test_client()
    for project_id, county in (("pa", DEFAULT_COUNTY), ("pb", "b"), ("pd", "d")):
        token = runtime.tokens.create(f"office-{county}", "office", tenant=county)
        headers = {"Authorization": f"Bearer {token}"}
        assert _register(api, headers, project_id).status_code == 201
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.set_window_size(1366, 768)
    yield Console(browser, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    worker.stop()
    runtime.close()


def _wait(console: Console, check, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    PageWait(console.driver, seconds, poll_frequency=0.3).until(check)


def test_a_city_assesses_one_county_and_sees_them_ranked(many):
    console = many
    console.sign_in("city")
    console.open("/assessments")
    form = console.driver.find_element(By.ID, "start-assessment")
    choices = Select(form.find_element(By.NAME, "county"))
    assert [o.text for o in choices.options] == ["请选择", "甲县", "乙县"]  # not 丙县
    choices.select_by_visible_text("乙县")
    console.set_date("as_of", f"{YEAR}-06-30")
    console.shot("tenancy-assessments")
    console.submit("#start-assessment")
    _wait(console, lambda d: "/assessments/jobs/" in d.current_url)
    _wait(console, lambda d: d.find_element(By.ID, "job-status").text == "已完成", 90)
    result = console.driver.find_element(By.CSS_SELECTOR, "#job-result a").get_attribute("href")
    console.driver.get(result)
    _wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "table.ranking"))
    assert console.text("h1").startswith("乙县 ")
    assert "乙县绝密项目" in console.driver.page_source
    assert "甲县项目" not in console.driver.page_source
    console.open("/assessments?county=b")
    assert "乙县" in console.text("#runs")
    console.open("/rollup?basis=latest")
    ranking = console.text("#assessment-ranking")
    assert "乙县" in ranking and "草稿" in ranking and "丙县" not in ranking
    assert console.text("#without-assessment") == "尚无考核结果：甲县"
    console.shot("tenancy-rollup-assessments")
    assert console.errors() == []
