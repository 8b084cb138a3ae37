"""The figures behind each churn driver, and the driver in plain English.

A driver is said in the account's own figures ("weekly logins −52 % in 8 weeks (508 → 243)"), not as
a model input ("usage_trend −0.477"). ``driver_facts`` picks the figures (the surfaces that write
in other languages word them from these, see ``prompts/scores``); ``driver_text`` is the English
wording the API returns.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from copilot.core.locale import day, money, number, percent, plural

EN = "en"


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def driver_facts(feature: str, row: pd.Series) -> dict[str, float]:
    """The plain figures of ``feature`` for one account (NaN-free: a missing figure is left out)."""
    get = {k: _num(row.get(k)) for k in ("_logins_before", "_logins_now", "_users", "_licences", "_annual_value",
                                         "_orders_now", "_orders_before", feature)}
    facts: dict[str, float] = {}
    if feature == "login_change_8w":
        before, now = get["_logins_before"], get["_logins_now"]
        facts = {"before": before, "now": now, "weeks": 8.0}
        if before > 0:
            facts["change"] = now / before - 1
    elif feature == "logins_per_licence":
        facts = {"value": get[feature], "licences": get["_licences"]}
    elif feature == "seat_use":
        facts = {"share": get[feature], "users": get["_users"], "licences": get["_licences"]}
    elif feature == "order_trend":
        facts = {"now": get["_orders_now"], "before": get["_orders_before"]}
        if get["_orders_before"] > 0:
            facts["change"] = get["_orders_now"] / get["_orders_before"] - 1
    elif feature == "log_annual_value":
        facts = {"value": get["_annual_value"]}
    else:
        facts = {"value": get[feature]}
    return {k: round(v, 4) for k, v in facts.items() if not math.isnan(v)}


def _count(n: float, one: str, other: str) -> str:
    return plural(round(n), {"one": one, "other": other}, EN)


def driver_text(feature: str, facts: dict[str, float], raises: bool) -> str:  # noqa: C901 - one phrase per feature
    v = facts.get("value", math.nan)
    if feature == "login_change_8w":
        if "change" not in facts:
            return "no weekly logins eight weeks ago to compare with"
        return (f"weekly logins {percent(facts['change'], EN, signed=True)} in 8 weeks "
                f"({number(facts['before'], EN)} → {number(facts['now'], EN)})")
    if feature == "logins_per_licence":
        return f"{number(v, EN, 1)} logins per licence a week"
    if feature == "seat_use":
        users, lic = facts.get("users", math.nan), facts.get("licences", math.nan)
        whole = f" ({number(users, EN)} of {number(lic, EN)})" if not math.isnan(users + lic) else ""
        return f"{percent(facts.get('share', 0.0), EN)} of licences in use{whole}"
    if feature == "features_4w":
        return f"{number(v, EN)} of 10 features in use"
    if feature == "tickets_90d":
        return _count(v, "{n} support ticket in 90 days", "{n} support tickets in 90 days")
    if feature == "neg_tickets_30d":
        return _count(v, "{n} unhappy support ticket in 30 days", "{n} unhappy support tickets in 30 days")
    if feature == "neg_tickets_90d":
        return _count(v, "{n} unhappy support ticket in 90 days", "{n} unhappy support tickets in 90 days")
    if feature == "sentiment_90d":
        return f"tone of support tickets {number(v, EN, 2)} (−1 angry … +1 happy)"
    if feature == "late_payments_180d":
        return _count(v, "{n} invoice paid over 2 weeks late in 6 months",
                      "{n} invoices paid over 2 weeks late in 6 months")
    if feature == "payment_delay_180d":
        if math.isnan(v):
            return "no invoices due in the last 6 months"
        return _count(v, "invoices paid {n} day late on average", "invoices paid {n} days late on average")
    if feature == "nps":
        return f"latest NPS answer {number(v, EN)}/10"
    if feature == "order_trend":
        if not facts.get("now") and not facts.get("before"):
            return "no add-on orders in 12 months"
        if "change" not in facts:
            return f"add-on orders {money(facts.get('now', 0.0), EN)} in 6 months (none the 6 before)"
        return f"add-on orders {percent(facts['change'], EN, signed=True)} (6 months against the 6 before)"
    if feature == "log_annual_value":
        return f"contract {money(v, EN)} a year"
    if feature == "tenure_years":
        return f"customer for {number(v, EN, 1)} years"
    return f"{feature.replace('_', ' ')} {number(v, EN, 2)}"


def risk_text(term_end: date | None, trained_on: int | None, lead_days: int) -> str:
    """How the churn figure was computed, in one line."""
    when = f"at the term end on {day(term_end, EN)}" if term_end else "at the next term end"
    basis = f" on {number(trained_on, EN)} past term ends" if trained_on else " on past term ends"
    return (f"Probability of not renewing {when}: a logistic model trained{basis}, each read {lead_days} days "
            "before its end; drivers are this account's largest contributions.")
