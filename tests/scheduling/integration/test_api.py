"""The HTTP API under /v1, through the embedded app (all services, one store)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from ..helpers import Project


@pytest.fixture
def county(runtime, clock):
    clock.set("2024-01-02")
    late = Project(runtime.store, "late")
    late.register(major=True)
    late.milestone("m1", "2024-01-20")
    late.invest_on_plan(2)
    return late


def test_the_board_answers_with_colours_and_filters(client, tokens, county):
    body = client.get("/v1/board?as_of=2024-03-05", headers=tokens["viewer"]).json
    assert body["as_of"] == "2024-03-05"
    assert [(p["project_id"], p["status"]) for p in body["projects"]] == [("late", "red")]
    assert client.get("/v1/board?status=green", headers=tokens["viewer"]).json["projects"] == []


def test_a_bad_date_or_status_names_the_field(client, tokens):
    response = client.get("/v1/board?as_of=March&status=blue", headers=tokens["viewer"])
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert set(response.json["errors"]) == {"as_of", "status"}


def test_planning_now_creates_then_returns_the_stored_plan(client, tokens, county, clock):
    clock.set("2024-03-01", hour=8)
    body = {"cadence": "monthly", "period": "2024-03"}
    first = client.post("/v1/plans", json=body, headers=tokens["office"])
    assert first.status_code == 201, first.json
    again = client.post("/v1/plans", json=body, headers=tokens["office"])
    assert again.status_code == 200 and again.json["digest"] == first.json["digest"]
    got = client.get("/v1/plans/monthly/2024-03", headers=tokens["viewer"]).json
    assert got["version"] == 1 and got["plan"]["meeting"]["date"] == "2024-03-01"
    versions = client.get("/v1/plans/monthly/2024-03/versions", headers=tokens["auditor"]).json
    assert [v["version"] for v in versions["versions"]] == [1] and "plan" not in versions[
        "versions"
    ][0]
    listed = client.get("/v1/plans?cadence=monthly", headers=tokens["viewer"]).json["plans"]
    assert [(p["period"], p["version"], p["items"]) for p in listed] == [("2024-03", 1, 1)]


def test_only_the_office_plans_and_a_bad_period_is_named(client, tokens):
    body = {"cadence": "weekly", "period": "2024-03"}
    assert client.post("/v1/plans", json=body, headers=tokens["viewer"]).status_code == 403
    response = client.post("/v1/plans", json=body, headers=tokens["office"])
    assert response.status_code == 422 and "period" in response.json["errors"]
    response = client.post(
        "/v1/plans", json={"cadence": "daily", "period": "x"}, headers=tokens["office"]
    )
    assert response.status_code == 422 and "cadence" in response.json["errors"]
    future = {"cadence": "monthly", "period": "2024-03", "known_at": "2999-01-01"}
    response = client.post("/v1/plans", json=future, headers=tokens["office"])
    assert response.status_code == 422 and "known_at" in response.json["errors"]


def test_an_unknown_plan_is_a_404_problem(client, tokens):
    response = client.get("/v1/plans/weekly/2024-W10", headers=tokens["viewer"])
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    response = client.get("/v1/plans/weekly/2024-13", headers=tokens["viewer"])
    assert response.status_code == 422 and "period" in response.json["errors"]


def test_the_agenda_is_served_as_the_offices_notice_in_every_format(client, tokens, county, clock):
    clock.set("2024-03-04", hour=8)
    client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2024-W10"}, headers=tokens["office"]
    )
    base = "/v1/plans/weekly/2024-W10/agenda"
    md = client.get(f"{base}.md", headers=tokens["viewer"])
    assert md.status_code == 200 and md.content_type.startswith("text/markdown")
    assert "# 关于召开2024年第10周重点项目调度会议的通知" in md.get_data(as_text=True)
    assert "节点“m1”应于2024年1月20日完成，已逾期44天" in md.get_data(as_text=True)
    html = client.get(f"{base}.html", headers=tokens["viewer"]).get_data(as_text=True)
    assert "张县长分包项目" in html and "承办单位：发改局" in html
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"{base}.csv", headers=tokens["viewer"])
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [(r["项目名称"], r["事项类别"], r["责任单位"]) for r in rows] == [
        ("项目 late", "节点逾期", "发改局")
    ]
    book = load_workbook(io.BytesIO(client.get(f"{base}.xlsx", headers=tokens["viewer"]).data))
    assert book.sheetnames[0] == "调度事项清单" and book["调度事项清单"]["D3"].value == "项目 late"
    docx = client.get(f"{base}.docx", headers=tokens["viewer"])
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert "filename*=UTF-8''" in docx.headers["Content-Disposition"]
    assert client.get(f"{base}.pdf", headers=tokens["viewer"]).status_code == 404
    assert (
        client.get("/v1/plans/weekly/2024-W10/minutes.md", headers=tokens["viewer"]).status_code
        == 404
    )


def test_issuing_a_document_numbers_it_once_and_the_number_is_printed(
    client, tokens, county, clock
):
    clock.set("2024-03-04", hour=8)
    client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2024-W10"}, headers=tokens["office"]
    )
    path = "/v1/plans/weekly/2024-W10/agenda/issue"
    assert client.post(path, headers=tokens["viewer"]).status_code == 403
    first = client.post(path, headers=tokens["office"])
    assert first.status_code == 201 and first.json["number"] == "攻坚办〔2024〕1号"
    again = client.post(path, headers=tokens["office"])
    assert again.status_code == 200 and again.json["number"] == "攻坚办〔2024〕1号"
    notice = client.post("/v1/plans/weekly/2024-W10/supervision/issue", headers=tokens["office"])
    assert notice.json["number"] == "攻坚办〔2024〕2号"
    md = client.get("/v1/plans/weekly/2024-W10/agenda.md", headers=tokens["viewer"])
    assert "攻坚办〔2024〕1号" in md.get_data(as_text=True)


def test_actions_are_listed_and_closed_by_the_office(client, tokens, county, clock):
    clock.set("2024-03-01", hour=8)
    client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-03"}, headers=tokens["office"]
    )
    listed = client.get("/v1/actions?status=open&campaign=2024", headers=tokens["viewer"])
    (action,) = listed.json["actions"]
    path = f"/v1/actions/{action['action_id']}/close"
    assert client.post(path, json={"note": "x"}, headers=tokens["viewer"]).status_code == 403
    closed = client.post(path, json={"note": "已解决"}, headers=tokens["office"])
    assert closed.status_code == 200 and closed.json["closed_now"] is True
    assert closed.json["action"]["status"] == "closed"
    assert client.get("/v1/actions?campaign=2024", headers=tokens["viewer"]).json["actions"] == []
    every = client.get("/v1/actions?status=all&campaign=2024", headers=tokens["viewer"])
    assert len(every.json["actions"]) == 1
    # The current campaign (this calendar year's) has none of 2024's projects.
    assert client.get("/v1/actions?status=all", headers=tokens["viewer"]).json["actions"] == []
    missing = client.post("/v1/actions/nope/close", json={}, headers=tokens["office"])
    assert missing.status_code == 404


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json["paths"]
    assert {"/v1/board", "/v1/plans", "/v1/actions"} <= set(paths)


def test_spreadsheet_exports_never_start_a_cell_with_a_formula(client, tokens, runtime, clock):
    clock.set("2024-01-02")
    sly = Project(runtime.store, "sly")
    sly.register(name="=HYPERLINK(1)")
    sly.milestone("m1", "2024-01-20")
    clock.set("2024-03-01", hour=8)
    client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-03"}, headers=tokens["office"]
    )
    text = client.get("/v1/plans/monthly/2024-03/agenda.csv", headers=tokens["viewer"]).get_data(
        as_text=True
    )
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text
    book = load_workbook(
        io.BytesIO(
            client.get("/v1/plans/monthly/2024-03/agenda.xlsx", headers=tokens["viewer"]).data
        )
    )
    assert book["调度事项清单"]["D3"].value == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v1/plans", {"cadence": "weekly", "period": 10}),
        (
            "post",
            "/v1/plans",
            {"cadence": "weekly", "period": "2024-W10", "known_at": "2024-03-01T10:00"},
        ),
        ("post", "/v1/plans", {"cadence": "weekly"}),
        ("get", "/v1/plans/weekly/2024-W10?version=abc", None),
        ("get", "/v1/plans/yearly/2024/agenda.md", None),
        ("get", "/v1/board?major=maybe&known_at=tomorrow", None),
        ("get", "/v1/actions?status=done&limit=0", None),
    ],
)
def test_bad_input_is_a_named_422_never_a_500(client, tokens, method, path, body):
    response = getattr(client, method)(path, json=body, headers=tokens["office"])
    assert response.status_code == 422, response.json
    assert response.json["errors"]


def test_the_plan_and_its_agenda_name_the_same_chair_and_attendees_in_rank_order(
    client, tokens, runtime, county, clock
):
    for project_id, leader, unit in (
        ("roads", "李副县长", "交通局"),
        ("park", "陈明(县委书记)", "工信局"),
    ):
        other = Project(runtime.store, project_id)
        other.register(major=True, leader=leader, lead_unit=unit)
        other.milestone("m1", "2024-01-20")
    clock.set("2024-03-04", hour=8)
    plan = client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2024-W10"}, headers=tokens["office"]
    ).json["plan"]
    meeting = plan["meeting"]
    assert meeting["calendar_labels"] == ["国家法定工作日历"]
    assert plan["board_labels"] == {"green": "绿", "yellow": "黄", "red": "红"}
    assert meeting["chair"] == "常务副县长"  # the office's weekly chair, not 领导小组组长
    leaders = ["陈明(县委书记)", "张县长", "李副县长"]
    assert meeting["attendees"][:3] == leaders
    assert meeting["attendees"][3:6] == ["工信局", "发改局", "交通局"]
    md = client.get("/v1/plans/weekly/2024-W10/agenda.md", headers=tokens["viewer"])
    text = md.get_data(as_text=True).replace("**", "")
    assert "## 三、会议主持\n\n常务副县长\n" in text
    assert "县领导：陈明（县委书记）、张县长、李副县长。" in text
    units = "、".join(meeting["attendees"][3:])
    assert f"参会单位：{units}、县重点项目建设攻坚行动领导小组办公室主要负责同志。" in text


def test_the_register_of_issued_documents_is_listed_by_year_and_kind_and_paged(
    client, tokens, county, clock
):
    clock.set("2024-03-04", hour=8)
    plan = client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2024-W10"}, headers=tokens["office"]
    ).json
    for kind in ("agenda", "supervision"):
        client.post(f"/v1/plans/weekly/2024-W10/{kind}/issue", headers=tokens["office"])
    listed = client.get("/v1/documents", headers=tokens["viewer"])
    assert listed.status_code == 200
    first, second = listed.json["documents"]
    assert (first["number"], second["number"]) == ("攻坚办〔2024〕1号", "攻坚办〔2024〕2号")
    assert first["kind"] == "agenda" and first["kind_label"] == "调度会议通知"
    assert first["title"] == "关于召开2024年第10周重点项目调度会议的通知"
    assert first["issued_by"] == "office" and first["digest"] == plan["digest"]
    assert first["issued_at"] == "2024-03-04T00:00:00.000000Z"
    assert first["issued_at_label"] == "2024年3月4日（星期一）08:00"
    only = client.get("/v1/documents?kind=supervision&year=2024", headers=tokens["auditor"])
    assert [d["number"] for d in only.json["documents"]] == ["攻坚办〔2024〕2号"]
    assert client.get("/v1/documents?year=2025", headers=tokens["viewer"]).json == {
        "documents": [],
        "next_after": None,
    }
    page = client.get("/v1/documents?limit=1", headers=tokens["viewer"])
    assert page.json["next_after"] == first["global_position"]
    assert 'rel="next"' in page.headers["Link"]
    rest = client.get(f"/v1/documents?after={first['global_position']}", headers=tokens["viewer"])
    assert [d["number"] for d in rest.json["documents"]] == ["攻坚办〔2024〕2号"]
    assert client.get("/v1/documents?kind=minutes", headers=tokens["viewer"]).status_code == 422
    assert client.get("/v1/documents").status_code == 401
