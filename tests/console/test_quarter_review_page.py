"""The quarterly plan's page shows the review of the quarter before its meeting: each
leader's 挂点服务 (by rank, the projects not visited marked) and the pool's conversions."""

from __future__ import annotations

import re

import pytest

from tests.scheduling.helpers import Clock
from tests.scheduling.integration.test_quarter_review import _county

from .conftest import csrf_of, empty_site, sign_in


@pytest.fixture
def site(tmp_path):  # type: ignore[no-untyped-def]
    app, runtime = empty_site(tmp_path, {"office1": "office", "viewer1": "viewer"})
    yield app, runtime
    runtime.close()


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return words(page[start : page.index("</section>", start)])


def test_the_quarterly_plan_page_shows_visits_and_conversions(site):
    app, runtime = site
    _county(runtime.store, Clock())
    office = app.test_client()
    sign_in(office, "office1")
    token = csrf_of(office.get("/dispatch").text)
    form = {"cadence": "quarterly", "period": "2024-Q4", "csrf_token": token}
    made = office.post("/dispatch/plans", data=form)
    assert made.status_code == 302, made.text
    viewer = app.test_client()
    sign_in(viewer, "viewer1")
    page = viewer.get(made.location).text
    visits = _section(page, "plan-leader-visits")
    assert "挂点服务情况（2024年第三季度）" in visits
    assert "未到挂点项目服务的领导：王县长、李副县长" in visits
    assert visits.index("王县长") < visits.index("李副县长")  # by rank
    assert "项目 a 1次 2个 2024年8月5日" in visits
    assert "项目 b 未服务 0个" in visits
    pool = _section(page, "plan-pool")
    assert "项目库转化情况（2024年第三季度）" in pool
    assert "签约→开工 2个 1个 50% 项目 b" in pool
    assert "开工→投产 3个 1个 33% 项目 c" in pool
    assert "新入库：项目 b、项目 d；入统：项目 c；签约：2个，开工：2个，投产：1个。" in pool
