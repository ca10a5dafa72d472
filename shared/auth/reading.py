"""The role matrix of the log: which event types each role may read (the feed
``GET /v1/events`` shows a role nothing else). It follows the routes: project events are
read by every role that reads projects and by integrations (their own contract);
plans, spot checks, actions (and each step of their 督办 workflow), set pieces and site
meetings by the readers of plans; rulebooks, assessment drafts,
sign-offs and the office's documents by the office, auditors and the approver (who signs
assessments off), as the scoring routes are; published assessments also by viewers; who
revoked a token, stopped an integration or set an alert channel by auditors (and
admins); a responsible unit's token reads nothing of the log (it would show other units'
actions): its own actions are in ``/v1/actions``."""

from __future__ import annotations

from ..events import PROJECT_EVENT_TYPES
from ..events.catalogue import ACTION_WORKFLOW_TYPES

DISPATCH_EVENT_TYPES = (
    "DispatchPlanned",
    "SpotCheckScheduled",
    "ActionAssigned",
    "ActionClosed",
    "SetPieceHeld",
    "SetPieceMissed",
    "SiteMeetingRecorded",
    "InspectionRecorded",
    "EscalationRaised",
    "EscalationDecided",
    "EscalationClosed",
    *ACTION_WORKFLOW_TYPES,
)
PUBLISHED_EVENT_TYPES = ("AssessmentPublished",)
OFFICE_EVENT_TYPES = (
    "RulebookAdopted",
    "AssessmentComputed",
    "AssessmentApproved",
    *PUBLISHED_EVENT_TYPES,
    "DocumentIssued",
    "PrincipalAdmonished",
)
ADMIN_EVENT_TYPES = (
    "TokenRevoked",
    "IntegrationDisabled",
    "IntegrationEnabled",
    "AlertChannelConfigured",
    "AlertChannelRemoved",
)

READABLE_TYPES: dict[str, tuple[str, ...]] = {
    "office": (*PROJECT_EVENT_TYPES, *DISPATCH_EVENT_TYPES, *OFFICE_EVENT_TYPES),
    "auditor": (
        *PROJECT_EVENT_TYPES,
        *DISPATCH_EVENT_TYPES,
        *OFFICE_EVENT_TYPES,
        *ADMIN_EVENT_TYPES,
    ),
    "viewer": (*PROJECT_EVENT_TYPES, *DISPATCH_EVENT_TYPES, *PUBLISHED_EVENT_TYPES),
    "approver": OFFICE_EVENT_TYPES,
    "integration": PROJECT_EVENT_TYPES,
    "unit": (),
}
"""Role → the event types it may read; ``admin`` reads every type."""


def readable_types(role: str) -> tuple[str, ...] | None:
    """The event types ``role`` may read; None: every type (admin)."""
    if role == "admin":
        return None
    return READABLE_TYPES.get(role, ())
