"""A/B test planning and analysis for conversion rates.

Sample size: the standard two-sided two-proportion formula (Fleiss, without continuity correction).
Analysis: the pooled two-proportion z-test, and the Bayesian view with Beta(1, 1) priors: the
probability that the variant beats control, computed by numerical integration (deterministic), with
equal-tailed credible intervals. The B2B rules of the sources: at least 500 per group and at least
two weeks, one element changed at a time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy import integrate, stats

from copilot.core.errors import PolkuError
from copilot.core.locale import number, percent

MIN_PER_GROUP = 500
MIN_DAYS = 14
MAX_DAYS = 56
"""Beyond about eight weeks a B2B test is not worth running as planned: the audience and season change
under it. A plan that needs longer is flagged, with what to change."""
EN = "en"
TESTABLE_ELEMENTS = ("headline", "subject", "offer", "cta", "channel", "send_time", "angle", "body", "image",
                     "audience", "format")


class SampleSize(BaseModel):
    per_group: int
    """Visitors or recipients needed in each group (never below the B2B floor of 500)."""
    statistical_per_group: int
    """What the power calculation alone asks for."""
    total: int
    baseline: float
    target: float
    alpha: float
    power: float
    notes: list[str]
    baseline_source: str = "given"
    """Where the baseline rate came from (given by the person, or the store's history)."""


class GroupResult(BaseModel):
    name: str
    n: int
    conversions: int
    rate: float
    credible_interval: tuple[float, float]


class AbAnalysis(BaseModel):
    control: GroupResult
    variant: GroupResult
    absolute_lift: float
    relative_lift: float | None
    z: float
    p_value: float
    significant: bool
    prob_variant_beats_control: float
    lift_interval: tuple[float, float]
    """95 % interval of the absolute difference (normal approximation, unpooled)."""
    notes: list[str]
    verdict: str
    """``variant wins``, ``control wins`` or ``not yet significant``."""
    more_per_group: int | None
    """Contacts each group still needs to tell a lift of the observed size from chance (None when decided)."""
    more_days: int | None
    """Days that takes at the given daily volume (None without a volume, or when decided)."""
    summary: str
    """The result in plain English: both lifts, the verdict and what to do."""


class Duration(BaseModel):
    days: int
    reason: str
    warning: str | None = None
    """Set when the test needs more than ``MAX_DAYS`` at this volume: what to change instead."""


class OneElementCheck(BaseModel):
    ok: bool
    changed: list[str]
    message: str


def _rate(value: float, name: str) -> None:
    if not (0 < value < 1) or not math.isfinite(value):
        raise PolkuError("invalid", f"{name} must be a rate strictly between 0 and 1 (got {value})")


def sample_size(*, baseline: float, mde: float, relative: bool = False, alpha: float = 0.05,
                power: float = 0.8, groups: int = 2) -> SampleSize:
    """Per-group sample size to detect ``mde`` (absolute, or relative to the baseline) two-sided."""
    _rate(baseline, "baseline rate")
    _rate(alpha, "significance level")
    _rate(power, "power")
    if not math.isfinite(mde) or mde <= 0:
        raise PolkuError("invalid", "the minimum detectable effect must be positive")
    target = baseline * (1 + mde) if relative else baseline + mde
    _rate(target, "baseline + effect")
    if groups < 2:
        raise PolkuError("invalid", "an A/B test needs at least two groups")
    z_a = stats.norm.ppf(1 - alpha / 2)
    z_b = stats.norm.ppf(power)
    p_bar = (baseline + target) / 2
    num = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        baseline * (1 - baseline) + target * (1 - target))
    n = math.ceil(num**2 / (target - baseline) ** 2)
    notes = []
    per_group = n
    if n < MIN_PER_GROUP:
        per_group = MIN_PER_GROUP
        notes.append(f"raised to the B2B minimum of {MIN_PER_GROUP} per group")
    return SampleSize(per_group=per_group, statistical_per_group=n, total=per_group * groups, baseline=baseline,
                      target=target, alpha=alpha, power=power, notes=notes)


def minimum_duration(*, per_group: int, groups: int = 2, daily_traffic: float) -> Duration:
    """Days to run: enough traffic for every group, and never under two weeks (full weekly cycles)."""
    if per_group <= 0 or groups < 2:
        raise PolkuError("invalid", "need a positive group size and at least two groups")
    if not math.isfinite(daily_traffic) or daily_traffic <= 0:
        raise PolkuError("invalid", "daily traffic must be a positive number")
    need = math.ceil(per_group * groups / daily_traffic)
    if need <= MIN_DAYS:
        return Duration(days=MIN_DAYS, reason=f"traffic suffices in {need} d; B2B tests run ≥ {MIN_DAYS} d")
    days = math.ceil(need / 7) * 7
    return Duration(days=days, warning=too_long(days, daily_traffic),
                    reason=f"{number(per_group * groups, EN)} contacts at {number(daily_traffic, EN)} a day, "
                    "rounded up to whole weeks")


def too_long(days: int, daily_traffic: float) -> str | None:
    if days <= MAX_DAYS:
        return None
    return (f"At {number(daily_traffic, EN)} contacts a day this test needs {number(days, EN)} days "
            f"({number(days / 7, EN)} weeks), more than the {MAX_DAYS // 7} weeks a B2B test should run: test a "
            "bolder change (a bigger lift is found with fewer contacts) or a larger segment.")


def _prob_beats(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X2 > X1) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), by integrating f2 × F1 over the bulk."""
    lo = min(stats.beta.ppf(1e-12, a1, b1), stats.beta.ppf(1e-12, a2, b2))
    hi = max(stats.beta.ppf(1 - 1e-12, a1, b1), stats.beta.ppf(1 - 1e-12, a2, b2))
    value, _ = integrate.quad(lambda x: stats.beta.pdf(x, a2, b2) * stats.beta.cdf(x, a1, b1), lo, hi,
                              limit=200, points=[stats.beta.mean(a1, b1), stats.beta.mean(a2, b2)])
    return float(min(1.0, max(0.0, value)))


def analyze(*, control_n: int, control_conversions: int, variant_n: int, variant_conversions: int,
            alpha: float = 0.05, daily_traffic: float | None = None) -> AbAnalysis:
    """Two-proportion z-test and Bayesian probability to beat control."""
    for name, n, c in (("control", control_n, control_conversions), ("variant", variant_n, variant_conversions)):
        if n <= 0 or c < 0 or c > n:
            raise PolkuError("invalid", f"{name}: need 0 ≤ conversions ≤ visitors and visitors > 0")
    _rate(alpha, "significance level")
    p1, p2 = control_conversions / control_n, variant_conversions / variant_n
    pooled = (control_conversions + variant_conversions) / (control_n + variant_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / control_n + 1 / variant_n))
    z = (p2 - p1) / se if se > 0 else 0.0
    p_value = float(2 * stats.norm.sf(abs(z)))
    se_u = math.sqrt(p1 * (1 - p1) / control_n + p2 * (1 - p2) / variant_n)
    zc = float(stats.norm.ppf(1 - alpha / 2))
    groups = []
    for name, n, c in (("control", control_n, control_conversions), ("variant", variant_n, variant_conversions)):
        lo, hi = stats.beta.ppf([alpha / 2, 1 - alpha / 2], 1 + c, 1 + n - c)
        groups.append(GroupResult(name=name, n=n, conversions=c, rate=c / n, credible_interval=(float(lo), float(hi))))
    prob = _prob_beats(1 + control_conversions, 1 + control_n - control_conversions,
                       1 + variant_conversions, 1 + variant_n - variant_conversions)
    notes = []
    if min(control_n, variant_n) < MIN_PER_GROUP:
        notes.append(f"fewer than {MIN_PER_GROUP} per group: treat the result as a hint, not a finding")
    significant = p_value < alpha
    more = None if significant else _more_per_group(p1, p2, min(control_n, variant_n), alpha)
    days = None if more is None or not daily_traffic else math.ceil(2 * more / daily_traffic)
    verdict = ("variant wins" if p2 > p1 else "control wins") if significant else "not yet significant"
    result = AbAnalysis(control=groups[0], variant=groups[1], absolute_lift=p2 - p1,
                        relative_lift=(p2 - p1) / p1 if p1 > 0 else None, z=float(z), p_value=p_value,
                        significant=significant, prob_variant_beats_control=prob,
                        lift_interval=(p2 - p1 - zc * se_u, p2 - p1 + zc * se_u), notes=notes,
                        verdict=verdict, more_per_group=more, more_days=days, summary="")
    if days is not None and daily_traffic:
        warning = too_long(days + math.ceil((control_n + variant_n) / daily_traffic), daily_traffic)
        if warning:
            notes.append(warning)
    return result.model_copy(update={"summary": _summary(result, alpha)})


def _more_per_group(p1: float, p2: float, n: int, alpha: float) -> int | None:
    """Contacts per group still needed to detect a lift the size of the one seen, at 80 % power."""
    if p1 == p2 or not (0 < p1 < 1) or not (0 < p2 < 1):
        return None
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(0.8)
    p_bar = (p1 + p2) / 2
    need = (z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return max(0, math.ceil(need / (p2 - p1) ** 2) - n)


def _summary(r: AbAnalysis, alpha: float) -> str:
    lift = f"{'+' if r.absolute_lift >= 0 else '−'}{number(abs(r.absolute_lift) * 100, EN, 1)} percentage points"
    rel = f" ({percent(r.relative_lift, EN, signed=True)} relative)" if r.relative_lift is not None else ""
    head = (f"Control {percent(r.control.rate, EN, 1)}, variant {percent(r.variant.rate, EN, 1)}: {lift}{rel}. "
            f"p = {r.p_value:.3f} (the bar is {alpha:g}); in the Bayesian view the variant is better with "
            f"{percent(r.prob_variant_beats_control, EN)} probability.")
    if r.significant:
        return head + f" Significant at the {percent(1 - alpha, EN)} level: {r.verdict}."
    if r.more_per_group is None:
        return head + " Not significant, and no difference to chase: stop the test or try a bolder change."
    more = f"about {number(r.more_per_group, EN)} more contacts per group"
    when = f" (about {number(r.more_days, EN)} more days at this volume)" if r.more_days is not None else ""
    return head + f" Not yet significant: keep running, {more}{when}, to tell a lift this size from chance."


def check_one_element(control: dict[str, Any], variant: dict[str, Any]) -> OneElementCheck:
    """A valid test changes exactly one element (headline, offer, CTA, channel, send time, angle...)."""
    keys = sorted(set(control) | set(variant))
    changed = [k for k in keys if control.get(k) != variant.get(k)]
    if len(changed) == 1:
        return OneElementCheck(ok=True, changed=changed, message=f"tests one element: {changed[0]}")
    if not changed:
        return OneElementCheck(ok=False, changed=[], message="the variants are identical: nothing is tested")
    return OneElementCheck(ok=False, changed=changed,
                           message=f"{len(changed)} elements differ ({', '.join(changed)}): change one at a time")


def simulate_power(*, baseline: float, target: float, per_group: int, alpha: float = 0.05, runs: int = 4000,
                   seed: int = 0) -> float:
    """Monte Carlo power of the z-test (used by the tests to check :func:`sample_size`)."""
    rng = np.random.default_rng(seed)
    c1 = rng.binomial(per_group, baseline, runs)
    c2 = rng.binomial(per_group, target, runs)
    pooled = (c1 + c2) / (2 * per_group)
    se = np.sqrt(pooled * (1 - pooled) * 2 / per_group)
    z = np.divide(c2 - c1, per_group * se, out=np.zeros(runs), where=se > 0)
    return float((np.abs(z) > stats.norm.ppf(1 - alpha / 2)).mean())
