"""The event catalogue: the contract with integrators and between services.

Each event type has a marshmallow schema (``payload``), a schema version and a
one-line meaning. Streams: ``project-<project_id>`` (registry),
``dispatch-<cadence>-<period>`` and ``actions-<project_id>`` (scheduling),
``assessment-<year>`` and ``rulebooks`` (scoring).
Money is a decimal amount in yuan, written as a JSON string ("1250000.00"), never a float.
"""

from .catalogue import CATALOGUE, PROJECT_EVENT_TYPES, build_registry
from .codes import (
    INCIDENT_KINDS,
    PROJECT_STREAM_PREFIX,
    VETO_INCIDENTS,
    is_project_stream,
    project_id_of,
    project_stream,
)
from .fields import Money

__all__ = [
    "CATALOGUE",
    "PROJECT_EVENT_TYPES",
    "Money",
    "build_registry",
    # shared names and codes (`codes`: importable from domain code)
    "PROJECT_STREAM_PREFIX",
    "INCIDENT_KINDS",
    "VETO_INCIDENTS",
    "project_stream",
    "project_id_of",
    "is_project_stream",
]
