"""Predictive lead score: the probability that a lead converts, learned from the store's closed leads.

Outcome: converted (status ``converted`` or linked to an opportunity) against ``dead``. Features:
firmographics, the contact's persona, the lead source and what the contact did from 90 days before
over the last 180 days (the demo store logs behaviour for recent months only). The AUC is measured
on the newest quarter of closed leads
(a time split: the model never sees the future it is judged on). Scores are shown 0-100.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.metrics import roc_auc_score

from copilot.errors import PolkuError
from tools import model as mdl
from tools.features import LEAD_CATEGORICAL, LEAD_NUMERIC, Frames, lead_features


class ConversionReport(BaseModel):
    n_train: int
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
    converted = (leads["status"] == "converted") | leads["opportunity_id"].notna()
    closed = leads[converted | (leads["status"] == "dead")].sort_values("created_at", kind="stable")
    y = ((closed["status"] == "converted") | closed["opportunity_id"].notna()).to_numpy().astype(int)
    return closed, y


def train(f: Frames, *, now: datetime, test_share: float = 0.25) -> tuple[mdl.ExplainableModel, ConversionReport]:
    closed, y = closed_leads(f.leads)
    if len(closed) < 40:
        raise PolkuError("invalid", f"only {len(closed)} closed leads: too few to learn conversion")
    X = lead_features(closed, f.events, as_of=now)
    cut = int(len(closed) * (1 - test_share))
    if min(y[cut:].sum(), (1 - y[cut:]).sum()) < 2:
        raise PolkuError("invalid", "the newest leads are all of one outcome: cannot measure the model")
    held = mdl.fit(X.iloc[:cut], y[:cut], numeric=LEAD_NUMERIC, categorical=LEAD_CATEGORICAL)
    p = held.predict_proba(X.iloc[cut:])
    report = ConversionReport(
        n_train=cut, n_test=len(y) - cut, positives_train=int(y[:cut].sum()), positives_test=int(y[cut:].sum()),
        holdout_auc=float(roc_auc_score(y[cut:], p)), brier=float(np.mean((p - y[cut:]) ** 2)),
        ece=mdl.expected_calibration_error(y[cut:], p), split_at=closed["created_at"].iloc[cut].to_pydatetime())
    return mdl.fit(X, y, numeric=LEAD_NUMERIC, categorical=LEAD_CATEGORICAL), report


def open_leads(leads: pd.DataFrame) -> pd.DataFrame:
    return leads[leads["status"].isin(["no_action", "contacted"]) & leads["opportunity_id"].isna()]


def score(model: mdl.ExplainableModel, f: Frames, *, now: datetime, leads: pd.DataFrame | None = None,
          top: int = 3, explain: bool = True) -> list[ConversionScore]:
    leads = open_leads(f.leads) if leads is None else leads
    if leads.empty:
        return []
    X = lead_features(leads, f.events, as_of=now)
    p = model.predict_proba(X)
    drivers = model.drivers(X, top) if explain else [[] for _ in range(len(X))]
    return [ConversionScore(lead_id=i, probability=round(float(q), 4), score=round(float(q) * 100), drivers=d)
            for i, q, d in zip(X.index, p, drivers, strict=True)]
