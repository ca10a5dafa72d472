"""考核: assessment runs, starting one and watching its progress, the ranking by category
with grades and vetoes, scorecards whose lines link to their events, and the difference
between two runs line by line. Drafts are marked 草稿 and shown to the office, auditors
and the approver, who signs them off (审定) here; viewers see published results only.

Many counties: a county's account works in its county; a city's or the province's sees
the runs of its counties (a selector, ``?county=``, narrows them to one) and names the
county it starts an assessment for."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import abort, jsonify, redirect, request, url_for

from shared.eventstore import now_utc
from shared.i18n import label
from shared.tenancy import (
    CountyRequired,
    UnknownCounty,
    counties_in_scope,
    county_for,
    current_scope,
    deployment_counties,
)

from ...scoring.application import accountability, publication, verification
from ...scoring.domain.errors import (
    AssessmentAlreadyPublished,
    AssessmentAltered,
    AssessmentNotFound,
    CorrectionReasonMissing,
)
from .base import bp, current_user, day_argument, gateway, page, signed_in

READERS = ("office", "auditor", "approver", "viewer")
DRAFT_READERS = ("office", "auditor", "approver")
"""Who sees drafts (草稿) and the jobs; viewers see published results only."""


def _reads_drafts() -> bool:
    user = current_user()
    return user is not None and user.has(*DRAFT_READERS)


def _assessment(assessment_id: str) -> dict[str, Any]:
    try:
        record = verification.read(gateway().records, assessment_id)
    except AssessmentNotFound:
        abort(404)
    except AssessmentAltered as exc:
        abort(409, str(exc))
    record["publication"] = publication.standing(gateway().store, record)
    if record["publication"]["state"] == "draft" and not _reads_drafts():
        abort(404)
    return record


def _runs(year: int | None, county: str | None = None) -> list[dict[str, Any]]:
    """The stored assessments of the scope (of ``county``, if named) with where each
    stands; a viewer's without the drafts."""
    runs = gateway().records.assessments(year, county)
    for run in runs:
        run["publication"] = publication.standing(gateway().store, run)
    return [r for r in runs if _reads_drafts() or r["publication"]["state"] != "draft"]


def _where(county: str) -> str:
    """The county named before a page's title, in a deployment of many counties."""
    return f"{label('county', county)} " if len(deployment_counties()) > 1 else ""


def job_progress(job: dict[str, Any]) -> dict[str, Any]:
    total, done = job["events_total"] or 0, job["events_replayed"] or 0
    percent = 100.0 if job["status"] == "done" else (round(100 * done / total, 1) if total else 0.0)
    return {
        "job_id": job["job_id"],
        "status": job["status"],
        "percent": percent,
        "replayed": done,
        "total": total,
        "assessment_id": job["assessment_id"],
        "error": job["error"],
        "county": job.get("county"),
        "county_label": label("county", job.get("county") or "default"),
    }


@bp.get("/assessments")
@signed_in(*READERS)
def assessments():  # type: ignore[no-untyped-def]
    services = gateway()
    today = now_utc().astimezone(services.zone).date()
    choices = counties_in_scope()
    chosen = request.args.get("county") or None
    if chosen is not None and chosen not in choices:
        chosen = None  # not a county of this account's: every county of it
    jobs = [job_progress(j) for j in services.records.jobs(limit=20)] if _reads_drafts() else []
    return page(
        "assessments",
        "考核",
        runs=_runs(None, chosen),
        jobs=[j for j in jobs if chosen is None or j["county"] == chosen],
        year=services.campaign_year(today),
        many=len(deployment_counties()) > 1,
        counties=[(c, label("county", c)) for c in choices]
        if current_scope().county is None
        else [],
        chosen=chosen,
    )


@bp.post("/assessments")
@signed_in("office")
def start_assessment():  # type: ignore[no-untyped-def]
    user = current_user()
    assert user is not None
    year = request.form.get("year", type=int)
    if year is None or not 2000 <= year <= 2100:
        return page("error", "考核", status=422, detail="请填写考核年度"), 422
    as_of, known_at = day_argument("as_of", form=True), day_argument("known_at", form=True)
    try:
        county = county_for(request.form.get("county") or None)
    except (CountyRequired, UnknownCounty) as exc:
        return page("error", "考核", status=422, detail=str(exc)), 422
    job = gateway().start_assessment(year, as_of, known_at, user.username, county)
    return redirect(url_for("console.assessment_job", job_id=job["job_id"]))


@bp.get("/assessments/jobs/<job_id>")
@signed_in(*DRAFT_READERS)
def assessment_job(job_id: str):  # type: ignore[no-untyped-def]
    job = gateway().records.job(job_id)
    if job is None:
        abort(404)
    return page("assessment_job", "考核进度", job=job_progress(job))


@bp.get("/assessments/jobs/<job_id>.json")
@signed_in(*DRAFT_READERS)
def assessment_job_json(job_id: str):  # type: ignore[no-untyped-def]
    job = gateway().records.job(job_id)
    if job is None:
        abort(404)
    view = job_progress(job)
    if view["assessment_id"]:
        view["href"] = url_for("console.assessment", assessment_id=view["assessment_id"])
    return jsonify(view)


@bp.get("/assessments/<assessment_id>")
@signed_in(*READERS)
def assessment(assessment_id: str):  # type: ignore[no-untyped-def]
    record = _assessment(assessment_id)
    result = record["result"]
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for project in sorted(result["projects"], key=lambda p: p["rank"]):
        by_category[project["category"]].append(project)
    others = [
        r for r in _runs(record["year"], record["county"]) if r["assessment_id"] != assessment_id
    ]
    return page(
        "assessment",
        _where(record["county"]) + f"{record['year']}年度考核",
        record=record,
        result=result,
        by_category=dict(by_category),
        others=others,
    )


@bp.post("/assessments/<assessment_id>/approve")
@signed_in("approver")
def approve_assessment(assessment_id: str):  # type: ignore[no-untyped-def]
    """审定: the approver signs the draft off and it is published; a correction of a
    published year needs its reason."""
    user = current_user()
    assert user is not None
    try:
        publication.approve(
            gateway().store,
            gateway().records,
            assessment_id,
            by=user.username,
            reason=request.form.get("reason"),
        )
    except AssessmentNotFound:
        abort(404)
    except CorrectionReasonMissing as exc:
        return page("error", "审定", status=422, detail=str(exc)), 422
    except (AssessmentAltered, AssessmentAlreadyPublished) as exc:
        abort(409, str(exc))
    return redirect(url_for("console.assessment", assessment_id=assessment_id))


def _evidence(positions: set[int]) -> dict[int, Any]:
    return gateway().store.at_positions(sorted(positions))


@bp.get("/assessments/<assessment_id>/projects/<project_id>")
@signed_in(*READERS)
def scorecard(assessment_id: str, project_id: str):  # type: ignore[no-untyped-def]
    record = _assessment(assessment_id)
    project = next((p for p in record["result"]["projects"] if p["project_id"] == project_id), None)
    if project is None:
        abort(404)
    positions = {p for line in project["lines"] for p in line["evidence"]}
    positions |= {p for veto in project["vetoes"] for p in veto.get("evidence", [])}
    return page(
        "scorecard",
        f"评分表 · {project['name']}",
        record=record,
        project=project,
        events=_evidence(positions),
    )


@bp.get("/assessments/<assessment_id>/<kind>/<name>")
@signed_in(*READERS)
def holder_scorecard(assessment_id: str, kind: str, name: str):  # type: ignore[no-untyped-def]
    """A unit's (``units``) or a leader's (``leaders``) scorecard: its projects, weighted."""
    if kind not in ("units", "leaders"):
        abort(404)
    record = _assessment(assessment_id)
    holder = next((h for h in record["result"][kind] if h["name"] == name), None)
    if holder is None:
        abort(404)
    projects = {p["project_id"]: p for p in record["result"]["projects"]}
    rows = [
        (projects[pid], holder["weights"].get(pid)) for pid in holder["projects"] if pid in projects
    ]
    admonishments = (
        accountability.of_year(gateway().store, record["year"], name, county=record["county"])
        if kind == "units"
        else []
    )
    return page(
        "holder",
        f"评分表 · {name}",
        record=record,
        holder=holder,
        rows=rows,
        kind=kind,
        admonishments=admonishments,
    )


@bp.get("/assessments/<assessment_id>/diff")
@signed_in(*READERS)
def assessment_diff(assessment_id: str):  # type: ignore[no-untyped-def]
    other = request.args.get("other", "")
    before, after = _assessment(assessment_id), _assessment(other)
    diff = gateway().assessment_diff(before, after)
    return page("assessment_diff", "两次考核比较", before=before, after=after, diff=diff)
