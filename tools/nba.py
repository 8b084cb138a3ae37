"""Next best action per account and per rep: ranked by urgency and value, each with its reason and owner.

The order the sources give: a renewal at risk comes first (the term ends soon, the churn model
says the account may leave, and the contract is worth a lot), then a support ticket past its tier's
reply target, then a hot lead waiting more than 24 hours; then routine renewals, interest signals
and retention calls; then nurture and content. Within each group the action with the larger
expected value × urgency comes first. Expected values are rough euros *of this account* (its
contract, CLV or typical deal), shown with their formula; they rank, they do not forecast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tools.churn import ChurnDriver
from tools.nba_rules import (
    CONTENT_BY_STAGE,
    INTENT_PAGES,
    RISK_BAND,
    SAVE_RATE,
    customer_actions,
    lead_actions,
    ticket_actions,
)

__all__ = [
    "CONTENT_BY_STAGE",
    "INTENT_PAGES",
    "RISK_BAND",
    "SAVE_RATE",
    "AccountSignals",
    "Action",
    "for_owner",
    "next_actions",
]

Kind = Literal["renewal_at_risk", "sla_breach", "contact_lead", "renewal", "retention", "upsell_interest",
               "reactivation", "nurture", "content"]
GROUP: dict[str, int] = {"renewal_at_risk": 0, "sla_breach": 1, "contact_lead": 2, "renewal": 3, "retention": 3,
                         "upsell_interest": 3, "reactivation": 3, "nurture": 4, "content": 4}
"""Rank of each kind of action: the sources' order of urgency."""


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
    end_date: datetime
    renewal_date: datetime
    """When notice must be given (before the end)."""
    annual_value: float


class TicketSignal(BaseModel):
    ticket_id: str
    subject: str
    contact_name: str = ""
    opened_at: datetime
    first_reply_at: datetime | None = None
    sentiment: float = 0.0


class AccountSignals(BaseModel):
    account_id: str
    name: str
    owner: str
    owner_name: str = ""
    is_customer: bool = False
    was_customer: bool = False
    clv: float = 0.0
    churn_probability: float | None = None
    churn_driver: ChurnDriver | None = None
    """The account's top churn driver, for the reason of a save action."""
    tier: str | None = None
    reply_hours: int = 24
    """The tier's first-reply target."""
    typical_deal: float = 10_000.0
    """A first-year deal of an account of this size (the store's average)."""
    win_rate: float = 0.3
    leads: list[LeadSignal] = Field(default_factory=list)
    contacts: list[ContactSignal] = Field(default_factory=list)
    visits: list[PageVisit] = Field(default_factory=list)
    contracts: list[ContractSignal] = Field(default_factory=list)
    tickets: list[TicketSignal] = Field(default_factory=list)
    """Open tickets."""


class Action(BaseModel):
    account_id: str
    account_name: str
    kind: Kind
    title: str
    reason: str
    expected_value: float
    """Euros of this account, for ranking only: see ``value_basis``."""
    value_basis: str
    owner: str
    owner_name: str
    """Who does it: the rep's name, or ``marketing``."""
    contact_name: str = ""
    """The customer's person the action is about, when there is one."""
    due: datetime
    overdue: bool = False
    flag: Literal["red", "amber", "none"] = "none"
    priority: float = 0.0
    """Expected value × urgency: the order within a group."""
    record_id: str | None = None
    driver: ChurnDriver | None = None
    """The churn driver behind a save action (its figures, for other languages)."""
    facts: dict[str, float | str] = Field(default_factory=dict)
    """The values in ``title``, ``reason`` and ``value_basis`` (numbers as numbers, dates as ISO text,
    ``case`` names the reason's wording), so a surface words the action in its reader's language;
    those three fields are the English text."""


FLAG = {"red": 0, "amber": 1, "none": 2}


def sort_key(a: Action) -> tuple[int, int, float, datetime]:
    """By group, then red before amber before the rest (a term ending in six days before one in three
    months), then expected value × urgency."""
    return GROUP[a.kind], FLAG[a.flag], -a.priority, a.due


def next_actions(s: AccountSignals, now: datetime, *, limit: int = 10) -> list[Action]:
    """The account's actions, most urgent and valuable first."""
    actions = [Action(**a) for a in
               customer_actions(s, now) + ticket_actions(s, now) + lead_actions(s, now)]
    actions.sort(key=sort_key)
    return actions[:limit]


def for_owner(signals: list[AccountSignals], owner: str, now: datetime, *, limit: int = 10) -> list[Action]:
    """A rep's list across their accounts (marketing's content and nurture actions left out)."""
    actions = [a for s in signals if s.owner == owner for a in next_actions(s, now, limit=50) if a.owner == owner]
    actions.sort(key=sort_key)
    return actions[:limit]
