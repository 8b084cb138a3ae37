"""Scores in the reader's language: churn risk and its drivers, CLV, and the one line on how each was computed.

Shared by the brief, next actions, the support sidebar and the CLI, so a figure reads the same
everywhere. Wording comes from ``prompts/scores/<lang>.yaml``; every number goes through
``copilot.core.locale`` (``3 541 €``, ``−52 %``, ``12.12.2026`` in Finnish).
"""

from __future__ import annotations

from typing import Any

from copilot.core.locale import day, money, number, percent, plural
from prompts import templates
from tools.churn import LEAD_DAYS, ChurnDriver, ChurnRisk
from tools.value import ORDER_YEARS, RATE, YEARS, expected_remaining_years

# how each driver's figures are written: (kind, decimals)
_VALUE_FORMAT: dict[str, tuple[str, int]] = {
    "logins_per_licence": ("number", 1), "features_4w": ("number", 0), "sentiment_90d": ("number", 2),
    "nps": ("number", 0), "log_annual_value": ("money", 0),
    "tenure_years": ("number", 1),
}


def _t(lang: str) -> dict[str, Any]:
    return templates("scores", lang)


def driver(d: ChurnDriver, lang: str) -> str:
    """``kirjautumiset −52 % 8 viikossa (508 → 243 viikossa)``: one driver in the account's own figures."""
    forms = _t(lang)["drivers"]
    f = d.facts
    if d.feature == "order_trend" and not f.get("now") and not f.get("before"):
        return str(forms["order_trend_zero"])
    if d.feature == "payment_delay_180d" and "value" not in f:
        return str(forms["payment_delay_180d_none"])
    if d.feature in ("login_change_8w", "order_trend"):
        if "change" not in f:
            return str(forms[f"{d.feature}_none"]).format(now=money(f.get("now", 0.0), lang))
        scale = money if d.feature == "order_trend" else number
        return str(forms[d.feature]).format(change=percent(f["change"], lang, signed=True),
                                            before=scale(f.get("before", 0.0), lang),
                                            now=scale(f.get("now", 0.0), lang))
    form = forms.get(d.feature)
    if form is None:
        return d.text
    if isinstance(form, dict):  # a count: the plural form that fits it
        return plural(round(f.get("value", 0.0)), form, lang)
    if d.feature == "seat_use":
        return str(form).format(share=percent(f.get("share", 0.0), lang), users=number(f.get("users", 0.0), lang),
                                licences=number(f.get("licences", 0.0), lang))
    kind, decimals = _VALUE_FORMAT.get(d.feature, ("number", 0))
    v = f.get("value", 0.0)
    return str(form).format(value=money(v, lang) if kind == "money" else number(v, lang, decimals))


def reasons(risk: ChurnRisk, lang: str) -> str:
    """The risk with its reasons: what raises a medium or high one, what keeps a low one low."""
    t = _t(lang)
    low = risk.band == "low"
    return str(t["keeps_low" if low else "raised_by"]).format(
        risk=_risk_words(risk, lang), drivers=drivers(risk, lang, direction="lowers risk" if low else "raises risk"))


def drivers(risk: ChurnRisk, lang: str, *, direction: str = "raises risk", top: int = 3) -> str:
    """The account's drivers that push its risk in ``direction`` (``raises risk`` or ``lowers risk``), worded."""
    picked = [d for d in risk.drivers if d.direction == direction][:top]
    return "; ".join(driver(d, lang) for d in picked) or str(_t(lang)["no_drivers"])


def band(name: str, lang: str) -> str:
    return str(_t(lang)["bands"].get(name, name))


def _risk_words(r: ChurnRisk, lang: str) -> str:
    return risk(r, lang)


def risk(r: ChurnRisk, lang: str) -> str:
    """``34 % (kohtalainen) ennen sopimuskauden loppua 12.12.2026``."""
    t = _t(lang)
    p = percent(r.probability, lang)
    if r.term_end is None:
        return str(t["risk"]).format(probability=p, band=band(r.band, lang))
    return str(t["risk_until"]).format(probability=p, band=band(r.band, lang), end=day(r.term_end, lang))


def risk_explain(r: ChurnRisk | None, lang: str, examples: int | None = None) -> str:
    t = _t(lang)
    if r is None or r.term_end is None or not examples:
        return str(t["risk_explain_open"]).format(lead=LEAD_DAYS)
    return str(t["risk_explain"]).format(end=day(r.term_end, lang), examples=number(examples, lang), lead=LEAD_DAYS)


def value_explain(v: Any, churn_probability: float | None, lang: str) -> str:
    """How an account's CLV was computed (``v`` is a ``tools.service.AccountValue``)."""
    t = _t(lang)["value"]
    orders = str(t["orders"]).format(orders=money(v.orders, lang), order_years=ORDER_YEARS) if v.orders >= 1 else ""
    if v.kind == "contract":
        p = churn_probability or 0.0
        return str(t["contract"]).format(
            annual=money(v.annual_value, lang), years=YEARS, first=percent(1 - p, lang),
            later=percent(v.renewal_rate, lang),
            remaining=number(expected_remaining_years(p, v.renewal_rate, v.years_to_renewal), lang, 1),
            rate=percent(RATE, lang), contract=money(v.contract, lang), orders=orders)
    if v.kind == "prospect":
        return str(t["prospect_open" if v.deal_open else "prospect"]).format(
                                         p_win=percent(v.p_win, lang), deal=money(v.typical_deal, lang),
                                         factor=number(v.lifetime_factor, lang, 1),
                                         renewal=percent(v.renewal_rate, lang), rate=percent(RATE, lang))
    if v.kind == "former":
        return str(t["former"]).format(orders_or_none=orders or t["orders_none"])
    return str(t["none"])
