"""The key-project domain: the `KeyProject` aggregate, its rules, and its history
under the two clocks. Plain Python: no framework is imported here."""

from .errors import (
    AlreadyRegistered,
    CampaignNotFound,
    ProjectNotFound,
    RegistryError,
    RuleViolation,
)
from .events import AMENDMENTS, CORRECTED, RETRACTED, ProjectEvent
from .history import Change, admitted, compare, state_at
from .project import PHASES, KeyProject
from .rules import check, check_amendment, replay_strictly

__all__ = [
    # the aggregate
    "KeyProject",
    "PHASES",
    "ProjectEvent",
    "AMENDMENTS",
    "CORRECTED",
    "RETRACTED",
    # rules
    "check",
    "check_amendment",
    "replay_strictly",
    # history
    "admitted",
    "state_at",
    "compare",
    "Change",
    # errors
    "RegistryError",
    "RuleViolation",
    "ProjectNotFound",
    "AlreadyRegistered",
    "CampaignNotFound",
]
