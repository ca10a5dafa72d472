"""Every kustomization under deploy/kubernetes builds with ``kubectl kustomize`` and its
objects pass the structural check of `tests.deploy.kubernetes_schema` (no cluster here:
``kubectl apply --dry-run=client`` needs a server's OpenAPI, and kubeconform is not
installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shared.metrics import RuntimeCollector
from tests.conftest import REQUIRE_SERVICES

from .kubernetes_schema import problems

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
ADAPTER_VALUES = KUBERNETES.parent / "monitoring" / "prometheus-adapter-values.yaml"
KUSTOMIZATIONS = sorted(
    str(path.parent.relative_to(KUBERNETES)) for path in KUBERNETES.rglob("kustomization.yaml")
)


def render(directory: str) -> list[dict]:
    if shutil.which("kubectl") is None:
        if REQUIRE_SERVICES:
            pytest.fail("kubectl is required here (GONGJIAN_REQUIRE_SERVICES=1)")
        pytest.skip("kubectl not installed")
    built = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / directory)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    return [document for document in yaml.safe_load_all(built.stdout) if document]


def test_there_is_a_base_and_each_overlay_is_its_own_directory():
    assert {".", "base", "overlays/keda", "overlays/queue-length"} <= set(KUSTOMIZATIONS)


@pytest.mark.parametrize("directory", KUSTOMIZATIONS)
def test_every_kustomization_builds_and_its_objects_are_valid(directory):
    objects = render(directory)
    assert objects
    assert problems(objects) == []


def test_the_keda_overlay_replaces_the_workers_autoscaler_with_a_scaled_object():
    kinds = {(o["kind"], o["metadata"]["name"]) for o in render("overlays/keda")}
    assert ("ScaledObject", "worker") in kinds
    assert ("HorizontalPodAutoscaler", "worker") not in kinds
    assert ("HorizontalPodAutoscaler", "registry") in kinds


def test_the_queue_length_overlay_scales_workers_on_the_exported_queue_depth():
    worker = next(
        o
        for o in render("overlays/queue-length")
        if (o["kind"], o["metadata"]["name"]) == ("HorizontalPodAutoscaler", "worker")
    )
    external = [m["external"] for m in worker["spec"]["metrics"] if m["type"] == "External"]
    assert [e["metric"]["name"] for e in external] == ["gongjian_queue_depth"]
    assert external[0]["target"] == {"type": "AverageValue", "averageValue": "20"}
    assert "gongjian_queue_depth" in RuntimeCollector.NAMES  # what the services export
    rules = yaml.safe_load(ADAPTER_VALUES.read_text())["rules"]["external"]
    assert [rule["name"]["as"] for rule in rules] == ["gongjian_queue_depth"]
    assert rules[0]["seriesQuery"].startswith("gongjian_queue_depth{")


def test_the_adapters_query_is_promql_that_promtool_accepts(tmp_path):
    if shutil.which("promtool") is None:
        if REQUIRE_SERVICES:
            pytest.fail("promtool is required here (Debian package prometheus)")
        pytest.skip("promtool not installed")
    rule = yaml.safe_load(ADAPTER_VALUES.read_text())["rules"]["external"][0]
    query = rule["metricsQuery"].replace("<<.Series>>", "gongjian_queue_depth")
    query = query.replace("<<.LabelMatchers>>", 'namespace="gongjian"')
    group = {"name": "adapter", "rules": [{"record": "adapter:queue_depth", "expr": query}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [group]}))
    checked = subprocess.run(
        ["promtool", "check", "rules", str(tmp_path / "rules.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_schema_check_finds_a_metric_without_its_target():
    objects = render("overlays/queue-length")
    worker = next(
        o for o in objects if o["metadata"]["name"] == "worker" and "metrics" in o["spec"]
    )
    del worker["spec"]["metrics"][0]["external"]["target"]["averageValue"]
    worker["spec"]["metrics"][1]["type"] = "Memory"
    found = problems(objects)
    assert any("metrics[0]: target" in p for p in found)
    assert any("metrics[1]: unknown metric type" in p for p in found)


def test_the_schema_check_finds_what_kubernetes_would_refuse():
    objects = render("base")
    broken = yaml.safe_load(yaml.safe_dump(objects))
    deployment = next(o for o in broken if o["kind"] == "Deployment")
    deployment["apiVersion"] = "apps/v1beta1"
    deployment["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "GONGJIAN_X", "value": 3}
    )
    deployment["spec"]["selector"]["matchLabels"] = {"app": "nothing"}
    found = problems(broken)
    assert any("apiVersion" in p for p in found)
    assert any("value must be a string" in p for p in found)
    assert any("matchLabels" in p for p in found)
