"""Bearer tokens with roles. Tokens are random, shown once, and stored only as SHA-256.

Roles: ``admin`` (everything), ``office`` (领导小组办公室: registers projects, plans,
runs assessments), ``integration`` (pushes events for its own ``source`` only),
``auditor`` (reads everything, writes nothing), ``viewer`` (reads boards and projects),
``approver`` (signs assessments off), ``unit`` (a responsible unit: reads and takes the
督办 steps of its own follow-up actions only; its source is ``unit:<单位>``).
"""

from .reading import READABLE_TYPES, readable_types
from .tokens import ROLES, UNIT_SOURCE, Principal, TokenStore, api_tokens
from .web import current_principal, require_role

__all__ = [
    "ROLES",
    "UNIT_SOURCE",
    "Principal",
    "TokenStore",
    "api_tokens",
    "current_principal",
    "require_role",
    # the role matrix of the log
    "READABLE_TYPES",
    "readable_types",
]
