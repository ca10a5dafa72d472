"""Every page renders for the roles that may see it, in Chinese, with the demo campaign."""

from __future__ import annotations

import pytest

from services.console.gateway import services as console_services

from .conftest import csrf_of

PROJECT = "XM2025003"


@pytest.mark.parametrize(
    "path, words",
    [
        ("/", ["2025年目标与完成", "投资完成与序时进度", "按状态"]),
        ("/print/a3", ["挂图作战（A3）"]),
        ("/projects", ["共 29 个项目"]),
        (f"/projects/{PROJECT}", ["责任体系", "倒排工期", "事件记录"]),
        (
            f"/projects/{PROJECT}?as_of=2025-12-31&compare=2025-06-30",
            ["投资完成 · 2025-07", "万元"],
        ),
        (f"/public/projects/{PROJECT}", ["项目建设公示牌", "<svg"]),
        ("/dispatch", ["会议日历", "督办事项"]),
        ("/assessments", ["发起考核", "考核结果"]),
        ("/audit", ["哈希链", "事件查询"]),
        ("/audit?project=XM2025003&type=MilestoneSlipped", ["查询结果（", "节点延期"]),
    ],
)
def test_pages_render_for_the_office(signed_in, path, words):
    response = signed_in("office").get(path)
    assert response.status_code == 200
    for word in words:
        assert word in response.text


def test_the_wall_writes_each_colour_as_a_word_too(signed_in):
    html = signed_in("viewer").get("/").text
    assert 'class="badge red">红<' in html and 'class="badge green">绿<' in html


def test_the_wall_groups_by_unit_and_filters_by_status(signed_in):
    html = signed_in("viewer").get("/?group=lead_unit&status=red").text
    assert "县工信局" in html
    assert 'class="badge green">绿</span>\n  <a' not in html


def test_the_public_board_needs_no_sign_in_and_shows_no_internal_fields(site):
    html = site.client().get(f"/public/projects/{PROJECT}").text
    assert "年产5万吨新型绿色建材项目" in html and "皖材新型建材科技有限公司" in html
    for internal in ("王海涛", "常务副县长", "节点延期", "事件记录"):
        assert internal not in html


def test_the_admin_page_lists_users_tokens_and_integrations(signed_in):
    client = signed_in("admin")
    html = client.get("/admin").text
    assert "viewer1" in html and "demo-approval-system" in html
    made = client.post(
        "/admin/tokens",
        data={"name": "审批系统令牌", "role": "viewer", "csrf_token": csrf_of(html)},
    )
    assert made.status_code == 200 and 'id="secret">gj_' in made.text


def test_roles_are_refused_pages_above_them(signed_in):
    assert signed_in("office").get("/admin").status_code == 403
    assert signed_in("auditor").get("/admin").status_code == 403


def test_the_office_plans_a_month_and_closes_an_action_it_assigned(signed_in, site):
    client = signed_in("office")
    token = csrf_of(client.get("/dispatch").text)
    made = client.post(
        "/dispatch/plans", data={"cadence": "monthly", "period": "2025-11", "csrf_token": token}
    )
    assert made.status_code == 302 and made.location == "/dispatch/plans/monthly/2025-11"
    plan = client.get(made.location).text
    assert "议程" in plan and "第1版" in plan
    assert client.get(made.location + "/agenda.xlsx").status_code == 200
    scheduling = console_services(site.runtime).scheduling
    action = scheduling.actions(status="open", limit=1)[0]
    closed = client.post(
        f"/dispatch/actions/{action['action_id']}/close",
        data={"note": "已协调解决", "csrf_token": token},
    )
    assert closed.status_code == 302
    assert (
        scheduling.actions(status="closed", project_id=action["project_id"])[0]["close_note"]
        == "已协调解决"
    )
    assert f"action-{action['action_id']}" not in client.get("/dispatch").text


def test_a_viewer_may_not_close_actions_or_start_assessments(signed_in):
    client = signed_in("viewer")
    token = csrf_of(client.get("/dispatch").text)
    assert client.post("/dispatch/actions/A1/close", data={"csrf_token": token}).status_code == 403
    assert client.get("/assessments").status_code == 403


def test_an_assessment_started_from_the_page_finishes_and_ranks_by_category(signed_in):
    import time

    client = signed_in("office")
    token = csrf_of(client.get("/assessments").text)
    started = client.post("/assessments", data={"year": "2025", "csrf_token": token})
    assert started.status_code == 302
    job_url = started.location + ".json"
    for _ in range(120):
        job = client.get(job_url).json
        if job["status"] == "done":
            break
        time.sleep(0.25)
    assert job["status"] == "done" and job["percent"] == 100.0
    ranking = client.get(job["href"]).text
    assert "突破性进展" in ranking and "名次" in ranking
    card = client.get(f"{job['href']}/projects/{PROJECT}").text
    assert "年度投资计划完成" in card and f"/projects/{PROJECT}#e-" in card


def test_the_auditor_verifies_the_chain_and_downloads_the_log(signed_in):
    import json
    import time

    client = signed_in("auditor")
    token = csrf_of(client.get("/audit").text)
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 302
    for _ in range(100):
        html = client.get("/audit").text
        if 'class="badge green">完整' in html:
            break
        time.sleep(0.2)
    assert 'class="badge green">完整' in html and "已校验至第" in html
    lines = client.get("/audit/export").text.splitlines()
    assert json.loads(lines[0])["header"]["format"] == "gongjian-log"
    trailer = json.loads(lines[-1])["trailer"]
    assert trailer["count"] == len(lines) - 2
    assert trailer["head_hash"] == json.loads(lines[-2])["hash"]


def test_an_admin_cannot_disable_their_own_account(signed_in):
    client = signed_in("admin")
    token = csrf_of(client.get("/admin").text)
    refused = client.post("/admin/users/admin1/disable", data={"csrf_token": token})
    assert refused.status_code == 422 and "不能停用自己的账号" in refused.text
    assert client.get("/admin").status_code == 200
