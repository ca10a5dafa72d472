"""公示牌: a project's public site board, without sign-in, printable as an A4 poster
with a QR code of its own address. Only the fields a county posts on a site board."""

from __future__ import annotations

from typing import Any

import segno
from flask import abort, request, url_for
from markupsafe import Markup

from ...registry.domain import KeyProject, ProjectNotFound
from .base import bp, gateway, page

PUBLIC_FIELDS = (
    "name",
    "owner_unit",
    "total_investment",
    "planned_start",
    "planned_completion",
    "phase",
    "progress",
    "contact",
    "contact_unit",
)


def public_view(project: KeyProject) -> dict[str, Any]:
    """What the board shows, and nothing else (no leader's notes, problems or scores)."""
    done = sum(1 for m in project.milestones.values() if m.get("status") == "completed")
    return {
        "name": project.name,
        "owner_unit": project.owner_unit,
        "total_investment": project.total_investment,
        "planned_start": project.planned_start or (project.started_at or "")[:10] or None,
        "planned_completion": project.planned_completion,
        "phase": project.phase,
        "progress": f"已完成{done}个，共{len(project.milestones)}个" if project.milestones else "",
        "contact": _contact(project),
        "contact_unit": project.lead_unit,
    }


def _contact(project: KeyProject) -> str:
    """The project's named contact (指定专人) and phone, as a site board posts them."""
    if not project.contact:
        return ""
    return f"{project.contact['name']}　{project.contact['phone']}"


def qr_svg(address: str) -> Markup:
    svg = segno.make(address, error="m").svg_inline(scale=4, dark="#111", border=2)
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own address


@bp.get("/public/projects/<project_id>")
def board(project_id: str):  # type: ignore[no-untyped-def]
    try:
        project = gateway().registry.state(project_id)
    except ProjectNotFound:
        abort(404)
    if not project.registered:
        abort(404)
    address = request.url_root.rstrip("/") + url_for("console.board", project_id=project_id)
    return page(
        "public_board",
        "项目建设公示牌",
        board=public_view(project),
        qr=qr_svg(address),
        address=address,
    )
