"""Account value a rep can read: what a contract customer is worth from here on, and what a prospect may be.

* A contract customer: its annual contract value paid at each coming renewal, kept with the
  probability that it renews (the churn model for the next renewal, the store's renewal rate after
  that), discounted with the book's NPV over ``YEARS`` renewals. Beside it, the repeat orders
  (add-ons, services) from BG/NBD + Gamma-Gamma over ``ORDER_YEARS`` years.
* A prospect: an expected value, P(win) × a typical first-year deal for its size × the lifetime
  factor of a new customer (the same NPV at the store's renewal rate) — said as such.
* A former customer: only what repeat orders may still bring.

Every figure comes with the parts it was computed from (``explain`` words them in one line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from copilot.core.locale import money, number, percent

RATE = 0.15
"""The book's discount rate."""
YEARS = 10
"""Renewals counted (the book's subscription example runs ten years)."""
ORDER_YEARS = 3
EN = "en"


def renewal_npv_factor(*, first: np.ndarray | float, later: float, years_to_renewal: np.ndarray | float,
                       rate: float = RATE, years: int = YEARS) -> np.ndarray:
    """Present value of 1 € paid at each of the next ``years`` renewals, each paid only if the account is
    still a customer: it renews the first time with probability ``first`` and every later time with
    ``later``. Renewal k (0-based) falls ``years_to_renewal + k`` years from now."""
    first_a = np.asarray(first, dtype=float)
    k = np.arange(years)
    keep = first_a[..., None] * later ** k  # P(still a customer after renewal k)
    disc = (1 + rate) ** -(np.asarray(years_to_renewal, dtype=float)[..., None] + k)
    return np.asarray((keep * disc).sum(axis=-1))


def new_customer_factor(renewal_rate: float, *, rate: float = RATE, years: int = YEARS) -> float:
    """Lifetime factor of a new customer: the first year paid now, then ``years − 1`` renewals (the
    book's upfront billing: payments at t = 0, 1, …)."""
    k = np.arange(years)
    return float(((renewal_rate ** k) / (1 + rate) ** k).sum())


def contract_value(annual: np.ndarray, p_churn: np.ndarray, years_to_renewal: np.ndarray,
                   renewal_rate: float) -> np.ndarray:
    """NPV of a contract customer's coming renewals (0 where there is no running contract)."""
    first = 1 - np.nan_to_num(np.asarray(p_churn, dtype=float), nan=1 - renewal_rate)
    factor = renewal_npv_factor(first=first, later=renewal_rate, years_to_renewal=np.maximum(years_to_renewal, 0))
    return np.nan_to_num(np.asarray(annual, dtype=float)) * factor


def expected_remaining_years(p_churn: float, renewal_rate: float, years_to_renewal: float,
                             years: int = YEARS) -> float:
    """Years the customer is expected to stay (the current term plus each renewal kept), undiscounted."""
    k = np.arange(years)
    return float(max(years_to_renewal, 0) + ((1 - p_churn) * renewal_rate ** k).sum())


def explain(row: pd.Series | dict, lang: str = EN) -> str:
    """One line on how the account's CLV was computed, from a score board row (English)."""
    kind = row.get("clv_kind")
    orders = float(row.get("clv_orders") or 0.0)
    extra = f" + repeat orders {money(orders, lang)} (BG/NBD + Gamma-Gamma, {ORDER_YEARS} years)" if orders >= 1 else ""
    if kind == "contract":
        risk = row.get("churn_probability")
        p = 0.0 if risk is None else float(risk)
        years = expected_remaining_years(p, float(row["renewal_rate"]), float(row["years_to_renewal"]))
        return (f"Contract {money(row['annual_value'], lang)} a year × the next {YEARS} renewals, kept with "
                f"P(renews) {percent(1 - p, lang)} next time and {percent(row['renewal_rate'], lang)} after "
                f"(about {number(years, lang, 1)} years still to go), discounted at {percent(RATE, lang)}: "
                f"{money(row['clv_contract'], lang)}{extra}.")
    if kind == "prospect":
        deal = "the open deal" if row.get("deal_open") else "typical first-year deal"
        return (f"Expected value, not yet a customer: P(win) {percent(row['p_win'], lang)} × {deal} "
                f"{money(row['typical_deal'], lang)} × lifetime factor {number(row['lifetime_factor'], lang, 1)}"
                f" ({percent(row['renewal_rate'], lang)} renew a year, discounted at {percent(RATE, lang)}).")
    if kind == "former":
        return f"Former customer, no running contract: only what repeat orders may still bring{extra or ' (none)'}."
    return "Not a customer and no open lead or deal: no expected value yet."
