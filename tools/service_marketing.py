"""Marketing and service-health services: the funnel with attribution and ROMI, the reverse plan from the
store's own history, and the support lead's health board."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from pydantic import BaseModel, Field

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import analytics
from tools import churn, features, planner, scorecache, value
from tools.access import naive
from tools.funnel import FunnelMetrics, metrics
from tools.funnel_data import UNATTRIBUTED, funnel_counts, lead_credits, margin_rate, parse_period
from tools.health import Onboarding, ReplyCompliance, SurveyPeriod, onboarding, reply_compliance, survey_scores

FORMULAS = {
    "cpl": "CPL = cost ÷ leads the campaigns reached first",
    "customers": "new customers credited by first touch (the first campaign any of the account's people met)",
    "revenue": "won deals credited once: first touch for new customers, time decay (half-life 14 days, last 90 "
               "days) for existing ones",
    "cac": "CAC = cost ÷ new customers",
    "ltv": "LTV = average first-year deal of those new customers × the lifetime factor (the store's renewal rate, "
           "10 years, discounted at 15 %)",
    "ltv_to_cac": "LTV ÷ CAC; 5-10 is healthy (the sources' 1:5-1:10)",
    "romi": "ROMI = (margin − cost) ÷ cost, margin = credited revenue × the store's margin rate",
}


class Credit(BaseModel):
    """One won deal's share credited to one campaign (or ``unattributed``)."""

    opportunity_id: str
    account_id: str
    account_name: str
    campaign_id: str
    row: str | None
    """The report row it counts in."""
    new_customer: bool
    share: float
    revenue: float


class FunnelReport(BaseModel):
    by: str
    period: str | None
    rows: list[FunnelMetrics]
    margin_rate: float
    lifetime_factor: float
    formulas: dict[str, str] = Field(default_factory=lambda: dict(FORMULAS))
    credits: list[Credit] = Field(default_factory=list)
    """Every deal behind the rows, so each figure can be traced (``--json``)."""


def funnel(ctx: AppContext, actor: Actor, *, by: str = "channel", period: str | None = None,
           now: datetime | None = None) -> FunnelReport:
    require(actor, Perm.funnel)
    return _funnel(ctx, by=by, period=period, now=now)


def _funnel(ctx: AppContext, *, by: str = "channel", period: str | None = None, now: datetime | None = None,
            _bundle: scorecache.Bundle | None = None) -> FunnelReport:
    parse_period(period)  # a bad period is refused before anything is read
    now = naive(now)
    with ctx.db.session() as s:
        camp, tch = analytics.campaigns(s), analytics.touches(s)
        leads, opps, orders = analytics.leads(s), analytics.opportunities(s), analytics.orders(s)
        contracts, accounts = analytics.contracts(s), analytics.accounts(s)
    bundle = _bundle or scorecache.get(ctx, now)
    rate = margin_rate(orders)
    factor = float(bundle.board["lifetime_factor"].iloc[0]) if len(bundle.board) else 1.0
    names = dict(zip(accounts["account_id"], accounts["name"], strict=True))
    counts, cr = funnel_counts(camp, tch, leads, opps, contracts, by=by, margin=rate, lifetime_factor=factor,
                               period=period, names=names)
    credits = [Credit(opportunity_id=r.opportunity_id, account_id=r.account_id, account_name=r.account_name,
                      campaign_id=r.campaign_id, row=None if pd.isna(r.key) else str(r.key), new_customer=bool(r.new),
                      share=round(float(r.share), 4), revenue=round(float(r.revenue), 2))
               for r in cr.itertuples()] if len(cr) else []
    return FunnelReport(by=by, period=period, rows=[metrics(c) for c in counts], margin_rate=rate,
                        lifetime_factor=factor, credits=credits)


def plan_from_store(ctx: AppContext, actor: Actor, *, growth: float = 0.10, target: float | None = None,
                    now: datetime | None = None) -> planner.PlanInput:
    """The reverse plan's inputs from the last twelve months of the store; the book's example for what it lacks."""
    require(actor, Perm.funnel)
    now = naive(now)
    bundle = scorecache.get(ctx, now)
    year_ago = pd.Timestamp(now) - timedelta(days=365)
    with ctx.db.session() as s:
        contracts, opps = analytics.contracts(s), analytics.opportunities(s)
        leads, camp, tch = analytics.leads(s), analytics.campaigns(s), analytics.touches(s)
    book = planner.book_example()
    sources: dict[str, str] = {}
    t = pd.Timestamp(now)
    running = contracts[(contracts["start_date"] <= t) & (contracts["end_date"] >= t)] if len(contracts) else contracts
    inp = book.model_copy(update={"sources": {}})
    if len(running) and running["licences"].sum() > 0:
        arr, lic = float(running["annual_value"].sum()), float(running["licences"].sum())
        stay = 1 - bundle.board["churn_probability"].astype(float).reindex(running["account_id"]).fillna(0).to_numpy()
        first = contracts.groupby("account_id")["start_date"].min()
        new = running[running["account_id"].isin(first[first > year_ago].index)]
        upsell = opps[(opps["stage"] == "won") & (opps["close_date"] > year_ago)
                      & ~opps["account_id"].isin(new["account_id"])]
        price = arr / lic
        inp.revenue_target = target or arr * (1 + growth)
        inp.licence_price = price
        inp.renewal_licences = int((running["licences"].to_numpy() * stay).sum())
        inp.upsell_licences = int(upsell["amount"].sum() / price)
        inp.licences_per_customer = round(float((new if len(new) else running)["licences"].mean()), 1)
        sources |= {"revenue target": "given" if target else f"this year's contracts × {1 + growth:.2f}",
                    "licence price": "running contracts' annual value ÷ licences",
                    "renewals": "running licences × each account's P(renews) from the churn model",
                    "upsell": "upsell deals won in the last 12 months ÷ licence price",
                    "licences per customer": "new customers of the last 12 months"}
    closed = opps[opps["stage"].isin(["won", "lost"]) & (opps["close_date"] > year_ago)]
    if len(closed) >= 10:
        inp.win_rate = max(0.01, float((closed["stage"] == "won").mean()))
        sources["win rate"] = f"{len(closed)} deals closed in the last 12 months"
    recent = leads[(leads["created_at"] > year_ago) & leads["status"].isin(["converted", "dead"])]
    if len(recent) >= 20:
        inp.lead_to_opportunity = max(0.01, float((recent["status"] == "converted").mean()))
        credited = recent["lead_id"].isin(lead_credits(recent, tch).index)
        inp.sales_prospected_share, inp.sales_prospected_leads = round(float(1 - credited.mean()), 2), 0
        sources |= {"lead to opportunity": f"{len(recent)} leads closed in the last 12 months",
                    "prospected by sales": "share of last year's leads no campaign reached first"}
    channels = _channels(camp, tch, leads, year_ago)
    if channels:
        inp.channels = channels
        sources["channels"] = "each channel's cost ÷ leads in the last 12 months; at most twice last year's leads"
    inp.sources = {k: sources.get(k, planner.BOOK + " (the store has none)") for k in book.sources}
    return inp


def _channels(camp: pd.DataFrame, tch: pd.DataFrame, leads: pd.DataFrame, since: pd.Timestamp
              ) -> list[planner.ChannelPlan]:
    if camp.empty:
        return []
    recent = camp[camp["start_date"] > since]
    lc = lead_credits(leads, tch)
    per = leads.assign(campaign_id=leads["lead_id"].map(lc)).merge(recent[["campaign_id", "channel"]],
                                                                    on="campaign_id")["channel"].value_counts()
    out = []
    for channel, cost in recent.groupby("channel")["cost"].sum().items():
        n = int(per.get(channel, 0))
        if n:
            out.append(planner.ChannelPlan(name=str(channel), cpl=round(float(cost) / n, 2), max_leads=2 * n))
    return out


class HealthBoard(BaseModel):
    churn_risks: list[churn.ChurnRisk]
    onboarding: list[Onboarding]
    surveys: list[SurveyPeriod]
    reply_compliance: list[ReplyCompliance]
    funnel: list[FunnelMetrics]
    active_customers: int
    above_low: int
    """Active customers whose churn risk is medium or high."""
    explanations: dict[str, str]


def health_board(ctx: AppContext, actor: Actor, *, now: datetime | None = None, top: int = 10) -> HealthBoard:
    require(actor, Perm.health)
    now = naive(now)
    bundle = scorecache.get(ctx, now)
    board = bundle.board.reset_index()
    scored = board[board["churn_probability"].notna()]
    # equal risks (the model's 99 % ceiling) go by what is at stake
    risky = scored.assign(p=scored["churn_probability"].astype(float).round(2)).sort_values(
        ["p", "clv"], ascending=False).head(top)
    with ctx.db.session() as s:
        contracts, surveys = analytics.contracts(s), analytics.surveys(s)
        tickets = analytics.tickets(s)
        # onboarding looks at customers whose first contract started in the last 90 days only
        first = (contracts.groupby("account_id")["start_date"].min() if not contracts.empty
                 else pd.Series(dtype="datetime64[ns]"))
        recent = first[first > pd.Timestamp(now) - timedelta(days=90)].index.tolist()
        usage = analytics.usage(s, account_ids=recent)
        ids = risky["account_id"].tolist()
        small = features.load(s, account_ids=ids) if ids else None
    risks = (churn.explain(bundle.churn_model, small, now, ids)
             if ids and small is not None and bundle.churn_model is not None else [])
    tier_by = board.set_index("account_id")["tier"]
    # The board's channel summary is part of the health view: support sees it here without the funnel's rights.
    report = _funnel(ctx, by="channel", now=now, _bundle=bundle)
    return HealthBoard(
        churn_risks=risks, onboarding=onboarding(contracts, usage, now), surveys=survey_scores(surveys),
        reply_compliance=reply_compliance(tickets, tier_by),
        funnel=[r for r in report.rows if r.key != UNATTRIBUTED], active_customers=len(scored),
        above_low=int((scored["churn_probability"] >= churn.BANDS[0][0]).sum()),
        explanations={
            "churn": "Probability of not renewing at the term end: a logistic model trained on the last year's term "
                     f"ends, each read {churn.LEAD_DAYS} days before the end. Low < 20 %, medium < 50 %, high ≥ 50 %.",
            "drivers": "The account's own figures that raise its risk most (its largest contributions in the model).",
            "compliance": "Share of tickets whose first reply came within the tier's target; unanswered ones miss it.",
            "onboarding": "Customers whose first contract started in the last 90 days: first login, 3+ active "
                          "weeks, 5 features, half the users.",
            "nps": "NPS = % promoters (9-10) − % detractors (0-6); CSAT = share of answers 4-5.",
            "clv": f"CLV: {value.YEARS} renewals of the contract kept with P(renews), discounted at "
                   f"{value.RATE:.0%}, plus repeat orders.",
        })


def store_click_rate(ctx: AppContext, actor: Actor, *, now: datetime | None = None) -> tuple[float, str]:
    """The store's campaign click-through rate of the last twelve months, as an A/B baseline, and its source."""
    require(actor, Perm.funnel)
    now = naive(now)
    with ctx.db.session() as s:
        camp = analytics.campaigns(s)
    recent = camp[camp["start_date"] > pd.Timestamp(now) - timedelta(days=365)] if len(camp) else camp
    shown, clicked = (int(recent["impressions"].sum()), int(recent["clicks"].sum())) if len(recent) else (0, 0)
    if shown == 0 or not 0 < clicked < shown:
        raise PolkuError("invalid", "the store has no campaign traffic of the last 12 months: give --baseline")
    return clicked / shown, (f"the store's campaign click-through rate, {clicked:,} clicks of {shown:,} impressions "
                             f"in the last 12 months")
