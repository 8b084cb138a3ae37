"""Score every account at once: lead score, churn risk, CLV and value tier, vectorised over frames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from copilot.core.errors import PolkuError
from tools import bgnbd, churn, leadscore, tiers
from tools import model as mdl
from tools.features import CHURN_CATEGORICAL, CHURN_NUMERIC, Frames
from tools.rfm import rfm_summary


@dataclass
class ClvFit:
    bg: bgnbd.BgNbdParams
    gg: bgnbd.GammaGammaParams
    table: pd.DataFrame
    """Per account: x, t_x, T, zbar, p_alive, expected_purchases_1y, clv."""


def account_clv(f: Frames, now: datetime, *, years: int = 3, annual_rate: float = 0.15) -> ClvFit:
    """BG/NBD + Gamma-Gamma on each account's orders (weekly), margin-based, discounted yearly."""
    o = f.orders
    if o.empty:
        raise PolkuError("invalid", "no orders in the store: CLV needs a transaction history")
    o = o[(o["status"] != "cancelled") & (o["order_date"] <= pd.Timestamp(now))]
    tx = pd.DataFrame({"customer_id": o["account_id"], "date": o["order_date"], "amount": o["margin"].clip(lower=0)})
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
        return pd.DataFrame(columns=["account_id", "lead_score", "route"]).set_index("account_id")
    s = leadscore.score_frame(open_, f.events, now=now)
    s["account_id"] = open_["account_id"].to_numpy()
    best = s.sort_values("score", ascending=False, kind="stable").drop_duplicates("account_id")
    return best.set_index("account_id")[["score", "route", "lead_id"]].rename(columns={"score": "lead_score"})


def train_churn(f: Frames, now: datetime) -> mdl.ExplainableModel:
    X, y, _ = churn.training_set(f, now)
    return mdl.fit(X, y, numeric=CHURN_NUMERIC, categorical=CHURN_CATEGORICAL)


def score_all(f: Frames, now: datetime, *, churn_model: mdl.ExplainableModel | None = None,
              allow_untrained: bool = False, clv_fit: ClvFit | None = None) -> pd.DataFrame:
    """One row per account: lead_score, route, churn_probability, clv, tier, view (VIP/Standard/Risk).

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
        except PolkuError:  # a young or small store has too few churned customers to learn from
            model = None
    if model is None:
        out["churn_probability"] = np.nan
    else:
        risk = churn.score(model, f, now).set_index("account_id")["churn_probability"]
        out["churn_probability"] = risk.reindex(out.index)
    clv = (clv_fit or account_clv(f, now)).table["clv"]
    out["clv"] = clv.reindex(out.index).fillna(0.0).round(2)
    out["tier"] = tiers.assign_tiers(out["clv"])
    out["view"] = tiers.simple_view(out["tier"], out["churn_probability"].fillna(0.0))
    return out.reset_index().replace({np.nan: None})
