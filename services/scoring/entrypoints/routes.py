"""HTTP: assessment jobs, assessments and their auditor views, rulebooks."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.documents import CONTENT_TYPES, issued_json, office_config_for, register_for
from shared.events.fields import Whole
from shared.eventstore import RecordedEvent, format_instant
from shared.http import AsOf, KnownAt, PageQuery, Problem, download, next_link, page_after
from shared.i18n import label
from shared.leases import lease_view
from shared.messaging import send_or_leave
from shared.runtime import Runtime
from shared.tenancy import county_for

from ..application import (
    accountability,
    assessments,
    county_rollup,
    jobs,
    publication,
    rulebooks,
    verification,
)
from ..domain.diff import diff_results
from ..domain.errors import (
    AssessmentJobNotFound,
    AssessmentNotFound,
    AssessmentNotPublished,
    ProjectNotAssessed,
)
from ..readmodel.records import Records
from ..wiring import ScoringParts
from . import bulletin, reports
from .actors import checkpoint_after
from .labelled import AssessmentList, AssessmentResponse, JobView, ProjectScore, PublicationView

blp = Blueprint("scoring", __name__, url_prefix="/v1", description="Year-end assessment (年终考核)")
READERS = ("office", "auditor", "approver", "viewer")
"""Viewers read published assessments only (`_assessment`); the others drafts, too."""
DRAFT_READERS = ("office", "auditor", "approver")
"""Who reads drafts, jobs and rulebooks."""


class AssessmentAsked(Schema):
    year = Whole(required=True, validate=validate.Range(2000, 2100))
    rulebook_version = fields.String(load_default=None, validate=validate.Length(1, 64))
    as_of = AsOf(load_default=None)
    known_at = KnownAt(load_default=None)
    county = fields.String(
        load_default=None,
        validate=validate.Length(1, 64),
        metadata={"description": "the county assessed (a county office: its own)"},
    )


class ListQuery(PageQuery):
    year = Whole(from_text=True, load_default=None, validate=validate.Range(2000, 2100))
    county = fields.String(
        load_default=None,
        validate=validate.Length(1, 64),
        metadata={"description": "one county of the scope (default: every county in it)"},
    )
    after = fields.String(
        load_default=None, metadata={"description": "the last assessment id of the page before"}
    )


class RollupQuery(PageQuery):
    year = Whole(from_text=True, required=True, validate=validate.Range(2000, 2100))
    after = Whole(
        from_text=True,
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "the last place (``place``) of the page before"},
    )
    basis = fields.String(
        load_default="published",
        validate=validate.OneOf(county_rollup.BASES),
        metadata={
            "description": "published: each county's current published assessment; "
            "latest: its latest computed one, drafts included (office, auditor, approver)"
        },
    )


class ApprovalAsked(Schema):
    reason = fields.String(
        load_default=None,
        validate=validate.Length(1, 2000),
        metadata={"description": "why a published year's assessment is corrected (更正原因)"},
    )


class RulebooksQuery(PageQuery):
    after = Whole(
        from_text=True,
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "the adoption position the page before ended at"},
    )


def _runtime() -> Runtime:
    return current_app.extensions["gongjian.runtime"]


def _records() -> Records:
    return Records(_runtime().engine)


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    total, replayed = job["events_total"], job["events_replayed"]
    view = {
        "job_id": job["job_id"],
        "status": job["status"],
        "county": job["county"],
        "year": job["year"],
        "as_of": job["as_of"],
        "known_at": job["known_at"],
        "rulebook_version": job["rulebook_version"],
        "progress": {
            "events_replayed": replayed,
            "events_total": total,
            "percent": round(100 * replayed / total, 1)
            if total
            else (100.0 if job["status"] == "done" else 0.0),
        },
        "attempts": job["attempts"],
        "error": job["error"],
        "assessment_id": job["assessment_id"],
        "takeovers": job.get("takeovers") or 0,
        "lease": lease_view(job),
    }
    if job["assessment_id"]:
        view["links"] = {"assessment": f"/v1/assessments/{job['assessment_id']}"}
    return view


@blp.post("/assessments")
@require_role("office")
@blp.arguments(AssessmentAsked)
@blp.response(202, JobView)
@blp.doc(security=[{"bearer": []}])
def post_assessment(body):  # type: ignore[no-untyped-def]
    """Start (or find) the assessment job for a year and cut-off: 202 with the job."""
    runtime = _runtime()
    county = county_for(body["county"])
    # An unknown rulebook version is a 422 (errors.py).
    request_ = assessments.request_for(
        runtime.store,
        body["year"],
        as_of=body["as_of"],
        known_at=body["known_at"],
        rulebook_version=body["rulebook_version"],
        zone=runtime.settings.zone,
        county=county,
    )
    if request_.rulebook_version is not None:
        head_position = runtime.store.position_known_at(request_.known_at)
        rulebooks.in_force(runtime.store, head_position, request_.rulebook_version)
    records = _records()
    job, created = assessments.submit(records, request_, requested_by=current_principal().name)
    if jobs.needs_sending(job, created):
        send_or_leave(ScoringParts.of(runtime).assess, job["job_id"])
    view = job_view(job)
    status = 200 if job["status"] == "done" else 202
    return view, status, {"Location": f"/v1/assessments/jobs/{job['job_id']}"}


@blp.get("/assessments/jobs/<job_id>")
@require_role(*DRAFT_READERS)
@blp.response(200, JobView)
@blp.doc(security=[{"bearer": []}])
def get_job(job_id: str):  # type: ignore[no-untyped-def]
    """A job's status and progress (events replayed / total)."""
    job = _records().job(job_id)
    if job is None:
        raise AssessmentJobNotFound(job_id)
    return job_view(job)


@blp.get("/assessments")
@require_role(*READERS)
@blp.arguments(ListQuery, location="query")
@blp.response(200, AssessmentList)
@blp.doc(security=[{"bearer": []}])
def list_assessments(query):  # type: ignore[no-untyped-def]
    """Assessments of the scope's counties (or of ``county``) with their digests and
    where each stands (without the results), oldest first; a viewer sees the published
    ones only."""
    county = county_for(query["county"]) if query["county"] else None
    store, listed = _runtime().store, _records().assessments(query["year"], county)
    for record in listed:
        record["publication"] = publication.standing(store, record)
    if not current_principal().has(*DRAFT_READERS):
        listed = [r for r in listed if r["publication"]["state"] != "draft"]
    items, next_after = page_after(
        listed,
        query["after"],
        query["limit"],
        key=lambda assessment: assessment["assessment_id"],
    )
    return {"assessments": items, "next_after": next_after}, 200, next_link(next_after)


def _assessment(assessment_id: str) -> dict[str, Any]:
    """The stored assessment, served only when it passes its digest check, with where it
    stands; a draft is not found for a reader of published results only."""
    record = verification.read(_records(), assessment_id)
    record["publication"] = standing = publication.standing(_runtime().store, record)
    if standing["state"] == "draft" and not current_principal().has(*DRAFT_READERS):
        raise AssessmentNotFound(assessment_id)
    record["links"] = _correction_links(record)
    result = record["result"]
    if "criticism_reasons" in result:  # beside the sealed codes, their Chinese labels
        result["criticism_reasons_labels"] = {
            unit: [label("criticism_criterion", code) for code in codes]
            for unit, codes in result["criticism_reasons"].items()
        }
    return record


def _correction_links(record: dict[str, Any]) -> dict[str, str]:
    """A draft of a published year, or a published correction: its line-by-line
    difference from the version it corrects."""
    standing = record["publication"]
    corrected = standing["supersedes"] if standing["state"] != "draft" else standing["published_id"]
    if corrected is None or corrected == record["assessment_id"]:
        return {}
    return {
        "difference_from_published": f"/v1/assessments/{corrected}/diff/{record['assessment_id']}"
    }


@blp.get("/assessments/<assessment_id>")
@require_role(*READERS)
@blp.response(200, AssessmentResponse)
@blp.doc(security=[{"bearer": []}])
def get_assessment(assessment_id: str):  # type: ignore[no-untyped-def]
    """The assessment: digest, projects with their lines, units, leaders, campaign totals."""
    return _assessment(assessment_id)


@blp.post("/assessments/<assessment_id>/approve")
@require_role("approver")
@blp.arguments(ApprovalAsked, location="json", required=False)
@blp.doc(security=[{"bearer": []}])
def approve_assessment(body, assessment_id: str):  # type: ignore[no-untyped-def]
    """审定: sign the assessment off and publish it (approver or admin): 201 with who and
    when; 200 if it was published already. A correction of a published year needs
    ``reason``; it supersedes the published version."""
    runtime = _runtime()
    standing, published = publication.approve(
        runtime.store,
        _records(),
        assessment_id,
        by=current_principal().name,
        reason=(body or {}).get("reason"),
    )
    if published:
        checkpoint_after(runtime)(0)
    view = PublicationView().dump(standing)
    return {"assessment_id": assessment_id, "publication": view}, 201 if published else 200


def _events(positions: list[int]) -> list[dict[str, Any]]:
    found = _runtime().store.at_positions(positions)
    return [_event_view(found[p]) for p in positions if p in found]


def _event_view(event: RecordedEvent) -> dict[str, Any]:
    return {
        "global_position": event.global_position,
        "event_id": event.event_id,
        "type": event.type,
        "occurred_at": format_instant(event.occurred_at),
        "recorded_at": format_instant(event.recorded_at),
        "source": event.source,
        "payload": event.payload,
        "hash": event.hash,
    }


@blp.get("/assessments/<assessment_id>/projects/<project_id>")
@require_role(*READERS)
@blp.response(200, ProjectScore)
@blp.doc(security=[{"bearer": []}])
def get_project_score(assessment_id: str, project_id: str):  # type: ignore[no-untyped-def]
    """One project's score: each line with its explanation and the events behind it."""
    result = _assessment(assessment_id)["result"]
    project = next((p for p in result["projects"] if p["project_id"] == project_id), None)
    if project is None:
        raise ProjectNotAssessed(assessment_id, project_id)
    positions = sorted(
        {p for line in project["lines"] for p in line["evidence"]}
        | set(project["evidence"])
        | {p for veto in project["vetoes"] for p in veto["evidence"]}
    )
    events = {e["global_position"]: e for e in _events(positions)}
    lines = [
        {**line, "evidence": [events[p] for p in line["evidence"] if p in events]}
        for line in project["lines"]
    ]
    return {
        "assessment_id": assessment_id,
        "assessment": result["assessment"],
        **{k: v for k, v in project.items() if k != "lines"},
        "lines": lines,
        "registration": [events[p] for p in project["evidence"] if p in events],
    }


@blp.get("/assessments/<assessment_id>/diff/<other_id>")
@require_role(*READERS)
@blp.doc(security=[{"bearer": []}])
def get_diff(assessment_id: str, other_id: str):  # type: ignore[no-untyped-def]
    """What changed from this assessment to the other, line by line, with the events."""
    before, after = _assessment(assessment_id), _assessment(other_id)
    recorded = assessments.recorded_between(_runtime().store, before, after)
    diff = diff_results(before["result"], after["result"], recorded)
    keys = ("events_added", "events_removed", "events_changed_by")
    positions = sorted(
        {
            p
            for project in diff["projects"]
            for part in (project, *project["lines"])
            for key in keys
            for p in part.get(key, ())
        }
    )
    events = {e["global_position"]: e for e in _events(positions)}
    for project in diff["projects"]:
        for part in (project, *project["lines"]):
            for key in keys:
                if key in part:
                    part[key] = [events.get(p, {"global_position": p}) for p in part[key]]
    return {
        "from": {k: before[k] for k in ("assessment_id", "as_of", "known_at", "digest")},
        "to": {k: after[k] for k in ("assessment_id", "as_of", "known_at", "digest")},
        **diff,
    }


@blp.get("/assessments/<assessment_id>/report.<fmt>")
@require_role(*READERS)
@blp.doc(security=[{"bearer": []}], responses=download(*CONTENT_TYPES, description="the bulletin"))
def get_report(assessment_id: str, fmt: str):  # type: ignore[no-untyped-def]
    """The assessment bulletin (考核通报) as docx, html (printable), xlsx, md or csv; with
    its document number once issued (else 未编号)."""
    if fmt not in reports.FORMATS:
        raise Problem(
            404, "Not Found", f"没有“{fmt}”格式的考核通报；可选 {'、'.join(reports.FORMATS)}"
        )
    record = _assessment(assessment_id)
    runtime = _runtime()
    record["admonishments"] = admonishments_of(runtime, record["year"], record["county"])
    county = record["county"]  # its county's office signs it and numbers it
    issued = register_for(runtime, county).find(bulletin.document_key(record))
    office, zone = office_config_for(runtime, county), runtime.settings.zone
    checkpoints = reports.checkpoints_for(runtime.store, record)
    rendered = reports.render(record, fmt, office, zone, issued, checkpoints)
    return Response(
        rendered.body,
        content_type=rendered.content_type,
        headers={"Content-Disposition": rendered.content_disposition},
    )


def admonishments_of(runtime: Runtime, year: int, county: str) -> list[dict[str, Any]]:
    """The county's 诫勉谈话 of the year, as the bulletin prints them."""
    return [a.view() for a in accountability.of_year(runtime.store, year, county=county)]


@blp.post("/assessments/<assessment_id>/bulletin/issue")
@require_role("office")
@blp.doc(security=[{"bearer": []}])
def issue_bulletin(assessment_id: str):  # type: ignore[no-untyped-def]
    """Issue the assessment bulletin: it gets the next number of the year (recorded as
    ``DocumentIssued``) once, in the register of the assessment's county; issuing again
    returns it."""
    record = _assessment(assessment_id)
    if record["publication"]["state"] == "draft":
        raise AssessmentNotPublished(assessment_id)
    runtime, county = _runtime(), record["county"]
    document = bulletin.build(record, office_config_for(runtime, county), runtime.settings.zone)
    principal = current_principal()
    issued, now = register_for(runtime, county).issue(
        bulletin.document_key(record),
        "bulletin",
        document.title,
        actor=principal.name,
        source=principal.source,
        digest=record["digest"],
    )
    return issued_json(issued, now), 201 if now else 200


@blp.get("/rulebooks")
@require_role(*DRAFT_READERS)
@blp.arguments(RulebooksQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def list_rulebooks(query):  # type: ignore[no-untyped-def]
    """The bundled default and every adopted rulebook in adoption order, paged (the last
    adopted is in force)."""
    default = rulebooks.default_rulebook()
    adopted = [
        {
            "version": rb.version,
            "hash": rb.hash,
            "title": rb.title,
            "position": position,
            "adopted_at": format_instant(at),
        }
        for position, at, rb in rulebooks.adopted(_runtime().store)
    ]
    page, next_after = page_after(
        adopted,
        query["after"],
        query["limit"],
        key=lambda rulebook: rulebook["position"],
        ordered=True,
    )
    body = {
        "default": {"version": default.version, "hash": default.hash, "title": default.title},
        "adopted": page,
        "in_force": adopted[-1]["version"] if adopted else default.version,
        "next_after": next_after,
    }
    return body, 200, next_link(next_after)


@blp.post("/rulebooks")
@require_role("office")
@blp.doc(security=[{"bearer": []}])
def adopt_rulebook():  # type: ignore[no-untyped-def]
    """Adopt a rulebook (the JSON document is the body); 422 names every bad field's path."""
    document = request.get_json(silent=True)
    if document is None:
        raise Problem(
            422,
            "Unprocessable Content",
            "请以 JSON 对象发送考核细则",
            errors={"(document)": ["须是 JSON 对象"]},
        )
    rulebook, position, created = rulebooks.adopt(
        _runtime().store, document, actor=current_principal().name
    )
    body = {"version": rulebook.version, "hash": rulebook.hash, "position": position}
    return body, 201 if created else 200


@blp.get("/rollup/assessments")
@require_role(*READERS)
@blp.arguments(RollupQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def rollup_assessments(query):  # type: ignore[no-untyped-def]
    """The year-end assessments of the scope's counties ranked by score (a city's or the
    province's roll-up; a county office's is its own): each county's score and its main
    items (lines, investment against its target, grades), ``rank``; ``without`` lists
    the counties that have no assessment of the year (none published, for ``published``);
    ``totals`` over every ranked county, whatever the page. Paged by ``place``."""
    if query["basis"] == "latest" and not current_principal().has(*DRAFT_READERS):
        raise Problem(403, "Forbidden", "草稿仅供办公室、审计和审定人员查看")
    body = county_rollup.rollup(_runtime().store, _records(), query["year"], query["basis"])
    body["counties"], next_after = page_after(
        body["counties"], query["after"], query["limit"], key=lambda c: c["place"], ordered=True
    )
    body["next_after"] = next_after
    return body, 200, next_link(next_after)
