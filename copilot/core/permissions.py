"""What each role may do: the one role → permission table, for every surface.

Every task and record function starts with :func:`require`; surfaces only map their identity (API
key, Slack user, widget token) to an :class:`~copilot.core.identity.Actor`. The API checks the same
table before any work is done (its outer gate) and its OpenAPI texts say who may call each route.
"""

from __future__ import annotations

from copilot.core.domain import StrEnum
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role


class Perm(StrEnum):
    ask = "ask"
    """Staff chat with account context."""
    search = "search"
    brief = "brief"
    email_draft = "email.draft"
    campaign = "campaign"
    """Campaign copy for a whole segment."""
    variants = "variants"
    """A/B variants of one contact's e-mail."""
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
    reply = "reply"
    """Suggested replies to support tickets."""
    widget = "widget"
    """The embeddable chat widget: visitors and identified customers only."""
    jobs_read = "jobs.read"
    """Batch jobs' progress and results (each job also needs the permission of its kind)."""
    maintenance = "maintenance"
    """Store-wide upkeep run as jobs: content ingest and the retention purge."""


_A, _SA, _SU, _M = Role.admin, Role.sales, Role.support, Role.marketing
_STAFF = frozenset({_A, _SA, _SU, _M})

PERMISSIONS: dict[Perm, frozenset[Role]] = {
    Perm.ask: _STAFF,
    Perm.search: _STAFF,
    Perm.brief: frozenset({_A, _SA, _SU}),
    Perm.email_draft: frozenset({_A, _SA, _M}),
    Perm.campaign: frozenset({_A, _M}),  # support runs no campaigns
    Perm.variants: frozenset({_A, _SA, _M}),  # a rep tests a subject line on their own draft
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
    Perm.reply: frozenset({_A, _SA, _SU}),
    Perm.widget: frozenset({Role.visitor, Role.customer}),
    Perm.jobs_read: _STAFF,
    Perm.maintenance: frozenset({_A}),
}


def allowed(role: Role, perm: Perm) -> bool:
    return role in PERMISSIONS[perm] or role is Role.system


def require(actor: Actor, perm: Perm) -> None:
    """Refuse (``forbidden``, the same words on every surface) unless the actor's role has ``perm``."""
    if not allowed(actor.role, perm):
        raise PolkuError("forbidden", f"role {actor.role} may not use {perm.value}", permission=perm.value)


def roles_text(perm: Perm) -> str:
    """For route descriptions: ``Roles: admin, sales.``"""
    order = [r for r in Role if r in PERMISSIONS[perm]]
    return "Roles: " + ", ".join(r.value for r in order) + "."
