"""Predictive lead score: the probability that a lead converts, learned from the store's closed leads.

Outcome: converted (status ``converted`` or linked to an opportunity) against ``dead``. Features,
point in time: firmographics, the contact's persona, the lead source and what the contact did in the
180 days before the lead came in and the 14 days after, never later (a lead's behaviour after it
was already converted or dead would restate the outcome). Only leads whose window lies inside the
store's behaviour history train. The AUC is measured on the newest quarter of closed leads (a time
split: the model never sees the future it is judged on). Open leads are scored on what their person
did in the last 180 days. Scores are shown 0-100.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.metrics import roc_auc_score

from copilot.core.errors import PolkuError
from tools import model as mdl
from tools.features import LEAD_CATEGORICAL, LEAD_NUMERIC, Frames, lead_features

AFTER = timedelta(days=14)
"""A lead's behaviour counts until this long after it came in (the first call usually falls within it)."""


class ConversionReport(BaseModel):
    n_train: int
    """Leads the measured model learnt from (at most ``tools.model.MAX_TRAIN_ROWS``, a stratified sample)."""
    n_test: int
    positives_train: int
    positives_test: int
    holdout_auc: float
    """AUC on the newest 25 % of closed leads."""
    brier: float
    ece: float
    split_at: datetime


class ConversionScore(BaseModel):
    lead_id: str
    probability: float = Field(ge=0, le=1)
    score: int = Field(ge=0, le=100)
    drivers: list[mdl.Driver]


def closed_leads(leads: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Converted and dead leads, oldest first, with their outcome (1 = converted)."""
    converted = ((leads["status"] == "converted") | leads["opportunity_id"].notna()).to_numpy()
    rows = np.flatnonzero(converted | (leads["status"] == "dead").to_numpy())
    # one take of the rows in time order: copying and sorting the whole lead table was a third of training
    rows = rows[np.argsort(leads["created_at"].to_numpy()[rows], kind="stable")]
    return leads.iloc[rows], converted[rows].astype(int)


def _closed(f: Frames, test_share: float, now: datetime) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Closed leads (oldest first) whose behaviour window is inside the history, their outcomes and where
    the newest ``test_share`` starts."""
    closed, y = closed_leads(f.leads)
    if not f.events.empty:
        first = f.events["at"].min() + pd.Timedelta(days=60)
        inside = ((closed["created_at"] >= first) & (closed["created_at"] <= pd.Timestamp(now) - AFTER)).to_numpy()
        closed, y = closed[inside], y[inside]
    if len(closed) < 40:
        raise PolkuError("invalid", f"only {len(closed)} closed leads: too few to learn conversion")
    cut = int(len(closed) * (1 - test_share))
    if min(y[cut:].sum(), (1 - y[cut:]).sum()) < 2:
        raise PolkuError("invalid", "the newest leads are all of one outcome: cannot measure the model")
    return closed, y, cut


def _fit(f: Frames, closed: pd.DataFrame, y: np.ndarray, now: datetime) -> tuple[mdl.ExplainableModel, np.ndarray]:
    """The model and the labels it learnt from: a big store trains on a stratified sample of its leads."""
    keep = mdl.capped(y)
    X = lead_features(closed.iloc[keep], f.events, after_created_days=AFTER.days)
    return mdl.fit(X, y[keep], numeric=LEAD_NUMERIC, categorical=LEAD_CATEGORICAL), y[keep]


def fit(f: Frames, *, now: datetime, test_share: float = 0.25) -> mdl.ExplainableModel:
    """:func:`train`'s model without its report (what the score cache keeps: half the work)."""
    closed, y, _ = _closed(f, test_share, now)
    return _fit(f, closed, y, now)[0]


def train(f: Frames, *, now: datetime, test_share: float = 0.25) -> tuple[mdl.ExplainableModel, ConversionReport]:
    """The model on all closed leads, and its report from a twin that never saw the newest ``test_share``."""
    closed, y, cut = _closed(f, test_share, now)
    held, y_held = _fit(f, closed.iloc[:cut], y[:cut], now)
    p = held.predict_proba(lead_features(closed.iloc[cut:], f.events, after_created_days=AFTER.days))
    report = ConversionReport(
        n_train=len(y_held), n_test=len(y) - cut, positives_train=int(y_held.sum()), positives_test=int(y[cut:].sum()),
        holdout_auc=float(roc_auc_score(y[cut:], p)), brier=float(np.mean((p - y[cut:]) ** 2)),
        ece=mdl.expected_calibration_error(y[cut:], p), split_at=closed["created_at"].iloc[cut].to_pydatetime())
    return _fit(f, closed, y, now)[0], report


def open_leads(leads: pd.DataFrame) -> pd.DataFrame:
    return leads[leads["status"].isin(["no_action", "contacted"]) & leads["opportunity_id"].isna()]


def score(model: mdl.ExplainableModel, f: Frames, *, now: datetime, leads: pd.DataFrame | None = None,
          top: int = 3, explain: bool = True) -> list[ConversionScore]:
    leads = open_leads(f.leads) if leads is None else leads
    if leads.empty:
        return []
    X = lead_features(leads, f.events, as_of=now)
    p, drivers = model.explain(X, top) if explain else (model.predict_proba(X), [[] for _ in range(len(X))])
    return [ConversionScore(lead_id=i, probability=round(float(q), 4), score=round(float(q) * 100), drivers=d)
            for i, q, d in zip(X.index, p, drivers, strict=True)]
