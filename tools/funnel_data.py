"""Funnel, attribution and ROMI from the store's frames: per campaign, channel and period.

Attribution follows the sources. A won deal that made a new customer credits the campaign of the
first touch any of the account's people had before it closed (first touch); a won deal with an
existing customer is split over the touches of its last 90 days by time decay (half-life 14 days).
Every won euro is credited exactly once: a deal without a touch goes to ``unattributed``, which the
report shows, so the rows add up to the store's won revenue. Leads are credited to the campaign
that first touched their person before the lead came in (for CPL). The vectorised pandas here does
what ``tools.attribution`` does one conversion at a time (the tests check they agree).
"""

from __future__ import annotations

import re
from datetime import timedelta

import numpy as np
import pandas as pd

from copilot.core.errors import PolkuError
from tools.attribution import UNATTRIBUTED
from tools.funnel import FunnelCounts

EXISTING_WINDOW = timedelta(days=90)
HALF_LIFE_DAYS = 14.0
SPLITS = {"M": "M", "Q": "Q", "Y": "Y"}
"""A period given as M, Q or Y splits every row by month, quarter or year of the campaign's start."""
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?$")


def margin_rate(orders: pd.DataFrame, default: float = 0.1) -> float:
    if orders.empty or orders["amount"].sum() <= 0:
        return default
    return float(orders["margin"].sum() / orders["amount"].sum())


def parse_period(text: str | None) -> tuple[str | None, pd.Period | None]:
    """``(split, period)``: ``M``/``Q``/``Y`` split the rows; ``2026``, ``2026-Q3`` or ``2026-11`` keep
    the campaigns that started in that year, quarter or month."""
    if text is None or text == "":
        return None, None
    text = text.strip().upper()
    if text in SPLITS:
        return SPLITS[text], None
    m = _PERIOD.match(text)
    if not m:
        raise PolkuError("invalid", f"period {text!r}: give a year (2026), a quarter (2026-Q3), a month (2026-11), "
                                    "or M, Q or Y to split by month, quarter or year")
    freq = "Y" if m.group(2) is None else "Q" if m.group(2).startswith("Q") else "M"
    return None, pd.Period(text, freq=freq)


def won_deals(opportunities: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """Won deals: opportunity_id, account_id, amount, close_date, new (the account's first won deal, made
    before or when its first contract started)."""
    cols = ["opportunity_id", "account_id", "amount", "close_date", "new"]
    if opportunities.empty:
        return pd.DataFrame(columns=cols)
    won = opportunities[opportunities["stage"] == "won"].sort_values(["close_date", "opportunity_id"], kind="stable")
    won = won[["opportunity_id", "account_id", "amount", "close_date"]].copy()
    first = ~won["account_id"].duplicated()
    if not contracts.empty:
        start = contracts.groupby("account_id")["start_date"].min().reindex(won["account_id"]).to_numpy()
        before = pd.isna(start) | (won["close_date"].to_numpy() <= start + np.timedelta64(30, "D"))
        first &= before
    won["new"] = first.to_numpy()
    return won.reset_index(drop=True)[cols]


def credits(deals: pd.DataFrame, touches: pd.DataFrame, *, half_life_days: float = HALF_LIFE_DAYS) -> pd.DataFrame:
    """One row per (deal, campaign) credited: opportunity_id, campaign_id, share; shares of a deal add up to 1."""
    cols = ["opportunity_id", "campaign_id", "share"]
    if deals.empty:
        return pd.DataFrame(columns=cols)
    t = touches[["account_id", "campaign_id", "at"]] if not touches.empty else pd.DataFrame(
        columns=["account_id", "campaign_id", "at"])
    pairs = deals[["opportunity_id", "account_id", "close_date", "new"]].merge(t, on="account_id")
    pairs["at"] = pd.to_datetime(pairs["at"])  # an empty touch table has no dtype to keep
    pairs = pairs[pairs["at"] <= pairs["close_date"] + pd.Timedelta(days=1)]
    first = pairs[pairs["new"]].sort_values(["opportunity_id", "at", "campaign_id"], kind="stable")
    first = first.drop_duplicates("opportunity_id").assign(share=1.0)
    late = pairs[~pairs["new"] & (pairs["at"] > pairs["close_date"] - EXISTING_WINDOW)].copy()
    age = (late["close_date"] + pd.Timedelta(days=1) - late["at"]).dt.total_seconds() / 86400
    late["share"] = 0.5 ** (age / half_life_days)
    late["share"] /= late.groupby("opportunity_id")["share"].transform("sum")
    late = late.groupby(["opportunity_id", "campaign_id"], as_index=False)["share"].sum()
    out = pd.concat([first[cols], late[cols]], ignore_index=True)
    missing = deals.loc[~deals["opportunity_id"].isin(out["opportunity_id"]), ["opportunity_id"]]
    return pd.concat([out, missing.assign(campaign_id=UNATTRIBUTED, share=1.0)], ignore_index=True)


def lead_credits(leads: pd.DataFrame, touches: pd.DataFrame) -> pd.Series:
    """lead_id → the campaign whose touch reached the lead's person first, before the lead came in."""
    if leads.empty or touches.empty:
        return pd.Series(dtype=object)
    pairs = leads[["lead_id", "contact_id", "created_at"]].merge(touches[["contact_id", "campaign_id", "at"]],
                                                                 on="contact_id")
    pairs = pairs[pairs["at"] <= pairs["created_at"]].sort_values(["lead_id", "at"], kind="stable")
    return pairs.drop_duplicates("lead_id").set_index("lead_id")["campaign_id"]


def _keys(campaigns: pd.DataFrame, by: str, split: str | None) -> pd.DataFrame:
    camp = campaigns.copy()
    camp["key"] = camp["campaign_id"] if by == "campaign" else camp["channel"]
    camp["label"] = camp["name"] if by == "campaign" else camp["channel"]
    if split:
        when = " " + camp["start_date"].dt.to_period(split).astype(str)
        camp["key"], camp["label"] = camp["key"] + when, camp["label"] + when
    return camp


def funnel_counts(campaigns: pd.DataFrame, touches: pd.DataFrame, leads: pd.DataFrame, opportunities: pd.DataFrame,
                  contracts: pd.DataFrame, *, by: str = "channel", margin: float = 0.1, lifetime_factor: float = 1.0,
                  period: str | None = None, names: dict[str, str] | None = None
                  ) -> tuple[list[FunnelCounts], pd.DataFrame]:
    """The counts of every row, and the credited deals behind them (one row per deal and campaign)."""
    if by not in ("channel", "campaign"):
        raise PolkuError("invalid", "group the funnel by 'channel' or 'campaign'")
    split, only = parse_period(period)
    if campaigns.empty:
        return [], pd.DataFrame()
    camp = _keys(campaigns, by, split)
    if only is not None:
        camp = camp[camp["start_date"].dt.to_period(only.freqstr) == only]
    deals = won_deals(opportunities, contracts)
    cr = credits(deals, touches).merge(deals, on="opportunity_id")
    cr["revenue"] = cr["amount"] * cr["share"]
    cr["customers"] = np.where(cr["new"], cr["share"], 0.0)
    cr = cr.merge(camp[["campaign_id", "key", "label", "channel"]], on="campaign_id", how="left")
    cr["account_name"] = cr["account_id"].map(names or {}).fillna(cr["account_id"])
    lc = lead_credits(leads, touches)
    ld = leads.assign(campaign_id=leads["lead_id"].map(lc)).merge(camp[["campaign_id", "key"]], on="campaign_id")
    op = ld.merge(opportunities[["opportunity_id", "stage", "created_at", "close_date"]], on="opportunity_id",
                  suffixes=("", "_opp"))
    out = []
    for key, g in camp.groupby("key", sort=True):
        c, lk, ok = cr[cr["key"] == key], ld[ld["key"] == key], op[op["key"] == key]
        won = ok[ok["stage"] == "won"]
        new = c[c["new"]]
        out.append(FunnelCounts(
            key=str(key), label=str(g["label"].iloc[0]), channel=str(g["channel"].iloc[0]),
            cost=float(g["cost"].sum()), impressions=int(g["impressions"].sum()), clicks=int(g["clicks"].sum()),
            contacts=int(touches[touches["campaign_id"].isin(g["campaign_id"])]["contact_id"].nunique())
            if not touches.empty else 0,
            leads=len(lk), opportunities=len(ok), won=len(won), lost=int((ok["stage"] == "lost").sum()),
            customers=float(new["share"].sum()), revenue=float(c["revenue"].sum()), deals=float(c["share"].sum()),
            margin=float(c["revenue"].sum()) * margin,
            cycle_days_total=float((won["close_date"] - won["created_at_opp"]).dt.days.clip(lower=0).sum()),
            ltv=float((new["amount"] * new["share"]).sum() / new["share"].sum()) * lifetime_factor
            if new["share"].sum() > 0 else None))
    if only is None and not split:
        rest = cr[cr["campaign_id"] == UNATTRIBUTED]
        out.append(FunnelCounts(key=UNATTRIBUTED, label="no campaign", channel=UNATTRIBUTED,
                                leads=int(leads["lead_id"].isin(lc.index).__invert__().sum()),
                                customers=float(rest["customers"].sum()), revenue=float(rest["revenue"].sum()),
                                deals=float(rest["share"].sum()),
                                margin=float(rest["revenue"].sum()) * margin))
    keep = cr["key"].notna() | (cr["campaign_id"] == UNATTRIBUTED) if only is None else cr["key"].notna()
    return out, cr[keep]
