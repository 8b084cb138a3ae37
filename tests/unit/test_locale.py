"""Figures in the reader's language: Finnish text gets Finnish separators, dates and plurals."""

from __future__ import annotations

from datetime import date

import pytest

from copilot.core import locale

NB = "\u00a0"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fi", f"3{NB}541{NB}€"), ("en", "€3,541")],
)
def test_money_uses_the_languages_grouping_and_sign_position(lang: str, expected: str) -> None:
    assert locale.money(3541.2, lang) == expected


def test_money_with_cents_uses_the_decimal_comma_in_finnish() -> None:
    assert locale.money(6.5, "fi", 2) == f"6,50{NB}€"
    assert locale.money(6.5, "en", 2) == "€6.50"


def test_percent_sets_the_sign_apart_in_finnish_and_uses_a_real_minus() -> None:
    assert locale.percent(0.125, "fi", 1) == f"12,5{NB}%"
    assert locale.percent(-0.52, "fi") == f"−52{NB}%"
    assert locale.percent(0.4, "en", signed=True) == "+40%"


def test_dates_are_day_first_and_never_iso() -> None:
    assert locale.day(date(2026, 12, 2), "fi") == "2.12.2026"
    assert locale.day(date(2026, 12, 2), "en") == "2 Dec 2026"


@pytest.mark.parametrize(("n", "expected"), [(1, "1 action"), (0, "0 actions"), (3, "3 actions")])
def test_plural_picks_the_cldr_form(n: int, expected: str) -> None:
    assert locale.plural(n, {"one": "{n} action", "other": "{n} actions"}, "en") == expected


def test_finnish_plural_forms() -> None:
    forms = {"one": "{n} toimenpide", "other": "{n} toimenpidettä"}
    assert [locale.plural(n, forms, "fi") for n in (1, 2)] == ["1 toimenpide", "2 toimenpidettä"]


@pytest.mark.parametrize(("delay", "lang", "expected"), [
    (1.2, "en", "invoices paid 1 day late on average"), (3.0, "en", "invoices paid 3 days late on average"),
    (1.0, "fi", "laskut maksettu keskimäärin 1 päivän myöhässä"),
    (4.4, "fi", "laskut maksettu keskimäärin 4 päivää myöhässä"),
    (None, "en", "no invoices due in the last 6 months"),
    (None, "fi", "ei erääntyneitä laskuja viimeisen 6 kuukauden aikana"),
])
def test_a_churn_drivers_count_takes_its_plural(delay: float | None, lang: str, expected: str) -> None:
    from copilot.tasks.score_words import driver
    from tools.churn import ChurnDriver
    from tools.churn_words import driver_text

    facts = {} if delay is None else {"value": delay}
    d = ChurnDriver(feature="payment_delay_180d", direction="lowers risk", effect=-0.2, facts=facts, text="")
    assert driver(d, lang) == expected
    if lang == "en":  # the driver's own English words, which the model writes
        assert driver_text("payment_delay_180d", facts, raises=False) == expected
