"""Service functions of the scoring and analytics tools: AppContext + Actor in, pydantic models out.

Every surface (CLI, REST API, Slack, the agent tools) calls these. Scores are staff-only; a
customer may read their own account card, without tier, scores or internal notes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.store.models import Account
from copilot.core.store.repo import analytics
from copilot.core.store.repo import crm_records as repo
from tools import churn, features, leadscore, nba, predictive, scorecache, scoring, tiers
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


def _board(ctx: AppContext, now: datetime) -> pd.DataFrame:
    """Every account scored at ``now`` exactly; refreshes the cached bundle (``polku score --all``)."""
    mem = ctx.adapter("scoring_bundle", lambda _c: {})
    current = mem.get("current")
    if current is not None and current.as_of == now and current.key == scorecache._key(ctx, now):
        return current.board.reset_index()
    f = _frames(ctx)
    if f.accounts.empty:
        raise PolkuError("not_found", "the store has no accounts; run `polku demo` or import a CRM first")
    return scorecache.refresh(ctx, f, now).board.reset_index()


def score_all(ctx: AppContext, actor: Actor, *, now: datetime | None = None, limit: int | None = None) -> ScoreBoard:
    require_staff(actor)
    now = _naive(now)
    df = _board(ctx, now)
    rows = [ScoreRow(**r) for r in df.head(limit).to_dict("records")] if limit != 0 else []
    return ScoreBoard(accounts=len(df), rows=rows, tiers=df["tier"].value_counts().to_dict(),
                      views=df["view"].value_counts().to_dict())


def _live_churn(bundle: scorecache.Bundle, f: features.Frames, now: datetime) -> pd.Series:
    """Churn probability at ``now`` of the frames' current customers, with today's cached model."""
    if bundle.churn_model is None:
        return pd.Series(dtype=float)
    return churn.score(bundle.churn_model, f, now).set_index("account_id")["churn_probability"]


def score_account(ctx: AppContext, actor: Actor, account_id: str, *, now: datetime | None = None) -> AccountScores:
    """One account: its own rows only, the cached models; CLV and tier (percentiles) from the cached board."""
    require_staff(actor)
    now = _naive(now)
    bundle = scorecache.get(ctx, now)
    if account_id not in bundle.board.index:
        raise not_found("account", account_id)
    board = bundle.board.loc[account_id]
    with ctx.db.session() as s:
        f = features.load(s, account_ids=[account_id])
    mine = f.leads[f.leads["status"].isin(["no_action", "contacted"])]
    comps = leadscore.components(mine, f.events, now=now)
    scores = leadscore.score_frame(mine, f.events, now=now, comps=comps)
    lead_scores = [leadscore.explain(i, scores, comps) for i in mine["lead_id"]]
    conversion = ([] if bundle.conversion_model is None
                  else predictive.score(bundle.conversion_model, f, now=now, leads=mine))
    risk = None
    if bundle.churn_model is not None and account_id in features.customers_at(f.contracts, now):
        risk = churn.explain(bundle.churn_model, f, now, [account_id])[0]
    view = tiers.simple_view(pd.Series([board["tier"]]), pd.Series([risk.probability if risk else 0.0]))[0]
    return AccountScores(account_id=account_id, name=str(board["name"]), owner=str(board["owner"]), leads=lead_scores,
                         conversion=conversion, churn=risk, clv=float(board["clv"]), tier=str(board["tier"]),
                         view=str(view))


class TierReport(BaseModel):
    counts: dict[str, int]
    service_levels: list[tiers.ServiceLevel]
    applied: bool
    """True when the tiers were written to the accounts (``apply``)."""
    changed: int


def refresh_tiers(ctx: AppContext, actor: Actor, *, now: datetime | None = None, apply: bool = False) -> TierReport:
    require_staff(actor)
    board = _board(ctx, _naive(now))
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
             account_ids: list[str], won: float) -> list[nba.AccountSignals]:
    b = board
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
    return scorecache.avg_deal(f.opportunities)


def next_actions(ctx: AppContext, actor: Actor, *, account_id: str | None = None, owner: str | None = None,
                 now: datetime | None = None, limit: int = 20) -> list[nba.Action]:
    """Loads only the account's (or the rep's accounts') rows; models and CLV come from the cached bundle."""
    require_staff(actor)
    if bool(account_id) == bool(owner):
        raise PolkuError("invalid", "give exactly one of an account id or an owner (rep id)")
    now = _naive(now)
    bundle = scorecache.get(ctx, now)
    if account_id:
        if account_id not in bundle.board.index:
            raise not_found("account", account_id)
        ids = [account_id]
    else:
        ids = bundle.board.index[bundle.board["owner"] == owner].tolist()
        if not ids:
            raise PolkuError("not_found", f"rep {owner!r} owns no accounts")
    with ctx.db.session() as s:
        f = features.load(s, account_ids=ids)
    board = bundle.board.loc[ids].copy()
    live = _live_churn(bundle, f, now)
    board["churn_probability"] = [None if pd.isna(v) else float(v) for v in live.reindex(board.index)]
    signals = _signals(f, board, now, ids, bundle.avg_deal)
    if account_id:
        return nba.next_actions(signals[0], now, limit=limit)
    return nba.for_owner(signals, owner or "", now, limit=limit)


class FunnelReport(BaseModel):
    by: str
    period: str | None
    rows: list[FunnelMetrics]
    margin_rate: float


def funnel(ctx: AppContext, actor: Actor, *, by: str = "channel", period: str | None = None,
           now: datetime | None = None, _ltv: pd.Series | None = None) -> FunnelReport:
    require_staff(actor)
    if by not in ("channel", "campaign"):
        raise PolkuError("invalid", "group the funnel by 'channel' or 'campaign'")
    if period not in (None, "M", "Q", "Y"):
        raise PolkuError("invalid", "period must be M, Q or Y")
    with ctx.db.session() as s:
        camp, tch = analytics.campaigns(s), analytics.touches(s)
        leads, opps, orders = analytics.leads(s), analytics.opportunities(s), analytics.orders(s)
    rate = margin_rate(orders)
    ltv = _ltv
    if ltv is None:
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
    bundle = scorecache.get(ctx, now)
    board = bundle.board.reset_index()
    risky = board[board["churn_probability"].notna()].sort_values("churn_probability", ascending=False).head(top)
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
    return HealthBoard(churn_risks=risks, onboarding=onboarding(contracts, usage, now),
                       surveys=survey_scores(surveys), reply_compliance=reply_compliance(tickets, tier_by),
                       funnel=funnel(ctx, actor, by="channel", period="Q", now=now, _ltv=bundle.clv).rows)
