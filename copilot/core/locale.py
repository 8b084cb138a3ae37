"""Numbers, money, percentages, dates and plurals in the reader's language, from Babel's CLDR data.

Every text a person reads formats its figures here, so Finnish text reads ``3 541 €``, ``12,5 %`` and
``12.12.2026`` and English text ``€3,541``, ``12.5%`` and ``12 Dec 2026``. Hand-written formatting
(``f"{x:,.0f}"``) gives English separators inside Finnish sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

SUPPORTED = ("fi", "en")
"""The languages Polku writes in; anything else is refused where a person chooses it."""
_LOCALES = {"fi": "fi_FI", "en": "en_GB"}


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(_LOCALES.get(lang, "en_GB"))


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``1234.5`` → ``1 234,5`` (fi) or ``1,234.5`` (en), with exactly ``decimals`` decimals."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals), format=pattern, locale=_locale(lang))


def money(value: float, lang: str, decimals: int = 0) -> str:
    """Euros: ``3 541 €`` (fi) or ``€3,541`` (en)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_currency(
        round(value, decimals), "EUR", format=pattern + "\u00a0¤" if lang == "fi" else "¤" + pattern,
        locale=_locale(lang), currency_digits=False,
    )


def percent(share: float, lang: str, decimals: int = 0, *, signed: bool = False) -> str:
    """A share (``0.125``) as ``12,5 %`` (fi) or ``12.5%`` (en); ``signed`` adds ``+`` to gains."""
    # Finnish sets the sign apart (CLDR's fi pattern "#,##0 %"), English does not.
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + ("\u00a0%" if lang == "fi" else "%")
    text = format_percent(share, format=pattern, locale=_locale(lang))
    if signed and share > 0:
        text = "+" + text
    return text.replace("-", "−")


def day(value: date | datetime, lang: str) -> str:
    """A date: ``12.12.2026`` (fi) or ``12 Dec 2026`` (en)."""
    d = value.date() if isinstance(value, datetime) else value
    if lang == "fi":
        return f"{d.day}.{d.month}.{d.year}"
    return format_date(d, format="d MMM y", locale=_locale(lang))


def plural(count: int, forms: Mapping[str, str], lang: str) -> str:
    """The form of ``forms`` (CLDR categories ``one``, ``other``…) that fits ``count``, with
    ``{n}`` filled in: ``plural(1, {"one": "{n} action", "other": "{n} actions"}, "en")``."""
    category = _locale(lang).plural_form(abs(count))
    form = forms.get(category) or forms["other"]
    return form.format(n=count)
