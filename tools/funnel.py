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
    """Campaign id, channel or period label."""
    cost: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    impressions: int = Field(default=0, ge=0)
    clicks: int = Field(default=0, ge=0)
    visits: int = Field(default=0, ge=0)
    contacts: int = Field(default=0, ge=0)
    leads: int = Field(default=0, ge=0)
    opportunities: int = Field(default=0, ge=0)
    won: int = Field(default=0, ge=0)
    lost: int = Field(default=0, ge=0)
    customers: int = Field(default=0, ge=0)
    revenue: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    margin: float = Field(default=0.0, allow_inf_nan=False)
    cycle_days_total: float = Field(default=0.0, ge=0)
    """Sum of days from opportunity creation to close over won deals (for the average cycle)."""
    ltv: float | None = None
    """Average lifetime value of a customer from this source, when known."""


class FunnelMetrics(BaseModel):
    key: str
    cost: float
    impressions: int
    clicks: int
    leads: int
    customers: int
    revenue: float
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
    cac = ratio(c.cost, c.customers)
    ltv_to_cac = ratio(c.ltv, cac) if (c.ltv is not None and cac) else None
    return FunnelMetrics(
        key=c.key, cost=c.cost, impressions=c.impressions, clicks=c.clicks, leads=c.leads, customers=c.customers,
        revenue=c.revenue, ctr=ratio(c.clicks, c.impressions), cpc=ratio(c.cost, c.clicks),
        cpl=ratio(c.cost, c.leads), cpa=ratio(c.cost, c.won), cac=cac, ltv=c.ltv, ltv_to_cac=ltv_to_cac,
        ltv_to_cac_health=ltv_cac_health(ltv_to_cac), romi=romi(margin=c.margin, cost=c.cost) if c.cost else None,
        win_rate=ratio(c.won, c.won + c.lost), avg_deal=ratio(c.revenue, c.won),
        sales_cycle_days=ratio(c.cycle_days_total, c.won), lead_to_customer=ratio(c.customers, c.leads),
    )
