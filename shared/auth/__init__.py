"""Bearer tokens with roles. Tokens are random, shown once, and stored only as SHA-256.

Roles: ``admin`` (everything), ``office`` (领导小组办公室: registers projects, plans,
runs assessments), ``integration`` (pushes events for its own ``source`` only),
``auditor`` (reads everything, writes nothing), ``viewer`` (reads boards and projects).
"""

from .reading import READABLE_TYPES, readable_types
from .tokens import ROLES, Principal, TokenStore, api_tokens
from .web import current_principal, require_role

__all__ = [
    "ROLES",
    "Principal",
    "TokenStore",
    "api_tokens",
    "current_principal",
    "require_role",
    # the role matrix of the log
    "READABLE_TYPES",
    "readable_types",
]
