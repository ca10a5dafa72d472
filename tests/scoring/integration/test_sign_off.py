"""审定 before publication: a computed assessment is a draft (草稿) that only the office,
auditors and the approver see, until the approver signs it off; then it is published to
viewers, the viewers' feed and the bulletin. A correction is a new version with its
reason and its difference from the published one."""

from __future__ import annotations

from services.scoring.application import verification
from services.scoring.readmodel.records import Records
from tests.scoring.integration.test_assessment_jobs import ZONE, county
from tests.scoring.integration.test_http import assess, bearer


def _approve(client, assessment_id, headers, **body):
    return client.post(f"/v1/assessments/{assessment_id}/approve", json=body, headers=headers)


def _feed(client, headers, type_):
    response = client.get(f"/v1/events?type={type_}", headers=headers)
    assert response.status_code == 200, response.json
    return [event["payload"]["assessment_id"] for event in response.json["events"]]


def test_an_assessment_is_a_draft_until_the_approver_signs_it_off(client, runtime, history, worker):
    county(history)
    office, viewer = bearer(runtime, "office"), bearer(runtime, "viewer")
    approver = bearer(runtime, "approver")
    assessment_id = assess(client, runtime, office, known_at="2024-12-31")["assessment_id"]
    draft = client.get(f"/v1/assessments/{assessment_id}", headers=office).json
    assert (draft["publication"]["state"], draft["publication"]["state_label"]) == ("draft", "草稿")
    assert client.get(f"/v1/assessments/{assessment_id}", headers=viewer).status_code == 404
    assert client.get("/v1/assessments", headers=viewer).json["assessments"] == []
    assert _feed(client, viewer, "AssessmentPublished") == []
    refused = client.post(f"/v1/assessments/{assessment_id}/bulletin/issue", headers=office)
    assert refused.status_code == 409 and refused.json["type"].endswith("assessment-not-published")
    assert _approve(client, assessment_id, office).status_code == 403
    report = f"/v1/assessments/{assessment_id}/report.html"
    assert "（草稿，未经审定）" in client.get(report, headers=office).data.decode()

    signed = _approve(client, assessment_id, approver)
    assert signed.status_code == 201, signed.json
    standing = signed.json["publication"]
    assert (standing["state"], standing["state_label"]) == ("published", "已发布")
    assert (standing["approved_by"], standing["version"]) == ("approver-user", 1)
    assert standing["approved_at"]
    seen = client.get(f"/v1/assessments/{assessment_id}", headers=viewer).json
    assert seen["publication"]["state"] == "published"
    assert _feed(client, viewer, "AssessmentPublished") == [assessment_id]
    assert _approve(client, assessment_id, approver).status_code == 200
    assert _feed(client, office, "AssessmentApproved") == [assessment_id]
    printed = client.get(report, headers=viewer).data.decode()
    assert "草稿" not in printed and "approver-user" in printed and "第1版" in printed
    issued = client.post(f"/v1/assessments/{assessment_id}/bulletin/issue", headers=office)
    assert issued.status_code == 201
    outcome = verification.verify(runtime.store, Records(runtime.engine), assessment_id, ZONE)
    assert outcome.ok, outcome.difference


def test_a_correction_after_publication_is_a_new_version_with_its_reason_and_difference(
    client, runtime, history, worker
):
    county(history)
    office, approver = bearer(runtime, "office"), bearer(runtime, "approver")
    december = assess(client, runtime, office, known_at="2024-12-31")["assessment_id"]
    assert _approve(client, december, approver).status_code == 201
    history.record_on("2025-01-10")
    late = history.add(
        "p1", "InvestmentReported", {"month": "2024-12", "amount": "100000.00"}, "2024-12-25"
    )
    february = assess(client, runtime, office, known_at="2025-02-20")["assessment_id"]
    draft = client.get(f"/v1/assessments/{february}", headers=office).json
    assert draft["publication"]["published_id"] == december
    difference = client.get(draft["links"]["difference_from_published"], headers=office).json
    [project] = difference["projects"]
    assert [e["event_id"] for e in project["lines"][0]["events_added"]] == [late]

    unexplained = _approve(client, february, approver)
    assert unexplained.status_code == 422
    assert "reason" in unexplained.json["errors"]
    corrected = _approve(client, february, approver, reason="12月投资迟报，依规更正")
    assert corrected.status_code == 201, corrected.json
    standing = corrected.json["publication"]
    assert (standing["version"], standing["supersedes"]) == (2, december)
    assert standing["correction_reason"] == "12月投资迟报，依规更正"
    earlier = client.get(f"/v1/assessments/{december}", headers=office).json["publication"]
    assert (earlier["state"], earlier["state_label"]) == ("superseded", "已被更正版本取代")
    again = _approve(client, december, approver)
    assert again.status_code == 409 and again.json["published_id"] == february
