"""Funnel counts from the store's frames, per campaign, channel and period.

Leads are credited to the campaign whose touch came first for that contact (first touch: the
sources use it for new customers); won deals follow their lead. Each lead and each euro is counted
once. ROMI uses the margin rate of the store's orders.
"""

from __future__ import annotations

import pandas as pd

from tools.funnel import FunnelCounts, FunnelMetrics, metrics


def margin_rate(orders: pd.DataFrame, default: float = 0.1) -> float:
    if orders.empty or orders["amount"].sum() <= 0:
        return default
    return float(orders["margin"].sum() / orders["amount"].sum())


def _first_touch(touches: pd.DataFrame) -> pd.DataFrame:
    return touches.sort_values("at", kind="stable").drop_duplicates("contact_id")[["contact_id", "campaign_id", "at"]]


def funnel_counts(campaigns: pd.DataFrame, touches: pd.DataFrame, leads: pd.DataFrame, opportunities: pd.DataFrame,
                  *, by: str = "campaign", margin: float = 0.1, ltv: pd.Series | None = None,
                  period: str | None = None) -> list[FunnelCounts]:
    """``by`` is ``campaign`` or ``channel``; ``period`` (e.g. ``Q``) splits by campaign start."""
    if campaigns.empty:
        return []
    camp = campaigns.copy()
    camp["key"] = camp["campaign_id"] if by == "campaign" else camp["channel"]
    if period:
        camp["key"] = camp["key"] + " " + camp["start_date"].dt.to_period(period).astype(str)
    ft = _first_touch(touches) if not touches.empty else pd.DataFrame(columns=["contact_id", "campaign_id", "at"])
    ld = leads.merge(ft, on="contact_id", how="inner")
    ld = ld[ld["created_at"] >= ld["at"] - pd.Timedelta(days=30)]
    ld = ld.merge(camp[["campaign_id", "key"]], on="campaign_id")
    opp = ld.merge(opportunities, on="opportunity_id", how="inner", suffixes=("", "_opp"))
    won = opp[opp["stage"] == "won"]
    cycle = (won["close_date"] - won["created_at_opp"]).dt.days.clip(lower=0)
    out = []
    for key, g in camp.groupby("key"):
        lk, ok = ld[ld["key"] == key], opp[opp["key"] == key]
        wk = won[won["key"] == key]
        accounts = wk["account_id"].unique()
        revenue = float(wk["amount"].sum())
        out.append(FunnelCounts(
            key=str(key), cost=float(g["cost"].sum()), impressions=int(g["impressions"].sum()),
            clicks=int(g["clicks"].sum()), contacts=int(touches[touches["campaign_id"].isin(g["campaign_id"])]
                                                         ["contact_id"].nunique()) if not touches.empty else 0,
            leads=len(lk), opportunities=len(ok), won=len(wk), lost=int((ok["stage"] == "lost").sum()),
            customers=len(accounts), revenue=revenue, margin=revenue * margin,
            cycle_days_total=float(cycle[wk.index].sum()) if len(wk) else 0.0,
            ltv=float(ltv.reindex(accounts).fillna(0).mean()) if ltv is not None and len(accounts) else None))
    return out


def funnel_metrics(*args: object, **kwargs: object) -> list[FunnelMetrics]:
    return [metrics(c) for c in funnel_counts(*args, **kwargs)]  # type: ignore[arg-type]
