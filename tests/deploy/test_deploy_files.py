"""What the deployment files promise, checked without Docker or a cluster: one image
built offline and non-root, grace periods longer than the shutdown timeouts, probes and
resources on every pod, secrets only by reference."""

from __future__ import annotations

import copy
import re
import runpy
from pathlib import Path

import pytest
import yaml

from deploy.compose_for_test import for_test

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
ROLES = ("registry", "scheduling", "scoring", "console", "worker", "scheduler", "migrate")


def manifests() -> list[dict]:
    return [
        document
        for path in sorted(KUBERNETES.rglob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document and document.get("kind") != "Kustomization"
    ]


def pod_specs() -> list[tuple[str, dict]]:
    found = []
    for document in manifests():
        spec = document.get("spec", {})
        if document["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if "template" in spec:
            found.append(
                (f"{document['kind']}/{document['metadata']['name']}", spec["template"]["spec"])
            )
    return found


def seconds(text: str) -> int:
    return int(re.fullmatch(r"(\d+)s", text).group(1))


def test_the_image_builds_offline_from_a_wheelhouse_on_a_chosen_base_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in dockerfile
    assert re.search(r"pip install --no-index --find-links /tmp/wheelhouse", dockerfile)
    user = re.search(r"^USER (\S+)", dockerfile, re.MULTILINE).group(1)
    assert user not in ("root", "0", "0:0")
    assert "HEALTHCHECK" in dockerfile and "ENTRYPOINT" in dockerfile
    assert not re.search(r"(?i)(password|secret|token)\s*=", dockerfile)


def test_only_the_wheelhouse_and_the_entrypoint_files_enter_the_build_context():
    lines = [
        line
        for line in (DEPLOY.parent / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert set(lines[1:]) == {
        "!wheelhouse/*.whl",
        "!deploy/entrypoint.sh",
        "!deploy/gunicorn.conf.py",
    }


def test_the_entrypoint_knows_every_role():
    script = (DEPLOY / "entrypoint.sh").read_text()
    for role in ROLES:
        assert re.search(rf"^\s*(\S+ \| )*{role}( \| \S+)*\)", script, re.MULTILINE), role


def test_gunicorn_listens_where_the_environment_says(monkeypatch):
    monkeypatch.setenv("GONGJIAN_HOST", "127.0.0.1")
    monkeypatch.setenv("GONGJIAN_PORT", "18999")
    monkeypatch.setenv("GONGJIAN_WEB_WORKERS", "3")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:18999"
    assert config["workers"] == 3 and config["worker_class"] == "gthread"


@pytest.mark.parametrize(("level", "written"), [("WARNING", False), ("INFO", True)])
def test_gunicorn_puts_no_access_line_together_that_its_logging_drops(monkeypatch, level, written):
    """The app logs each request; gunicorn's own access lines are dropped by the logging
    config, and are then not made at all (their fields cost a request's CPU)."""
    from gunicorn.config import Config

    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    logging_config = copy.deepcopy(gunicorn["logconfig_dict"])
    logging_config["loggers"]["gunicorn.access"]["level"] = level
    config.set("logconfig_dict", logging_config)
    logger = gunicorn["logger_class"](config)
    made: list[object] = []
    monkeypatch.setattr(logger, "atoms", lambda *args: made.append(args) or {})
    logger.access(None, None, {}, None)
    assert bool(made) is written
    config.set("logger_class", gunicorn["logger_class"])
    assert config.logger_class is gunicorn["logger_class"]  # gunicorn takes it as it is


def test_shutdowns_finish_inside_the_orchestrators_grace_period():
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    worker_ms = int(
        re.search(r"SHUTDOWN_TIMEOUT_MS:-(\d+)", (DEPLOY / "entrypoint.sh").read_text()).group(1)
    )
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for role in ("registry", "scheduling", "scoring"):
        assert gunicorn["graceful_timeout"] < seconds(compose[role]["stop_grace_period"])
    assert worker_ms / 1000 < seconds(compose["worker"]["stop_grace_period"])
    for name, spec in pod_specs():
        if name.startswith("Deployment/"):
            assert worker_ms / 1000 < spec["terminationGracePeriodSeconds"], name
            assert gunicorn["graceful_timeout"] + 5 < spec["terminationGracePeriodSeconds"], name


def test_compose_runs_every_role_from_one_image_after_the_migrate_job():
    config = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = config["services"]
    images = {services[role]["image"] for role in ROLES}
    assert images == {"${GONGJIAN_IMAGE:-gongjian:0.1.0}"}
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("registry", "scheduling", "scoring", "console", "worker", "scheduler"):
        assert services[role]["command"] == [role]
        assert services[role]["restart"] == "unless-stopped"
        assert (
            services[role]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert "--appendonly" in services["redis"]["command"]
    assert {"pgdata", "redisdata"} <= set(config["volumes"])


def test_the_compose_database_compares_text_as_the_tests_database_does():
    """A new cluster is made with C.UTF-8 (the image's default is en_US.utf8, whose
    strcoll cost ~10 % more database CPU an ingested event; docs/operations.md)."""
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    initdb = services["postgres"]["environment"]["POSTGRES_INITDB_ARGS"].split()
    assert "--locale=C.UTF-8" in initdb and "--encoding=UTF8" in initdb


def test_compose_takes_the_database_passwords_from_the_environment_only():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    owner, app = "${POSTGRES_PASSWORD:?", "${POSTGRES_APP_PASSWORD:?"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(owner)
    assert services["postgres"]["environment"]["POSTGRES_APP_PASSWORD"].startswith(app)
    for role in ROLES:
        url = services[role]["environment"]["GONGJIAN_DATABASE_URL"]
        assert url.startswith(f"postgresql://gongjian_app:{app}"), role


def test_every_container_signs_and_verifies_checkpoints_with_the_one_configured_key():
    """Without it each container would make a key of its own, and the checkpoints one
    signs would fail the others' verification (found by `make deploy-test`)."""
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for role in set(ROLES) - {"migrate"}:
        key = services[role]["environment"]["GONGJIAN_CHECKPOINT_KEY"]
        assert key.startswith("${GONGJIAN_CHECKPOINT_KEY:?"), role
    test_override = yaml.safe_load((DEPLOY / "compose.test.yaml").read_text())["services"]
    assert set(ROLES) <= set(test_override), "every role runs on the host's network in the test"


SECRETS_BY_ROLE = {
    "GONGJIAN_MIGRATE_DATABASE_URL": {"migrate"},
    "GONGJIAN_CHECKPOINT_KEY": set(ROLES) - {"migrate"},
    "GONGJIAN_SECRET_KEY": {"console"},
    "GONGJIAN_SECRETS_KEY": {"registry", "console", "migrate", "scheduling", "worker"},
}


def test_each_container_gets_only_the_secrets_it_uses_and_never_the_whole_env_file():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for role in ROLES:
        assert services[role]["env_file"] == "${GONGJIAN_ENV_FILE:-gongjian.env}", role
        variables = set(services[role]["environment"])
        for secret, roles in SECRETS_BY_ROLE.items():
            assert (secret in variables) == (role in roles), (role, secret)
    assert "GONGJIAN_REDIS_URL" not in services["migrate"]["environment"]
    settings = (DEPLOY / "gongjian.env").read_text()
    assert not re.search(r"(?im)^\s*#?\s*\w*(PASSWORD|_KEY|SECRET)\w*\s*=", settings)


def test_compose_migrates_as_the_owner_and_serves_as_the_application_role():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    migrate_url = services["migrate"]["environment"]["GONGJIAN_MIGRATE_DATABASE_URL"]
    assert migrate_url.startswith("postgresql://gongjian:${POSTGRES_PASSWORD:?")
    for role in set(ROLES) - {"migrate"}:
        assert "GONGJIAN_MIGRATE_DATABASE_URL" not in services[role]["environment"], role
    init = services["postgres"]["volumes"]
    assert "./postgres-init:/docker-entrypoint-initdb.d:ro" in init
    assert "gongjian_app" in (DEPLOY / "postgres-init" / "10-application-role.sh").read_text()


def test_the_test_stack_drops_what_the_host_provides_and_keeps_the_migrate_dependency():
    merged = {
        "services": {
            "postgres": {"image": "postgres"},
            "redis": {"image": "redis"},
            "migrate": {"network_mode": "host", "depends_on": {"postgres": {}}},
            "registry": {
                "network_mode": "host",
                "ports": ["127.0.0.1:8001:8000"],
                "depends_on": {
                    "migrate": {"condition": "service_completed_successfully"},
                    "redis": {},
                },
            },
            "scheduler": {"network_mode": "host", "depends_on": {"migrate": {}}},
        },
        "volumes": {"pgdata": {}, "redisdata": {}},
    }
    adapted = for_test(merged, without=("scheduler",))
    assert set(adapted["services"]) == {"migrate", "registry"}
    assert "depends_on" not in adapted["services"]["migrate"]
    assert adapted["services"]["registry"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    assert "ports" not in adapted["services"]["registry"]
    assert "volumes" not in adapted


def test_the_test_stack_refuses_a_container_off_the_host_network():
    with pytest.raises(SystemExit):
        for_test({"services": {"registry": {"ports": ["8001:8000"]}}})


def test_every_pod_runs_as_non_root_with_requests_and_secrets_by_reference():
    specs = pod_specs()
    assert {name for name, _ in specs} >= {
        "Deployment/registry",
        "Deployment/scheduling",
        "Deployment/scoring",
        "Deployment/worker",
        "Deployment/scheduler",
        "Job/gongjian-migrate",
        "CronJob/verify-chain",
    }
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, name
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            for variable in container.get("env", []):
                assert "value" not in variable or not variable["name"].endswith("_URL"), name
    assert not [d for d in manifests() if d["kind"] == "Secret"]


def test_http_services_have_readiness_and_liveness_probes_and_the_worker_a_liveness_check():
    specs = dict(pod_specs())
    for role in ("registry", "scheduling", "scoring"):
        container = specs[f"Deployment/{role}"]["containers"][0]
        assert container["args"] == [role]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    worker = specs["Deployment/worker"]["containers"][0]
    assert worker["livenessProbe"]["exec"]["command"][:2] == ["gongjian", "worker-health"]
    assert specs["Job/gongjian-migrate"]["containers"][0]["args"] == ["migrate"]


def test_the_worker_has_an_autoscaler_and_the_scheduler_stays_single():
    documents = manifests()
    autoscaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")
    }
    assert "worker" in autoscaled and "scheduler" not in autoscaled
    scheduler = next(
        d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "scheduler"
    )
    assert (
        scheduler["spec"]["replicas"] == 1 and scheduler["spec"]["strategy"]["type"] == "Recreate"
    )


def test_an_autoscaled_deployment_leaves_its_replica_count_to_the_autoscaler():
    documents = manifests()
    autoscaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    assert autoscaled == {"registry", "scheduling", "scoring", "worker"}
    for name in autoscaled:
        assert "replicas" not in deployments[name]["spec"], name
