"""Rewards and accountability: a 诫勉谈话 recorded through the API (who, when, by whom,
why) shows in the 考核通报, and the cadre-assessment export (干部考核) of a published
assessment gives each unit and leader its score, grade, rank, 先进/通报批评/诫勉谈话."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.scoring.integration.test_assessment_jobs import county
from tests.scoring.integration.test_http import assess, bearer

TALK = {
    "admonishment_id": "JM2025-01",
    "unit": "Unit B",
    "principal": "王某某（局长）",
    "held_on": "2025-01-20",
    "conducted_by": "县委组织部 李某某",
    "reason": "项目开工滞后，措施不得力",
}


def test_an_admonishment_is_recorded_once_with_who_when_by_whom_and_why(client, runtime):
    office, auditor = bearer(runtime, "office"), bearer(runtime, "auditor")
    path = "/v1/accountability/2024/admonishments"
    first = client.post(path, json=TALK, headers=office)
    assert first.status_code == 201, first.json
    assert client.post(path, json=TALK, headers=office).status_code == 200
    [talk] = client.get(path, headers=auditor).json["admonishments"]
    assert (talk["unit"], talk["principal"], talk["held_on"]) == (
        "Unit B",
        "王某某（局长）",
        "2025-01-20",
    )
    assert (talk["conducted_by"], talk["recorded_by"]) == ("县委组织部 李某某", "office-user")
    assert talk["reason"] == TALK["reason"] and talk["recorded_at"]
    assert client.post(path, json=TALK, headers=bearer(runtime, "viewer")).status_code == 403
    missing = client.post(path, json={**TALK, "reason": ""}, headers=office)
    assert missing.status_code == 422 and missing.content_type == "application/problem+json"
    assert "reason" in missing.json["errors"]


def test_the_bulletin_and_the_cadre_export_show_rewards_and_accountability(
    client, runtime, history, worker
):
    county(history)
    office = bearer(runtime, "office")
    assessment_id = assess(client, runtime, office, known_at="2024-12-31")["assessment_id"]
    client.post("/v1/accountability/2024/admonishments", json=TALK, headers=office)
    cadre = f"/v1/assessments/{assessment_id}/cadre.xlsx"
    assert client.get(cadre, headers=office).status_code == 409
    approve = f"/v1/assessments/{assessment_id}/approve"
    assert client.post(approve, headers=bearer(runtime, "approver")).status_code == 201

    html = client.get(f"/v1/assessments/{assessment_id}/report.html", headers=office)
    text = html.data.decode()
    assert "诫勉谈话" in text and "对Unit B主要负责人王某某（局长）进行诫勉谈话" in text
    assert "2025年1月20日" in text and "项目开工滞后，措施不得力" in text

    export = client.get(cadre, headers=office)
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    units = list(book["承办单位"].iter_rows(min_row=2, values_only=True))
    assert units[0] == ("承办单位", "总分", "等次", "排名", "先进单位", "通报批评", "诫勉谈话")
    rows = {row[0]: row for row in units[1:]}
    assessment = client.get(f"/v1/assessments/{assessment_id}", headers=office).json["result"]
    for unit in assessment["units"]:
        row = rows[unit["name"]]
        assert row[3] == unit["rank"]
        assert row[4] == ("是" if unit["name"] in assessment["advanced_units"] else "否")
        assert row[5] == ("是" if unit["name"] in assessment["criticised_units"] else "否")
    assert rows["Unit B"][6] == "王某某（局长）（2025年1月20日，县委组织部 李某某）"
    assert rows["Unit A"][6] == "无"
    leaders = list(book["分包县领导"].iter_rows(min_row=2, values_only=True))
    assert leaders[0][:4] == ("分包领导", "总分", "等次", "排名")
    assert {row[0] for row in leaders[1:]} == {"Leader A", "Leader B"}


def test_the_rulebook_names_the_grounds_for_criticism_and_each_unit_meeting_one_is_criticised(
    client, runtime, history, worker
):
    from services.scoring.application.rulebooks import DEFAULT_RULEBOOK, read_document

    county(history)
    office = bearer(runtime, "office")
    document = read_document(DEFAULT_RULEBOOK)
    document["version"] = "2024.criteria"
    document["rollup"]["criticism_share"] = "0"
    document["rollup"]["advanced_count"] = 0  # the share (20%) would name one
    document["rollup"]["criticism_criteria"] = {
        "ineffective_measures": {"line": "milestones", "below": "0.5"},
        "no_evident_results": {"line": "total", "below": "0.99"},
    }
    bad = {**document, "rollup": {**document["rollup"], "criticism_criteria": {"lazy": {}}}}
    refused = client.post("/v1/rulebooks", json=bad, headers=office)
    assert refused.status_code == 422 and "rollup.criticism_criteria.lazy" in refused.json["errors"]
    assert client.post("/v1/rulebooks", json=document, headers=office).status_code == 201
    assessment_id = assess(client, runtime, office, known_at="2024-12-31")["assessment_id"]
    result = client.get(f"/v1/assessments/{assessment_id}", headers=office).json["result"]
    totals = {u["name"]: u["total"] for u in result["units"]}
    below = {name for name, total in totals.items() if float(total) < 99}
    assert below and set(result["criticised_units"]) == below
    assert result["advanced_units"] == []
    for unit in below:
        assert "no_evident_results" in result["criticism_reasons"][unit]
        assert "成效不明显" in result["criticism_reasons_labels"][unit]
    approve = f"/v1/assessments/{assessment_id}/approve"
    client.post(approve, headers=bearer(runtime, "approver"))
    text = client.get(f"/v1/assessments/{assessment_id}/report.html", headers=office).data.decode()
    assert any(f"{unit}：" in text and "成效不明显" in text for unit in below)
