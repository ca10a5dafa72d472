"""HTTP: assessment jobs, assessments and their auditor views, rulebooks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from shared.auth import current_principal, require_role
from shared.eventstore import RecordedEvent, now_utc
from shared.http import Problem
from shared.runtime import Runtime

from ..application import assessments, rulebooks
from ..domain.diff import diff_results
from ..domain.rulebook import RulebookInvalid
from ..readmodel.records import Records
from . import reports
from .labelled import AssessmentResponse, JobView, ProjectScore

blp = Blueprint("scoring", __name__, url_prefix="/v1", description="Year-end assessment (年终考核)")
READERS = ("office", "auditor")


class DateOrInstant(fields.Field):
    """``YYYY-MM-DD`` (end of that day in the campaign zone) or an ISO instant with offset."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("must be a date YYYY-MM-DD or an ISO instant") from None
        if instant.tzinfo is None:
            raise ValidationError("an instant needs a time zone offset (or Z)")
        return instant


class AssessmentAsked(Schema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    rulebook_version = fields.String(load_default=None, validate=validate.Length(1, 64))
    as_of = DateOrInstant(load_default=None)
    known_at = DateOrInstant(load_default=None)


class ListQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100))


def _runtime() -> Runtime:
    return current_app.extensions["gongjian.runtime"]


def _records() -> Records:
    return Records(_runtime().engine)


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    total, replayed = job["events_total"], job["events_replayed"]
    view = {
        "job_id": job["job_id"],
        "status": job["status"],
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
    request_ = assessments.AssessmentRequest.of(
        body["year"],
        as_of=body["as_of"],
        known_at=body["known_at"],
        rulebook_version=body["rulebook_version"],
        zone=runtime.settings.zone,
    )
    if request_.known_at > now_utc():
        raise Problem(
            422,
            "Unprocessable Content",
            "known_at is in the future: an assessment can only use what is already recorded",
            errors={"known_at": ["must not be in the future"]},
        )
    if request_.rulebook_version is not None:
        watermark = runtime.store.position_known_at(request_.known_at)
        try:
            rulebooks.in_force(runtime.store, watermark, request_.rulebook_version)
        except rulebooks.UnknownRulebook as exc:
            raise Problem(
                422,
                "Unprocessable Content",
                str(exc),
                errors={"rulebook_version": [str(exc)]},
            ) from None
    records = _records()
    job, created = assessments.submit(records, request_, requested_by=current_principal().name)
    if created or job["status"] == "failed":
        runtime.extras["scoring.assess"].send(job["job_id"])
    view = job_view(job)
    status = 200 if job["status"] == "done" else 202
    return view, status, {"Location": f"/v1/assessments/jobs/{job['job_id']}"}


@blp.get("/assessments/jobs/<job_id>")
@require_role(*READERS)
@blp.response(200, JobView)
@blp.doc(security=[{"bearer": []}])
def get_job(job_id: str):  # type: ignore[no-untyped-def]
    """A job's status and progress (events replayed / total)."""
    job = _records().job(job_id)
    if job is None:
        raise Problem(404, "Not Found", f"no assessment job {job_id}")
    return job_view(job)


@blp.get("/assessments")
@require_role(*READERS)
@blp.arguments(ListQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def list_assessments(query):  # type: ignore[no-untyped-def]
    """Assessments with their digests (without the results)."""
    return {"assessments": _records().assessments(query["year"])}


def _assessment(assessment_id: str) -> dict[str, Any]:
    record = _records().assessment(assessment_id)
    if record is None:
        raise Problem(404, "Not Found", f"no assessment {assessment_id}")
    return record


@blp.get("/assessments/<assessment_id>")
@require_role(*READERS)
@blp.response(200, AssessmentResponse)
@blp.doc(security=[{"bearer": []}])
def get_assessment(assessment_id: str):  # type: ignore[no-untyped-def]
    """The assessment: digest, projects with their lines, units, leaders, campaign totals."""
    return _assessment(assessment_id)


def _events(positions: list[int]) -> list[dict[str, Any]]:
    found = _runtime().store.at_positions(positions)
    return [_event_view(found[p]) for p in positions if p in found]


def _event_view(event: RecordedEvent) -> dict[str, Any]:
    return {
        "global_position": event.global_position,
        "event_id": event.event_id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
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
        raise Problem(
            404, "Not Found", f"project {project_id} is not in assessment {assessment_id}"
        )
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
    diff = diff_results(before["result"], after["result"])
    positions = sorted(
        {
            p
            for project in diff["projects"]
            for line in project["lines"]
            for p in (*line["events_added"], *line["events_removed"])
        }
    )
    events = {e["global_position"]: e for e in _events(positions)}
    for project in diff["projects"]:
        for line in project["lines"]:
            for key in ("events_added", "events_removed"):
                line[key] = [events.get(p, {"global_position": p}) for p in line[key]]
    return {
        "from": {k: before[k] for k in ("assessment_id", "as_of", "known_at", "digest")},
        "to": {k: after[k] for k in ("assessment_id", "as_of", "known_at", "digest")},
        **diff,
    }


@blp.get("/assessments/<assessment_id>/report.<fmt>")
@require_role(*READERS)
@blp.doc(security=[{"bearer": []}])
def get_report(assessment_id: str, fmt: str):  # type: ignore[no-untyped-def]
    """The assessment as CSV, XLSX or a printable HTML report."""
    if fmt not in reports.FORMATS:
        raise Problem(
            404, "Not Found", f"no report format {fmt!r}; one of {', '.join(reports.FORMATS)}"
        )
    record = _assessment(assessment_id)
    body, mimetype = reports.render(record, fmt)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="assessment-{assessment_id}.{fmt}"'},
    )


@blp.get("/rulebooks")
@require_role(*READERS)
@blp.doc(security=[{"bearer": []}])
def list_rulebooks():  # type: ignore[no-untyped-def]
    """The bundled default and every adopted rulebook (the last adopted is in force)."""
    store = _runtime().store
    default = rulebooks.default_rulebook()
    adopted = [
        {
            "version": rb.version,
            "hash": rb.hash,
            "title": rb.title,
            "position": position,
            "adopted_at": at.isoformat(),
        }
        for position, at, rb in rulebooks.adopted(store)
    ]
    return {
        "default": {"version": default.version, "hash": default.hash, "title": default.title},
        "adopted": adopted,
        "in_force": adopted[-1]["version"] if adopted else default.version,
    }


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
            "send the rulebook as a JSON object",
            errors={"(document)": ["must be a JSON object"]},
        )
    try:
        rulebook, position, created = rulebooks.adopt(
            _runtime().store, document, actor=current_principal().name
        )
    except RulebookInvalid as exc:
        raise Problem(
            422,
            "Unprocessable Content",
            "the rulebook is invalid: " + ", ".join(sorted(exc.errors)),
            errors={path: [why] for path, why in exc.errors.items()},
        ) from None
    except rulebooks.RulebookConflict as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    body = {"version": rulebook.version, "hash": rulebook.hash, "position": position}
    return body, 201 if created else 200
