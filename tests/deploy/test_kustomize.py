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

from tests.conftest import REQUIRE_SERVICES

from .kubernetes_schema import problems

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
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
    assert {".", "base", "overlays/keda"} <= set(KUSTOMIZATIONS)


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
