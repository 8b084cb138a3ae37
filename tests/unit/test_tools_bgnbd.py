"""BG/NBD + Gamma-Gamma against the published CDNOW estimates (Fader, Hardie & Lee 2005; F&H 2013)."""

import numpy as np
import pandas as pd
import pytest

from copilot.core.errors import PolkuError
from tools import bgnbd, cdnow
from tools.rfm import rfm_summary


@pytest.fixture(scope="module")
def summary():
    return rfm_summary(cdnow.cdnow_transactions(), calibration_end=cdnow.CALIBRATION_END,
                       observation_end=cdnow.OBSERVATION_END)


def test_rfm_summary_matches_the_published_summary(summary):
    pub = cdnow.cdnow_published_summary()
    assert len(summary) == 2357
    assert np.array_equal(summary["x"].to_numpy(), pub["x"].to_numpy())
    assert np.abs(summary["T"].to_numpy() - pub["T"].to_numpy()).max() < 0.01


def test_bgnbd_matches_published_estimates(summary):
    bg = bgnbd.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    gg = bgnbd.fit_gamma_gamma(summary["x"], summary["zbar"])
    published = cdnow.PUBLISHED_BGNBD
    assert (round(bg.r, 3), round(bg.alpha, 3), round(bg.a, 3), round(bg.b, 3)) == (
        published["r"], published["alpha"], published["a"], published["b"])
    assert round(bg.log_likelihood, 1) == published["log_likelihood"]
    assert (round(gg.p, 2), round(gg.q, 2), round(gg.gamma, 2)) == (6.25, 3.74, 15.44)
    assert gg.n_customers == 946


def test_holdout_prediction_is_close_to_actual(summary):
    bg = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=0)
    pred = bgnbd.conditional_expected_transactions(bg, 39.0, summary["x"], summary["t_x"], summary["T"])
    actual = summary["x_holdout"].to_numpy()
    assert abs(pred.sum() - actual.sum()) / actual.sum() < 0.15
    # customers with more past purchases are expected to buy more (the conditional expectation rises in x)
    by_x = pd.Series(pred).groupby(np.minimum(summary["x"].to_numpy(), 7)).mean()
    assert by_x.is_monotonic_increasing


def test_probabilities_and_clv_are_finite(summary):
    bg = bgnbd.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    gg = bgnbd.fit_gamma_gamma(summary["x"], summary["zbar"])
    p = bgnbd.probability_alive(bg, summary["x"], summary["t_x"], summary["T"])
    assert ((p > 0) & (p <= 1)).all()
    assert np.all(p[summary["x"].to_numpy() == 0] == 1)
    value = bgnbd.probabilistic_clv(bg, gg, summary, years=1, periods_per_year=52)
    assert np.isfinite(value).all() and (value >= 0).all()
    assert abs(bgnbd.expected_transactions(bg, 0.0)) < 1e-12


def test_empty_and_degenerate_histories_are_clear_errors():
    with pytest.raises(PolkuError, match="empty"):
        bgnbd.fit_bgnbd([], [], [])
    with pytest.raises(PolkuError, match="no repeat"):
        bgnbd.fit_bgnbd([0, 0], [0, 0], [5, 6])
    with pytest.raises(PolkuError):
        bgnbd.fit_bgnbd([1], [7], [5])  # t_x beyond T
    with pytest.raises(PolkuError):
        bgnbd.fit_gamma_gamma([0, 0], [0, 0])
    with pytest.raises(PolkuError, match="empty"):
        rfm_summary(pd.DataFrame(columns=["customer_id", "date", "amount"]))
    with pytest.raises(PolkuError, match="negative"):
        rfm_summary(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [-3]}))
