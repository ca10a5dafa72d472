"""The JSON API keeps its codes and gives the Chinese label beside each."""

from __future__ import annotations

from services.scoring.entrypoints.labelled import AssessmentResponse, JobView
from tests.e2e.conftest import bearer
from tests.scheduling.helpers import registration


def _register(client, office) -> None:  # noqa: F811
    body = {**registration("p1", major=True), "occurred_at": "2024-01-02T02:00:00Z"}
    assert client.post("/v1/projects", json=body, headers=office).status_code == 201
    for type_, payload in (
        ("ApprovalRequested", {"approval_id": "a1", "kind": "eia", "allowed_days": 5}),
        ("IssueRaised", {"issue_id": "i1", "kind": "land", "description": "征地未完成"}),
    ):
        event = {"type": type_, "occurred_at": "2024-01-03T02:00:00Z", "payload": payload}
        response = client.post("/v1/projects/p1/events", json=event, headers=office)
        assert response.status_code == 201, response.get_data(as_text=True)


def test_a_project_carries_the_label_beside_each_code(client, runtime):  # noqa: F811
    office = bearer(runtime, "office")
    _register(client, office)
    project = client.get("/v1/projects/p1", headers=office).json["project"]
    assert (project["category"], project["category_label"]) == (
        "breakthrough",
        "突破性进展或完工投产",
    )
    assert (project["phase"], project["phase_label"]) == ("preliminary", "前期")
    assert (project["major"], project["major_label"]) == (True, "是")
    assert project["approvals"]["a1"]["kind_label"] == "环评"
    assert project["approvals"]["a1"]["status_label"] == "审批中"
    assert project["issues"]["i1"]["kind_label"] == "用地"
    listed = client.get("/v1/projects", headers=office).json["projects"][0]
    assert listed["category_label"] == "突破性进展或完工投产"
    events = client.get("/v1/events", headers=office).json["events"]
    assert [e["type_label"] for e in events] == ["项目登记", "手续申报", "问题提出"]


def test_the_board_and_a_plan_carry_labels_beside_their_codes(client, runtime):  # noqa: F811
    office = bearer(runtime, "office")
    _register(client, office)
    board = client.get("/v1/board?as_of=2024-03-04", headers=office).json
    row = board["projects"][0]
    assert row["status_label"] == {"red": "红", "yellow": "黄", "green": "绿"}[row["status"]]
    rules = {r["rule"]: r["rule_label"] for r in row["reasons"]}
    assert rules["approval_pending"] == "前期手续超时未办结"
    plan = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-03"}, headers=office
    ).json
    assert plan["cadence_label"] == "月调度"
    item = plan["plan"]["groups"][0]["items"][0]
    assert item["rule_label"] and item["action"]["status_label"] == "本期交办"
    assert "手续" in item["reason"] or "问题" in item["reason"] or "投资" in item["reason"]


def test_an_assessment_carries_grade_labels_as_the_rulebook_names_them():
    record = {
        "assessment_id": "x",
        "result": {
            "projects": [
                {
                    "project_id": "p1",
                    "category": "new_start",
                    "grade": "excellent",
                    "lines": [{"line": "investment", "points": "25.00"}],
                    "vetoes": [{"kind": "illegal_farmland", "on": "2024-05-01"}],
                }
            ],
            "units": [{"name": "发改局", "grade": "qualified", "vetoed": False}],
            "leaders": [],
            "campaign": {"projects": 1},
        },
    }
    dumped = AssessmentResponse().dump(record)
    project = dumped["result"]["projects"][0]
    assert (project["grade"], project["grade_label"]) == ("excellent", "优秀")
    assert project["category_label"] == "开工建设"
    assert project["lines"][0]["line_label"] == "年度投资计划完成"
    assert project["vetoes"][0]["kind_label"] == "违规占用耕地"
    assert dumped["result"]["units"][0]["vetoed_label"] == "否"
    assert dumped["result"]["campaign"] == {"projects": 1}
    assert JobView().dump({"status": "running", "job_id": "j"})["status_label"] == "计算中"
