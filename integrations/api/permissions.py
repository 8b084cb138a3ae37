"""What each role may do over the API: the one role → permission table.

Service functions check roles too (scores are staff-only, CRM lead changes are sales-only); this
table is the API's outer gate, so a caller learns "forbidden" before any work is done, and the
OpenAPI description of every route can say who may call it.
"""

from __future__ import annotations

from copilot.core.domain import StrEnum
from copilot.core.identity import Role


class Perm(StrEnum):
    ask = "ask"
    """Staff chat with account context."""
    search = "search"
    brief = "brief"
    email_draft = "email.draft"
    campaign = "campaign"
    """A/B variants and other campaign work."""
    next_actions = "next_actions"
    scores_read = "scores.read"
    tiers_apply = "tiers.apply"
    funnel = "funnel"
    health = "health"
    crm_read = "crm.read"
    crm_write = "crm.write"
    consent_read = "consent.read"
    consent_write = "consent.write"
    feedback = "feedback"
    widget = "widget"
    """The embeddable chat widget: visitors and identified customers only."""


_A, _SA, _SU, _M = Role.admin, Role.sales, Role.support, Role.marketing
_STAFF = frozenset({_A, _SA, _SU, _M})

PERMISSIONS: dict[Perm, frozenset[Role]] = {
    Perm.ask: _STAFF,
    Perm.search: _STAFF,
    Perm.brief: frozenset({_A, _SA, _SU}),
    Perm.email_draft: frozenset({_A, _SA, _M}),
    Perm.campaign: frozenset({_A, _M}),  # support runs no campaigns
    Perm.next_actions: frozenset({_A, _SA, _SU}),
    Perm.scores_read: _STAFF,
    Perm.tiers_apply: frozenset({_A}),
    Perm.funnel: frozenset({_A, _SA, _M}),
    Perm.health: frozenset({_A, _SA, _SU}),
    Perm.crm_read: _STAFF,
    Perm.crm_write: frozenset({_A, _SA, _SU}),  # marketing reads CRM records but never writes them
    Perm.consent_read: _STAFF,
    Perm.consent_write: frozenset({_A, _SU, _M}),
    Perm.feedback: _STAFF,
    Perm.widget: frozenset({Role.visitor, Role.customer}),
}


def allowed(role: Role, perm: Perm) -> bool:
    return role in PERMISSIONS[perm]


def roles_text(perm: Perm) -> str:
    """For route descriptions: ``Roles: admin, sales.``"""
    order = [r for r in Role if r in PERMISSIONS[perm]]
    return "Roles: " + ", ".join(r.value for r in order) + "."
