"""Service functions of the scoring and analytics tools: AppContext + Actor in, pydantic models out.

Every surface (CLI, REST API, Slack, the agent tools) calls these. Scores are staff-only; a
customer may read their own account card, without tier, scores or internal notes. Next actions
live in ``service_actions``, the funnel, plan and health board in ``service_marketing``; both are
re-exported here so every surface keeps one entry point.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.store.models import Account
from copilot.core.store.repo import crm_records as repo
from tools import churn, leadscore, predictive, scorecache, tiers, value
from tools.access import frames as _frames
from tools.access import naive as _naive
from tools.access import rep_names, utc_now
from tools.churn_features import customers_at
from tools.service_actions import next_actions
from tools.service_marketing import FunnelReport, HealthBoard, funnel, health_board, plan_from_store, store_click_rate

__all__ = ["FunnelReport", "HealthBoard", "funnel", "health_board", "next_actions", "plan_from_store",
           "store_click_rate", "utc_now"]


class AccountValue(BaseModel):
    clv: float
    """Euros from here on (contract customers, former customers) or expected (prospects): see ``kind``."""
    kind: str
    """contract, prospect (an expected value), former (a former customer) or none."""
    contract: float
    """NPV of the coming renewals (contract customers)."""
    orders: float
    """Repeat orders, BG/NBD + Gamma-Gamma."""
    annual_value: float
    term_end: date | None
    years_to_renewal: float
    renewal_rate: float
    """The store's share of term ends that renewed in the last year."""
    p_win: float
    typical_deal: float
    """The prospect's open deal when it has one, else a typical first-year deal of its size."""
    deal_open: bool = False
    lifetime_factor: float
    explanation: str
    """One line in English on how ``clv`` was computed."""


class AccountScores(BaseModel):
    account_id: str
    name: str
    owner: str
    owner_name: str
    """The owner rep's name (``owner`` is the staff id)."""
    leads: list[leadscore.LeadScore]
    conversion: list[predictive.ConversionScore]
    churn: churn.ChurnRisk | None
    clv: float
    value: AccountValue
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
    clv_kind: str
    annual_value: float
    term_end: date | None
    tier: str
    view: str


class ScoreBoard(BaseModel):
    accounts: int
    rows: list[ScoreRow]
    tiers: dict[str, int]
    views: dict[str, int]


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
    require(actor, Perm.scores_read)
    now = _naive(now)
    df = _board(ctx, now)
    fields = list(ScoreRow.model_fields)
    rows = [ScoreRow(**{k: r[k] for k in fields}) for r in df.head(limit).to_dict("records")] if limit != 0 else []
    return ScoreBoard(accounts=len(df), rows=rows, tiers=df["tier"].value_counts().to_dict(),
                      views=df["view"].value_counts().to_dict())


def account_value(board: pd.Series, churn_probability: float | None) -> AccountValue:
    """The CLV of one board row, its parts and the line that explains it."""
    row = board.to_dict()
    row["churn_probability"] = churn_probability
    return AccountValue(
        clv=float(row["clv"]), kind=str(row["clv_kind"]), contract=float(row["clv_contract"]),
        orders=float(row["clv_orders"]), annual_value=float(row["annual_value"]), term_end=row["term_end"],
        years_to_renewal=float(row["years_to_renewal"]),
        renewal_rate=float(row["renewal_rate"]), p_win=float(row["p_win"]), typical_deal=float(row["typical_deal"]),
        deal_open=bool(row.get("deal_open", False)),
        lifetime_factor=float(row["lifetime_factor"]), explanation=value.explain(row))


def score_account(ctx: AppContext, actor: Actor, account_id: str, *, now: datetime | None = None) -> AccountScores:
    """One account: its own rows only, the cached models; CLV and tier (percentiles) from the cached board."""
    require(actor, Perm.scores_read)
    now = _naive(now)
    bundle = scorecache.get(ctx, now)
    if account_id not in bundle.board.index:
        raise not_found("account", account_id)
    board = bundle.board.loc[account_id]
    f = _frames(ctx, account_ids=[account_id])
    mine = f.leads[f.leads["status"].isin(["no_action", "contacted"])]
    comps = leadscore.components(mine, f.events, now=now)
    scores = leadscore.score_frame(mine, f.events, now=now, comps=comps)
    names = dict(zip(mine["lead_id"], mine["first_name"] + " " + mine["last_name"], strict=True))
    lead_scores = [leadscore.explain(i, scores, comps).model_copy(update={"contact": names.get(i, "")})
                   for i in mine["lead_id"]]
    conversion = ([] if bundle.conversion_model is None
                  else predictive.score(bundle.conversion_model, f, now=now, leads=mine))
    risk = None
    if bundle.churn_model is not None and account_id in customers_at(f.contracts, now):
        risk = churn.explain(bundle.churn_model, f, now, [account_id])[0]
    view = tiers.simple_view(pd.Series([board["tier"]]), pd.Series([risk.probability if risk else 0.0]))[0]
    owner = str(board["owner"])
    return AccountScores(account_id=account_id, name=str(board["name"]), owner=owner,
                         owner_name=rep_names(ctx).get(owner, owner), leads=lead_scores, conversion=conversion,
                         churn=risk, clv=float(board["clv"]),
                         value=account_value(board, risk.probability if risk else None), tier=str(board["tier"]),
                         view=str(view))


class TierReport(BaseModel):
    counts: dict[str, int]
    service_levels: list[tiers.ServiceLevel]
    applied: bool
    """True when the tiers were written to the accounts (``apply``)."""
    changed: int


def refresh_tiers(ctx: AppContext, actor: Actor, *, now: datetime | None = None, apply: bool = False) -> TierReport:
    require(actor, Perm.tiers_apply if apply else Perm.scores_read)
    board = _board(ctx, _naive(now))
    changed = 0
    if apply:
        with ctx.db.session() as s:
            for acc_id, tier in zip(board["account_id"], board["tier"], strict=True):
                acc = repo.get(s, model=Account, ident=acc_id)
                if acc is not None and acc.tier != tier:
                    acc.tier = tier
                    changed += 1
    return TierReport(counts=board["tier"].value_counts().to_dict(), service_levels=list(tiers.SERVICE_MATRIX.values()),
                      applied=apply, changed=changed)


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
    require(actor, Perm.funnel)
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

