"""Score every account at once: lead score, churn risk, CLV and value tier, vectorised over frames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from copilot.core.errors import PolkuError
from tools import bgnbd, churn, leadscore, predictive, tiers, value
from tools import model as mdl
from tools.churn_features import customers_at, renewal_outcomes
from tools.features import Frames, lead_features
from tools.rfm import rfm_summary

DEFAULT_RENEWAL_RATE = 0.9
"""Used only by a store without a single past term end to learn its renewal rate from."""


@dataclass
class ClvFit:
    bg: bgnbd.BgNbdParams
    gg: bgnbd.GammaGammaParams
    table: pd.DataFrame
    """Per account: x, t_x, T, zbar, p_alive, expected_purchases_1y, clv (repeat orders only)."""


def account_clv(f: Frames, now: datetime, *, years: int = value.ORDER_YEARS, annual_rate: float = value.RATE
                ) -> ClvFit:
    """BG/NBD + Gamma-Gamma on each account's repeat orders (weekly), in euros of revenue, discounted yearly."""
    o = f.orders
    if o.empty:
        raise PolkuError("invalid", "no orders in the store: CLV needs a transaction history")
    o = o[(o["status"] != "cancelled") & (o["order_date"] <= pd.Timestamp(now))]
    tx = pd.DataFrame({"customer_id": o["account_id"], "date": o["order_date"], "amount": o["amount"].clip(lower=0)})
    rfm = rfm_summary(tx, calibration_end=pd.Timestamp(now).date(), freq="W")
    bg = bgnbd.fit_bgnbd(rfm["x"], rfm["t_x"], rfm["T"])
    repeat = rfm[(rfm["x"] > 0) & (rfm["zbar"] > 0)]
    gg = bgnbd.fit_gamma_gamma(repeat["x"], repeat["zbar"])
    table = rfm[["x", "t_x", "T", "zbar"]].copy()
    table["p_alive"] = bgnbd.probability_alive(bg, table["x"], table["t_x"], table["T"])
    table["expected_purchases_1y"] = bgnbd.conditional_expected_transactions(bg, 52.0, table["x"], table["t_x"],
                                                                             table["T"])
    table["clv"] = bgnbd.probabilistic_clv(bg, gg, table, years=years, annual_rate=annual_rate)
    return ClvFit(bg=bg, gg=gg, table=table)


def lead_scores_by_account(f: Frames, now: datetime) -> pd.DataFrame:
    """Best open lead per account: its score and route."""
    open_ = f.leads[f.leads["status"].isin(["no_action", "contacted"])]
    if open_.empty:
        return pd.DataFrame(columns=["account_id", "lead_score", "route", "lead_id"]).set_index("account_id")
    s = leadscore.score_frame(open_, f.events, now=now)
    s["account_id"] = open_["account_id"].to_numpy()
    best = s.sort_values("score", ascending=False, kind="stable").drop_duplicates("account_id")
    return best.set_index("account_id")[["score", "route", "lead_id"]].rename(columns={"score": "lead_score"})


def train_churn(f: Frames, now: datetime) -> mdl.ExplainableModel:
    return churn.fit(f, now)


def renewal_rate(f: Frames, now: datetime, model: mdl.ExplainableModel | None = None) -> float:
    """Share of the last year's term ends that renewed (the churn model counted them when it was trained)."""
    if model is not None and "renewal_rate" in model.meta:
        return float(model.meta["renewal_rate"])
    out = renewal_outcomes(f.contracts, now)
    out = out[out["end"] > pd.Timestamp(now) - pd.Timedelta(days=churn.HISTORY_DAYS)]
    return float(1 - out["churned"].mean()) if len(out) >= 10 else DEFAULT_RENEWAL_RATE


def win_rate(opp: pd.DataFrame, now: datetime | None = None) -> float | None:
    """Share of the deals closed in the last twelve months (all of them without ``now``) that were won."""
    closed = opp[opp["stage"].isin(["won", "lost"])] if not opp.empty else opp
    if now is not None and len(closed):
        recent = closed[closed["close_date"] > pd.Timestamp(now) - pd.Timedelta(days=365)]
        closed = recent if len(recent) >= 10 else closed
    return float((closed["stage"] == "won").mean()) if len(closed) else None


def typical_deals(f: Frames) -> pd.Series:
    """Average first-year deal of a new customer, per account size (and ``all``): each account's first won deal."""
    opp = f.opportunities
    won = opp[opp["stage"] == "won"] if not opp.empty else opp
    if won.empty:
        return pd.Series({"all": 10_000.0})
    first = won.sort_values("close_date", kind="stable").drop_duplicates("account_id")
    size = f.accounts.set_index("account_id")["size"].reindex(first["account_id"]).to_numpy()
    out = first.groupby(size)["amount"].mean()
    out["all"] = float(first["amount"].mean())
    return out


def _p_win(f: Frames, now: datetime, ids: pd.Index, prospect: np.ndarray, conversion: mdl.ExplainableModel | None,
           leads: pd.DataFrame) -> pd.Series:
    """P(win) of each prospect with an open deal (the store's win rate) or open lead (P(convert) × win rate).

    Only prospects' leads are scored (customers' upsell leads do not make a prospect's value), and with
    the model's probabilities straight from its arrays: a big store has tens of thousands of open leads.
    """
    wr = win_rate(f.opportunities, now) or 0.3
    p = pd.Series(0.0, index=ids)
    opp = f.opportunities
    if not opp.empty:
        open_deal = opp[~opp["stage"].isin(["won", "lost"])]["account_id"].unique()
        p[p.index.isin(open_deal)] = wr
    open_leads = predictive.open_leads(f.leads)
    open_leads = open_leads[open_leads["account_id"].isin(ids[prospect])]
    if open_leads.empty:
        return p
    if conversion is not None:
        conv = pd.Series(conversion.predict_proba(lead_features(open_leads, f.events, as_of=now)),
                         index=open_leads["lead_id"].to_numpy())
    else:  # no model yet: the rule-based score on the book's 200-point scale
        conv = pd.Series((leads["lead_score"] / 200).clip(0, 1).to_numpy(), index=leads["lead_id"].to_numpy())
    per_lead = pd.Series(conv.reindex(open_leads["lead_id"]).to_numpy(), index=open_leads["account_id"].to_numpy())
    best = per_lead.groupby(level=0).max().reindex(ids).fillna(0.0) * wr
    return np.maximum(p, best)


def score_all(f: Frames, now: datetime, *, churn_model: mdl.ExplainableModel | None = None,
              allow_untrained: bool = False, clv_fit: ClvFit | None = None,
              conversion_model: mdl.ExplainableModel | None = None) -> pd.DataFrame:
    """One row per account: lead_score, route, churn_probability, the CLV and its parts, tier, view.

    Without ``churn_model`` the churn model is trained here, unless ``allow_untrained`` (the caller
    already knows there is none to train); ``clv_fit`` reuses an ``account_clv`` result.
    """
    out = f.accounts.set_index("account_id")[["name", "owner"]].copy()
    leads = lead_scores_by_account(f, now)
    out["lead_score"] = leads["lead_score"].reindex(out.index)
    out["route"] = leads["route"].reindex(out.index)
    model = churn_model
    if model is None and not allow_untrained:
        try:
            model = train_churn(f, now)
        except PolkuError:  # a young or small store has too few past term ends to learn from
            model = None
    live = customers_at(f.contracts, now)
    customer = out.index.isin(live)
    if model is None:
        out["churn_probability"] = np.nan
    else:
        risk = churn.score(model, f, now, live).set_index("account_id")["churn_probability"]
        out["churn_probability"] = risk.reindex(out.index)
    _value(f, now, out, customer, clv_fit, conversion_model, leads.reset_index(), model)
    out["tier"] = tiers.assign_tiers(out["clv"])
    out["view"] = tiers.simple_view(out["tier"], out["churn_probability"].fillna(0.0))
    return out.reset_index().replace({np.nan: None})


def _value(f: Frames, now: datetime, out: pd.DataFrame, customer: np.ndarray, clv_fit: ClvFit | None,
           conversion: mdl.ExplainableModel | None, leads: pd.DataFrame,
           churn_model: mdl.ExplainableModel | None) -> None:
    """The CLV columns of ``out`` (see ``tools.value``)."""
    t = pd.Timestamp(now)
    c = f.contracts
    running = c[(c["start_date"] <= t) & (c["end_date"] >= t)] if not c.empty else c
    annual = running.groupby("account_id")["annual_value"].sum() if len(running) else pd.Series(dtype=float)
    term_end = running.groupby("account_id")["end_date"].min() if len(running) else pd.Series(dtype="datetime64[ns]")
    rate = renewal_rate(f, now, churn_model)
    out["renewal_rate"] = rate
    out["annual_value"] = annual.reindex(out.index).where(customer).fillna(0.0)
    out["term_end"] = term_end.reindex(out.index).where(customer)
    out["years_to_renewal"] = ((out["term_end"] - t).dt.days / 365.25).clip(lower=0).fillna(0.0)
    p = out["churn_probability"].to_numpy(float)
    out["clv_contract"] = np.where(customer, value.contract_value(out["annual_value"].to_numpy(), p,
                                                                  out["years_to_renewal"].to_numpy(), rate), 0.0)
    orders = (clv_fit or account_clv(f, now)).table["clv"]
    out["clv_orders"] = orders.reindex(out.index).fillna(0.0).clip(lower=0)
    had = out.index.isin(c["account_id"].unique()) if not c.empty else np.zeros(len(out), bool)
    prospect = ~customer & ~had
    out["p_win"] = np.where(prospect, _p_win(f, now, out.index, prospect, conversion, leads).to_numpy(), 0.0)
    deals = typical_deals(f)
    size = f.accounts.set_index("account_id")["size"].reindex(out.index)
    opp = f.opportunities
    open_amount = (opp[~opp["stage"].isin(["won", "lost"])].groupby("account_id")["amount"].max()
                   if not opp.empty else pd.Series(dtype=float)).reindex(out.index)
    # a prospect's own open deal says more than the average of its size
    out["deal_open"] = open_amount.notna().to_numpy() & prospect
    out["typical_deal"] = np.where(out["deal_open"], open_amount, size.map(deals).fillna(deals["all"]))
    out["lifetime_factor"] = value.new_customer_factor(rate)
    expected = out["p_win"] * out["typical_deal"] * out["lifetime_factor"]
    out["clv_kind"] = np.where(customer, "contract", np.where(had, "former",
                                                              np.where(out["p_win"] > 0, "prospect", "none")))
    out["clv"] = np.where(prospect, expected, out["clv_contract"] + out["clv_orders"]).round(2)
    ends = out["term_end"]
    out["term_end"] = np.where(ends.notna(), ends.dt.date, None)
