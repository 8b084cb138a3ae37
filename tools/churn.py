"""Churn risk: a calibrated probability of leaving within the horizon, with its top drivers.

Training is honest about time: features are computed at a cut-off ``now − horizon`` for accounts
that were customers then, and the label is whether they left in the following ``horizon`` days.
Scoring uses the same features computed at ``now``. A prediction is a hint, not a fact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from copilot.core.errors import PolkuError
from tools import model as mdl
from tools.features import CHURN_CATEGORICAL, CHURN_NUMERIC, Frames, churn_features, churn_outcome, customers_at

LABELS = {
    "logins_4w": "weekly logins (last 4 weeks)", "usage_trend": "login trend vs the 8 weeks before",
    "users_trend": "active-user trend", "session_min_4w": "session length", "features_4w": "features in use",
    "tickets_90d": "support tickets (90 days)", "neg_tickets_90d": "unhappy tickets (90 days)",
    "sentiment_90d": "ticket sentiment", "urgent_90d": "urgent tickets", "payment_delay": "payment delay (days)",
    "late_share": "share of late payments", "order_trend": "order value trend (6 vs 6 months)",
    "days_since_order": "days since the last order", "nps": "latest NPS answer",
    "log_annual_value": "contract value", "tenure_years": "years as customer",
    "size": "account size", "industry": "industry",
}


class ChurnDriver(BaseModel):
    feature: str
    label: str
    value: str
    direction: str
    """`raises risk` or `lowers risk`."""
    effect: float


class ChurnRisk(BaseModel):
    account_id: str
    probability: float = Field(ge=0, le=1)
    """Probability of leaving within the horizon (calibrated)."""
    band: str
    """low (< 0.2), medium (< 0.5) or high."""
    horizon_days: int
    drivers: list[ChurnDriver]


class ChurnModelReport(BaseModel):
    horizon_days: int
    cutoff: datetime
    cv: mdl.CvReport


def band(p: float) -> str:
    return "high" if p >= 0.5 else "medium" if p >= 0.2 else "low"


def training_set(f: Frames, now: datetime, horizon_days: int = 90) -> tuple[pd.DataFrame, np.ndarray, datetime]:
    cutoff = now - timedelta(days=horizon_days)
    ids = customers_at(f.contracts, cutoff)
    if len(ids) == 0:
        raise PolkuError("invalid", "no customers in the history before the training cut-off: cannot train churn")
    churned_at = churn_outcome(f.contracts)["churned_at"].reindex(ids)
    y = ((churned_at > pd.Timestamp(cutoff)) & (churned_at <= pd.Timestamp(now))).to_numpy().astype(int)
    keep = mdl.capped(y)  # a big store trains on a stratified sample: features only for those rows
    return churn_features(f, cutoff, ids[keep]), y[keep], cutoff


def train(f: Frames, now: datetime, *, horizon_days: int = 90, folds: int = 5
          ) -> tuple[mdl.ExplainableModel, ChurnModelReport]:
    X, y, cutoff = training_set(f, now, horizon_days)
    cv = mdl.cross_validate(X, y, numeric=CHURN_NUMERIC, categorical=CHURN_CATEGORICAL, folds=folds)
    model = mdl.fit(X, y, numeric=CHURN_NUMERIC, categorical=CHURN_CATEGORICAL)
    return model, ChurnModelReport(horizon_days=horizon_days, cutoff=cutoff, cv=cv)


def score(model: mdl.ExplainableModel, f: Frames, now: datetime, account_ids: list[str] | pd.Index | None = None
          ) -> pd.DataFrame:
    """account_id → churn_probability for current customers (or the given accounts)."""
    ids = customers_at(f.contracts, now) if account_ids is None else pd.Index(account_ids)
    X = churn_features(f, now, ids)
    return pd.DataFrame({"account_id": X.index, "churn_probability": model.predict_proba(X) if len(X) else []})


def explain(model: mdl.ExplainableModel, f: Frames, now: datetime, account_ids: list[str], *, top: int = 3,
            horizon_days: int = 90) -> list[ChurnRisk]:
    X = churn_features(f, now, account_ids)
    probs, all_drivers = model.explain(X, top)
    out = []
    for acc, p, drivers in zip(X.index, probs, all_drivers, strict=True):
        out.append(ChurnRisk(account_id=acc, probability=round(float(p), 4), band=band(float(p)),
                             horizon_days=horizon_days, drivers=[
                                 ChurnDriver(feature=d.feature, label=LABELS.get(d.feature, d.feature), value=d.value,
                                             direction="raises risk" if d.effect > 0 else "lowers risk",
                                             effect=d.effect)
                                 for d in drivers]))
    return out
