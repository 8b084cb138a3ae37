"""Service functions of the scoring and analytics tools: AppContext + Actor in, pydantic models out.

Every surface (CLI, REST API, Slack, the agent tools) calls these. Scores are staff-only; a
customer may read their own account card, without tier, scores or internal notes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from pydantic import BaseModel

from copilot.context import AppContext
from copilot.errors import PolkuError, not_found
from copilot.identity import Actor, Role
from copilot.store.models import Account
from copilot.store.repo import analytics
from copilot.store.repo import crm_records as repo
from tools import churn, features, leadscore, nba, predictive, scoring, tiers
from tools.funnel import FunnelMetrics
from tools.funnel_data import funnel_metrics, margin_rate
from tools.health import Onboarding, ReplyCompliance, SurveyPeriod, onboarding, reply_compliance, survey_scores


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive(now: datetime | None) -> datetime:
    if now is None:
        return utc_now()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise PolkuError("forbidden", "scores and analytics are for staff only")


class AccountScores(BaseModel):
    account_id: str
    name: str
    owner: str
    leads: list[leadscore.LeadScore]
    conversion: list[predictive.ConversionScore]
    churn: churn.ChurnRisk | None
    clv: float
    tier: str
    view: str


class ScoreRow(BaseModel):
    account_id: str
    name: str
    owner: str
    lead_score: float | None
    route: str | None
    churn_probability: float | None
    clv: float
    tier: str
    view: str


class ScoreBoard(BaseModel):
    accounts: int
    rows: list[ScoreRow]
    tiers: dict[str, int]
    views: dict[str, int]


def _frames(ctx: AppContext, **kw: object) -> features.Frames:
    with ctx.db.session() as s:
        return features.load(s, **kw)  # type: ignore[arg-type]


def score_all(ctx: AppContext, actor: Actor, *, now: datetime | None = None, limit: int | None = None) -> ScoreBoard:
    require_staff(actor)
    now = _naive(now)
    f = _frames(ctx)
    if f.accounts.empty:
        raise PolkuError("not_found", "the store has no accounts; run `polku demo` or import a CRM first")
    df = scoring.score_all(f, now)
    rows = [ScoreRow(**r) for r in df.head(limit).to_dict("records")] if limit != 0 else []
    return ScoreBoard(accounts=len(df), rows=rows, tiers=df["tier"].value_counts().to_dict(),
                      views=df["view"].value_counts().to_dict())


def score_account(ctx: AppContext, actor: Actor, account_id: str, *, now: datetime | None = None) -> AccountScores:
    require_staff(actor)
    now = _naive(now)
    f = _frames(ctx)
    acc = f.accounts[f.accounts["account_id"] == account_id]
    if acc.empty:
        raise not_found("account", account_id)
    board = scoring.score_all(f, now).set_index("account_id").loc[account_id]
    mine = f.leads[(f.leads["account_id"] == account_id) & f.leads["status"].isin(["no_action", "contacted"])]
    comps = leadscore.components(mine, f.events, now=now)
    scores = leadscore.score_frame(mine, f.events, now=now, comps=comps)
    lead_scores = [leadscore.explain(i, scores, comps) for i in mine["lead_id"]]
    try:
        conv_model, _ = predictive.train(f, now=now)
        conversion = predictive.score(conv_model, f, now=now, leads=mine)
    except PolkuError:
        conversion = []
    risk = None
    if board["churn_probability"] is not None:
        try:
            model = scoring.train_churn(f, now)
            risk = churn.explain(model, f, now, [account_id])[0]
        except PolkuError:  # too little churn history to train on: the brief says so instead
            risk = None
    return AccountScores(account_id=account_id, name=str(board["name"]), owner=str(board["owner"]), leads=lead_scores,
                         conversion=conversion, churn=risk, clv=float(board["clv"]), tier=str(board["tier"]),
                         view=str(board["view"]))


class TierReport(BaseModel):
    counts: dict[str, int]
    service_levels: list[tiers.ServiceLevel]
    applied: bool
    """True when the tiers were written to the accounts (``apply``)."""
    changed: int


def refresh_tiers(ctx: AppContext, actor: Actor, *, now: datetime | None = None, apply: bool = False) -> TierReport:
    require_staff(actor)
    board = scoring.score_all(_frames(ctx), _naive(now))
    changed = 0
    if apply:
        if actor.role not in (Role.admin, Role.system, Role.sales, Role.support):
            raise PolkuError("forbidden", f"role {actor.role} may not change tiers")
        with ctx.db.session() as s:
            for acc_id, tier in zip(board["account_id"], board["tier"], strict=True):
                acc = repo.get(s, model=Account, ident=acc_id)
                if acc is not None and acc.tier != tier:
                    acc.tier = tier
                    changed += 1
    return TierReport(counts=board["tier"].value_counts().to_dict(), service_levels=list(tiers.SERVICE_MATRIX.values()),
                      applied=apply, changed=changed)


def _signals(f: features.Frames, board: pd.DataFrame, now: datetime,
             account_ids: list[str]) -> list[nba.AccountSignals]:
    won = analytics_avg_deal(f)
    b = board.set_index("account_id")
    open_ = f.leads[f.leads["status"].isin(["no_action", "contacted"]) & f.leads["account_id"].isin(account_ids)]
    ls = leadscore.score_frame(open_, f.events, now=now).set_index("lead_id") if len(open_) else pd.DataFrame()
    out = []
    live = features.customers_at(f.contracts, now)
    for acc_id in account_ids:
        row = b.loc[acc_id]
        leads = [nba.LeadSignal(lead_id=r.lead_id, contact_name=f"{r.first_name} {r.last_name}",
                                created_at=r.created_at,
                                status=r.status, contacted_at=None if pd.isna(r.contacted_at) else r.contacted_at,
                                score=float(ls.loc[r.lead_id, "score"]), route=str(ls.loc[r.lead_id, "route"]))
                 for r in open_[open_["account_id"] == acc_id].itertuples()]
        cs = f.leads[f.leads["account_id"] == acc_id].drop_duplicates("contact_id")
        contacts = [nba.ContactSignal(contact_id=r.contact_id, name=f"{r.first_name} {r.last_name}", persona=r.persona,
                                      journey_stage=r.journey_stage) for r in cs.itertuples()]
        ev = f.events[(f.events["account_id"] == acc_id) & (f.events["page_type"].isin(nba.INTENT_PAGES))]
        visits = [nba.PageVisit(contact_id=r.contact_id, page_type=r.page_type, at=r.at) for r in ev.itertuples()]
        ct = f.contracts[(f.contracts["account_id"] == acc_id) & (f.contracts["status"] == "active")]
        contracts = [nba.ContractSignal(contract_id=r.contract_id, product=r.product, renewal_date=r.renewal_date,
                                        annual_value=r.annual_value) for r in ct.itertuples()]
        out.append(nba.AccountSignals(
            account_id=acc_id, name=str(row["name"]), owner=str(row["owner"]), is_customer=acc_id in live,
            clv=float(row["clv"]), churn_probability=row["churn_probability"], tier=str(row["tier"]), avg_deal=won,
            leads=leads, contacts=contacts, visits=visits, contracts=contracts))
    return out


def analytics_avg_deal(f: features.Frames) -> float:
    opp = f.opportunities
    won = opp[opp["stage"] == "won"]["amount"] if not opp.empty else pd.Series(dtype=float)
    return float(won.mean()) if len(won) else 10_000.0


def next_actions(ctx: AppContext, actor: Actor, *, account_id: str | None = None, owner: str | None = None,
                 now: datetime | None = None, limit: int = 20) -> list[nba.Action]:
    require_staff(actor)
    if bool(account_id) == bool(owner):
        raise PolkuError("invalid", "give exactly one of an account id or an owner (rep id)")
    now = _naive(now)
    f = _frames(ctx)
    board = scoring.score_all(f, now)
    if account_id:
        if account_id not in set(board["account_id"]):
            raise not_found("account", account_id)
        return nba.next_actions(_signals(f, board, now, [account_id])[0], now, limit=limit)
    ids = board.loc[board["owner"] == owner, "account_id"].tolist()
    if not ids:
        raise PolkuError("not_found", f"rep {owner!r} owns no accounts")
    return nba.for_owner(_signals(f, board, now, ids), owner or "", now, limit=limit)


class FunnelReport(BaseModel):
    by: str
    period: str | None
    rows: list[FunnelMetrics]
    margin_rate: float


def funnel(ctx: AppContext, actor: Actor, *, by: str = "channel", period: str | None = None,
           now: datetime | None = None) -> FunnelReport:
    require_staff(actor)
    if by not in ("channel", "campaign"):
        raise PolkuError("invalid", "group the funnel by 'channel' or 'campaign'")
    if period not in (None, "M", "Q", "Y"):
        raise PolkuError("invalid", "period must be M, Q or Y")
    with ctx.db.session() as s:
        camp, tch = analytics.campaigns(s), analytics.touches(s)
        leads, opps, orders = analytics.leads(s), analytics.opportunities(s), analytics.orders(s)
    rate = margin_rate(orders)
    ltv = None
    try:
        ltv = scoring.account_clv(features.Frames(accounts=pd.DataFrame(), orders=orders), _naive(now)).table["clv"]
    except PolkuError:
        ltv = None
    rows = funnel_metrics(camp, tch, leads, opps, by=by, margin=rate, ltv=ltv, period=period)
    return FunnelReport(by=by, period=period, rows=rows, margin_rate=rate)


class LeadFeedbackRow(BaseModel):
    band: str
    leads: int
    deal: int
    no_deal: int
    bad_fit: int
    good_fit: int
    deal_rate: float | None


def leadscore_report(ctx: AppContext, actor: Actor, *, now: datetime | None = None) -> list[LeadFeedbackRow]:
    """Sales' feedback by score band: does a higher score mean better leads? (refines the threshold)"""
    require_staff(actor)
    now = _naive(now)
    f = _frames(ctx)
    rated = f.leads[f.leads["quality_feedback"].notna()]
    if rated.empty:
        return []
    s = leadscore.score_frame(rated, f.events, now=now)
    bands = pd.cut(s["score"], [-1e9, 50, 100, 150, 1e9], labels=["< 50", "50-99", "100-149", "≥ 150"], right=False)
    fb = rated["quality_feedback"].to_numpy()
    out = []
    for band in ["< 50", "50-99", "100-149", "≥ 150"]:
        m = (bands == band).to_numpy()
        counts = {k: int(((fb == k) & m).sum()) for k in ("deal", "no_deal", "bad_fit", "good_fit")}
        n = int(m.sum())
        out.append(LeadFeedbackRow(band=band, leads=n, **counts, deal_rate=counts["deal"] / n if n else None))
    return out


class HealthBoard(BaseModel):
    churn_risks: list[churn.ChurnRisk]
    onboarding: list[Onboarding]
    surveys: list[SurveyPeriod]
    reply_compliance: list[ReplyCompliance]
    funnel: list[FunnelMetrics]


def health_board(ctx: AppContext, actor: Actor, *, now: datetime | None = None, top: int = 10) -> HealthBoard:
    require_staff(actor)
    now = _naive(now)
    f = _frames(ctx)
    board = scoring.score_all(f, now)
    risky = board[board["churn_probability"].notna()].sort_values("churn_probability", ascending=False).head(top)
    model = scoring.train_churn(f, now)
    risks = churn.explain(model, f, now, risky["account_id"].tolist()) if len(risky) else []
    tier_by = board.set_index("account_id")["tier"]
    return HealthBoard(churn_risks=risks, onboarding=onboarding(f.contracts, f.usage, now),
                       surveys=survey_scores(f.surveys), reply_compliance=reply_compliance(f.tickets, tier_by),
                       funnel=funnel(ctx, actor, by="channel", period="Q", now=now).rows)
