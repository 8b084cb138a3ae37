"""Customer lifetime value, the two closed forms the book uses.

* :func:`classic_clv` — ``avg order value × purchase frequency × relationship length − acquisition cost``.
* :func:`npv` / :func:`subscription_clv` — discounted cash flows with yearly churn.

Convention (reproduces both worked examples of the book exactly): cash flow ``t`` is discounted
by ``(1 + r) ** t`` and ``t`` runs from 0 (now) to the horizon *inclusive*. A subscription billed
upfront pays at the start of every year, so "10 years" means payments at t = 0, 1, ..., 10 (eleven
rows, as in the book's table) and the expected payment in year ``t`` is ``amount × (1 − churn) ** t``.
Billed in arrears the first payment is at t = 1 and survives one year of churn less.
The probabilistic model for transaction histories lives in :mod:`tools.bgnbd`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from copilot.core.errors import PolkuError

Money = Annotated[float, Field(allow_inf_nan=False)]


class CashFlowRow(BaseModel):
    year: int
    cash_flow: float
    """Expected net cash flow of the year (after churn)."""
    discounted: float
    """Its present value."""


class NpvResult(BaseModel):
    npv: float
    undiscounted: float
    rows: list[CashFlowRow]


def _check_rate(rate: float, name: str = "discount rate") -> None:
    if not math.isfinite(rate) or rate <= -1 or rate > 10:
        raise PolkuError("invalid", f"{name} must be a fraction such as 0.15 (got {rate})")


def classic_clv(*, avg_order_value: float, purchases_per_year: float, years: float,
                acquisition_cost: float = 0.0) -> float:
    """The book's simple CLV: ``aov × frequency × relationship length − CAC`` (undiscounted)."""
    for name, value in (("average order value", avg_order_value), ("purchase frequency", purchases_per_year),
                        ("relationship length", years), ("acquisition cost", acquisition_cost)):
        if not math.isfinite(value) or value < 0:
            raise PolkuError("invalid", f"{name} must be a non-negative number (got {value})")
    return avg_order_value * purchases_per_year * years - acquisition_cost


def npv(cash_flows: Sequence[float], rate: float) -> NpvResult:
    """Net present value of yearly cash flows, the first one at t = 0 (now)."""
    _check_rate(rate)
    if not cash_flows:
        raise PolkuError("invalid", "at least one cash flow is needed")
    rows = []
    for t, cf in enumerate(cash_flows):
        if not math.isfinite(cf):
            raise PolkuError("invalid", f"cash flow of year {t} is not a number")
        rows.append(CashFlowRow(year=t, cash_flow=cf, discounted=cf / (1 + rate) ** t))
    return NpvResult(npv=sum(r.discounted for r in rows), undiscounted=float(sum(cash_flows)), rows=rows)


def subscription_clv(*, annual_amount: float, years: int, rate: float, churn: float,
                     billed_upfront: bool = True, acquisition_cost: float = 0.0) -> NpvResult:
    """Discounted CLV of a yearly subscription with constant yearly churn.

    Billed upfront: payments at t = 0..years, expected amount ``annual × (1 − churn) ** t``.
    Billed in arrears: payments at t = 1..years, ``annual × (1 − churn) ** (t − 1)``.
    An acquisition cost is a negative flow at t = 0.
    """
    if not math.isfinite(annual_amount) or annual_amount < 0:
        raise PolkuError("invalid", f"annual amount must be a non-negative number (got {annual_amount})")
    if years < 1 or years > 100:
        raise PolkuError("invalid", f"years must be between 1 and 100 (got {years})")
    if not 0 <= churn < 1:
        raise PolkuError("invalid", f"churn must be a fraction in [0, 1) (got {churn})")
    if acquisition_cost < 0:
        raise PolkuError("invalid", "acquisition cost must not be negative")
    keep = 1 - churn
    if billed_upfront:
        flows = [annual_amount * keep**t for t in range(years + 1)]
    else:
        flows = [0.0] + [annual_amount * keep ** (t - 1) for t in range(1, years + 1)]
    flows[0] -= acquisition_cost
    return npv(flows, rate)
