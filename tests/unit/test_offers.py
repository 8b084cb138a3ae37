"""The product catalogue's rules: what an account owns, what to offer next, and what a number of users
costs by the list prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copilot.engines.composer import estimate as composer_estimate
from copilot.writing import offers
from tools.price_estimate import Line, discount_for, estimate

STEPS = [(500, Decimal(10)), (1000, Decimal(15))]


def _lines(*prices: str, licence: bool = True) -> list[Line]:
    return [Line(product=f"p{i}", unit_price=Decimal(p), licence=licence) for i, p in enumerate(prices)]


def test_a_bundle_counts_as_its_parts_and_its_parts_as_the_bundle() -> None:
    assert offers.owned(["Kaarna Complete"]) >= {"hr_core", "insight", "flow", "complete"}
    assert "complete" in offers.owned(["Kaarna HR Core", "Kaarna Insight", "Kaarna Flow"])


def test_a_prospect_is_offered_the_base_and_an_owner_never_what_they_have() -> None:
    assert offers.offer_order(frozenset(), "cfo") == ["hr_core"]
    have = offers.owned(["Kaarna HR Core", "Kaarna Insight"])
    assert not set(offers.offer_order(have, "cfo")) & have
    assert "complete" not in offers.offer_order(have, "cfo")  # a package is not sold on top of an add-on


@pytest.mark.parametrize(("users", "percent"), [(499, 0), (500, 10), (999, 10), (1000, 15), (5000, 15)])
def test_the_volume_discount_is_the_highest_step_reached(users: int, percent: int) -> None:
    assert discount_for(users, STEPS) == Decimal(percent)


def test_below_the_minimum_the_minimum_is_billed() -> None:
    est = estimate(_lines("6.50"), 40, minimum_users=50, discounts=STEPS)
    assert (est.billed_users, est.monthly) == (50, Decimal("325.00"))


def test_the_volume_discount_applies_to_licences_not_support_plans() -> None:
    lines = _lines("11.50") + _lines("1.20", licence=False)
    est = estimate(lines, 700, minimum_users=50, discounts=STEPS)
    assert est.list_total == Decimal("8890.00")  # 700 × 12.70
    assert est.monthly == Decimal("8085.00")  # 700 × 11.50 × 0.9 + 700 × 1.20


def test_an_estimate_needs_users_and_a_product() -> None:
    with pytest.raises(ValueError):
        estimate(_lines("6.50"), 0, minimum_users=50, discounts=STEPS)
    with pytest.raises(ValueError):
        estimate([], 10, minimum_users=50, discounts=STEPS)


@pytest.mark.parametrize(("question", "products", "users"), [
    ("What would 120 users on the all-in-one package cost?", ["complete"], 120),
    ("Paljonko HR Core ja Insight maksaisivat, jos käyttäjiä on 1 200?", ["hr_core", "insight"], 1200),
    ("We are 80 people. HR Core plus Insight, what's the monthly price?", ["hr_core", "insight"], 80),
    ("Complete (HR Core + Insight + Flow) for 60 users?", ["complete"], 60),  # the bundle, not its parts again
])
def test_the_products_and_the_user_count_a_question_prices(question: str, products: list[str], users: int) -> None:
    # "plus" in lower case is a conjunction, not the Plus support plan
    assert composer_estimate.products_in(question) == products
    assert composer_estimate.users_in(question) == users


def test_a_product_that_needs_another_says_so_after_the_sum() -> None:
    from copilot.engines.composer.estimate import answer
    from copilot.results import Citation
    from prompts import templates
    price_list = Citation(ref=1, source_id="module:pricing.en", title="Prices", location="pricing",
                          snippet="", kind="pricing", text="Kaarna HR Core | 6.50 Kaarna Insight | 3.00 Plus €1.20")
    reckoned = answer("What would Plus cost for 100 users a month?", "en", [price_list], templates("answer", "en"))
    assert reckoned is not None
    text = reckoned[0]
    assert text.startswith("For 100 users, the Plus support plan comes to €120 a month")
    assert "The Plus support plan requires Kaarna HR Core" in text
