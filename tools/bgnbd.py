"""BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013), in numpy/scipy.

Why our own code rather than ``lifetimes``: that package is unmaintained since 2020 and imports
``pkg_resources`` at import time (gone from current setuptools). The models are a few lines of
closed-form likelihood; fitting them with scipy on log-parameters is fast (CDNOW in well under a
second) and the tests pin the published CDNOW estimates, so the code is validated, not trusted.

Inputs are the usual RFM summary per customer, in one time unit (weeks for CDNOW):
``x`` repeat transactions, ``t_x`` time of the last one since the first, ``T`` age of the customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from copilot.core.errors import PolkuError
from tools.blas import one_thread


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int


def _as_arrays(x: object, t_x: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ts, Ts = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if xs.size == 0:
        raise PolkuError("invalid", "the transaction history is empty: no customers to fit")
    if not (np.isfinite(xs).all() and np.isfinite(ts).all() and np.isfinite(Ts).all()):
        raise PolkuError("invalid", "the RFM summary contains missing or infinite values")
    if (xs < 0).any() or (ts < 0).any() or (Ts <= 0).any() or (ts > Ts + 1e-9).any():
        raise PolkuError("invalid", "need x ≥ 0, 0 ≤ t_x ≤ T and T > 0 for every customer")
    return xs, ts, Ts


def bgnbd_loglik_terms(r: float, alpha: float, a: float, b: float,
                       x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood of the BG/NBD model (FHL 2005, eq. 6)."""
    # x takes few distinct values: the gamma functions are computed once per value, then indexed
    xu, inv = np.unique(x, return_inverse=True)
    a12 = (special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b)
           + special.gammaln(b + xu) - special.gammaln(b) - special.gammaln(a + b + xu))
    log_ab = np.where(xu > 0, np.log(a) - np.log(np.where(xu > 0, b + xu - 1, 1.0)), -np.inf)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = log_ab[inv] - (r + x) * np.log(alpha + t_x)
    return a12[inv] + np.logaddexp(a3, a4)


def _bgnbd_value_grad(theta: np.ndarray, w: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                      xu: np.ndarray, inv: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted negative log-likelihood and its analytic gradient in log-parameters.

    The gradient replaces scipy's finite differences (5 likelihood evaluations per step): on 100,000
    customers that was ~860 evaluations per fit instead of ~60.
    """
    r, alpha, a, b = np.exp(theta)
    pos = xu > 0
    bx1 = np.where(pos, b + xu - 1, 1.0)
    a12 = (special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b)
           + special.gammaln(b + xu) - special.gammaln(b) - special.gammaln(a + b + xu))
    log_ab = np.where(pos, np.log(a) - np.log(bx1), -np.inf)
    lT, lt = np.log(alpha + T), np.log(alpha + t_x)
    a3 = -(r + x) * lT
    a4 = log_ab[inv] - (r + x) * lt
    ll = np.logaddexp(a3, a4)
    value = -float(w @ (a12[inv] + ll))
    if not np.isfinite(value):
        return 1e300, np.zeros(4)
    w3, w4 = np.exp(a3 - ll), np.exp(a4 - ll)
    dig_ab, dig_abx = special.digamma(a + b), special.digamma(a + b + xu)
    d_r = (special.digamma(r + xu) - special.digamma(r))[inv] + np.log(alpha) - w3 * lT - w4 * lt
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = (dig_ab - dig_abx)[inv] + w4 / a
    d_b = (dig_ab + special.digamma(b + xu) - special.digamma(b) - dig_abx)[inv] - w4 / bx1[inv]
    grad = -np.array([w @ d_r * r, w @ d_alpha * alpha, w @ d_a * a, w @ d_b * b])
    return value, grad


def fit_bgnbd(x: object, t_x: object, T: object, *, weights: object | None = None) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters (optimised on log scale, Nelder-Mead then BFGS polish)."""
    xs, ts, Ts = _as_arrays(x, t_x, T)
    w = np.ones_like(xs) if weights is None else np.asarray(weights, dtype=float)
    if xs.sum() == 0:
        raise PolkuError("invalid", "no repeat transactions in the history: the model cannot be fitted")
    n_customers = int(xs.size)
    # identical (x, t_x, T) rows share one likelihood term: fit on the distinct rows with weights
    rows, inv = np.unique(np.column_stack([xs, ts, Ts]), axis=0, return_inverse=True)
    if len(rows) < 0.8 * len(xs):
        w = np.bincount(inv.ravel(), weights=w)
        xs, ts, Ts = rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()
    # x takes few distinct values: the gamma functions are computed once per value, then indexed
    xu, x_inv = np.unique(xs, return_inverse=True)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return _bgnbd_value_grad(theta, w, xs, ts, Ts, xu, x_inv)

    res = _minimise(fun, np.log([1.0, max(Ts.mean(), 1e-3), 1.0, 1.0]))
    r, alpha, a, b = (float(v) for v in np.exp(res.x))
    return BgNbdParams(r=r, alpha=alpha, a=a, b=b, log_likelihood=-float(res.fun), n_customers=n_customers)


@one_thread()  # the likelihood's dot products are BLAS calls: see tools.blas
def _minimise(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray) -> optimize.OptimizeResult:
    """BFGS with the analytic gradient on log-parameters; Nelder-Mead then BFGS when BFGS alone does not
    converge."""
    res = optimize.minimize(fun, start, method="BFGS", jac=True)
    # status 2 is "precision loss": on large data BFGS stops at the optimum without meeting gtol
    if (res.success or res.status == 2) and np.isfinite(res.fun) and res.fun < 1e299:
        return res
    res = optimize.minimize(lambda th: fun(th)[0], start, method="Nelder-Mead",
                            options={"maxiter": 4000, "maxfev": 8000})
    polished = optimize.minimize(fun, res.x, method="BFGS", jac=True)
    best = polished if polished.fun <= res.fun else res
    if not np.isfinite(best.fun) or best.fun >= 1e299:
        raise PolkuError("invalid", "the model could not be fitted to this history (no finite likelihood)")
    return best


def expected_transactions(params: BgNbdParams, t: float | np.ndarray) -> np.ndarray:
    """E[X(t)]: expected transactions of a new customer in (0, t] (FHL 2005, eq. 7)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)


def conditional_expected_transactions(params: BgNbdParams, t: float, x: object, t_x: object,
                                      T: object) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected transactions in the next ``t`` periods (FHL 2005, eq. 10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    xs, ts, Ts = _as_arrays(x, t_x, T)
    hyp = special.hyp2f1(r + xs, b + xs, a + b + xs - 1, t / (alpha + Ts + t))
    num = (a + b + xs - 1) / (a - 1) * (1 - ((alpha + Ts) / (alpha + Ts + t)) ** (r + xs) * hyp)
    return num / _alive_denominator(params, xs, ts, Ts)


def probability_alive(params: BgNbdParams, x: object, t_x: object, T: object) -> np.ndarray:
    """P(still active | x, t_x, T)."""
    xs, ts, Ts = _as_arrays(x, t_x, T)
    return 1.0 / _alive_denominator(params, xs, ts, Ts)


def _alive_denominator(params: BgNbdParams, xs: np.ndarray, ts: np.ndarray, Ts: np.ndarray) -> np.ndarray:
    repeat = xs > 0
    ratio = np.zeros_like(xs)
    bx = np.where(repeat, params.b + xs - 1, 1.0)
    log_term = (params.r + xs) * (np.log(params.alpha + Ts) - np.log(params.alpha + ts))
    ratio[repeat] = params.a / bx[repeat] * np.exp(np.minimum(log_term[repeat], 700))
    return 1.0 + ratio


def gamma_gamma_loglik_terms(p: float, q: float, gamma: float, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    """Per-customer log density of the mean spend ``zbar`` over ``x`` transactions."""
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(zbar) + px * np.log(x) - (px + q) * np.log(gamma + x * zbar))


def _spend_arrays(x: object, zbar: object) -> tuple[np.ndarray, np.ndarray]:
    xs, zs = np.asarray(x, dtype=float), np.asarray(zbar, dtype=float)
    keep = xs > 0
    xs, zs = xs[keep], zs[keep]
    if xs.size == 0:
        raise PolkuError("invalid", "no customer has repeat transactions: spend model cannot be fitted")
    if not np.isfinite(zs).all() or (zs <= 0).any():
        raise PolkuError("invalid", "average transaction values must be positive numbers")
    return xs, zs


def fit_gamma_gamma(x: object, zbar: object) -> GammaGammaParams:
    """Gamma-Gamma spend model on customers with at least one repeat transaction."""
    xs, zs = _spend_arrays(x, zbar)

    lx, lz = np.log(xs), np.log(zs)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = np.exp(theta)
        value = -float(gamma_gamma_loglik_terms(p, q, g, xs, zs).sum())
        if not np.isfinite(value):
            return 1e300, np.zeros(3)
        px, lgxz = p * xs, np.log(g + xs * zs)
        dig = special.digamma(px + q)
        d_p = (xs * (dig - special.digamma(px) + lz + lx - lgxz)).sum()
        d_q = (dig - special.digamma(q) + np.log(g) - lgxz).sum()
        d_g = (q / g - (px + q) / (g + xs * zs)).sum()
        return value, -np.array([d_p * p, d_q * q, d_g * g])

    res = _minimise(fun, np.log([1.0, 1.0, max(zs.mean(), 1e-3)]))
    p, q, g = (float(v) for v in np.exp(res.x))
    return GammaGammaParams(p=p, q=q, gamma=g, log_likelihood=-float(res.fun), n_customers=int(xs.size))


def expected_spend(params: GammaGammaParams, x: object, zbar: object) -> np.ndarray:
    """E[M | x, zbar]: a customer's expected average transaction value (population mean if x = 0)."""
    xs = np.asarray(x, dtype=float)
    zs = np.nan_to_num(np.asarray(zbar, dtype=float), nan=0.0)
    p, q, g = params.p, params.q, params.gamma
    if q <= 1:
        raise PolkuError("invalid", "the fitted spend model has no finite mean (q ≤ 1)")
    return (g + xs * zs) * p / (p * xs + q - 1)


def probabilistic_clv(bg: BgNbdParams, gg: GammaGammaParams, rfm: pd.DataFrame, *, years: int = 3,
                      periods_per_year: float = 52.0, annual_rate: float = 0.15, margin: float = 1.0) -> np.ndarray:
    """Expected discounted margin over ``years``: Σ_y ΔE[Y(year y)] × E[M] × margin / (1 + r)^y.

    Transactions are discounted by the year they fall in (the book discounts yearly too).
    """
    if years < 1:
        raise PolkuError("invalid", "the CLV horizon must be at least one year")
    x, t_x, T = rfm["x"].to_numpy(float), rfm["t_x"].to_numpy(float), rfm["T"].to_numpy(float)
    spend = expected_spend(gg, x, rfm["zbar"].to_numpy(float))
    total = np.zeros_like(x)
    prev = np.zeros_like(x)
    for y in range(1, years + 1):
        cum = conditional_expected_transactions(bg, y * periods_per_year, x, t_x, T)
        total += (cum - prev) / (1 + annual_rate) ** y
        prev = cum
    return total * spend * margin
