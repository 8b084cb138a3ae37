"""Pinned numbers of the book: NPV, subscription CLV, reverse plan, ROMI; and the funnel ratios."""

import math

import pytest

from copilot.core.errors import PolkuError
from tools import clv, funnel, planner


def test_npv_book_example_minus_20_then_10_for_5_years_at_15_percent():
    result = clv.npv([-20, 10, 10, 10, 10, 10], 0.15)
    assert round(result.npv, 2) == 13.52
    assert [round(r.discounted, 2) for r in result.rows] == [-20, 8.70, 7.56, 6.58, 5.72, 4.97]
    assert result.undiscounted == 30


def test_subscription_clv_book_example_upfront_with_churn():
    result = clv.subscription_clv(annual_amount=1000, years=10, rate=0.15, churn=0.05)
    assert round(result.npv, 2) == 5047.01
    assert len(result.rows) == 11  # billed upfront: years 0..10, as in the book's table
    assert round(result.rows[10].cash_flow, 2) == 598.74
    assert round(result.rows[10].discounted, 2) == 148.00


def test_subscription_clv_arrears_and_acquisition_cost():
    upfront = clv.subscription_clv(annual_amount=1000, years=10, rate=0.15, churn=0.05, acquisition_cost=650)
    assert round(upfront.npv, 2) == round(5047.01 - 650, 2)
    arrears = clv.subscription_clv(annual_amount=1000, years=10, rate=0.15, churn=0.05, billed_upfront=False)
    assert arrears.npv < 5047.01 and arrears.rows[0].cash_flow == 0


def test_classic_clv_and_bad_input():
    assert clv.classic_clv(avg_order_value=500, purchases_per_year=4, years=5, acquisition_cost=2500) == 7500
    for bad in ({"avg_order_value": -1}, {"years": float("nan")}):
        args = {"avg_order_value": 1, "purchases_per_year": 1, "years": 1, **bad}
        with pytest.raises(PolkuError):
            clv.classic_clv(**args)
    with pytest.raises(PolkuError):
        clv.subscription_clv(annual_amount=1000, years=10, rate=0.15, churn=1.2)
    with pytest.raises(PolkuError):
        clv.npv([], 0.1)


def test_reverse_plan_reproduces_the_book():
    p = planner.plan(planner.book_example())
    assert (p.licences, p.new_licences, p.customers, p.opportunities, p.leads) == (220, 50, 25, 50, 100)
    assert p.marketing_leads == 75
    assert {a.name: a.leads for a in p.allocation} == {"google_ads": 15, "breakfast_seminars": 10, "trade_fair": 10,
                                                       "linkedin": 40}
    assert [round(a.cpl) for a in p.allocation] == [133, 200, 500, 175]
    assert p.budget == 16_000 and p.unfilled_leads == 0


def test_plan_cheapest_channel_first_and_unfilled():
    inp = planner.PlanInput(revenue_target=100_000, licence_price=1000, win_rate=0.5, lead_to_opportunity=0.5,
                            channels=[planner.ChannelPlan(name="a", cpl=300, max_leads=100),
                                      planner.ChannelPlan(name="b", cpl=100, max_leads=250)])
    p = planner.plan(inp)
    assert p.leads == 400 and {a.name: a.leads for a in p.allocation} == {"a": 100, "b": 250}
    assert p.unfilled_leads == 50


def test_romi_on_margin_book_campaigns():
    # LinkedIn: 2,000 media + 10/11 of 5,000 content; Facebook: 100 + 1/11 of 5,000; margin 10 %
    linkedin = funnel.romi(margin=10_000, cost=2000 + 5000 * 10 / 11)
    facebook = funnel.romi(margin=1_000, cost=100 + 5000 / 11)
    assert round(facebook * 100, 1) == 80.3
    # the book prints 53.8 %; (10,000 − 6,545.45) / 6,545.45 is 52.8 %
    assert round(linkedin * 100, 1) == 52.8


def test_funnel_metrics_never_nan_and_health_bands():
    m = funnel.metrics(funnel.FunnelCounts(key="x", cost=2000, impressions=8000, clicks=400, leads=40, won=10,
                                           lost=10, customers=10, revenue=100_000, margin=10_000, ltv=1600))
    assert m.ctr == 0.05 and m.cpc == 5 and m.cpl == 50 and m.cac == 200 and m.win_rate == 0.5
    assert m.ltv_to_cac == 8 and m.ltv_to_cac_health == "healthy"
    empty = funnel.metrics(funnel.FunnelCounts(key="none"))
    for value in empty.model_dump().values():
        assert not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
    assert empty.cpl is None and empty.ltv_to_cac_health == "unknown"
    assert funnel.ltv_cac_health(3) == "too expensive" and funnel.ltv_cac_health(12) == "under-invested"
