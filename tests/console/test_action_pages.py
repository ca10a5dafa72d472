"""The 督办 page: each action's stage and 红黄灯, the office's step forms (签收, 办理, 反馈,
复核), a step out of order refused in Chinese, and the 督办函 of one unit."""

from __future__ import annotations

import re
import uuid
from datetime import date

from services.console.gateway import services as console_services

from .conftest import csrf_of

PROJECT = "XM2025003"


def _action(site, owner: str) -> str:
    """A 现场督办 decision for ``owner`` (a unit no other test uses): its action id."""
    record, _ = console_services(site.runtime).scheduling.record_site_meeting(
        {
            "record_id": f"DB-{uuid.uuid4().hex[:8]}",
            "kind": "site_supervision",
            "project_id": PROJECT,
            "place": "项目现场",
            "held_on": date(2025, 5, 20),
            "attendees": ["张县长"],
            "problems": [],
            "decisions": [{"text": "办理环评批复", "owner": owner, "due": date(2025, 6, 30)}],
        },
        actor="test",
    )
    return record["decisions"][0]["action_id"]


def _row(page: str, action_id: str) -> str:
    start = page.index(f'id="action-{action_id}"')
    return page[start : page.index("</tr>", start)]


def test_the_office_takes_each_step_of_an_action_on_its_page(signed_in, site):
    action_id = _action(site, "督办测试局")
    client = signed_in("office")
    page = client.get("/actions").text
    token = csrf_of(page)
    row = _row(page, action_id)
    assert "已下发待签收" in row and "逾期（红灯）" in row and "签收" in row

    def step(name: str, **form: str):  # type: ignore[no-untyped-def]
        return client.post(f"/actions/{action_id}/{name}", data={**form, "csrf_token": token})

    assert step("acknowledge", person="李科长").status_code == 302
    assert "已签收" in _row(client.get("/actions").text, action_id)
    early = step("report", report="已办")
    assert early.status_code == 409 and "不能“反馈”" in early.text
    assert step("start").status_code == 302
    assert step("report").status_code == 422  # 反馈 needs what was done
    assert step("report", report="已报送环评文件").status_code == 302
    assert step("return").status_code == 422  # 退回 needs its reason
    assert step("return", reason="缺批复文号").status_code == 302
    assert "缺批复文号" in _row(client.get("/actions").text, action_id)
    assert step("report", report="已取得批复").status_code == 302
    assert step("accept").status_code == 302
    assert f'id="action-{action_id}"' not in client.get("/actions").text
    listing = client.get("/actions?status=closed").text
    closed = _row(listing, action_id)
    assert "已办结" in closed
    assert '<option value="closed" selected>已办结</option>' in listing
    assert '<option value="all">全部</option>' in listing
    detail = client.get(f"/actions/{action_id}").text
    for text in ("下发", "签收", "李科长", "复核退回", "缺批复文号", "复核通过", "办结"):
        assert text in detail


def test_the_office_issues_a_units_duban_letter_once(signed_in, site):
    action_id = _action(site, "督办函测试局")
    client = signed_in("office")
    page = client.get("/actions").text
    assert "督办函测试局" in page
    letter = client.get(f"/actions/letter.md?action_id={action_id}")
    assert letter.status_code == 200 and "关于督促督办函测试局加快办理" in letter.text
    token = csrf_of(page)
    issued = client.post(
        "/actions/letter/issue", data={"action_id": action_id, "csrf_token": token}
    )
    assert issued.status_code == 302
    page = client.get("/actions").text
    unit = page[page.index("督办函测试局") :][:3000]
    number = re.search(r"〔\d{4}〕\d+号", unit)
    assert number, "the unit's letter shows its number"
    assert number.group(0) in client.get(f"/actions/letter.md?action_id={action_id}").text


def test_a_viewer_sees_the_actions_but_takes_no_step(signed_in, site):
    action_id = _action(site, "只读测试局")
    client = signed_in("viewer")
    page = client.get("/actions").text
    assert "只读测试局" in page and "签收人" not in page and "编号印发" not in page
    token = csrf_of(client.get("/password").text) if "csrf_token" not in page else csrf_of(page)
    refused = client.post(f"/actions/{action_id}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403
