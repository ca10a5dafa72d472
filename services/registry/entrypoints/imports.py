"""The office's spreadsheets over HTTP: the template, a preview that stores nothing, and
the confirmation of a clean file by its digest (`application/spreadsheets.py`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.events.fields import Whole

from ..application.spreadsheets import ImportContext, Layout, SpreadsheetImports, template
from ..wiring import RegistryParts

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/v1/imports",
    description="The office's spreadsheets: 重点项目台账 and monthly 填报表 (XLSX)",
)

KIND = '<any(ledger, "monthly-report"):kind>'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECURITY = [{"bearer": []}]


class PreviewUpload(Schema):
    """The multipart body of a preview: the file, and the campaign year."""

    file = Upload(required=True, metadata={"description": "the XLSX file"})
    year = Whole(
        from_text=True,
        load_default=None,
        validate=validate.Range(2000, 2100),
        metadata={"description": "the campaign year (default: this year in the campaign zone)"},
    )


class ConfirmUpload(PreviewUpload):
    """The multipart body of a confirmation: the same file and the digest its preview gave."""

    digest = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"),
        metadata={"description": "the `digest` the preview of this same file returned"},
    )


def multipart(schema: type[Schema]) -> dict[str, Any]:
    """The OpenAPI request body of a multipart upload (webargs reads files and form
    fields from different places, so the route loads them together itself)."""
    properties = {
        name: {"type": "string", "format": "binary"}
        if isinstance(field, Upload)
        else {"type": "integer" if isinstance(field, fields.Integer) else "string"}
        | {"description": field.metadata.get("description", "")}
        for name, field in schema().fields.items()
    }
    required = [name for name, field in schema().fields.items() if field.required]
    body = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"multipart/form-data": {"schema": body}}}


def _upload(schema: type[Schema]) -> dict[str, Any]:
    """The loaded body; a missing file or a bad field is a 422 problem naming it."""
    body: dict[str, Any] = request.form.to_dict()
    body.pop("file", None)  # a file is a file part, never a text field
    if "file" in request.files:
        body["file"] = request.files["file"]
    return schema().load(body)


@blp.get(f"/{KIND}/template.xlsx")
@require_role("office")
@blp.doc(security=SECURITY, responses={200: {"content": {XLSX: {}}}})
def download_template(kind: str) -> Response:
    """The empty sheet with its Chinese headers, an example row, drop-down lists and a
    second sheet 填写说明 that explains every column."""
    layout = _imports().layouts[kind]
    response = Response(template(layout), mimetype=XLSX)
    response.headers["Content-Disposition"] = _attachment(layout)
    return response


@blp.post(f"/{KIND}/preview")
@require_role("office")
@blp.doc(security=SECURITY, requestBody=multipart(PreviewUpload))
def preview(kind: str) -> dict[str, Any]:
    """Every problem of every row in Chinese (``第7行 F列（年度计划投资）：不是数字``) and the
    events a confirmation would append (new, and duplicates of earlier imports); nothing
    is stored. ``digest`` is what the confirmation must send back with the same file."""
    form = _upload(PreviewUpload)
    layout, data = _imports().layouts[kind], form["file"].read()
    return _imports().preview(layout, data, _context(form)).to_dict()


@blp.post(f"/{KIND}")
@require_role("office")
@blp.doc(security=SECURITY, requestBody=multipart(ConfirmUpload))
def confirm(kind: str) -> tuple[dict[str, Any], int]:
    """Import a clean file: the same file as previewed (its ``digest``), with no problem.
    A file with any problem imports nothing (422 with every problem); the same file
    again appends nothing (its events are duplicates)."""
    form = _upload(ConfirmUpload)
    layout, data = _imports().layouts[kind], form["file"].read()
    imported = _imports().confirm(layout, data, form["digest"], _context(form))
    return imported.to_dict(), 201 if imported.accepted else 200


def _imports() -> SpreadsheetImports:
    return RegistryParts.of(current_app.extensions["gongjian.runtime"]).spreadsheets


def _context(form: dict[str, Any]) -> ImportContext:
    runtime = current_app.extensions["gongjian.runtime"]
    zone, principal = runtime.settings.zone, current_principal()
    now = runtime.store.clock()
    return ImportContext(
        year=form["year"] or now.astimezone(zone).year,
        source=principal.source,
        actor=principal.name,
        now=now,
        zone=zone,
    )


def _attachment(layout: Layout) -> str:
    """An ASCII name for every client, the Chinese one for those that read RFC 6266."""
    chinese = quote(f"{layout.title}模板.xlsx")
    return f"attachment; filename=\"{layout.kind}-template.xlsx\"; filename*=UTF-8''{chinese}"
