"""An explainable, calibrated binary classifier shared by churn risk and lead conversion.

Logistic regression on one-hot categories and standardised numbers. Why not boosting: on the IBM
Telco table it scores the same AUC (see tools/REPORT.md), its probabilities are calibrated by
construction (it minimises log-loss; the report shows the reliability), and every prediction splits
exactly into per-feature contributions, so "top drivers" are facts about the model rather than an
approximation. The contribution of a feature is ``coef × (value − training mean)`` on the log-odds
scale, summed over a category's one-hot columns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from copilot.core.errors import PolkuError
from tools.blas import one_thread

MAX_TRAIN_ROWS = 30_000
"""Training rows a model learns from at most. A logistic regression over a few dozen columns has
long converged by then: on the 100,000-account demo store the conversion model's holdout AUC was
0.6389 on all 103,493 training leads and 0.6382-0.6387 on three 30,000-row samples, for a third of
the training time."""
MIN_ROWS_PER_OUTCOME = 100
"""An outcome whose share of a capped sample would be smaller turns sampling off (see ``capped``)."""


class Driver(BaseModel):
    feature: str
    effect: float
    """Contribution to the log-odds against an average record (positive raises the probability)."""
    value: str
    """The record's value of the feature, as text."""


class CvReport(BaseModel):
    folds: int
    auc_per_fold: list[float]
    auc_mean: float
    auc_std: float
    brier: float
    ece: float
    """Expected calibration error over 10 equal-count bins of out-of-fold predictions."""
    n: int
    positives: int


@dataclass
class ExplainableModel:
    pipeline: Pipeline
    numeric: list[str]
    categorical: list[str]
    groups: np.ndarray
    """Transformed column → index of the original feature."""
    z_mean: np.ndarray
    coef: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    """What the model was trained on, for the line that explains its figures (e.g. ``examples``)."""

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical

    @functools.cached_property
    def _fitted(self) -> _Fitted:
        return _Fitted.of(self.pipeline, numeric=bool(self.numeric), categorical=bool(self.categorical))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._proba(self._encode(X))

    def _proba(self, z: np.ndarray) -> np.ndarray:
        fitted = self._fitted
        with one_thread():
            return expit(z @ fitted.coef + fitted.intercept)

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        """The fitted pipeline's encoding, computed from its parameters in numpy: the same numbers as
        ``pipeline[:-1].transform``, without the column transformer's per-call overhead. Categories are
        compared as text, as ``fit`` cast them (a missing one is the category "None" or "nan", as it was
        when the model learnt; every caller fills them before)."""
        fitted = self._fitted
        num = X[self.numeric].to_numpy(dtype=float, na_value=np.nan).reshape(len(X), len(self.numeric))
        num = np.where(np.isnan(num), fitted.fill, num)
        parts = [(num - fitted.mean) / fitted.scale]
        for col, cats in zip(self.categorical, fitted.categories, strict=True):
            codes = pd.Categorical(X[col].astype(str), categories=cats).codes  # -1: unseen, all zeros
            onehot = np.zeros((len(X), len(cats)))
            known = codes >= 0
            onehot[np.flatnonzero(known), codes[known]] = 1.0
            parts.append(onehot)
        return np.hstack(parts)

    def _contributions(self, z: np.ndarray) -> np.ndarray:
        per_col = (z - self.z_mean) * self.coef
        out = np.zeros((len(z), len(self.features)))
        np.add.at(out.T, self.groups, per_col.T)
        return out

    def numeric_weights(self) -> np.ndarray:
        """The fitted weight of each numeric feature (per standard deviation), in ``numeric`` order."""
        out = np.zeros(len(self.numeric))
        for col, g in enumerate(self.groups):
            if g < len(self.numeric):
                out[g] = self.coef[col]
        return out

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """n × features matrix of log-odds contributions."""
        return self._contributions(self._encode(X))

    def _drivers(self, X: pd.DataFrame, contrib: np.ndarray, top: int) -> list[list[Driver]]:
        order = np.argsort(-np.abs(contrib), axis=1)[:, :top]
        values = X[self.features].astype(str).to_numpy()
        return [[Driver(feature=self.features[j], effect=round(float(contrib[i, j]), 3), value=_fmt(values[i, j]))
                 for j in order[i] if abs(contrib[i, j]) > 1e-9] for i in range(len(X))]

    def explain(self, X: pd.DataFrame, top: int = 3) -> tuple[np.ndarray, list[list[Driver]]]:
        """``predict_proba`` and the ``top`` drivers (largest contributions) of each row, from one encoding of
        ``X`` (the single-account requests need both)."""
        p, contrib = self.proba_and_contributions(X)
        return p, self._drivers(X, contrib, top)

    def proba_and_contributions(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``predict_proba`` and ``contributions`` from one encoding of ``X``."""
        z = self._encode(X)
        return self._proba(z), self._contributions(z)


@dataclass(frozen=True)
class _Fitted:
    """What the fitted pipeline computes with, as arrays (see ``ExplainableModel._encode``)."""

    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    categories: list[np.ndarray]
    coef: np.ndarray
    intercept: float

    @classmethod
    def of(cls, pipeline: Pipeline, *, numeric: bool = True, categorical: bool = True) -> _Fitted:
        pre, clf = pipeline[0], pipeline[-1]
        none = np.empty(0)  # a model without numbers (or categories) has no fitted step for them
        stats = pre.named_transformers_["num"]["impute"].statistics_ if numeric else none
        scaler = pre.named_transformers_["num"]["scale"] if numeric else None
        # keep_empty_features: a column with no value at fit time is imputed with 0
        return cls(fill=np.where(np.isnan(stats), 0.0, stats), mean=none if scaler is None else scaler.mean_,
                   scale=none if scaler is None else scaler.scale_,
                   categories=list(pre.named_transformers_["cat"].categories_) if categorical else [],
                   coef=clf.coef_[0], intercept=float(clf.intercept_[0]))


def capped(y: np.ndarray | pd.Series, cap: int = MAX_TRAIN_ROWS, seed: int = 0) -> np.ndarray:
    """Sorted positions of a stratified random sample of at most ``cap`` of the labels ``y``.

    Every outcome keeps exactly its share, so the model's probabilities stay calibrated to the whole
    store. When an outcome is so rare that its share would be under 100 rows, every row is kept
    instead: enlarging its share would shift every probability, and starving it would leave too few
    examples to learn from. The seed makes the sample, and so the model, the same on every run.
    """
    y = np.asarray(y).astype(int)
    if len(y) <= cap:
        return np.arange(len(y))
    labels, counts = np.unique(y, return_counts=True)
    sizes = np.rint(cap * counts / len(y)).astype(int)
    if sizes.min() < MIN_ROWS_PER_OUTCOME:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    parts = [rng.choice(np.flatnonzero(y == k), size=n, replace=False) for k, n in zip(labels, sizes, strict=True)]
    return np.sort(np.concatenate(parts))


def _pipeline(numeric: list[str], categorical: list[str], C: float) -> Pipeline:
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                          ("scale", StandardScaler())]), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
    ])
    return Pipeline([("pre", pre), ("clf", LogisticRegression(C=C, max_iter=2000))])


def _check(X: pd.DataFrame, y: np.ndarray, features: list[str]) -> None:
    missing = [f for f in features if f not in X.columns]
    if missing:
        raise PolkuError("invalid", f"training data lacks columns: {', '.join(missing)}")
    if len(X) != len(y) or len(X) < 20:
        raise PolkuError("invalid", f"need at least 20 labelled records to train (got {len(X)})")
    if len(np.unique(y)) < 2 or min(np.bincount(y.astype(int))) < 5:
        raise PolkuError("invalid", "need at least 5 examples of each outcome to train")


def fit(X: pd.DataFrame, y: np.ndarray | pd.Series, *, numeric: list[str], categorical: list[str],
        C: float = 1.0) -> ExplainableModel:
    y = np.asarray(y).astype(int)
    _check(X, y, numeric + categorical)
    Xc = X[numeric + categorical].copy()
    for c in categorical:
        Xc[c] = Xc[c].astype(str)
    pipe = _pipeline(numeric, categorical, C)
    with one_thread():
        # the encoding is fitted once and its output reused for the mean the drivers are measured from
        z = pipe[:-1].fit_transform(Xc)
        pipe[-1].fit(z, y)
    names = pipe[:-1].get_feature_names_out()
    groups = np.array([_origin(n, numeric, categorical) for n in names])
    return ExplainableModel(pipeline=pipe, numeric=numeric, categorical=categorical, groups=groups,
                            z_mean=np.asarray(z).mean(axis=0), coef=pipe[-1].coef_[0])


def _origin(name: str, numeric: list[str], categorical: list[str]) -> int:
    kind, col = name.split("__", 1)
    if kind == "num":
        return numeric.index(col)
    for i, c in enumerate(categorical):
        if col.startswith(c + "_"):
            return len(numeric) + i
    raise AssertionError(name)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    order = np.argsort(p)
    err = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            err += len(chunk) * abs(p[chunk].mean() - y[chunk].mean())
    return float(err / len(y))


def cross_validate(X: pd.DataFrame, y: np.ndarray | pd.Series, *, numeric: list[str], categorical: list[str],
                   folds: int = 5, seed: int = 0, C: float = 1.0) -> CvReport:
    """Stratified k-fold AUC (mean ± std) plus Brier score and calibration error of out-of-fold predictions."""
    y = np.asarray(y).astype(int)
    _check(X, y, numeric + categorical)
    oof = np.zeros(len(y))
    aucs = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        m = fit(X.iloc[train], y[train], numeric=numeric, categorical=categorical, C=C)
        oof[test] = m.predict_proba(X.iloc[test])
        aucs.append(float(roc_auc_score(y[test], oof[test])))
    return CvReport(folds=folds, auc_per_fold=[round(a, 4) for a in aucs], auc_mean=float(np.mean(aucs)),
                    auc_std=float(np.std(aucs)), brier=float(brier_score_loss(y, oof)),
                    ece=expected_calibration_error(y, oof), n=len(y), positives=int(y.sum()))


def _fmt(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return "missing" if number != number else f"{number:.3g}"
