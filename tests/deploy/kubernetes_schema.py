"""A small structural check of rendered Kubernetes objects, for machines without a
cluster or kubeconform (``kubectl apply --dry-run=client`` needs a server's OpenAPI):
known kinds at their API versions, names and labels as Kubernetes allows them, the
fields each kind requires, and references that resolve (selectors, scale targets,
ConfigMap keys)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1",
    "ScaledObject": "keda.sh/v1alpha1",
    "TriggerAuthentication": "keda.sh/v1alpha1",
}
CLUSTER_SCOPED = {"Namespace"}
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
CRON = re.compile(r"(\S+\s+){4}\S+")


def problems(objects: list[dict[str, Any]]) -> list[str]:
    """Every problem found, as ``Kind/name: what``; empty when all hold."""
    found: list[str] = []
    for obj in objects:
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        found += [f"{name}: {problem}" for problem in _object_problems(obj, objects)]
    return found


def _object_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    kind = obj.get("kind")
    if kind not in API_VERSIONS:
        yield f"unknown kind {kind!r}"
        return
    if obj.get("apiVersion") != API_VERSIONS[kind]:
        yield f"apiVersion {obj.get('apiVersion')!r}, expected {API_VERSIONS[kind]!r}"
    yield from _metadata_problems(obj.get("metadata") or {}, namespaced=kind not in CLUSTER_SCOPED)
    yield from CHECKS.get(kind, lambda o, _: iter(()))(obj, objects)


def _metadata_problems(metadata: dict[str, Any], *, namespaced: bool) -> Iterator[str]:
    name = metadata.get("name", "")
    if not DNS_SUBDOMAIN.fullmatch(name) or len(name) > 253:
        yield f"metadata.name {name!r} is not a DNS subdomain"
    if namespaced and not DNS_LABEL.fullmatch(metadata.get("namespace", "")):
        yield "metadata.namespace missing or invalid"
    for key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or not LABEL_VALUE.fullmatch(value) or len(value) > 63:
            yield f"label {key}={value!r} is not a valid label value"


def _pod_problems(pod: dict[str, Any], config: dict[str, str]) -> Iterator[str]:
    containers = pod.get("containers") or []
    if not containers:
        yield "no containers"
    for container in containers:
        if not DNS_LABEL.fullmatch(container.get("name", "")) or not container.get("image"):
            yield f"container {container.get('name')!r} needs a DNS-label name and an image"
        for variable in container.get("env", []):
            yield from _env_problems(variable, config)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            handler = container.get(probe)
            if handler is not None and not {"httpGet", "exec", "tcpSocket", "grpc"} & set(handler):
                yield f"{probe} has no handler"


def _env_problems(variable: dict[str, Any], config: dict[str, str]) -> Iterator[str]:
    name = variable.get("name", "")
    if not ENV_NAME.fullmatch(name):
        yield f"env name {name!r} is invalid"
    if ("value" in variable) == ("valueFrom" in variable):
        yield f"env {name}: exactly one of value and valueFrom"
    if "value" in variable and not isinstance(variable["value"], str):
        yield f"env {name}: value must be a string"
    ref = (variable.get("valueFrom") or {}).get("configMapKeyRef")
    if ref and ref.get("key") not in config and not ref.get("optional"):
        yield f"env {name}: ConfigMap key {ref.get('key')!r} does not exist"


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    return {
        k: v for o in objects if o["kind"] == "ConfigMap" for k, v in (o.get("data") or {}).items()
    }


def _templates(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Each Deployment's pod labels, by name."""
    return {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"].get("labels", {})
        for o in objects
        if o["kind"] == "Deployment"
    }


def _selects(selector: dict[str, str], objects: list[dict[str, Any]]) -> bool:
    return any(selector.items() <= labels.items() for labels in _templates(objects).values())


def _deployment(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    spec = obj.get("spec", {})
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    if not selector or not selector.items() <= labels.items():
        yield "spec.selector.matchLabels must be non-empty and match the template's labels"
    yield from _pod_problems(spec.get("template", {}).get("spec", {}), _config(objects))


def _job(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    pod = obj.get("spec", {}).get("template", {}).get("spec", {})
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        yield "a Job's pods need restartPolicy Never or OnFailure"
    yield from _pod_problems(pod, _config(objects))


def _cronjob(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    spec = obj.get("spec", {})
    if not CRON.fullmatch(str(spec.get("schedule", ""))):
        yield f"schedule {spec.get('schedule')!r} is not a cron expression"
    yield from _job({"spec": spec.get("jobTemplate", {}).get("spec", {})}, objects)


def _service(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    spec = obj.get("spec", {})
    if not spec.get("ports") or any("port" not in port for port in spec["ports"]):
        yield "spec.ports must name each port"
    if not _selects(spec.get("selector") or {}, objects):
        yield "spec.selector matches no Deployment's pods"


def _scale_target(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    spec = obj.get("spec", {})
    target = spec.get("scaleTargetRef", {}).get("name")
    if target not in _templates(objects):
        yield f"scaleTargetRef {target!r} is no Deployment here"
    low, high = (
        spec.get("minReplicas", spec.get("minReplicaCount", 1)),
        spec.get("maxReplicas", spec.get("maxReplicaCount")),
    )
    if not isinstance(high, int) or low > high:
        yield "replica bounds must be whole numbers with min <= max"
    if obj["kind"] == "ScaledObject" and not spec.get("triggers"):
        yield "a ScaledObject needs triggers"
    for index, metric in enumerate(spec.get("metrics", [])):
        yield from (f"metrics[{index}]: {p}" for p in _metric_problems(metric))


_METRIC_TARGETS = {
    "Utilization": "averageUtilization",
    "AverageValue": "averageValue",
    "Value": "value",
}


def _metric_problems(metric: dict[str, Any]) -> Iterator[str]:
    """An autoscaling/v2 metric: its block named after its type, a metric name where the
    type needs one, a target of a known type with that type's field."""
    kind = metric.get("type", "")
    block = metric.get(kind[:1].lower() + kind[1:]) if kind else None
    if kind not in ("Resource", "Pods", "Object", "External", "ContainerResource"):
        yield f"unknown metric type {kind!r}"
        return
    if not isinstance(block, dict):
        yield f"type {kind} without its block"
        return
    named = block.get("name") if kind in ("Resource", "ContainerResource") else None
    if not (named or (block.get("metric") or {}).get("name")):
        yield "no metric name"
    target = block.get("target") or {}
    field = _METRIC_TARGETS.get(target.get("type", ""))
    if field is None or field not in target:
        yield f"target {target!r} is not one of {sorted(_METRIC_TARGETS)} with its value"


def _disruption_budget(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    spec = obj.get("spec", {})
    if ("minAvailable" in spec) == ("maxUnavailable" in spec):
        yield "exactly one of minAvailable and maxUnavailable"
    if not _selects((spec.get("selector") or {}).get("matchLabels") or {}, objects):
        yield "spec.selector matches no Deployment's pods"


def _config_map(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    for key, value in (obj.get("data") or {}).items():
        if not isinstance(value, str):
            yield f"data.{key} must be a string, is {type(value).__name__}"


def _trigger_authentication(obj: dict[str, Any], objects: list[dict[str, Any]]) -> Iterator[str]:
    for ref in obj.get("spec", {}).get("secretTargetRef", []):
        if not {"parameter", "name", "key"} <= set(ref):
            yield "each secretTargetRef names parameter, name and key"


CHECKS = {
    "TriggerAuthentication": _trigger_authentication,
    "Deployment": _deployment,
    "Job": _job,
    "CronJob": _cronjob,
    "Service": _service,
    "HorizontalPodAutoscaler": _scale_target,
    "ScaledObject": _scale_target,
    "PodDisruptionBudget": _disruption_budget,
    "ConfigMap": _config_map,
}
