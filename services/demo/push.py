"""Pushing a generated campaign through the HTTP API, as the office and an approval
system would: projects registered with an office token, events in signed batches."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..registry.application.signing import sign
from .campaign import Campaign, DemoEvent

BATCH_SIZE = 100


class DemoError(Exception):
    """The server refused something the demo sent."""


@dataclass
class Api:
    """A minimal JSON client over real HTTP (urllib: nothing to install)."""

    base_url: str
    timeout: float = 30.0

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        request = urllib.request.Request(self.base_url.rstrip("/") + path, data=body, method=method)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _decoded(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _decoded(exc.read())


def _decoded(body: bytes) -> Any:
    """JSON bodies as values; anything else (an agenda in Markdown) as text."""
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode(errors="replace")


@dataclass
class Loaded:
    projects: int
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]
    first_wave_known_at: datetime


def define_campaign(api: Api, office_token: str, campaign: Campaign) -> None:
    """The demo county's campaign year (PUT: defining it again changes nothing)."""
    body = campaign.definition()
    status, answer = api.call(
        "PUT",
        f"/v1/campaigns/{campaign.year}",
        json.dumps(body, ensure_ascii=False).encode(),
        {"Authorization": f"Bearer {office_token}"},
    )
    if status >= 300:
        raise DemoError(f"设立{campaign.year}年活动未成功（{status}）：{answer}")


def register_projects(api: Api, office_token: str, campaign: Campaign) -> int:
    registered = 0
    for project in campaign.projects:
        body = dict(project.registration)
        body["occurred_at"] = f"{project.registered_on.isoformat()}T09:00:00+08:00"
        status, answer = api.call(
            "POST",
            "/v1/projects",
            json.dumps(body, ensure_ascii=False).encode(),
            {"Authorization": f"Bearer {office_token}"},
        )
        if status == 409:
            continue  # registered by an earlier run
        if status >= 300:
            raise DemoError(f"登记项目 {project.project_id} 未成功（{status}）：{answer}")
        registered += 1
    return registered


def push_events(
    api: Api, integration: str, secret: str, events: Iterable[DemoEvent]
) -> tuple[int, int, list[dict[str, Any]]]:
    accepted = duplicates = 0
    rejected: list[dict[str, Any]] = []
    batch: list[DemoEvent] = []

    def send() -> None:
        nonlocal accepted, duplicates
        items = [
            {
                "event_id": e.event_id,
                "project_id": e.project_id,
                "type": e.type,
                "occurred_at": e.occurred_at.isoformat(),
                "payload": e.payload,
            }
            for e in batch
        ]
        body = json.dumps({"events": items}, ensure_ascii=False).encode()
        request_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
        status, answer = api.call(
            "POST",
            "/v1/ingest",
            body,
            {
                "webhook-id": request_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(secret, request_id, stamp, body),
                "gongjian-integration": integration,
            },
        )
        if status != 200:
            raise DemoError(f"批量接收拒收了这批事件（{status}）：{answer}")
        accepted += answer["accepted"]
        duplicates += answer["duplicates"]
        rejected.extend(r for r in answer["results"] if r.get("status") == "rejected")
        batch.clear()

    for event in events:
        batch.append(event)
        if len(batch) == BATCH_SIZE:
            send()
    if batch:
        send()
    return accepted, duplicates, rejected


def load(
    api: Api,
    *,
    office_token: str,
    integration: str,
    secret: str,
    campaign: Campaign,
    progress: Callable[[str], None] = lambda _: None,
) -> Loaded:
    """Register the projects, push the first wave, then the late reports."""
    now = datetime.now(UTC)

    def due(events: list[DemoEvent]) -> list[DemoEvent]:
        return [e for e in events if e.occurred_at <= now]  # nothing from the future

    define_campaign(api, office_token, campaign)
    registered = register_projects(api, office_token, campaign)
    progress(f"registered {registered} projects")
    accepted, duplicates, rejected = push_events(
        api, integration, secret, due(campaign.events(late=False))
    )
    progress(f"first wave: {accepted} events accepted")
    time.sleep(0.01)
    boundary = datetime.now(UTC)
    time.sleep(0.01)
    late = push_events(api, integration, secret, due(campaign.events(late=True)))
    progress(f"late reports: {late[0]} events accepted")
    return Loaded(
        registered, accepted + late[0], duplicates + late[1], rejected + late[2], boundary
    )
