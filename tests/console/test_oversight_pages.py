"""督查 page through the test client: an inspection round recorded from the form, its
problems' actions closed here, its 通报 numbered; an escalation raised, decided, closed;
who may do what."""

from __future__ import annotations

import re

from services.console.gateway import services as console_services

from .conftest import csrf_of

PROJECT = "XM2025003"


def test_the_office_records_a_round_closes_a_problem_and_issues_its_notice(signed_in, site):
    client = signed_in("office")
    page = client.get("/oversight").text
    assert "督查检查（层级检查 · 专项督查）" in page and "提请领导小组研究" in page
    token = csrf_of(page)
    form = {
        "kind": "level_check",
        "title": "2025年第三季度层级检查",
        "started_on": "2025-09-08",
        "ended_on": "2025-09-10",
        "leader": "刘组长",
        "members": "县委督查室王某、县发改局陈某",
        "units": "县住建局、县交通局",
        "commendations": "县交通局｜挂点服务到位",
        "problems": f"县住建局｜施工许可办理滞后｜县住建局｜2025-10-15｜{PROJECT}",
        "csrf_token": token,
    }
    made = client.post("/oversight/inspections", data=form)
    assert made.status_code == 302 and made.location.endswith("#inspections")
    page = client.get("/oversight").text
    start = page.index("2025年第三季度层级检查")
    section = page[start : start + 6000]
    assert "层级检查" in section and "挂点服务到位" in section and "未办结问题 1 项" in section
    rounds = console_services(site.runtime).scheduling.inspections(campaign=2025)
    found = next(r for r in rounds if r["title"] == "2025年第三季度层级检查")
    action_id = found["findings"][1]["action_id"]
    closed = client.post(
        f"/oversight/actions/{action_id}/close", data={"note": "已办结许可", "csrf_token": token}
    )
    assert closed.status_code == 302
    shown = console_services(site.runtime).scheduling.inspection(found["round_id"])
    assert shown["findings"][1]["status"] == "closed" and shown["open_problems"] == 0
    issued = client.post(
        f"/oversight/inspections/{found['round_id']}/issue", data={"csrf_token": token}
    )
    assert issued.status_code == 302
    page = client.get("/oversight").text
    number = re.search(r"<strong>([^<]+〔2\d{3}〕\d+号)</strong>", page)
    assert number, "the issued notice shows its number"
    notice = client.get(f"/oversight/inspections/{found['round_id']}/notice.md").text
    assert number.group(1) in notice and "对县住建局予以通报批评" in notice
    bad = client.post("/oversight/inspections", data={**form, "problems": "县住建局｜只有问题"})
    assert bad.status_code == 422 and "未能记录" in bad.text


def test_the_office_raises_decides_and_closes_an_escalation(signed_in, site):
    client = signed_in("office")
    token = csrf_of(client.get("/oversight").text)
    raised = {
        "project_id": PROJECT,
        "matter": "电力增容需市级协调",
        "raised_by": "县发改局",
        "raised_on": "2025-08-04",
        "csrf_token": token,
    }
    assert client.post("/oversight/escalations", data=raised).status_code == 302
    found = next(
        e
        for e in console_services(site.runtime).scheduling.escalations(campaign=2025)
        if e["matter"] == "电力增容需市级协调"
    )
    eid = found["escalation_id"]
    page = client.get("/oversight").text
    row = page[page.index(f'id="escalation-{eid}"') :][:3000]
    assert "待领导小组研究" in row
    decision = {
        "decision": "由县供电公司报市公司协调",
        "owner": "县供电公司",
        "due": "2025-09-30",
        "decided_on": "2025-08-11",
        "csrf_token": token,
    }
    assert client.post(f"/oversight/escalations/{eid}/decision", data=decision).status_code == 302
    closing = {"closed_on": "2025-09-20", "note": "已增容", "csrf_token": token}
    assert client.post(f"/oversight/escalations/{eid}/close", data=closing).status_code == 302
    page = client.get("/oversight").text
    row = page[page.index(f'id="escalation-{eid}"') :][:3000]
    assert "已办结" in row and "由县供电公司报市公司协调" in row and "已增容" in row
    again = client.post(f"/oversight/escalations/{eid}/decision", data=decision)
    assert again.status_code == 422 and "已办结" in again.text
    assert client.post("/oversight/escalations/E404/close", data=closing).status_code == 404
    assert client.post(f"/oversight/escalations/{eid}/other", data=closing).status_code == 404


def test_a_viewer_sees_the_page_but_may_not_record(signed_in):
    client = signed_in("viewer")
    page = client.get("/oversight").text
    assert "督查检查" in page and "记录督查检查" not in page and "提请领导小组</button>" not in page
    token = csrf_of(page)
    refused = client.post("/oversight/escalations", data={"matter": "x", "csrf_token": token})
    assert refused.status_code == 403


def test_a_monthly_plan_page_lists_the_open_escalations(signed_in, site):
    client = signed_in("office")
    token = csrf_of(client.get("/oversight").text)
    raised = {
        "unit": "县水务局",
        "matter": "供水管网迁改资金缺口",
        "raised_by": "县水务局",
        "raised_on": "2025-08-20",
        "csrf_token": token,
    }
    assert client.post("/oversight/escalations", data=raised).status_code == 302
    made = client.post(
        "/dispatch/plans", data={"cadence": "monthly", "period": "2025-09", "csrf_token": token}
    )
    page = client.get(made.location).text
    section = page[page.index('id="plan-escalations"') :]
    assert "供水管网迁改资金缺口" in section and "待领导小组研究" in section
