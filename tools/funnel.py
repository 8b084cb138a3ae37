"""Funnel and money metrics: CTR, CPC, CPL, CPA, CAC, LTV, CAC:LTV, ROMI, win rate, deal size, cycle.

Pure arithmetic over counted inputs. A ratio whose denominator is zero is ``None`` (shown as "–"),
never NaN or infinity. ROMI is on margin, not revenue: ``(margin − cost) / cost``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

HEALTHY_LTV_TO_CAC = (5.0, 10.0)
"""The sources: CAC:LTV of 1:5-1:10 is healthy."""


class FunnelCounts(BaseModel):
    key: str
    """Campaign id or channel (with the period when split by one)."""
    label: str = ""
    """What a person reads: the campaign's name or the channel."""
    channel: str = ""
    cost: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    impressions: int = Field(default=0, ge=0)
    clicks: int = Field(default=0, ge=0)
    visits: int = Field(default=0, ge=0)
    contacts: int = Field(default=0, ge=0)
    leads: int = Field(default=0, ge=0)
    opportunities: int = Field(default=0, ge=0)
    won: int = Field(default=0, ge=0)
    lost: int = Field(default=0, ge=0)
    customers: float = Field(default=0, ge=0)
    """New customers credited (first touch: whole customers)."""
    revenue: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Won revenue credited (new and existing customers)."""
    deals: float = Field(default=0.0, ge=0)
    """Won deals credited (shares of a deal split over campaigns add up to one)."""
    margin: float = Field(default=0.0, allow_inf_nan=False)
    cycle_days_total: float = Field(default=0.0, ge=0)
    """Sum of days from opportunity creation to close over won deals (for the average cycle)."""
    ltv: float | None = None
    """Lifetime value of a new customer from this source: its average first-year deal × the lifetime factor."""


class FunnelMetrics(BaseModel):
    key: str
    label: str
    channel: str
    cost: float
    impressions: int
    clicks: int
    leads: int
    won: int
    lost: int
    customers: float
    revenue: float
    margin: float
    ctr: float | None
    cpc: float | None
    cpl: float | None
    cpa: float | None
    """Cost per won deal (acquisition)."""
    cac: float | None
    """Cost per new customer."""
    ltv: float | None
    ltv_to_cac: float | None
    ltv_to_cac_health: str
    romi: float | None
    win_rate: float | None
    avg_deal: float | None
    sales_cycle_days: float | None
    lead_to_customer: float | None


def ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def romi(*, margin: float, cost: float) -> float | None:
    """Return on marketing investment on margin: (margin − cost) / cost."""
    return ratio(margin - cost, cost)


def ltv_cac_health(value: float | None) -> str:
    if value is None:
        return "unknown"
    lo, hi = HEALTHY_LTV_TO_CAC
    if value < 1:
        return "losing money"
    if value < lo:
        return "too expensive"
    if value <= hi:
        return "healthy"
    return "under-invested"


def metrics(c: FunnelCounts) -> FunnelMetrics:
    """The ratios of one row; a row without cost (the unattributed deals) has no cost ratios at all."""
    cost_ratio = (lambda den: ratio(c.cost, den)) if c.cost else (lambda den: None)
    cac = cost_ratio(c.customers)
    ltv_to_cac = ratio(c.ltv, cac) if (c.ltv is not None and cac) else None
    return FunnelMetrics(
        key=c.key, label=c.label or c.key, channel=c.channel, cost=c.cost, impressions=c.impressions,
        clicks=c.clicks, leads=c.leads, won=c.won, lost=c.lost, customers=c.customers, revenue=c.revenue,
        margin=c.margin, ctr=ratio(c.clicks, c.impressions), cpc=cost_ratio(c.clicks),
        cpl=cost_ratio(c.leads), cpa=cost_ratio(c.won), cac=cac, ltv=c.ltv, ltv_to_cac=ltv_to_cac,
        ltv_to_cac_health=ltv_cac_health(ltv_to_cac), romi=romi(margin=c.margin, cost=c.cost) if c.cost else None,
        win_rate=ratio(c.won, c.won + c.lost), avg_deal=ratio(c.revenue, c.deals),
        sales_cycle_days=ratio(c.cycle_days_total, c.won), lead_to_customer=ratio(c.customers, c.leads),
    )
