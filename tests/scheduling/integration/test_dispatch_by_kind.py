"""Dispatch by kind (plan 1, issue 17): a plan's projects in sections — preliminary ones on
their targets, tasks and deadlines; those to start on their conditions; those under
construction on 序时进度 and milestones — in the plan, its labels and its notice."""

from __future__ import annotations

import pytest

from services.scheduling.application import service as module

from ..helpers import Project


def _county(store, clock):
    """``prep``: a preliminary project with a node and an approval; ``bare``: one with
    neither; ``ready``: to start, an approval pending, funding blocked, land solved;
    ``built``: under construction, behind plan, a milestone overdue."""
    clock.set("2024-01-02")
    prep, bare = Project(store, "prep"), Project(store, "bare")
    ready, built = Project(store, "ready"), Project(store, "built")
    prep.register(category="preliminary", planned_start="2024-09-01")
    prep.milestone("p1", "2024-03-20", name="完成可研批复")
    prep.request_approval("a1", "2024-01-10")
    bare.register(category="preliminary")
    ready.register(category="new_start", planned_start="2024-02-01")
    ready.request_approval("eia", "2024-01-05")
    ready.event(
        "IssueRaised",
        "2024-01-06",
        issue_id="f1",
        kind="financing",
        description="银行贷款未到位",
        allowed_days=30,
    )
    ready.issue("l1", "2024-01-07")
    ready.resolve("l1", "2024-01-20")
    built.register()
    built.start("2024-01-05")
    built.milestone("b1", "2024-02-10", name="主体封顶")
    built.milestone("b2", "2024-05-30", name="设备安装")
    built.milestone("b3", "2024-08-30", name="竣工验收")
    built.event(
        "IssueRaised",
        "2024-02-01",
        issue_id="w1",
        kind="power",
        description="施工用电未接通",
        allowed_days=20,
    )
    for project in (prep, bare, ready, built):
        project.invest("2024-01", "1000000.00", on="2024-02-02")
    clock.set("2024-03-01", hour=8)


@pytest.fixture
def march(service, clocked_store, clock):
    _county(clocked_store, clock)
    record, _ = service.plan("monthly", "2024-03")
    return {s["kind"]: {p["project_id"]: p for p in s["projects"]} for s in record.plan["by_kind"]}


def test_projects_fall_into_sections_by_kind(march):
    assert list(march) == ["preliminary", "to_start", "under_construction"]
    assert set(march["preliminary"]) == {"prep", "bare"}
    assert set(march["to_start"]) == {"ready"}
    assert set(march["under_construction"]) == {"built"}


def test_preliminary_projects_are_dispatched_on_tasks_deadlines_and_approvals(march):
    prep, bare = march["preliminary"]["prep"], march["preliminary"]["bare"]
    assert prep["planned_start"] == "2024-09-01"
    assert prep["tasks"] == [
        {
            "milestone_id": "p1",
            "name": "完成可研批复",
            "kind": "progress",
            "due": "2024-03-20",
            "status": "due",
            "slips": 0,
        }
    ]
    assert [(a["kind"], a["status"]) for a in prep["approvals"]] == [("eia", "requested")]
    assert prep["gaps"] == []
    assert bare["gaps"] == ["no_tasks", "no_planned_start"]


def test_projects_to_start_show_their_conditions_from_approvals_and_problems(march):
    ready = march["to_start"]["ready"]
    assert ready["planned_start"] == "2024-02-01" and ready["late_days"] == 29
    conditions = {c["condition"]: c for c in ready["conditions"]}
    assert list(conditions) == ["approval", "funding", "land", "utilities"]
    assert conditions["approval"]["status"] == "open"
    assert conditions["approval"]["approvals"][0]["approval_id"] == "eia"
    assert conditions["funding"]["status"] == "open"
    assert conditions["funding"]["issues"][0]["description"] == "银行贷款未到位"
    assert conditions["land"]["status"] == "met"  # its problem was resolved
    assert conditions["utilities"]["status"] == "no_record"


def test_projects_under_construction_show_progress_and_milestones(march):
    built = march["under_construction"]["built"]
    assert built["started_on"] == "2024-01-05"
    # February's report is not due until 5 March: January's 1,000,000 against 1,000,000.
    assert built["progress"] == {
        "year": 2024,
        "months": 1,
        "planned": "1000000.00",
        "actual": "1000000.00",
        "behind_pp": "0.0",
    }
    # The overdue node and the next one, not every later node.
    assert [(m["milestone_id"], m["status"]) for m in built["milestones"]] == [
        ("b1", "overdue"),
        ("b2", "upcoming"),
    ]
    # Plan 1: 已开工项目重点协调调度水、电、地、资金等建设条件.
    conditions = {c["condition"]: c["status"] for c in built["conditions"]}
    assert conditions == {"funding": "no_record", "land": "no_record", "utilities": "open"}
    assert built["conditions"][2]["issues"][0]["description"] == "施工用电未接通"


def test_a_quarterly_plan_has_no_sections_by_kind(service, clocked_store, clock):
    _county(clocked_store, clock)
    record, _ = service.plan("quarterly", "2024-Q1")
    assert "by_kind" not in record.plan


def test_a_plan_stored_before_dispatch_by_kind_keeps_its_version(
    service, clocked_store, clock, monkeypatch
):
    _county(clocked_store, clock)
    built = module.build_plan

    def old_code(inputs):
        plan = built(inputs)
        plan.pop("by_kind", None)
        return plan

    with monkeypatch.context() as old:
        old.setattr(module, "build_plan", old_code)
        before, _ = service.plan("monthly", "2024-03")
    assert "by_kind" not in before.plan
    clock.advance(hours=1)
    again, created = service.plan("monthly", "2024-03", replan=True)
    assert not created and again.version == 1
    Project(clocked_store, "prep").complete("p1", "2024-03-01")
    clock.advance(hours=1)
    changed, created = service.plan("monthly", "2024-03", replan=True)
    assert created and changed.version == 2 and "by_kind" in changed.plan


@pytest.fixture
def tokens(runtime):
    return {
        role: {"Authorization": f"Bearer {runtime.tokens.create(role, role)}"}
        for role in ("office", "viewer")
    }


def test_the_api_and_the_notice_label_the_sections_in_chinese(client, runtime, clock, tokens):
    _county(runtime.store, clock)
    body = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-03"}, headers=tokens["office"]
    ).json
    sections = body["plan"]["by_kind"]
    assert [s["kind_label"] for s in sections] == [
        "前期（谋划）项目",
        "拟开工项目",
        "在建（续建）项目",
    ]
    assert sections[0]["focus_label"].startswith("工作目标、工作任务、工作时限及节点")
    ready = sections[1]["projects"][0]
    assert [c["condition_label"] for c in ready["conditions"]] == ["审批", "资金", "用地", "水电路"]
    assert [c["status_label"] for c in ready["conditions"]] == [
        "未落实",
        "未落实",
        "已落实",
        "无记录",
    ]
    assert ready["conditions"][1]["issues"][0]["kind_label"] == "融资"
    bare = next(p for p in sections[0]["projects"] if p["project_id"] == "bare")
    assert bare["gaps_labels"] == ["工作任务及节点未明确", "计划开工时间未明确"]
    assert sections[2]["projects"][0]["milestones"][0]["status_label"] == "已逾期"
    notice = client.get("/v1/plans/monthly/2024-03/agenda.md", headers=tokens["viewer"]).text
    assert "分类调度" in notice
    assert "前期（谋划）项目（调度工作目标、工作任务、工作时限及节点" in notice
    assert "项目 bare：工作任务及节点未明确；计划开工时间未明确" in notice
    assert "项目 ready：计划2024年2月1日开工" in notice
    assert "资金未落实（融资：银行贷款未到位）" in notice
    assert "项目 built：2024年1月5日开工" in notice
    assert "水电路未落实（供电：施工用电未接通）" in notice
