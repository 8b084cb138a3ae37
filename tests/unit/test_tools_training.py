"""Model training on big stores: the capped stratified sample, one encoding for probability and
drivers, one BLAS thread, and the lead features' event counting."""

import threading
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info

from tools import model
from tools.blas import one_thread
from tools.features import lead_features

NOW = datetime(2025, 6, 2, 12)


def test_capped_keeps_small_sets_whole_and_samples_big_ones_by_outcome():
    y = np.array([0, 1] * 10)
    assert np.array_equal(model.capped(y, cap=100), np.arange(20))
    y = np.r_[np.zeros(9_000, int), np.ones(1_000, int)]
    keep = model.capped(y, cap=2_000)
    assert len(keep) == 2_000 and np.all(np.diff(keep) > 0)  # sorted positions, no repeats
    assert y[keep].sum() == 200  # the outcome keeps its 10 % share
    assert np.array_equal(keep, model.capped(y, cap=2_000))  # the same sample every run
    # An outcome too rare to keep its share in 100 rows: no sampling, so neither starved nor inflated.
    rare = np.r_[np.zeros(99_950, int), np.ones(50, int)]
    assert np.array_equal(model.capped(rare, cap=1_000), np.arange(100_000))
    uncommon = np.r_[np.zeros(95_000, int), np.ones(5_000, int)]  # 5 %: 100 of a 2,000-row sample
    assert uncommon[model.capped(uncommon, cap=2_000)].mean() == 0.05


def _frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                      "c": rng.choice(["x", "y", "z"], size=n)})
    logit = 1.5 * X["a"] - X["b"] + (X["c"] == "x") * 0.8
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y.to_numpy()


def test_explain_is_predict_proba_and_drivers_from_one_encoding():
    X, y = _frame(500)
    m = model.fit(X, y, numeric=["a", "b"], categorical=["c"])
    p, drivers = m.explain(X.head(20), top=2)
    assert np.array_equal(p, m.predict_proba(X.head(20)))
    contrib = m.contributions(X.head(20))
    for row, effects in zip(drivers, contrib, strict=True):  # the two largest contributions, largest first
        assert [d.effect for d in row] == [round(float(c), 3) for c in sorted(effects, key=abs, reverse=True)[:2]]


def test_the_numpy_encoding_scores_exactly_as_the_fitted_sklearn_pipeline():
    X, y = _frame(400, seed=3)
    X["empty"] = np.nan  # no value at fit time: imputed with 0, kept as a column
    X.loc[X.index[::7], "a"] = np.nan  # gaps: the training median fills them
    m = model.fit(X, y, numeric=["a", "b", "empty"], categorical=["c"])
    new = X.head(30).copy()
    new.loc[new.index[:5], "c"] = "never seen"  # an unseen category encodes as all zeros
    new.loc[new.index[5:8], "b"] = None
    sk = m.pipeline[:-1].transform(new[m.features])
    assert np.allclose(m._encode(new), sk, rtol=0, atol=1e-12)
    assert np.allclose(m.predict_proba(new), m.pipeline.predict_proba(new[m.features])[:, 1], rtol=0, atol=1e-12)
    p, contributions = m.proba_and_contributions(new)
    assert np.array_equal(p, m.predict_proba(new)) and np.array_equal(contributions, m.contributions(new))
    for only in ({"numeric": ["a", "b"], "categorical": []}, {"numeric": [], "categorical": ["c"]}):
        one_kind = model.fit(X, y, **only)
        assert np.allclose(one_kind.predict_proba(new), one_kind.pipeline.predict_proba(new[one_kind.features])[:, 1],
                           rtol=0, atol=1e-12)


def test_one_thread_leaves_blas_at_one_thread_in_every_thread():
    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    seen: list[list[int]] = []

    def worker() -> None:
        with one_thread():
            seen.append(blas_threads())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(seen) == 2 and all(set(s) <= {1} for s in seen)
    assert set(blas_threads()) <= {1}  # and so it stays, also in the main thread


def _lead(lead_id: str, contact: str, created_days_ago: float) -> dict[str, object]:
    return {"lead_id": lead_id, "contact_id": contact, "created_at": NOW - timedelta(days=created_days_ago),
            "industry": "retail", "persona": "cio", "source": "web", "size": "mid", "country": "FI",
            "employees": 120}


def _event(contact: str, type_: str, page: str | None, days_ago: float) -> dict[str, object]:
    return {"contact_id": contact, "type": type_, "page_type": page, "at": NOW - timedelta(days=days_ago)}


def _counts(features: pd.DataFrame, lead: str, cols: list[str]) -> list[float]:
    return np.expm1(features.loc[lead, cols].astype(float)).round().tolist()


def test_lead_features_count_each_kind_of_event_in_the_window():
    leads = pd.DataFrame([_lead("L1", "c1", 30), _lead("L2", "c2", 300), _lead("L3", "c3", 5)])
    events = pd.DataFrame([
        _event("c1", "page_view", "pricing", 1), _event("c1", "page_view", "pricing", 2),
        _event("c1", "page_view", "other", 2),  # a page type no feature counts
        _event("c1", "download", "guide", 3),  # any page type of a download counts as one
        _event("c1", "email_open", None, 200),  # outside the 180-day window before now
        _event("c1", "page_view", "blog", -1),  # after now
        _event("c2", "webinar", None, 295), _event("c2", "email_click", None, 10),
        _event("cX", "form_submit", None, 1),  # nobody's lead
    ])
    now = lead_features(leads, events, as_of=NOW)
    assert _counts(now, "L1", ["pricing", "download", "blog", "email_open", "events_total"]) == [2, 1, 0, 0, 3]
    assert _counts(now, "L2", ["webinar", "email_click"]) == [0, 1]
    assert _counts(now, "L3", ["events_total"]) == [0]
    # without as_of the window runs from 180 days before each lead's creation to 14 days after it
    created = lead_features(leads, events)
    assert _counts(created, "L1", ["pricing", "download", "email_open"]) == [0, 0, 1]
    assert _counts(created, "L2", ["webinar", "email_click"]) == [1, 0]
    assert list(created.index) == ["L1", "L2", "L3"] and not created.isna().any().any()
