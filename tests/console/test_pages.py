"""Every page renders for the roles that may see it, in Chinese, with the demo campaign."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.console.gateway import services as console_services
from services.registry.application.submissions import Submission
from shared.eventstore import KNOWN_AT_IN_FUTURE
from shared.eventstore.errors import InvalidEventPayload

from .conftest import csrf_of

PROJECT = "XM2025003"


@pytest.mark.parametrize(
    "path, words",
    [
        (
            "/",
            [
                "示范县2025年项目攻坚年目标与完成",
                "2025年3月1日至2025年12月31日",
                "投资完成与序时进度",
                "按状态",
            ],
        ),
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


def test_sectors_are_written_in_chinese_on_the_wall_and_the_project_page(signed_in):
    client = signed_in("office")
    page, wall = client.get(f"/projects/{PROJECT}").text, client.get("/").text
    for html in (page, wall):
        assert "manufacturing" not in html.replace('value="manufacturing"', "")
    assert "突破性进展或完工投产 · 制造业" in page


def test_the_wall_writes_each_colour_as_a_word_too(signed_in):
    html = signed_in("viewer").get("/").text
    assert 'class="badge red">红<' in html and 'class="badge green">绿<' in html


def test_the_wall_groups_by_unit_and_filters_by_status(signed_in):
    html = signed_in("viewer").get("/?group=lead_unit&status=red").text
    assert "县工信局" in html
    assert 'class="badge green">绿</span>\n  <a' not in html


def _assign(site, payload: dict) -> object:  # type: ignore[no-untyped-def]
    """An office's ResponsibilityAssigned for XM2025007, dated inside its campaign year."""
    return console_services(site.runtime).submit(
        Submission(
            event_id=str(uuid.uuid4()),
            type="ResponsibilityAssigned",
            occurred_at=datetime(2025, 6, 1, 2, tzinfo=UTC),
            project_id="XM2025007",
            payload=payload,
            actor="office1",
            source="console",
        )
    )


def test_a_projects_team_and_contact_show_on_its_page_and_only_the_contact_on_its_board(
    signed_in, site
):
    team = [
        {"name": "周海燕", "unit": "县发改局", "duty": "专班组长"},
        {"name": "吴国栋", "unit": "县住建局"},
    ]
    contact = {"name": "吴国栋", "phone": "0558-6612345"}
    outcome = _assign(site, {"team": team, "contact": contact, "reason": "组建工作专班"})
    assert outcome.status == "accepted", outcome
    page = signed_in("viewer").get("/projects/XM2025007").text
    assert "周海燕（县发改局，专班组长）、吴国栋（县住建局）" in page
    assert "吴国栋　0558-6612345" in page
    board = site.client().get("/public/projects/XM2025007").text
    assert "吴国栋　0558-6612345" in board and "周海燕" not in board


def test_a_team_member_without_a_name_or_a_phone_in_letters_is_refused(site):
    with pytest.raises(InvalidEventPayload) as refused:
        _assign(site, {"team": [{"unit": "县发改局"}], "contact": {"name": "某", "phone": "电话"}})
    assert set(refused.value.errors) == {"team", "contact"}


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


def test_the_admin_page_revokes_tokens_and_stops_and_restarts_integrations_on_the_record(
    signed_in, site
):
    client = signed_in("admin")
    token = site.runtime.tokens.create("页面吊销测试", "viewer")
    site.runtime.tokens.create("页面吊销测试-2", "viewer")
    csrf = csrf_of(client.get("/admin").text)

    client.post("/admin/tokens/页面吊销测试/revoke", data={"csrf_token": csrf})
    client.post("/admin/integrations/demo-approval-system/disable", data={"csrf_token": csrf})
    stopped = client.get("/admin").text
    client.post("/admin/integrations/demo-approval-system/enable", data={"csrf_token": csrf})

    assert site.runtime.tokens.authenticate(token) is None
    assert "admin/integrations/demo-approval-system/enable" in stopped
    recorded = [
        (e.type, e.actor)
        for stream in ("admin-tokens", "admin-integrations")
        for e in site.runtime.store.read_stream(stream)
    ]
    assert ("TokenRevoked", "admin1") in recorded
    assert recorded[-2:] == [("IntegrationDisabled", "admin1"), ("IntegrationEnabled", "admin1")]


def test_roles_are_refused_pages_above_them(signed_in):
    assert signed_in("office").get("/admin").status_code == 403
    assert signed_in("auditor").get("/admin").status_code == 403


def test_the_office_plans_a_month_and_closes_an_action_it_assigned(signed_in, site):
    client = signed_in("office")
    token = csrf_of(client.get("/dispatch").text)
    made = client.post(
        "/dispatch/plans", data={"cadence": "monthly", "period": "2025-11", "csrf_token": token}
    )
    assert made.status_code == 302, made.text
    assert made.location == "/dispatch/plans/monthly/2025-11"
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


def test_the_office_issues_a_plans_supervision_notice_once_and_downloads_it(signed_in):
    import io

    from docx import Document

    client = signed_in("office")
    token = csrf_of(client.get("/dispatch").text)
    made = client.post(
        "/dispatch/plans", data={"cadence": "monthly", "period": "2025-10", "csrf_token": token}
    )
    page = client.get(made.location).text
    assert "督查通报" in page and "未编号" in page and "编号印发" in page
    issue = made.location + "/supervision/issue"
    assert client.post(issue, data={"csrf_token": token, "version": "1"}).status_code == 302
    page = client.get(made.location).text
    number = re.search(r"〔\d{4}〕\d+号", page)
    assert number, "the issued number is shown beside the document"
    assert client.post(issue, data={"csrf_token": token, "version": "1"}).status_code == 302
    again = client.get(made.location).text
    assert again.count(number.group(0)) == 1, "issuing twice keeps the one number"
    docx = client.get(made.location + "/supervision.docx?version=1")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert number.group(0) in text and "督查情况的通报" in text


def test_the_office_records_a_set_piece_and_a_site_meeting_whose_decisions_are_actions(
    signed_in, site
):
    client = signed_in("office")
    page = client.get("/dispatch").text
    assert "重点活动（活动日程）" in page and "总结表彰大会" in page and "现场办公" in page
    token = csrf_of(page)
    held = client.post(
        "/dispatch/set-pieces/mobilisation_meeting/held",
        data={"held_on": "2025-03-20", "outcome": "召开全县动员大会", "csrf_token": token},
    )
    assert held.status_code == 302 and held.location.endswith("#set-pieces")
    page = client.get("/dispatch").text
    row = page[page.index('id="set-piece-mobilisation_meeting"') :][:1500]
    assert "已开展" in row and "召开全县动员大会" in row
    form = {
        "kind": "site_supervision",
        "project_id": PROJECT,
        "place": "项目施工现场",
        "held_on": "2025-05-20",
        "attendees": "张县长、发改局",
        "problems": "施工用电未接通",
        "decisions": "接通施工用电｜供电公司｜2025-06-30",
        "csrf_token": token,
    }
    made = client.post("/dispatch/site-meetings", data=form)
    assert made.status_code == 302 and made.location.endswith("#site-meetings")
    page = client.get("/dispatch").text
    assert "接通施工用电（供电公司，2025年6月30日" in page and "未办结 1 项" in page
    actions = console_services(site.runtime).scheduling.actions(project_id=PROJECT, limit=500)
    assert any(a["item"].startswith("site_decision:") for a in actions)
    assert "现场办公决定事项" in page
    bad = client.post("/dispatch/site-meetings", data={**form, "decisions": "只有事项"})
    assert bad.status_code == 422 and "未能记录" in bad.text


def test_a_viewer_sees_the_documents_but_may_not_issue_them(signed_in):
    # A plan of its own: the session's site has none until a test makes one, and the
    # tests run in any order (this one failed when it came first on its worker).
    office = signed_in("office")
    token = csrf_of(office.get("/dispatch").text)
    made = office.post(
        "/dispatch/plans", data={"cadence": "monthly", "period": "2025-07", "csrf_token": token}
    )
    assert made.status_code == 302, made.text
    client = signed_in("viewer")
    plans = client.get("/dispatch?month=2025-07").text
    link = re.search(r'href="(/dispatch/plans/monthly/2025-07)"', plans)
    assert link, "the calendar links to the plan"
    page = client.get(link.group(1)).text
    assert "督查通报" in page and "编号印发" not in page
    refused = client.post(link.group(1) + "/supervision/issue", data={"version": "1"})
    assert refused.status_code in (400, 403)
    assert client.get(link.group(1) + "/supervision.html").status_code == 200


def test_a_viewer_may_not_close_actions_or_start_assessments(signed_in):
    client = signed_in("viewer")
    token = csrf_of(client.get("/dispatch").text)
    assert client.post("/dispatch/actions/A1/close", data={"csrf_token": token}).status_code == 403
    started = client.post("/assessments", data={"year": "2025", "csrf_token": token})
    assert started.status_code == 403


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


def _finished_assessment(client) -> str:  # type: ignore[no-untyped-def]
    """The page of an assessment the office starts and waits for."""
    import time

    token = csrf_of(client.get("/assessments").text)
    started = client.post("/assessments", data={"year": "2025", "csrf_token": token})
    for _ in range(120):
        job = client.get(started.location + ".json").json
        if job["status"] == "done":
            return job["href"]
        time.sleep(0.25)
    raise AssertionError(job)


def test_a_draft_is_marked_and_only_the_approver_signs_it_off_for_viewers_to_see(signed_in):
    href = _finished_assessment(signed_in("office"))
    office_page = signed_in("office").get(href).text
    assert 'id="assessment-state">草稿<' in office_page and "审定并发布" not in office_page
    viewer = signed_in("viewer")
    assert viewer.get(href).status_code == 404
    assert href not in viewer.get("/assessments").text
    approver = signed_in("approver")
    landing = approver.get("/assessments")
    assert landing.status_code == 200 and "发起考核" not in landing.text
    page = approver.get(href).text
    assert "审定并发布" in page
    # A reason, in case an earlier test (the browser's) published this year already and
    # this sign-off is a correction of it.
    form = {"csrf_token": csrf_of(page), "reason": "依据复核意见更正"}
    signed = approver.post(href + "/approve", data=form)
    assert signed.status_code == 302
    published = viewer.get(href).text
    assert 'id="assessment-state">已发布<' in published and "审定人 approver1" in published
    assert href in viewer.get("/assessments").text


def test_a_units_scorecard_shows_its_admonishment(signed_in, site):
    from urllib.parse import unquote

    from services.scoring.application import accountability

    href = _finished_assessment(signed_in("office"))
    page = signed_in("auditor").get(href).text
    unit = re.search(r'/units/([^"]+)"', page)
    assert unit is not None
    name = unquote(unit.group(1))
    talk = {
        "unit": name,
        "principal": "赵某某",
        "held_on": date(2026, 1, 15),
        "conducted_by": "县纪委 钱某某",
        "reason": "工作不主动",
    }
    accountability.record(
        site.runtime.store,
        2025,
        talk,
        actor="office1",
        source="console",
        zone=site.runtime.settings.zone,
    )
    card = signed_in("auditor").get(f"{href}/units/{name}").text
    assert (
        "奖惩记录" in card and "赵某某" in card and "县纪委 钱某某" in card and "工作不主动" in card
    )


def test_the_auditor_verifies_the_chain_and_downloads_the_log(signed_in, site):
    import json
    import time

    from shared.eventstore.status import latest_verification_job

    client = signed_in("auditor")
    token = csrf_of(client.get("/audit").text)
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 302
    for _ in range(100):
        html = client.get("/audit").text
        if 'class="badge green">完整' in html:
            break
        time.sleep(0.2)
    assert 'class="badge green">完整' in html and "已校验至第" in html
    job = latest_verification_job(site.runtime.store)  # the registry's job, as the API runs it
    assert job["status"] == "done" and job["result"]["ok"]
    assert job["verified"] == job["total"] == job["result"]["count"]
    lines = client.get("/audit/export").text.splitlines()
    assert json.loads(lines[0])["header"]["format"] == "gongjian-log"
    trailer = json.loads(lines[-1])["trailer"]
    assert trailer["count"] == len(lines) - 2
    assert trailer["head_hash"] == json.loads(lines[-2])["hash"]


def test_after_a_failed_verification_the_auditor_starts_another(signed_in, site):
    """A failed job is over (no worker runs it again): the page stops following it and
    the button queues a new one (it did nothing while the last job was a failed one)."""
    import time

    from shared.eventstore.status import _update, latest_verification_job, request_verification

    store = site.runtime.store
    failed = request_verification(store)
    _update(store, failed, status="failed")
    client = signed_in("auditor")
    page = client.get("/audit").text
    assert "失败（已校验" in page and 'http-equiv="refresh"' not in page
    assert client.post("/audit/verify", data={"csrf_token": csrf_of(page)}).status_code == 302
    for _ in range(100):
        job = latest_verification_job(store)
        if job is not None and job["job_id"] != failed and job["status"] == "done":
            break
        time.sleep(0.2)
    assert job is not None and job["job_id"] != failed, "another verification was queued"
    assert job["status"] == "done" and job["result"]["ok"]
    assert 'class="badge green">完整' in client.get("/audit").text


def test_an_admin_cannot_disable_their_own_account(signed_in):
    client = signed_in("admin")
    token = csrf_of(client.get("/admin").text)
    refused = client.post("/admin/users/admin1/disable", data={"csrf_token": token})
    assert refused.status_code == 422 and "不能停用自己的账号" in refused.text
    assert client.get("/admin").status_code == 200


def test_a_page_asked_about_a_future_known_at_says_the_one_refusal(signed_in):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = signed_in("viewer").get(f"/projects/{PROJECT}?known_at={tomorrow}")
    assert response.status_code == 422
    assert KNOWN_AT_IN_FUTURE in response.text


def test_the_audit_page_says_a_verification_was_taken_over_with_its_progress(signed_in, site):
    from datetime import timedelta

    from shared.checkpointing import keyring
    from shared.eventstore import now_utc
    from shared.eventstore.status import (
        _update,
        request_verification,
        run_verification,
        verification_leases,
    )
    from shared.leases import Claim

    store, lease = site.runtime.store, timedelta(seconds=60)
    job_id = request_verification(store)
    leases = verification_leases(store.engine)
    try:
        leases.claim(job_id, "dead-worker", now_utc() - 2 * lease, lease)
        _update(store, job_id, verified=1)
        assert leases.take_back_expired(now_utc()) == [job_id]
        assert leases.claim(job_id, "second-worker", now_utc(), lease) is Claim.CLAIMED

        html = signed_in("auditor").get("/audit").text

        assert "校验中（已校验1条" in html
        assert "执行进程中断，已由其他进程重新接手1次" in html
    finally:
        # The second worker exists only here: its job finishes, or it would stay the
        # site's last, running for a minute, and /audit/verify queues none meanwhile (the
        # auditor's test after this one waited on it in vain).
        leases.release(job_id, "second-worker")
        done = run_verification(store, keyring(site.runtime.settings), job_id)
        assert done is not None and done["status"] == "done"
