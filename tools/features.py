"""From the store's frames to model inputs: churn features per account, lead features per lead.

Pure functions over pandas frames (as returned by ``copilot.store.repo.analytics``) and an explicit
``as_of`` time: everything after ``as_of`` is ignored, so the same code builds honest training sets
(features at a past cut-off, outcome after it) and today's scoring inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from copilot.store.repo import analytics

CHURN_NUMERIC = ["logins_4w", "usage_trend", "users_trend", "session_min_4w", "features_4w", "tickets_90d",
                 "neg_tickets_90d", "sentiment_90d", "urgent_90d", "payment_delay", "late_share", "order_trend",
                 "days_since_order", "nps", "log_annual_value", "tenure_years"]
# days to renewal is left out on purpose: in a store where churn *is* a contract that ends, it
# restates the label instead of predicting it (AUC 1.0 on the demo data).
CHURN_CATEGORICAL = ["size", "industry"]
LEAD_NUMERIC = ["log_employees", "pricing", "reference", "services", "product", "blog", "download", "webinar",
                "form_submit", "email_click", "email_open", "events_total"]
LEAD_CATEGORICAL = ["industry", "persona", "source", "size", "country"]
ENDED = ("cancelled", "churned", "ended", "expired", "terminated", "lost")


@dataclass
class Frames:
    """Everything the scorers read, loaded once."""

    accounts: pd.DataFrame
    leads: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    contracts: pd.DataFrame = field(default_factory=pd.DataFrame)
    usage: pd.DataFrame = field(default_factory=pd.DataFrame)
    tickets: pd.DataFrame = field(default_factory=pd.DataFrame)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    opportunities: pd.DataFrame = field(default_factory=pd.DataFrame)


def load(session: Session, *, account_ids: list[str] | None = None, owner: str | None = None,
         events_since: datetime | None = None) -> Frames:
    acc = analytics.accounts(session, account_ids=account_ids, owner=owner)
    ids = account_ids if owner is None else acc["account_id"].tolist()
    return Frames(
        accounts=acc, leads=analytics.leads(session, account_ids=ids),
        events=analytics.events(session, since=events_since, account_ids=ids),
        orders=analytics.orders(session, account_ids=ids), contracts=analytics.contracts(session, account_ids=ids),
        usage=analytics.usage(session, account_ids=ids), tickets=analytics.tickets(session, account_ids=ids),
        surveys=analytics.surveys(session, account_ids=ids),
        opportunities=analytics.opportunities(session, account_ids=ids))


def _mean_by(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    return df.groupby(key)[col].mean() if not df.empty else pd.Series(dtype=float)


def churn_outcome(contracts: pd.DataFrame) -> pd.DataFrame:
    """Per account: became_customer (first contract start) and churned_at (last end, when none is live)."""
    if contracts.empty:
        return pd.DataFrame(columns=["start", "churned_at"])
    c = contracts.assign(ended=contracts["status"].astype(str).str.lower().isin(ENDED))
    g = c.groupby("account_id")
    out = pd.DataFrame({"start": g["start_date"].min(), "all_ended": g["ended"].all(), "last_end": g["end_date"].max()})
    out["churned_at"] = out["last_end"].where(out["all_ended"])
    return out[["start", "churned_at"]]


def customers_at(contracts: pd.DataFrame, as_of: datetime) -> pd.Index:
    """Accounts that were paying customers at ``as_of``."""
    o = churn_outcome(contracts)
    alive = (o["start"] <= as_of) & ~(o["churned_at"] <= as_of)
    return o.index[alive.to_numpy()]


def churn_features(f: Frames, as_of: datetime, account_ids: pd.Index | list[str] | None = None) -> pd.DataFrame:
    """One row per account: usage, tickets and sentiment, payments, order trend, NPS, contract."""
    ids = pd.Index(f.accounts["account_id"] if account_ids is None else account_ids, name="account_id")
    out = pd.DataFrame(index=ids)
    acc = f.accounts.set_index("account_id")
    out["size"] = acc["size"].reindex(ids).fillna("small").astype(str)
    out["industry"] = acc["industry"].reindex(ids).fillna("other").astype(str)
    t = pd.Timestamp(as_of)
    u = f.usage[f.usage["week_start"] <= t] if not f.usage.empty else f.usage
    if not u.empty:
        recent, prior = u[u["week_start"] > t - timedelta(weeks=4)], u[(u["week_start"] <= t - timedelta(weeks=4))
                                                                       & (u["week_start"] > t - timedelta(weeks=12))]
        out["logins_4w"] = _mean_by(recent, "account_id", "logins")
        out["usage_trend"] = np.log1p(out["logins_4w"]) - np.log1p(_mean_by(prior, "account_id", "logins"))
        out["users_trend"] = (np.log1p(_mean_by(recent, "account_id", "active_users"))
                              - np.log1p(_mean_by(prior, "account_id", "active_users")))
        out["session_min_4w"] = _mean_by(recent, "account_id", "avg_session_min")
        out["features_4w"] = _mean_by(recent, "account_id", "features_used")
    tk = f.tickets
    if not tk.empty:
        tk = tk[(tk["opened_at"] <= t) & (tk["opened_at"] > t - timedelta(days=90))]
        g = tk.groupby("account_id")
        out["tickets_90d"] = g.size()
        out["neg_tickets_90d"] = tk[tk["sentiment"] < -0.3].groupby("account_id").size()
        out["sentiment_90d"] = g["sentiment"].mean()
        out["urgent_90d"] = tk[tk["priority"].isin(["high", "urgent"])].groupby("account_id").size()
    o = f.orders
    if not o.empty:
        o = o[(o["order_date"] <= t) & (o["status"] != "cancelled")]
        year = o[o["order_date"] > t - timedelta(days=365)]
        out["payment_delay"] = _mean_by(year, "account_id", "payment_delay_days")
        out["late_share"] = (year.assign(late=year["payment_delay_days"] > 14).groupby("account_id")["late"].mean()
                             if not year.empty else np.nan)
        last6 = o[o["order_date"] > t - timedelta(days=182)].groupby("account_id")["amount"].sum()
        prev6 = o[(o["order_date"] <= t - timedelta(days=182)) & (o["order_date"] > t - timedelta(days=365))
                  ].groupby("account_id")["amount"].sum()
        out["order_trend"] = np.log1p(last6.reindex(ids).fillna(0)) - np.log1p(prev6.reindex(ids).fillna(0))
        out["days_since_order"] = (t - o.groupby("account_id")["order_date"].max()).dt.days
    s = f.surveys
    if not s.empty:
        nps = s[(s["kind"] == "nps") & (s["at"] <= t)].sort_values("at").groupby("account_id")["score"].last()
        out["nps"] = nps
    c = f.contracts
    if not c.empty:
        live = c[(c["start_date"] <= t) & (c["end_date"] >= t)]
        out["log_annual_value"] = np.log1p(live.groupby("account_id")["annual_value"].sum())
        out["tenure_years"] = (t - c[c["start_date"] <= t].groupby("account_id")["start_date"].min()).dt.days / 365.25
    for col in CHURN_NUMERIC:
        if col not in out.columns:
            out[col] = np.nan
    counts = ["tickets_90d", "neg_tickets_90d", "urgent_90d"]
    out[counts] = out[counts].fillna(0)
    out[["usage_trend", "users_trend", "order_trend"]] = out[["usage_trend", "users_trend", "order_trend"]].fillna(0)
    return out[CHURN_NUMERIC + CHURN_CATEGORICAL]


_LEAD_EVENT_COLS = {"page_view:pricing": "pricing", "page_view:reference": "reference",
                    "page_view:services": "services", "page_view:product": "product", "page_view:blog": "blog",
                    "download:": "download", "webinar:": "webinar", "form_submit:": "form_submit",
                    "email_click:": "email_click", "email_open:": "email_open"}


def lead_features(leads: pd.DataFrame, events: pd.DataFrame, *, as_of: datetime | None = None,
                  after_created_days: int = 14, lookback_days: int = 180) -> pd.DataFrame:
    """Per lead: firmographics plus what the contact did.

    With ``as_of`` the window is the ``lookback_days`` before it (the demo store logs behaviour for the
    recent months only, so this is how its history can be used); without, it runs from
    ``lookback_days`` before the lead's creation to ``after_created_days`` after.
    """
    out = leads.set_index("lead_id")[["contact_id", "created_at", "industry", "persona", "source", "size",
                                      "country", "employees"]].copy()
    out["log_employees"] = np.log1p(pd.to_numeric(out["employees"], errors="coerce").fillna(0))
    cols = sorted(set(_LEAD_EVENT_COLS.values()))
    if events.empty:
        counts = pd.DataFrame(0, index=out.index, columns=cols)
    else:
        ev = events[["contact_id", "type", "page_type", "at"]]
        m = out[["contact_id", "created_at"]].reset_index().merge(ev, on="contact_id", how="inner")
        if as_of is None:
            dt = (m["at"] - m["created_at"]).dt.total_seconds() / 86400
            m = m[(dt >= -lookback_days) & (dt <= after_created_days)]
        else:
            dt = (pd.Timestamp(as_of) - m["at"]).dt.total_seconds() / 86400
            m = m[(dt >= 0) & (dt <= lookback_days)]
        key = (m["type"].astype(str) + ":" + m["page_type"].fillna("").astype(str)).map(_LEAD_EVENT_COLS)
        key = key.fillna((m["type"].astype(str) + ":").map(_LEAD_EVENT_COLS))
        m = m.assign(col=key.to_numpy())
        counts = (m.dropna(subset=["col"]).groupby(["lead_id", "col"]).size().unstack(fill_value=0)
                  .reindex(index=out.index, columns=cols, fill_value=0))
    out[cols] = np.log1p(counts.fillna(0).to_numpy(float))
    out["events_total"] = np.log1p(np.expm1(out[cols]).sum(axis=1))
    for c in LEAD_CATEGORICAL:
        out[c] = out[c].fillna("unknown").astype(str)
    return out[LEAD_NUMERIC + LEAD_CATEGORICAL]
