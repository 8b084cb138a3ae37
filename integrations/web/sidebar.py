"""The support sidebar's account card: assembled from the service functions, plus the escalation hint.

Nothing here scores, retrieves or prompts: the card is the account card, the scores, the consents,
the tier's service level and the next actions side by side, found from a ticket, an e-mail or an account.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from copilot.consent import registry
from copilot.core.context import AppContext
from copilot.core.domain import Purpose, Tier
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor
from copilot.core.store.models import Ticket
from copilot.core.store.repo import crm_records, dsar
from copilot.tasks import next_actions as nba_task
from copilot.tasks import score_words
from copilot.tasks.reply import Escalation, escalation
from tools import churn, leadscore, records, service, tiers

OPEN = ("open", "pending")


class Sidebar(BaseModel):
    account: dict[str, Any]
    contact: dict[str, Any] | None
    ticket: dict[str, Any] | None
    tier: str
    view: str
    clv: float
    owner_name: str
    """The account owner's name (``account.owner`` is the staff id)."""
    churn: churn.ChurnRisk | None
    churn_text: str
    """The risk and its drivers in the reader's words."""
    explanations: dict[str, str]
    """One line per figure on how it was computed (``clv``, ``churn``, ``lead``, ``tier``), shown as tooltips."""
    lead: leadscore.LeadScore | None
    """The account's best open lead, if it has one."""
    service_level: tiers.ServiceLevel
    reply_due: datetime | None
    """When the open ticket's first reply is due by the tier's target (None once answered, or no ticket)."""
    consents: list[registry.ConsentView]
    purposes: list[str]
    """Every purpose, so the page can show the ones with nothing on record too."""
    interactions: list[records.TimelineItem]
    open_tickets: list[dict[str, Any]]
    next_actions: nba_task.ExplainedActions
    escalation: Escalation


def _explanations(scores: service.AccountScores, lang: str) -> dict[str, str]:
    risk = scores.churn
    level = tiers.SERVICE_MATRIX[Tier(scores.tier)]
    return {
        "clv": score_words.value_explain(scores.value, risk.probability if risk else None, lang),
        "churn": score_words.risk_explain(risk, lang, risk.trained_on if risk else None),
        "lead": "Lead score = fit (size, industry, role) + behaviour (visits, downloads, clicks; fading with a "
                "half-life); over 100 points goes to sales.",
        "tier": f"Value tier by CLV rank: VIP top 10 %, premium next 20 %, standard 60 %, basic 10 %; this tier "
                f"answers within {level.reply_within_hours} h.",
    }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _resolve(ctx: AppContext, *, ticket: str | None, email: str | None,
             account: str | None) -> tuple[str, str | None, Ticket | None]:
    with ctx.db.session() as s:
        if ticket:
            found = crm_records.get(s, model=Ticket, ident=ticket)
            if found is None:
                raise not_found("ticket", ticket)
            s.expunge(found)
            return found.account_id, found.contact_id, found
        if email:
            contact = dsar.find_contact(s, email=email)
            if contact is None:
                raise PolkuError("not_found", f"no contact with the e-mail {email}")
            return contact.account_id, contact.id, None
    if account:
        return account, None, None
    raise PolkuError("invalid", "open the sidebar with ?ticket=ID, ?email=ADDRESS or ?account=ID")


def sidebar(ctx: AppContext, actor: Actor, *, ticket: str | None = None, email: str | None = None,
            account: str | None = None, language: str = "en", now: datetime | None = None) -> Sidebar:
    account_id, contact_id, tkt = _resolve(ctx, ticket=ticket, email=email, account=account)
    card = records.account_card(ctx, actor, account_id, limit=10)
    scores = service.score_account(ctx, actor, account_id, now=now)
    if contact_id is None and card.contacts:
        contact_id = str(card.contacts[0]["id"])
    contact = next((c for c in card.contacts if c["id"] == contact_id), None)
    level = tiers.SERVICE_MATRIX[Tier(scores.tier)]
    at = _aware(now or datetime.now(UTC))
    reply_due = overdue = None
    if tkt is not None and tkt.status in OPEN and tkt.first_reply_at is None:
        reply_due = _aware(tkt.opened_at) + timedelta(hours=level.reply_within_hours)
        overdue = reply_due < at
    hint = escalation(scores.tier, sentiment=tkt.sentiment if tkt else None,
                      churn_band=scores.churn.band if scores.churn else None, overdue=bool(overdue))
    ticket_row = None
    if tkt is not None:
        ticket_row = {k: getattr(tkt, k) for k in ("id", "subject", "body", "status", "priority", "sentiment",
                                                    "opened_at", "first_reply_at", "channel")}
    risk = scores.churn
    return Sidebar(
        account=card.account, contact=contact, ticket=ticket_row, tier=scores.tier, view=scores.view,
        clv=scores.clv, owner_name=scores.owner_name, churn=risk,
        churn_text=score_words.reasons(risk, language) if risk else "",
        explanations=_explanations(scores, language),
        lead=max(scores.leads, key=lambda ls: ls.score) if scores.leads else None,
        service_level=level, reply_due=reply_due,
        consents=registry.current(ctx, contact_id) if contact_id else [],
        purposes=[p.value for p in Purpose],
        interactions=card.timeline[:8],
        open_tickets=[t for t in card.tickets if t.get("status") in OPEN],
        next_actions=nba_task.next_actions(ctx, actor, account_id=account_id, language=language, now=now),
        escalation=hint,
    )
