"""The scoring API through the embedded app: jobs, auditor views, reports, rulebooks."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import load_workbook

from services.scoring.application import rulebooks
from tests.scoring.integration.test_assessment_jobs import county


def bearer(runtime, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.create(role + '-user', role)}"}


def assess(client, runtime, headers, **body):
    response = client.post("/v1/assessments", json={"year": 2024, **body}, headers=headers)
    assert response.status_code == 202, response.json
    runtime.broker.join("scoring")
    job = client.get(response.headers["Location"], headers=headers).json
    assert job["status"] == "done", job
    return job


def test_an_office_runs_an_assessment_and_an_auditor_follows_a_score_to_its_events(
    client, runtime, history, worker
):
    county(history)
    office, auditor = bearer(runtime, "office"), bearer(runtime, "auditor")
    job = assess(client, runtime, office, known_at="2024-12-31")
    assert job["progress"]["events_replayed"] == job["progress"]["events_total"] > 0
    assessment = client.get(f"/v1/assessments/{job['assessment_id']}", headers=auditor).json
    assert len(assessment["digest"]) == 64
    score = client.get(f"/v1/assessments/{job['assessment_id']}/projects/p1", headers=auditor)
    assert score.status_code == 200
    investment = next(line for line in score.json["lines"] if line["line"] == "investment")
    assert {e["type"] for e in investment["evidence"]} == {"InvestmentReported"}
    assert len(investment["evidence"]) == 11 and investment["explanation"]
    again = client.post(
        "/v1/assessments", json={"year": 2024, "known_at": "2024-12-31"}, headers=office
    )
    assert again.status_code == 200 and again.json["job_id"] == job["job_id"]


def test_the_diff_of_two_runs_names_the_late_event(client, runtime, history, worker):
    county(history)
    office = bearer(runtime, "office")
    december = assess(client, runtime, office, known_at="2024-12-31")
    history.record_on("2025-01-10")
    late = history.add(
        "p1", "InvestmentReported", {"month": "2024-12", "amount": "100000.00"}, "2024-12-25"
    )
    february = assess(client, runtime, office, known_at="2025-02-20")
    diff = client.get(
        f"/v1/assessments/{december['assessment_id']}/diff/{february['assessment_id']}",
        headers=bearer(runtime, "auditor"),
    ).json
    [project] = diff["projects"]
    [line] = project["lines"]
    assert (project["project_id"], line["line"]) == ("p1", "investment")
    assert [e["event_id"] for e in line["events_added"]] == [late]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html", "docx", "md"])
def test_the_bulletin_is_served_in_each_format(client, runtime, history, worker, fmt):
    county(history)
    job = assess(client, runtime, bearer(runtime, "office"), known_at="2024-12-31")
    response = client.get(
        f"/v1/assessments/{job['assessment_id']}/report.{fmt}", headers=bearer(runtime, "auditor")
    )
    assert response.status_code == 200
    if fmt == "csv":
        assert response.data.decode().lstrip("\ufeff").startswith("考核类别,排名,项目名称")
    elif fmt == "xlsx":
        book = load_workbook(io.BytesIO(response.data))
        assert book.sheetnames == ["项目分类排名", "承办单位排名", "分包县领导", "文件信息"]
        assert book["项目分类排名"].max_row == 2 + 3
        totals = [row[-3] for row in book["项目分类排名"].iter_rows(min_row=3, values_only=True)]
        assert all(isinstance(total, int | float) for total in totals)
    elif fmt == "docx":
        assert response.data[:2] == b"PK"
    else:
        assert "先进单位" in response.data.decode() and "通报批评" in response.data.decode()


def test_issuing_the_bulletin_numbers_it_once(client, runtime, history, worker):
    county(history)
    office = bearer(runtime, "office")
    job = assess(client, runtime, office, known_at="2024-12-31")
    approve = f"/v1/assessments/{job['assessment_id']}/approve"
    assert client.post(approve, headers=bearer(runtime, "approver")).status_code == 201
    path = f"/v1/assessments/{job['assessment_id']}/bulletin/issue"
    assert client.post(path, headers=bearer(runtime, "auditor")).status_code == 403
    first = client.post(path, headers=office)
    assert first.status_code == 201 and first.json["sequence"] == 1
    again = client.post(path, headers=office)
    assert again.status_code == 200 and again.json["number"] == first.json["number"]
    html = client.get(f"/v1/assessments/{job['assessment_id']}/report.html", headers=office)
    assert first.json["number"] in html.data.decode()
    assert client.post("/v1/assessments/nope/bulletin/issue", headers=office).status_code == 404


def test_bad_requests_are_problems_naming_the_field(client, runtime):
    office = bearer(runtime, "office")
    response = client.post(
        "/v1/assessments", json={"year": 2024, "as_of": "31/12/2024"}, headers=office
    )
    assert response.status_code == 422 and "as_of" in response.json["errors"]
    response = client.post(
        "/v1/assessments", json={"year": 2024, "rulebook_version": "nope"}, headers=office
    )
    assert response.status_code == 422 and "rulebook_version" in response.json["errors"]
    response = client.post(
        "/v1/assessments", json={"year": 2024, "known_at": "2099-01-01"}, headers=office
    )
    assert response.status_code == 422 and "known_at" in response.json["errors"]
    assert client.get("/v1/assessments/jobs/nope", headers=office).status_code == 404
    assert client.get("/v1/assessments/nope/report.pdf", headers=office).status_code == 404


def test_an_auditor_may_read_but_not_assess(client, runtime):
    response = client.post(
        "/v1/assessments", json={"year": 2024}, headers=bearer(runtime, "auditor")
    )
    assert response.status_code == 403
    assert client.get("/v1/rulebooks", headers=bearer(runtime, "viewer")).status_code == 403


def test_a_rulebook_is_adopted_over_http_and_an_invalid_one_names_the_bad_path(client, runtime):
    office = bearer(runtime, "office")
    document = copy.deepcopy(rulebooks.default_rulebook().document) | {"version": "2025.1"}
    created = client.post("/v1/rulebooks", json=document, headers=office)
    assert created.status_code == 201
    listed = client.get("/v1/rulebooks", headers=office).json
    assert listed["in_force"] == "2025.1"
    document["version"] = "2025.2"
    document["grades"][0]["min"] = 0.9
    refused = client.post("/v1/rulebooks", json=document, headers=office)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert "grades.0.min" in refused.json["errors"]


def test_the_bulletin_prints_the_checkpoint_signed_after_publishing(
    client, runtime, history, worker
):
    county(history)
    job = assess(client, runtime, bearer(runtime, "office"), known_at="2024-12-31")
    auditor = bearer(runtime, "auditor")
    (signed,) = client.get("/v1/checkpoints", headers=auditor).json["checkpoints"]
    report = client.get(f"/v1/assessments/{job['assessment_id']}/report.md", headers=auditor)
    appendix = report.data.decode().split("## 审计附录")[1]
    assert f"| 全局位置（链头） | {signed['position']} |" in appendix
    assert f"| 签名（Ed25519） | {signed['signature']} |" in appendix
    assert signed["key_id"] in appendix and signed["head_hash"] in appendix
