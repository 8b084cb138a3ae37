"""Reverse planning: from a revenue target back to the leads and the budget by channel.

The book's worked example (Smart Rekry): last year 1.0 M€, growth 10 % → 1.1 M€ at 5,000 € per
licence → 220 licences; 150 renewals + 20 upsell leave 50 new licences; 2 licences per customer → 25
customers; half the opportunities win → 50 opportunities; half the leads become opportunities →
100 leads; sales prospect 25 themselves → marketing owes 75, bought from channels by their CPL
(AdWords 15 × 133 €, seminars 10 × 200 €, fair 10 × 500 €, LinkedIn 40 × 175 € = 16,000 €).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field, model_validator

from copilot.core.errors import PolkuError
from copilot.core.locale import money, number, percent

EN = "en"


class ChannelPlan(BaseModel):
    name: str
    cpl: float = Field(gt=0, allow_inf_nan=False)
    """Cost per lead in the channel (history: cost / leads)."""
    max_leads: int | None = Field(default=None, ge=0)
    """What the channel can deliver at most (None: scales)."""
    committed_leads: int = Field(default=0, ge=0)
    """Leads already booked regardless of price (events you will not skip)."""

    @model_validator(mode="after")
    def _committed_within_cap(self) -> ChannelPlan:
        if self.max_leads is not None and self.committed_leads > self.max_leads:
            raise ValueError("committed leads exceed the channel's maximum")
        return self


class PlanInput(BaseModel):
    revenue_target: float = Field(gt=0, allow_inf_nan=False)
    licence_price: float = Field(gt=0, allow_inf_nan=False)
    renewal_licences: int = Field(default=0, ge=0)
    upsell_licences: int = Field(default=0, ge=0)
    licences_per_customer: float = Field(default=1.0, gt=0)
    win_rate: float = Field(gt=0, le=1)
    """Share of opportunities that close."""
    lead_to_opportunity: float = Field(gt=0, le=1)
    sales_prospected_leads: int = Field(default=0, ge=0)
    sales_prospected_share: float | None = Field(default=None, ge=0, lt=1)
    """When given, sales prospect this share of the leads needed themselves (instead of a fixed number)."""
    channels: list[ChannelPlan] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)
    """Where each input came from (the store's history, or the book's example when the store has none)."""


class ChannelAllocation(BaseModel):
    name: str
    leads: int
    cpl: float
    budget: float


class Plan(BaseModel):
    licences: int
    new_licences: int
    customers: int
    opportunities: int
    leads: int
    marketing_leads: int
    allocation: list[ChannelAllocation]
    budget: float
    unfilled_leads: int
    """Leads no channel could supply (0 when the channels suffice)."""
    steps: list[str]
    sources: dict[str, str] = Field(default_factory=dict)


def _ceil(value: float) -> int:
    # 1e-9 guards against 50.000000001 becoming 51 from float noise
    return math.ceil(value - 1e-9)


def allocate(leads: int, channels: list[ChannelPlan]) -> tuple[list[ChannelAllocation], int]:
    """Committed leads first, then the cheapest channels up to their capacity."""
    take = {c.name: min(c.committed_leads, leads) for c in channels}
    remaining = leads - sum(take.values())
    for ch in sorted(channels, key=lambda c: c.cpl):
        if remaining <= 0:
            break
        room = remaining if ch.max_leads is None else max(0, ch.max_leads - take[ch.name])
        add = min(room, remaining)
        take[ch.name] += add
        remaining -= add
    rows = [ChannelAllocation(name=c.name, leads=take[c.name], cpl=round(c.cpl, 2),
                              budget=round(take[c.name] * c.cpl, 2))
            for c in channels if take[c.name]]
    return rows, max(0, remaining)


def plan(inp: PlanInput) -> Plan:
    licences = _ceil(inp.revenue_target / inp.licence_price)
    new = licences - inp.renewal_licences - inp.upsell_licences
    if new < 0:
        raise PolkuError("invalid", "renewals and upsell already exceed the target: no new sales needed")
    customers = _ceil(new / inp.licences_per_customer)
    opps = _ceil(customers / inp.win_rate)
    leads = _ceil(opps / inp.lead_to_opportunity)
    prospected = (round(leads * inp.sales_prospected_share) if inp.sales_prospected_share is not None
                  else inp.sales_prospected_leads)
    marketing = max(0, leads - prospected)
    allocation, unfilled = allocate(marketing, inp.channels)
    budget = round(sum(a.budget for a in allocation), 2)
    steps = [
        f"{money(inp.revenue_target, EN)} ÷ {money(inp.licence_price, EN)} a licence → {number(licences, EN)} licences",
        f"− {number(inp.renewal_licences, EN)} renewed − {number(inp.upsell_licences, EN)} upsold → "
        f"{number(new, EN)} new licences",
        f"÷ {number(inp.licences_per_customer, EN, 1 if inp.licences_per_customer % 1 else 0)} licences a customer → "
        f"{number(customers, EN)} new customers",
        f"÷ win rate {percent(inp.win_rate, EN)} → {number(opps, EN)} opportunities",
        f"÷ lead → opportunity {percent(inp.lead_to_opportunity, EN)} → {number(leads, EN)} leads",
        f"− {number(prospected, EN)} prospected by sales → {number(marketing, EN)} leads from marketing",
        f"bought at each channel's CPL → budget {money(budget, EN)}"
        + (f" ({number(unfilled, EN)} leads no channel can supply)" if unfilled else ""),
    ]
    return Plan(licences=licences, new_licences=new, customers=customers, opportunities=opps, leads=leads,
                marketing_leads=marketing, allocation=allocation, budget=budget, unfilled_leads=unfilled,
                steps=steps, sources=inp.sources)


BOOK = "the book's example (Smart Rekry)"


def book_example() -> PlanInput:
    """The Smart Rekry example of the book (seed 003), used as the default of `polku plan`."""
    return PlanInput(
        revenue_target=1_100_000, licence_price=5_000, renewal_licences=150, upsell_licences=20,
        licences_per_customer=2, win_rate=0.5, lead_to_opportunity=0.5, sales_prospected_leads=25,
        channels=[
            ChannelPlan(name="google_ads", cpl=2000 / 15, max_leads=15),
            ChannelPlan(name="breakfast_seminars", cpl=200, max_leads=10, committed_leads=10),
            ChannelPlan(name="trade_fair", cpl=500, max_leads=10, committed_leads=10),
            ChannelPlan(name="linkedin", cpl=175),
        ],
        sources={k: BOOK for k in ("revenue target", "licence price", "renewals", "upsell", "licences per customer",
                                   "win rate", "lead to opportunity", "prospected by sales", "channels")},
    )
