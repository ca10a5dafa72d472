"""The demo campaign: realistic, reproducible, and loaded only through the HTTP API."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from werkzeug.serving import make_server

from services.composition import create_app, runtime_for
from services.demo.campaign import generate
from services.demo.runner import DemoOptions, has_projects, load_demo
from shared.events import build_registry


def test_the_default_campaign_follows_the_plans():
    campaign = generate()
    categories = Counter(p.registration["category"] for p in campaign.projects)
    assert categories == {"breakthrough": 18, "new_start": 5, "preliminary": 6}
    assert sum(Decimal(p.registration["annual_plan"]) for p in campaign.projects) == Decimal(
        "4500000000"
    )
    events = campaign.events(late=False) + campaign.events(late=True)
    types = Counter(e.type for e in events)
    for needed in (
        "ApprovalGranted",
        "MilestoneSlipped",
        "MilestoneCompleted",
        "InvestmentReported",
        "InspectionCompleted",
        "IssueRaised",
        "IssueResolved",
        "SupervisionNoticeIssued",
        "EventCorrected",
        "SafetyIncidentReported",
    ):
        assert types[needed] > 0, needed
    assert any(e.late for e in events), "some reports arrive late"
    kinds = {e.payload["kind"] for e in events if e.type == "SupervisionNoticeIssued"}
    assert kinds == {"commendation", "criticism"}


def test_every_generated_event_is_valid_for_the_catalogue():
    registry = build_registry()
    campaign = generate(projects=12, seed=7)
    for project in campaign.projects:
        registry.validate("ProjectRegistered", project.registration)
    for event in campaign.events(late=False) + campaign.events(late=True):
        registry.validate(event.type, event.payload)


def test_the_same_seed_gives_the_same_campaign_and_another_seed_another():
    def fingerprint(seed: int):
        return [
            (e.event_id, e.type, e.payload)
            for e in generate(projects=8, seed=seed).events(late=False)
        ]

    assert fingerprint(3) == fingerprint(3)
    assert fingerprint(3) != fingerprint(4)


@pytest.fixture
def served(settings):
    runtime = runtime_for(settings)
    server = make_server("127.0.0.1", 0, create_app(runtime), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield runtime, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    runtime.close()


@pytest.mark.slow
def test_the_demo_loads_over_http_with_nothing_rejected_and_reloads_as_duplicates(served):
    runtime, url = served
    assert not has_projects(runtime)
    first = load_demo(runtime, url, DemoOptions(projects=8, year=2025, seed=11), lambda _: None)
    assert first.rejected == [] and first.projects == 8 and first.accepted > 100
    stored = list(runtime.store.iter_all())
    by_office = ("ProjectRegistered", "CampaignDefined")
    assert {e.source for e in stored if e.type not in by_office} == {"demo-approval-system"}
    assert [e.payload["year"] for e in stored if e.type == "CampaignDefined"] == [2025]
    assert runtime.store.verify().ok

    again = load_demo(runtime, url, DemoOptions(projects=8, year=2025, seed=11), lambda _: None)
    assert (again.projects, again.accepted, again.duplicates) == (0, 0, first.accepted)
    assert runtime.store.head().position == len(stored)
