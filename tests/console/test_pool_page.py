"""项目库 page: the list with each stage's day, 入统, the campaign years; the conversions by
quarter; the office's forms (入库 in 万元, 阶段推进, 入统) and their refusals in Chinese."""

from __future__ import annotations

import re

import pytest

from .conftest import csrf_of, empty_site, sign_in


@pytest.fixture
def site(tmp_path):  # type: ignore[no-untyped-def]
    app, runtime = empty_site(tmp_path, {"office1": "office", "viewer1": "viewer"})
    yield app, runtime
    runtime.close()


def _client(app, who):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, who)
    return client


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _post(client, path, **form):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/pool").text)
    return client.post(path, data={**form, "csrf_token": token})


def test_the_office_enters_a_project_moves_it_and_reads_the_conversions(site):
    app, _ = site
    office = _client(app, "office1")
    entered = _post(
        office, "/pool/enter", project_id="pool-1", name="智能装备产业园项目",
        sector="制造业", town="城关镇", total_investment_wan="30000", stage="reserve",
        on="2024-01-10",
    )  # fmt: skip
    assert entered.status_code == 302, entered.text
    signed = _post(office, "/pool/stage", project_id="pool-1", stage="signed", on="2024-02-20")
    assert signed.status_code == 302, signed.text
    page = words(office.get("/pool?year=2024").text)
    assert "智能装备产业园项目 城关镇 30,000.00 签约" in page
    assert "储备 2024年1月10日；签约 2024年2月20日" in page
    assert "未入统" in page and "未进入攻坚年" in page
    assert "第1季度（2024年1月1日至2024年3月31日） 1个 0个 0个 0/1（0%） 无可转化项目" in page


def test_a_refusal_is_an_error_page_in_chinese_and_the_viewer_has_no_forms(site):
    app, runtime = site
    office = _client(app, "office1")
    _post(
        office, "/pool/enter", project_id="pool-1", name="项目", sector="制造业",
        town="城关镇", total_investment_wan="100", stage="signed",
    )  # fmt: skip
    head = runtime.store.head()
    back = _post(office, "/pool/stage", project_id="pool-1", stage="reserve")
    assert back.status_code == 422 and "只能向后推进" in words(back.text)
    early = _post(office, "/pool/stage", project_id="pool-1", stage="statistics")
    assert early.status_code == 422 and "未能记录" in words(early.text)
    assert runtime.store.head() == head
    viewer = _client(app, "viewer1")
    page = viewer.get("/pool").text
    assert "项目库" in page and "入库日期" not in page
    assert _post(viewer, "/pool/stage", project_id="pool-1", stage="preliminary").status_code == 403


def _register(runtime, project_id: str, leader: str) -> None:  # type: ignore[no-untyped-def]
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts
    from shared.eventstore import now_utc
    from tests.registry.unit.builders import registration

    RegistryParts.of(runtime).registry.submit(
        Submission(
            event_id=f"reg-{project_id}",
            type="ProjectRegistered",
            occurred_at=now_utc(),
            payload=registration(project_id, national_code=None, leader=leader, year=2026),
            project_id=project_id,
        )
    )


def test_the_visits_page_names_the_leaders_who_have_not_visited_and_the_office_records_one(site):
    app, runtime = site
    _register(runtime, "p1", "张副县长")
    _register(runtime, "p2", "王县长")
    office = _client(app, "office1")
    token = csrf_of(office.get("/visits?quarter=2026-Q4").text)
    recorded = office.post(
        "/visits",
        data={
            "csrf_token": token, "project_id": "p1", "on": "2026-11-05",
            "services": "现场协调用地报批", "problems": "用地预审\n林地占用", "quarter": "2026-Q4",
        },
    )  # fmt: skip
    assert recorded.status_code == 302, recorded.text
    page = words(office.get("/visits?quarter=2026-Q4").text)
    assert "2026年第4季度未到挂点项目的领导 王县长 ：年产10万吨新材料项目（p2）" in page
    assert "1次 2个 2026年11月5日" in page
    project = words(office.get("/projects/p1").text)
    assert (
        "挂点服务 日期 挂点领导 服务内容 解决的问题 2026年11月5日 张副县长 现场协调用地报批 用地预审；林地占用"
        in project
    )
    refused = office.post("/visits", data={"csrf_token": token, "project_id": "p1", "services": ""})
    assert refused.status_code == 422 and "未能记录" in words(refused.text)
    viewer = _client(app, "viewer1")
    assert "记录挂点服务" not in viewer.get("/visits").text
