"""Next best action per account and per rep: ranked actions with reason, expected value, owner, due.

The rules come from the sources: contact a new lead within 24 hours (older uncontacted leads are
red); a customer looking at pricing, services or reference pages alerts the owner; prepare the
renewal before the contract ends; a high-value account at churn risk gets a person, not an
automated mail; low scores go to nurture; the next content follows persona × journey stage.
Expected value is a rough euro figure used only to rank; it is shown with its formula.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

SLA_HOURS = 24
RENEWAL_WINDOW_DAYS = 90
SAVE_RATE = 0.3
"""Share of at-risk value a personal intervention is assumed to keep (a guess to refine with data)."""
INTENT_PAGES = ("pricing", "services", "reference")

CONTENT_BY_STAGE = {
    "awareness": ("blog post or short video that challenges the status quo, guide as the call to action",
                  "guide"),
    "consideration": ("how-to guide, white paper or webinar invitation", "webinar"),
    "decision": ("customer reference story, brochure or ROI calculator", "reference"),
    "customership": ("use-case tips and new-feature news for onboarding and adoption", "use_case"),
}
TECHNICAL_PERSONAS = {"cio"}


class LeadSignal(BaseModel):
    lead_id: str
    contact_name: str
    created_at: datetime
    status: str
    contacted_at: datetime | None = None
    score: float = 0.0
    route: str = "nurture"
    conversion_probability: float | None = None


class ContactSignal(BaseModel):
    contact_id: str
    name: str
    persona: str
    journey_stage: str


class PageVisit(BaseModel):
    contact_id: str | None
    page_type: str
    at: datetime


class ContractSignal(BaseModel):
    contract_id: str
    product: str
    renewal_date: datetime
    annual_value: float


class AccountSignals(BaseModel):
    account_id: str
    name: str
    owner: str
    is_customer: bool = False
    clv: float = 0.0
    churn_probability: float | None = None
    tier: str | None = None
    avg_deal: float = 10_000.0
    leads: list[LeadSignal] = Field(default_factory=list)
    contacts: list[ContactSignal] = Field(default_factory=list)
    visits: list[PageVisit] = Field(default_factory=list)
    contracts: list[ContractSignal] = Field(default_factory=list)


class Action(BaseModel):
    account_id: str
    kind: Literal["contact_lead", "reactivation", "renewal", "human_outreach", "nurture", "content"]
    title: str
    reason: str
    expected_value: float
    """Euros, for ranking only: see ``value_basis``."""
    value_basis: str
    owner: str
    due: datetime
    overdue: bool = False
    flag: Literal["red", "amber", "none"] = "none"
    record_id: str | None = None
    facts: dict[str, str] = Field(default_factory=dict)
    """The values in ``title``, ``reason`` and ``value_basis`` (``case`` names the reason's wording), so
    a surface can word the action in its reader's language; those three fields are the English text."""


def _lead_actions(s: AccountSignals, now: datetime) -> list[Action]:
    out = []
    for lead in s.leads:
        p = lead.conversion_probability if lead.conversion_probability is not None else min(1.0, lead.score / 200)
        if lead.status == "no_action":
            due = lead.created_at + timedelta(hours=SLA_HOURS)
            late = now > due
            hours = (now - lead.created_at).total_seconds() / 3600
            left = max(0.0, SLA_HOURS - hours)
            out.append(Action(
                account_id=s.account_id, kind="contact_lead", record_id=lead.lead_id, owner=s.owner, due=due,
                title=f"Call {lead.contact_name} (new lead)", overdue=late, flag="red" if late else "amber",
                reason=(f"lead waiting {hours:.0f} h, over the 24 h contact rule" if late
                        else f"new lead, contact within 24 h ({left:.0f} h left)")
                + f"; score {lead.score:.0f}, route {lead.route}",
                expected_value=round(p * s.avg_deal, 2), value_basis=f"P(convert) {p:.2f} × average deal",
                facts={"case": "late" if late else "new", "contact": lead.contact_name, "hours": f"{hours:.0f}",
                       "left": f"{left:.0f}", "score": f"{lead.score:.0f}", "route": lead.route, "p": f"{p:.2f}"}))
        elif lead.status == "contacted" and lead.route == "nurture":
            out.append(Action(
                account_id=s.account_id, kind="nurture", record_id=lead.lead_id, owner="marketing",
                due=now + timedelta(days=3), title=f"Move {lead.contact_name} to a nurture track",
                reason=f"score {lead.score:.0f}: fit and behaviour both low; "
                "slow, helpful drip in a real person's name",
                expected_value=round(0.2 * p * s.avg_deal, 2), value_basis="0.2 × P(convert) × average deal",
                facts={"contact": lead.contact_name, "score": f"{lead.score:.0f}"}))
    return out


def _customer_actions(s: AccountSignals, now: datetime) -> list[Action]:
    out = []
    churn = s.churn_probability or 0.0
    recent = [v for v in s.visits if v.page_type in INTENT_PAGES and now - v.at <= timedelta(days=7)]
    if s.is_customer and recent:
        pages = sorted({v.page_type for v in recent})
        out.append(Action(
            account_id=s.account_id, kind="reactivation", owner=s.owner, due=now + timedelta(days=1),
            flag="amber", title=f"Reach out to {s.name}: interest signal",
            reason=f"{len(recent)} visit(s) to {', '.join(pages)} pages in the last 7 days",
            expected_value=round(0.15 * s.avg_deal, 2), value_basis="0.15 × average deal (upsell/renewal interest)",
            facts={"name": s.name, "count": str(len(recent)), "pages": ",".join(pages)}))
    for c in s.contracts:
        days = (c.renewal_date - now).days
        if -30 <= days <= RENEWAL_WINDOW_DAYS:
            out.append(Action(
                account_id=s.account_id, kind="renewal", record_id=c.contract_id, owner=s.owner,
                due=max(now, c.renewal_date - timedelta(days=30)), overdue=days < 0,
                flag="red" if days < 14 else "none",
                title=f"Prepare the renewal of {c.product}",
                reason=f"renews in {days} days ({c.annual_value:,.0f} € a year)" if days >= 0
                else f"renewal date passed {-days} days ago",
                expected_value=round(c.annual_value * (1 - churn), 2),
                value_basis=f"annual value × P(stay) {1 - churn:.2f}",
                facts={"case": "due" if days >= 0 else "passed", "product": c.product, "days": str(abs(days)),
                       "value": f"{c.annual_value:,.0f}", "stay": f"{1 - churn:.2f}"}))
    if s.is_customer and churn >= 0.3 and s.tier in ("vip", "premium"):
        out.append(Action(
            account_id=s.account_id, kind="human_outreach", owner=s.owner, due=now + timedelta(days=2), flag="red",
            title=f"Personal call to {s.name} (no automated message)",
            reason=f"high-value account with churn risk {churn:.0%}",
            expected_value=round(s.clv * churn * SAVE_RATE, 2),
            value_basis=f"CLV × churn risk × save rate {SAVE_RATE}",
            facts={"name": s.name, "churn": f"{churn:.0%}", "save": str(SAVE_RATE)}))
    return out


def _content_actions(s: AccountSignals, now: datetime, limit: int = 2) -> list[Action]:
    out = []
    for c in s.contacts[:limit]:
        what, kind = CONTENT_BY_STAGE.get(c.journey_stage, CONTENT_BY_STAGE["awareness"])
        angle = "technical detail" if c.persona in TECHNICAL_PERSONAS else "business case"
        out.append(Action(
            account_id=s.account_id, kind="content", record_id=c.contact_id, owner="marketing",
            due=now + timedelta(days=7), title=f"Send {c.name} the next {kind} content",
            reason=f"{c.persona} in {c.journey_stage}: {what}; angle: {angle}",
            expected_value=round(0.02 * s.avg_deal, 2), value_basis="0.02 × average deal",
            facts={"contact": c.name, "content": kind, "persona": c.persona, "stage": c.journey_stage,
                   "angle": "technical" if c.persona in TECHNICAL_PERSONAS else "business"}))
    return out


def next_actions(s: AccountSignals, now: datetime, *, limit: int = 10) -> list[Action]:
    """Ranked: red flags first, then by expected value."""
    actions = _lead_actions(s, now) + _customer_actions(s, now) + _content_actions(s, now)
    rank = {"red": 0, "amber": 1, "none": 2}
    actions.sort(key=lambda a: (rank[a.flag], -a.expected_value, a.due))
    return actions[:limit]


def for_owner(signals: list[AccountSignals], owner: str, now: datetime, *, limit: int = 20) -> list[Action]:
    """A rep's list across their accounts (marketing's content and nurture actions left out)."""
    actions = [a for s in signals if s.owner == owner for a in next_actions(s, now, limit=50) if a.owner == owner]
    rank = {"red": 0, "amber": 1, "none": 2}
    actions.sort(key=lambda a: (rank[a.flag], -a.expected_value, a.due))
    return actions[:limit]
