"""The conformance registry: which operations each surface offers, and how to call each as a given role.

Every cell of the matrix (surface × permission × role) is one of: the surface offers the permission to
the role (:class:`Offer`, the outcome must follow the role table), the surface cannot represent the role
(an unmapped Slack user, a widget key on a staff route: it must refuse), or the surface does not route
the permission at all (:class:`NotOffered`, checked against what the surface really routes). The
drivers in :mod:`tests.support.conformance_drivers` do the calling; this module only says what exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from copilot.core.identity import Role
from copilot.core.permissions import Perm
from tests.support.conformance_drivers import (
    Cli,
    Driver,
    JobRest,
    Rest,
    SlackAction,
    SlackCommand,
    SlackLogToCrm,
    SlackRated,
    Stream,
    WidgetAsk,
)

ROLES = [r for r in Role if r is not Role.system]
"""Every role a person can have; ``system`` is no one's (batch jobs), so no surface offers it."""
SURFACE_VALUE = {"cli": "cli", "api": "api", "slack": "slack", "widget": "widget", "sidebar": "sidebar",
                 "marketer": "marketer"}
"""What the audit row's ``surface`` says when that surface asked."""


@dataclass(frozen=True)
class Offer:
    driver: Driver
    audited: bool = False
    """An allowed call writes audit rows (a generated or refused output); they must name this surface."""


@dataclass(frozen=True)
class NotOffered:
    why: str


Entry = Offer | NotOffered
A, C, T = "{account}", "{contact}", "{ticket}"

SURFACES: dict[str, dict[Perm, Entry]] = {
    "api": {
        Perm.ask: Offer(Rest("POST", "/v1/ask", {"question": "What does Kaarna HR Core cost?"}), audited=True),
        Perm.search: Offer(Rest("POST", "/v1/search", {"query": "hinnoittelu", "k": 2})),
        Perm.brief: Offer(Rest("GET", f"/v1/accounts/{A}/brief?language=en"), audited=True),
        Perm.email_draft: Offer(Rest("POST", "/v1/emails/draft", {"contact_id": C}), audited=True),
        Perm.campaign: Offer(JobRest("POST", "/v1/jobs/campaign", {"segment": "all", "limit": 2}), audited=True),
        Perm.variants: Offer(Rest("POST", "/v1/variants", {"contact_id": C, "element": "subject", "n": 1}),
                             audited=True),
        Perm.next_actions: Offer(Rest("GET", f"/v1/next-actions?account_id={A}&language=en")),
        Perm.scores_read: Offer(Rest("GET", f"/v1/scores/{A}")),
        Perm.tiers_apply: Offer(Rest("POST", "/v1/tiers/apply")),
        Perm.funnel: Offer(Rest("GET", "/v1/funnel")),
        Perm.health: Offer(Rest("GET", "/v1/health-board?top=2")),
        Perm.crm_read: Offer(Rest("GET", f"/v1/crm/accounts/{A}?limit=2")),
        Perm.crm_write: Offer(Rest("POST", "/v1/crm/activities",
                                   {"account_id": A, "kind": "note", "subject": "conformance"}, idempotent=True)),
        Perm.consent_read: Offer(Rest("GET", "/v1/consents/{spare}")),
        Perm.consent_write: Offer(Rest("POST", "/v1/consents/{spare}/withdraw", {"purpose": "site_tracking"})),
        Perm.feedback: Offer(Rest("POST", "/v1/feedback", {"audit_id": "{own_answer}", "rating": "up"})),
        Perm.reply: Offer(Rest("POST", f"/v1/tickets/{T}/reply"), audited=True),
        Perm.widget: NotOffered("the widget is its own surface: staff keys are refused on /v1/widget/"),
        Perm.jobs_read: Offer(Rest("GET", "/v1/jobs")),
        Perm.maintenance: NotOffered("ingest and purge jobs are the operator's: `polku jobs ingest|purge`"),
    },
    "widget": {
        **{p: NotOffered("the widget key calls /v1/widget/ routes only") for p in Perm if p is not Perm.widget},
        Perm.widget: Offer(WidgetAsk(), audited=True),
    },
    "sidebar": {
        **{p: NotOffered("the sidebar reads the REST API for everything else") for p in Perm},
        Perm.brief: Offer(Rest("GET", f"/web/api/sidebar?account={A}")),
        Perm.reply: Offer(Stream("/web/api/sidebar/reply/stream", {"ticket_id": T}), audited=True),
    },
    "marketer": {
        **{p: NotOffered("the marketer page calls REST for variants and the funnel") for p in Perm},
        Perm.campaign: Offer(JobRest("POST", "/web/api/campaign", {"segment": "all", "limit": 2}), audited=True),
    },
    "slack": {
        **{p: NotOffered("no /polku subcommand or button") for p in Perm},
        Perm.ask: Offer(SlackCommand("ask What does Kaarna HR Core cost?"), audited=True),
        Perm.brief: Offer(SlackCommand(f"brief {A} en"), audited=True),
        Perm.email_draft: Offer(SlackCommand(f"draft {C} nurture"), audited=True),
        Perm.next_actions: Offer(SlackCommand(f"next {A}")),
        Perm.scores_read: Offer(SlackCommand(f"score {A}")),
        Perm.variants: Offer(SlackAction("polku_variant", {"kind": "variant", "arg": C, "goal": "nurture"}),
                             audited=True),
        Perm.feedback: Offer(SlackRated()),
        Perm.crm_write: Offer(SlackLogToCrm()),
    },
    "cli": {
        **{p: NotOffered("no polku command") for p in Perm},
        Perm.ask: Offer(Cli(["ask", "What does Kaarna HR Core cost?"]), audited=True),
        Perm.search: Offer(Cli(["search", "hinnoittelu", "--k", "2"], roles=frozenset({Role.admin}))),
        Perm.brief: Offer(Cli(["brief", "--account", A, "--lang", "en"]), audited=True),
        Perm.email_draft: Offer(Cli(["draft", "email", "--contact", C]), audited=True),
        Perm.campaign: Offer(Cli(["campaign", "--segment", "all", "--limit", "2", "--out", "{out}"]), audited=True),
        Perm.variants: Offer(Cli(["variants", "--contact", C, "--element", "subject", "--n", "1"]), audited=True),
        Perm.next_actions: Offer(Cli(["next-actions", "--account", A, "--lang", "en"])),
        Perm.scores_read: Offer(Cli(["score", "--account", A])),
        Perm.tiers_apply: Offer(Cli(["tiers", "--apply"])),
        Perm.funnel: Offer(Cli(["funnel"])),
        Perm.consent_read: Offer(Cli(["consent", "show", "--contact", "{spare}"], roles=frozenset({Role.admin}))),
        Perm.consent_write: Offer(Cli(["consent", "withdraw", "--contact", "{spare}", "--purpose", "site_tracking"],
                                      roles=frozenset({Role.admin}))),
        Perm.reply: Offer(Cli(["draft", "reply", "--ticket", T]), audited=True),
        Perm.jobs_read: Offer(Cli(["jobs", "list"], roles=frozenset({Role.admin}))),
        Perm.widget: Offer(Cli(["ask", "What does Kaarna HR Core cost?"], roles=frozenset({Role.visitor,
                                                                                          Role.customer})),
                           audited=True),
    },
}

CLI_COMMANDS: dict[str, tuple[Perm, ...]] = {
    "ask": (Perm.ask, Perm.widget), "search": (Perm.search,), "brief": (Perm.brief,),
    "draft email": (Perm.email_draft,), "draft reply": (Perm.reply,), "campaign": (Perm.campaign,),
    "variants": (Perm.variants,), "next-actions": (Perm.next_actions,), "score": (Perm.scores_read,),
    "tiers": (Perm.scores_read, Perm.tiers_apply), "funnel": (Perm.funnel,), "plan": (Perm.funnel,),
    "ab size": (Perm.funnel,), "consent show": (Perm.consent_read,), "consent history": (Perm.consent_read,),
    "consent set": (Perm.consent_write,), "consent withdraw": (Perm.consent_write,),
    "consent opt-out": (Perm.consent_write,), "jobs list": (Perm.jobs_read,), "jobs show": (Perm.jobs_read,),
    "jobs results": (Perm.jobs_read,), "jobs score": (Perm.scores_read,),
}
"""Every `polku` command that calls a permissioned service, and the permissions it needs."""
OPERATOR_COMMANDS = frozenset({
    "demo", "ingest", "serve", "audit", "redteam", "crm import", "crm export", "crm schema", "db upgrade",
    "db revision", "eval retrieval", "eval tasks", "eval all", "clv fit", "ab analyze", "dsar export", "dsar erase",
    "retention purge", "slack socket", "worker", "jobs ingest", "jobs purge",
})
"""Commands for whoever runs the installation (the store's files are theirs): no role of the table applies;
``ab analyze`` only does arithmetic on the numbers given."""

SLACK_ROUTES: dict[str, Perm | None] = {
    "ask": Perm.ask, "brief": Perm.brief, "draft": Perm.email_draft, "next": Perm.next_actions,
    "score": Perm.scores_read, "variant": Perm.variants,
    "polku_feedback_up": Perm.feedback, "polku_feedback_down": Perm.feedback, "polku_log_crm": Perm.crm_write,
    "polku_log_crm_confirm": Perm.crm_write, "polku_regenerate": None, "polku_variant": None, "polku_share": None,
}
"""Slack job kinds and button actions → the permission they need (None: they rerun or share a job of one's own,
whose own permission applies)."""
