"""Churn risk: the probability that a customer does not renew at its term end, with the account's own drivers.

Point in time, never after the outcome: every past term end of the last year is one training
example, its features computed as they stood ``LEAD_DAYS`` (90) before the end, its outcome whether
the account renewed. The model is judged on a later time window: a twin trained only on term ends
whose outcome was known before the window's first feature date predicts the ends of the last
``VALID_DAYS``; its AUC, Brier score and calibration table are the model's report. Scoring uses the
same features computed today. A prediction is a hint, not a fact.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.metrics import brier_score_loss, roc_auc_score

from copilot.core.errors import PolkuError
from tools import model as mdl
from tools.churn_features import CHURN_CATEGORICAL, CHURN_NUMERIC, churn_features, customers_at, renewal_outcomes
from tools.churn_words import driver_facts, driver_text, risk_text
from tools.features import Frames

LEAD_DAYS = 90
"""Features of a training example are taken this long before its term end."""
HISTORY_DAYS = 365
"""Term ends of the last year train the model."""
VALID_DAYS = 120
"""The later time window the model is judged on: term ends of the last 120 days."""
BANDS = ((0.2, "low"), (0.5, "medium"), (1.01, "high"))
CALIBRATION_EDGES = (0.0, 0.1, 0.2, 0.35, 0.5, 1.0)
SHOWN = (0.01, 0.99)
"""A probability is a hint, never a certainty: predictions are kept within 1-99 % (past term ends are too few
to check a 0.1 % or a 99.9 % anyway)."""
C = 0.3
"""Regularisation of the logistic model: on the demo store's later window 0.3 gave AUC 0.924 and Brier 0.076
against 0.919 and 0.080 at 1.0; the stronger pull towards the mean also keeps single figures from dominating."""


class ChurnDriver(BaseModel):
    feature: str
    direction: str
    """`raises risk` or `lowers risk`."""
    effect: float
    """Contribution to the log-odds against an average account."""
    facts: dict[str, float]
    """The account's own figures behind the driver (logins before and now, a count of tickets...)."""
    text: str
    """The driver in English words, e.g. "weekly logins −52 % in 8 weeks (508 → 243)"."""


class ChurnRisk(BaseModel):
    account_id: str
    probability: float = Field(ge=0, le=1)
    """Probability of not renewing at the term end (calibrated on past term ends)."""
    band: str
    """low (< 20 %), medium (< 50 %) or high."""
    horizon_days: int
    """Days to the term end (0 when it has passed or is unknown)."""
    term_end: date | None
    drivers: list[ChurnDriver]
    explanation: str
    """One line in English on how the figure was computed."""
    trained_on: int | None = None
    """Past term ends the model learnt from."""


class CalibrationBin(BaseModel):
    lo: float
    hi: float
    n: int
    predicted: float | None
    """Mean predicted probability in the bin."""
    observed: float | None
    """Share that did not renew."""


class ChurnModelReport(BaseModel):
    lead_days: int
    split: datetime
    """Training outcomes were all known by this time; the window's first feature date."""
    window: tuple[datetime, datetime]
    """Term ends the model is judged on."""
    n_train: int
    positives_train: int
    n_valid: int
    positives_valid: int
    auc: float
    brier: float
    base_rate: float
    """Share of the window's term ends not renewed (a Brier score is judged against base × (1 − base))."""
    ece: float
    calibration: list[CalibrationBin]


def band(p: float) -> str:
    return next(name for edge, name in BANDS if p < edge)


def examples(f: Frames, now: datetime, *, history_days: int = HISTORY_DAYS) -> pd.DataFrame:
    """Past term ends with known outcome: account_id, end, churned, as_of (= end − LEAD_DAYS)."""
    out = renewal_outcomes(f.contracts, now)
    out = out[out["end"] > pd.Timestamp(now) - timedelta(days=history_days)].copy()
    out["as_of"] = out["end"] - timedelta(days=LEAD_DAYS)
    if not f.usage.empty:  # the features need ten weeks of usage before the example
        out = out[out["as_of"] >= f.usage["week_start"].min() + timedelta(weeks=10)]
    return out.sort_values(["end", "account_id"], kind="stable").reset_index(drop=True)


def _xy(f: Frames, ex: pd.DataFrame, cap: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    y = ex["churned"].to_numpy().astype(int)
    keep = mdl.capped(y) if cap else np.arange(len(y))  # a big store trains on a stratified sample
    ex = ex.iloc[keep]
    return churn_features(f, ex["as_of"].to_numpy(), ex["account_id"].to_numpy()), y[keep]


def _need(ex: pd.DataFrame, what: str) -> None:
    if len(ex) < 20 or ex["churned"].sum() < 5 or (1 - ex["churned"]).sum() < 5:
        raise PolkuError("invalid", f"too few past term ends {what} (need 20, with at least 5 renewed and "
                                    "5 not renewed): cannot train churn")


def training_set(f: Frames, now: datetime) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Features and outcomes of (a stratified sample of) the last year's term ends, and all those ends."""
    ex = examples(f, now)
    _need(ex, "in the last year")
    X, y = _xy(f, ex)
    return X, y, ex


def fit(f: Frames, now: datetime) -> mdl.ExplainableModel:
    """The model on every term end of the last year (what the score cache keeps)."""
    X, y, ex = training_set(f, now)
    model = mdl.fit(X, y, numeric=CHURN_NUMERIC, categorical=CHURN_CATEGORICAL, C=C)
    # the ends it learnt from also give the store's renewal rate, which the CLV needs
    model.meta.update(examples=len(ex), lead_days=LEAD_DAYS, renewal_rate=float(1 - ex["churned"].mean()))
    return model


def calibration(y: np.ndarray, p: np.ndarray, edges: tuple[float, ...] = CALIBRATION_EDGES) -> list[CalibrationBin]:
    out = []
    for lo, hi in itertools.pairwise(edges):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        out.append(CalibrationBin(lo=lo, hi=hi, n=int(m.sum()), predicted=float(p[m].mean()) if m.any() else None,
                                  observed=float(y[m].mean()) if m.any() else None))
    return out


def validate(f: Frames, now: datetime, *, valid_days: int = VALID_DAYS) -> ChurnModelReport:
    """Judge the model on the latest ``valid_days`` of term ends, trained only on what was known before."""
    ex = examples(f, now)
    start = pd.Timestamp(now) - timedelta(days=valid_days)
    split = start - timedelta(days=LEAD_DAYS)  # the window's first feature date
    train, valid = ex[ex["end"] <= split], ex[ex["end"] > start]
    _need(train, f"before {split:%Y-%m-%d}")
    _need(valid, f"after {start:%Y-%m-%d}")
    X, y = _xy(f, train)
    model = mdl.fit(X, y, numeric=CHURN_NUMERIC, categorical=CHURN_CATEGORICAL, C=C)
    Xv, yv = _xy(f, valid, cap=False)
    p = model.predict_proba(Xv)
    return ChurnModelReport(
        lead_days=LEAD_DAYS, split=split.to_pydatetime(), window=(start.to_pydatetime(), now), n_train=len(y),
        positives_train=int(y.sum()), n_valid=len(yv), positives_valid=int(yv.sum()),
        auc=float(roc_auc_score(yv, p)), brier=float(brier_score_loss(yv, p)), base_rate=float(yv.mean()),
        ece=mdl.expected_calibration_error(yv, p), calibration=calibration(yv, p))


def train(f: Frames, now: datetime) -> tuple[mdl.ExplainableModel, ChurnModelReport]:
    """The model on every term end of the last year, and its report from the later-window twin."""
    return fit(f, now), validate(f, now)


def score(model: mdl.ExplainableModel, f: Frames, now: datetime, account_ids: list[str] | pd.Index | None = None
          ) -> pd.DataFrame:
    """account_id → churn_probability for current customers (or the given accounts)."""
    ids = customers_at(f.contracts, now) if account_ids is None else pd.Index(account_ids)
    X = churn_features(f, now, ids)
    p = np.clip(model.predict_proba(X), *SHOWN) if len(X) else []
    return pd.DataFrame({"account_id": X.index, "churn_probability": p})


GROUPS = {"login_change_8w": "usage", "logins_per_licence": "usage", "seat_use": "usage", "features_4w": "usage",
          "tickets_90d": "support", "neg_tickets_30d": "support", "neg_tickets_90d": "support",
          "sentiment_90d": "support", "late_payments_180d": "payment", "payment_delay_180d": "payment",
          "nps": "nps", "order_trend": "orders", "log_annual_value": "contract", "tenure_years": "contract"}
"""Drivers of one kind say much the same (three usage figures of a fading account): an account shows the
largest of each kind, so its reasons read as different things a rep can check."""
RISK_SIGN = {"login_change_8w": -1, "logins_per_licence": -1, "seat_use": -1, "tickets_90d": 1, "neg_tickets_30d": 1,
             "sentiment_90d": -1, "late_payments_180d": 1, "payment_delay_180d": 1, "nps": -1, "order_trend": -1}
"""Which way each figure pushes risk in plain sense. A fitted weight of the other sign is two related figures
sharing one signal (late payments and the average delay), not a reason: such a figure still counts in the
probability but is never shown as a driver ("0 unhappy tickets raises the risk" would mislead)."""


def _drivers(model: mdl.ExplainableModel, X: pd.DataFrame, contributions: np.ndarray, top: int
             ) -> list[list[ChurnDriver]]:
    """Each account's largest contributions among the figures a rep can act on (not size or industry), one
    per kind of figure, those that raise the risk first."""
    contrib = contributions[:, : len(model.numeric)]
    weight = model.numeric_weights()
    # the contract's size is not a reason a rep can act on (like size and industry): it counts, unshown
    sensible = {j for j, name in enumerate(model.numeric)
                if name != "log_annual_value" and RISK_SIGN.get(name, 0) * weight[j] >= 0}
    out = []
    for i in range(len(X)):
        row = X.iloc[i]
        order = sorted(range(len(model.numeric)), key=lambda j: (contrib[i, j] <= 0, -abs(contrib[i, j])))
        seen: set[tuple[str, bool]] = set()
        picked = []
        for j in order:
            kind = (GROUPS.get(model.numeric[j], model.numeric[j]), bool(contrib[i, j] > 0))
            if j in sensible and abs(contrib[i, j]) > 0.05 and kind not in seen:
                seen.add(kind)
                picked.append(j)
        picked = picked[:top]
        drivers = []
        for j in picked:
            feature, effect = model.numeric[j], float(contrib[i, j])
            facts = driver_facts(feature, row)
            drivers.append(ChurnDriver(feature=feature, direction="raises risk" if effect > 0 else "lowers risk",
                                       effect=round(effect, 3), facts=facts,
                                       text=driver_text(feature, facts, effect > 0)))
        out.append(drivers)
    return out


def explain(model: mdl.ExplainableModel, f: Frames, now: datetime, account_ids: list[str], *, top: int = 3,
            trained_on: int | None = None) -> list[ChurnRisk]:
    X = churn_features(f, now, account_ids)
    probs, contributions = model.proba_and_contributions(X)
    probs = np.clip(probs, *SHOWN)
    trained_on = trained_on or model.meta.get("examples")
    out = []
    for (acc, row), p, drivers in zip(X.iterrows(), probs, _drivers(model, X, contributions, top), strict=True):
        end = row["_term_end"]
        term_end = None if pd.isna(end) else pd.Timestamp(end).date()
        days = max(0, (term_end - now.date()).days) if term_end else 0
        out.append(ChurnRisk(account_id=str(acc), probability=round(float(p), 4), band=band(float(p)),
                             horizon_days=days, term_end=term_end, drivers=drivers, trained_on=trained_on,
                             explanation=risk_text(term_end, trained_on, LEAD_DAYS)))
    return out
