"""The console's colour record by month (the county grid and a project's row) and the plan
page's dispatch by kind, on a demo year played on the simulated clock (so that each month's
end knew what the office knew then), through the test client and in the browser."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from services.composition import create_app, migrate, runtime_for
from services.console.accounts import Accounts
from services.console.gateway import services as console_services
from services.demo.runner import DemoOptions, load_demo
from shared.config import Settings

from .conftest import FAST_HASHER, PASSWORD, Site, sign_in


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("colours")
    settings = Settings.from_env(
        database_url=f"sqlite:///{data / 'gongjian.db'}", redis_url="", data_dir=data
    )
    migrate(settings)
    runtime = runtime_for(settings)
    load_demo(runtime, None, DemoOptions(year=2025), lambda _: None)
    app = create_app(runtime)
    accounts = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = accounts
    for role in ("office", "viewer"):
        accounts.create(f"{role}1", role, PASSWORD, f"{role}测试")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    console_services(runtime).scheduling.plan("monthly", "2025-04")
    yield Site(runtime, app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    runtime.close()


@pytest.fixture(scope="module")
def record(played):
    return console_services(played.runtime).scheduling.colour_record(2025)


def _viewer(played):  # type: ignore[no-untyped-def]
    client = played.client()
    assert sign_in(client, "viewer1").status_code == 302
    return client


def test_the_grid_shows_every_month_and_the_red_runs(played, record):
    html = _viewer(played).get("/colour-record?campaign=2025").text
    assert "红黄绿灯月度记录" in html and 'id="colour-grid"' in html
    months = [m["month"] for m in record["months"]]
    assert months[-1] == "2025-12" and all(m["closed"] for m in record["months"])
    for month in months:
        assert f"{int(month[5:])}月</th>" in html
    reddest = max(record["projects"], key=lambda r: r["consecutive_red"]["longest"])
    assert reddest["consecutive_red"]["longest"] >= 3
    row = re.search(rf'<tr data-project="{reddest["project_id"]}">(.*?)</tr>', html, re.S)
    assert row is not None and row.group(1).count('class="badge red"') == reddest["months_red"]


def test_the_grid_filters_by_leader(played, record):
    leader = record["projects"][0]["leader"]
    html = _viewer(played).get(f"/colour-record?campaign=2025&leader={leader}").text
    shown = set(re.findall(r'<tr data-project="([^"]+)">', html))
    assert shown == {r["project_id"] for r in record["projects"] if r["leader"] == leader}


def test_a_project_page_shows_its_months_and_its_run_of_reds(played, record):
    reddest = max(record["projects"], key=lambda r: r["consecutive_red"]["longest"])
    html = _viewer(played).get(f"/projects/{reddest['project_id']}").text
    assert 'id="colour-record"' in html
    assert f"最长连续{reddest['consecutive_red']['longest']}个月" in html


def test_the_plan_page_shows_the_sections_by_kind(played):
    html = _viewer(played).get("/dispatch/plans/monthly/2025-04").text
    assert 'id="by-kind"' in html
    for title in ("前期（谋划）项目", "拟开工项目", "在建（续建）项目"):
        assert title in html
    assert "审批" in html and "水电路" in html


@pytest.mark.browser
def test_the_pages_in_the_browser(browser, played, record):
    from .test_browser import Console

    console = Console(browser, played.base)
    console.sign_in("office")
    console.open("/colour-record?campaign=2025")
    assert console.text("h1") == "红黄绿灯月度记录"
    assert "12月" in console.text("#colour-grid")
    assert console.errors() == []
    console.shot("colour-record")
    reddest = max(record["projects"], key=lambda r: r["consecutive_red"]["longest"])
    console.open(f"/projects/{reddest['project_id']}")
    assert "最长连续" in console.text("#red-run")
    console.shot("project-colour-record")
    console.open("/dispatch/plans/monthly/2025-04")
    assert "拟开工项目" in console.text("#by-kind")
    assert console.errors() == []
    console.shot("plan-by-kind")
