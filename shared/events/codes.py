"""Names and codes every part shares, each written once.

A leaf module (no framework, nothing else of ``shared``), so that domain code may import
it as well as the catalogue, the read models and the entry points."""

from __future__ import annotations

PROJECT_STREAM_PREFIX = "project-"
"""The registry's streams are ``project-<project_id>``."""

INCIDENT_KINDS = ("major_safety_accident", "ecological_red_line", "illegal_farmland", "other")
"""Kinds of ``SafetyIncidentReported``."""

VETO_INCIDENTS = ("major_safety_accident", "ecological_red_line", "illegal_farmland")
"""一票否决: an incident of any of these kinds caps the grade."""

POOL_STAGES = ("planning", "reserve", "negotiating", "signed", "preliminary")
"""项目库 stages before construction (plan 3): 谋划 → 储备 → 在谈 → 签约 → 前期; 开工, 竣工 and
投产 are ``ConstructionStarted``, ``ProjectCompleted`` and ``ProjectCommissioned``."""

ALERT_FORMATS = ("wecom", "dingtalk", "webhook")
"""An alert channel's format: 企业微信 group robot, 钉钉 custom robot, a signed JSON webhook."""
ALERT_OWNERS = ("leader", "unit")
"""Whose channel: a project's leader (分包领导) or a responsible unit."""


def project_stream(project_id: str) -> str:
    """The stream of one key project."""
    return f"{PROJECT_STREAM_PREFIX}{project_id}"


def is_project_stream(stream_id: str) -> bool:
    return stream_id.startswith(PROJECT_STREAM_PREFIX)


def project_id_of(stream_id: str) -> str:
    """The project id of a ``project-<project_id>`` stream."""
    return stream_id.removeprefix(PROJECT_STREAM_PREFIX)
