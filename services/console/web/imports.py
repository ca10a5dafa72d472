"""导入 (office): the office's spreadsheets, 重点项目台账 and monthly 填报表. Upload → a
table of every problem, or of what the file would import → confirm. Nothing is kept
between the two steps: the confirmation sends the previewed file back (in the form) with
its digest, and the registry imports it only if it is the same file and still clean."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, abort, request

from shared.eventstore import EventStoreError

from ...registry.application.spreadsheets import (
    ImportContext,
    Layout,
    Preview,
    SpreadsheetImports,
    template,
)
from ...registry.domain import RegistryError
from .base import bp, current_user, gateway, page, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _layout(kind: str | None) -> Layout:
    layouts = _spreadsheets().layouts
    if kind not in layouts:
        abort(404)
    return layouts[kind]


def _page(status: int = 200, **shown: Any) -> tuple[str, int]:
    shown.setdefault("year", _context(None).year)
    layouts = _spreadsheets().layouts.values()
    return page("imports", "导入台账", layouts=layouts, **shown), status


@bp.get("/imports")
@signed_in("office")
def imports():  # type: ignore[no-untyped-def]
    return _page()


@bp.get("/imports/<kind>/template.xlsx")
@signed_in("office")
def import_template(kind: str):  # type: ignore[no-untyped-def]
    layout = _layout(kind)
    return Response(
        template(layout),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{layout.kind}-template.xlsx"'},
    )


@bp.post("/imports/preview")
@signed_in("office")
def import_preview():  # type: ignore[no-untyped-def]
    layout = _layout(request.form.get("kind"))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(422, error="请选择要导入的 XLSX 文件")
    data, context = upload.read(), _context(request.form.get("year"))
    try:
        preview = _spreadsheets().preview(layout, data, context)
    except RegistryError as exc:
        return _page(422, error=str(exc))
    return _page(year=context.year, **_shown(layout, preview, data))


@bp.post("/imports/confirm")
@signed_in("office")
def import_confirm():  # type: ignore[no-untyped-def]
    layout = _layout(request.form.get("kind"))
    try:
        data = base64.b64decode(request.form.get("content", ""), validate=True)
        done = _spreadsheets().confirm(
            layout, data, request.form.get("digest", ""), _context(request.form.get("year"))
        )
    except binascii.Error:
        return _page(422, error="表单中的文件内容已损坏，请重新上传预览")
    except RegistryError as exc:
        return _page(422, error=str(exc))
    except EventStoreError as exc:  # another import got there first: preview again
        return _page(409, error=f"导入时与其他写入冲突，未导入：{exc}；请重新预览")
    notice = f"{layout.title}已导入：新事件 {done.accepted} 个，已导入过 {done.duplicates} 个"
    return _page(notice=notice, imported=done.projects)


def _shown(layout: Layout, preview: Preview, data: bytes) -> dict[str, Any]:
    shown: dict[str, Any] = {"layout": layout, "preview": preview.to_dict()}
    if preview.clean:
        shown["content"] = base64.b64encode(data).decode()
    return shown


def _spreadsheets() -> SpreadsheetImports:
    return gateway().spreadsheets


def _context(year: str | None) -> ImportContext:
    services, user = gateway(), current_user()
    now, written = services.store.clock(), (year or "").strip()
    return ImportContext(
        year=int(written) if written.isdigit() else now.astimezone(services.zone).year,
        source=user.source if user else "",
        actor=user.username if user else "",
        now=now,
        zone=services.zone,
    )
