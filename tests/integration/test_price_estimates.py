"""A price question with a user count is answered with the sum, reckoned from the catalogue's list
prices, and only while the public price list says the same prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copilot.core import locale
from copilot.demo.content import load_modules
from copilot.engines.composer import estimate
from copilot.writing import offers
from tests.integration.test_visitor_answers import _ask, _first


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_public_price_list_states_every_catalogue_price(lang: str) -> None:
    price_list = next(m for m in load_modules() if m.type == "pricing" and m.language == lang)
    assert price_list.public
    for product in offers.catalogue().products.values():
        assert locale.number(float(product.price), lang, decimals=2) in price_list.body, product.key


@pytest.mark.parametrize(("question", "first", "then"), [
    ("Paljonko Flow maksaisi meille kuukaudessa? Käyttäjiä on 300.", "1 200", "300 × 4,00"),
    ("We are 30 people. What would HR Core cost us a month?", "€325", "minimum billing is 50"),
    ("How much is Complete for 600 users per month?", "€6,210", "10% volume discount"),
    # no product named: the base product, named in the answer; "our contracts" is no account question here
    ("Olemme 20 hengen tilitoimisto. Paljonko tämä tulisi maksamaan kuukaudessa?", "325", "50 × 6,50"),
    ("Meitä on 80 käyttäjää. Paljonko järjestelmä maksaa yhteensä?", "520", "80 × 6,50"),  # words read folded
    # one part of a message of two: the sum answers it
    ("We run a cafe with 12 staff. Is this meant for a place our size, and what would the monthly bill be?",
     "€325", "minimum billing is 50"),
    ("Our 700 staff would need core HR, the analytics and the e-signatures. What is the monthly cost of our contract?",
     "€7,245", "10% volume discount"),
])
def test_the_sum_comes_first_and_how_it_was_reckoned_next(demo_ctx, question: str, first: str, then: str) -> None:  # type: ignore[no-untyped-def]
    r = _ask(demo_ctx, question)
    assert r.known and r.guard.grounded  # the reckoned figures are not stripped as ungrounded
    opening = " ".join(_first(r.text).split())
    assert first in opening
    assert then in " ".join(r.text.split())
    assert [c.source_id for c in r.citations][:1] == [f"module:pricing.{r.language}"]


def test_a_one_off_fee_is_not_reckoned_as_a_monthly_licence(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    r = _ask(demo_ctx, "What does HR Core implementation cost for 200 users?")
    assert "comes to" not in r.text


def test_no_estimate_when_the_price_list_says_another_price(demo_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    changed = offers.catalogue().model_copy(deep=True)
    changed.products["flow"].price = Decimal("4.40")  # the catalogue drifted from the published list
    monkeypatch.setattr(offers, "catalogue", lambda: changed)
    r = _ask(demo_ctx, "How much would Flow be for 300 users a month?")
    assert "1,320" not in r.text and "1,200" not in r.text


def test_the_price_rows_are_found_however_the_products_are_named(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    # "the basic HR thing plus the analytics dashboards": HR Core and Insight, for 70 people
    r = _ask(demo_ctx, "We're about 70 staff. The basic HR thing plus the analytics dashboards, "
                       "what's the monthly cost?")
    assert "€665" in _first(r.text)


def test_a_product_named_in_lower_case_in_finnish_is_the_product() -> None:
    assert estimate.products_in("paljonko flow maksaa 80 hengelle?", "fi") == ["flow"]
    assert estimate.products_in("is the price complete, plus VAT?", "en") == []


@pytest.mark.parametrize("question", [
    "Paljonko maksaa teidän vuorosuunnittelumoduuli 40 hengelle?",  # a thing of its own, which no price list has
    "How much would training cost for 20 people?",
    "We're a charity of 120. Do you have nonprofit pricing?",
])
def test_no_base_product_sum_for_a_question_about_something_else(demo_ctx, question: str) -> None:  # type: ignore[no-untyped-def]
    r = _ask(demo_ctx, question)
    assert "comes to" not in r.text and "maksaa yhteensä" not in r.text and "käyttäjälle Kaarna" not in r.text, r.text
