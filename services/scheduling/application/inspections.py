"""Inspections of units (plans 1 and 2: 层级检查, 专项督查组, 督查通报), stream
``inspection-<round_id>``: a round's team, the units it inspected and its findings per
unit. A problem finding is its own agenda item (rule ``inspection_finding``, subject: the
round and the finding's number), held by one follow-up action for its owner unit through
the action table's unique key, exactly as a site meeting's decision is
(`site_meetings`). The action hangs on the project the finding names; a finding about a
unit alone hangs on the unit's own key (``unit:<digest>``), outside every project's
agenda but closed the same way."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from shared.i18n import short_date
from shared.tenancy import DEFAULT_COUNTY, county_stream

from ..domain.errors import InvalidRecord
from ..domain.periods import Period
from ..domain.plan import action_id_for
from ..domain.rules import RECORDED_ITEMS

INSPECTION_FINDING = RECORDED_ITEMS[1]


def inspection_stream(round_id: str, county: str = DEFAULT_COUNTY) -> str:
    """A county's round: ``inspection-<round>`` (another county's:
    ``<county>:inspection-<round>``, `shared.tenancy.county_stream`)."""
    return county_stream(f"inspection-{round_id}", county)


def finding_item(round_id: str, number: int, county: str = DEFAULT_COUNTY) -> str:
    """The agenda item a problem finding is: ``inspection_finding:<round>#<number>``
    (``inspection_finding:<county>:<round>#<number>`` outside the default county)."""
    return f"{INSPECTION_FINDING}:{county_stream(round_id, county)}#{number}"


def unit_key(unit: str, county: str = DEFAULT_COUNTY) -> str:
    """Where a unit's own follow-up actions hang (the action's ``project_id``): a
    county's unit is its own (``unit:<county>:<digest>`` outside the default county)."""
    return "unit:" + county_stream(hashlib.sha256(unit.encode()).hexdigest()[:16], county)


def checked(body: dict[str, Any], today: date, projects: set[str]) -> None:
    """A round that took place (not one to come), findings about the units it inspected,
    each problem with an owner and a deadline on or after the round's end."""
    if body["ended_on"] < body["started_on"]:
        raise InvalidRecord("ended_on", "检查结束日期早于开始日期")
    if body["ended_on"] > today:
        raise InvalidRecord("ended_on", "检查结束日期不能晚于今天")
    for number, finding in enumerate(body.get("findings") or [], start=1):
        _check_finding(number, finding, body, projects)


def _check_finding(
    number: int, finding: dict[str, Any], body: dict[str, Any], projects: set[str]
) -> None:
    where = f"检查发现第{number}项"
    if finding["unit"] not in body["units"]:
        raise InvalidRecord("findings", f"{where}的单位“{finding['unit']}”不在被检查单位中")
    if finding.get("project_id") and finding["project_id"] not in projects:
        raise InvalidRecord("findings", f"{where}所涉项目“{finding['project_id']}”不存在")
    if finding["kind"] != "problem":
        return
    if not finding.get("owner") or finding.get("due") is None:
        raise InvalidRecord("findings", f"{where}是问题，须写明整改责任单位和整改期限")
    if finding["due"] < body["ended_on"]:
        raise InvalidRecord("findings", f"{where}的整改期限早于检查结束日期")


def recorded_payload(
    round_id: str, body: dict[str, Any], county: str = DEFAULT_COUNTY
) -> dict[str, Any]:
    """The ``InspectionRecorded`` payload: each finding numbered, a problem with its
    action's id (the county is the stream's, not the payload's)."""
    period = Period.containing("weekly", body["ended_on"]).label
    findings = [
        _finding(round_id, number, finding, period, county)
        for number, finding in enumerate(body.get("findings") or [], start=1)
    ]
    return {
        "round_id": round_id,
        "kind": body["kind"],
        "title": body["title"],
        "started_on": body["started_on"].isoformat(),
        "ended_on": body["ended_on"].isoformat(),
        "team": {"leader": body["team"]["leader"], "members": list(body["team"]["members"])},
        "units": list(body["units"]),
        "findings": findings,
    }


def _finding(
    round_id: str, number: int, finding: dict[str, Any], period: str, county: str
) -> dict[str, Any]:
    problem = finding["kind"] == "problem"
    project_id = finding.get("project_id") or None
    hangs_on = project_id or unit_key(finding["unit"], county)
    return {
        "number": number,
        "unit": finding["unit"],
        "kind": finding["kind"],
        "text": finding["text"],
        "project_id": project_id,
        "owner": finding["owner"] if problem else None,
        "due": finding["due"].isoformat() if problem else None,
        "action_id": (
            action_id_for(hangs_on, finding_item(round_id, number, county), period)
            if problem
            else None
        ),
    }


def finding_actions(payload: dict[str, Any], county: str = DEFAULT_COUNTY) -> list[dict[str, Any]]:
    """The ``ActionAssigned`` payloads of a round's problem findings (of ``county``)."""
    ended_on = date.fromisoformat(payload["ended_on"])
    period = Period.containing("weekly", ended_on).label
    round_text = f"{payload['title']}，{short_date(ended_on)}"
    return [
        {
            "action_id": f["action_id"],
            "project_id": f["project_id"] or unit_key(f["unit"], county),
            "item": finding_item(payload["round_id"], f["number"], county),
            "assignee": f["owner"],
            "due": f["due"],
            "period": period,
            "description": f"督查检查（{round_text}）发现{f['unit']}问题：{f['text']}"[:2000],
        }
        for f in payload["findings"]
        if f["kind"] == "problem"
    ]


def with_action_states(payload: dict[str, Any], statuses: dict[str, str | None]) -> dict[str, Any]:
    """A round as the API shows it: each problem with its action's status, and how many
    are still open."""
    findings = [
        {**f, "status": (statuses.get(f["action_id"]) or "open") if f["action_id"] else None}
        for f in payload["findings"]
    ]
    return {
        **payload,
        "findings": findings,
        "open_problems": sum(1 for f in findings if f["status"] == "open"),
    }
