"""deploy/monitoring: the alert rules pass ``promtool check rules`` and their unit tests
(``promtool test rules``), and every metric the rules and the Grafana dashboard ask for
is one the services expose."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.composition import create_app
from shared.metrics import RuntimeCollector
from tests.conftest import REQUIRE_SERVICES

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
METRIC = re.compile(r"\b(gongjian_[a-z_]+)\b")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        if REQUIRE_SERVICES:
            pytest.fail("promtool is required here (Debian package prometheus)")
        pytest.skip("promtool not installed (Debian package prometheus)")
    return subprocess.run(
        ["promtool", *args], cwd=MONITORING, capture_output=True, text=True, timeout=120
    )


def rule_expressions() -> list[str]:
    groups = yaml.safe_load((MONITORING / "alerts.yaml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard() -> dict:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def dashboard_expressions() -> list[str]:
    return [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]


def exposed(runtime) -> set[str]:
    """Every family and sample name one scrape of a service gives, and the gauges that
    need Redis (live workers)."""
    client = create_app(runtime).test_client()
    client.get("/livez")
    text = client.get("/metrics").get_data(as_text=True)
    names = set(RuntimeCollector.NAMES)
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def test_the_alert_rules_pass_promtool_check():
    checked = promtool("check", "rules", "alerts.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_the_alerts_fire_on_the_series_that_should_fire_them():
    tested = promtool("test", "rules", "alerts-test.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_metric_in_the_rules_and_the_dashboard_is_exposed(wired_runtime):
    wanted = {
        name
        for expr in rule_expressions() + dashboard_expressions()
        for name in METRIC.findall(expr)
    }
    assert wanted - exposed(wired_runtime) == set()
    for topic in (
        "gongjian_queue_depth",
        "gongjian_job_oldest_age_seconds",
        "gongjian_relay_lag_events",
        "gongjian_chain_verified_timestamp_seconds",
        "gongjian_http_requests_total",
        "gongjian_job_lease_expiries_total",
        "gongjian_dependency_up",
        "gongjian_live_workers",
    ):
        assert topic in wanted, f"nothing watches {topic}"


ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")
"""Two English words in a row: a sentence (metric, alert and product names stand alone)."""
NAMES = re.compile(r"\{\{[^}]*\}\}|\bgongjian [a-z-]+")
"""Template fields and commands (``gongjian verify``): names, not words."""


def test_every_alert_says_how_bad_and_what_in_chinese():
    groups = yaml.safe_load((MONITORING / "alerts.yaml").read_text())["groups"]
    for rule in (rule for group in groups for rule in group["rules"]):
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert re.search(r"[\u4e00-\u9fff]", rule["annotations"]["summary"]), rule["alert"]
        for name, text in rule["annotations"].items():
            assert re.search(r"[\u4e00-\u9fff]", text), (rule["alert"], name)
            assert ENGLISH_WORDS.findall(NAMES.sub(" ", text)) == [], (
                rule["alert"],
                name,
            )


def test_the_dashboard_is_a_grafana_dashboard_on_a_chosen_prometheus():
    board = dashboard()
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) and board["uid"] and board["schemaVersion"] >= 30
    assert board["templating"]["list"][0]["type"] == "datasource"
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"])
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
