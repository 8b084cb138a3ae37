"""The figures a team reads: point-in-time churn features, contract CLV on the book's NPV, A/B results in words,
funnel periods, and attribution that credits every won euro exactly once."""

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.core.errors import PolkuError
from tools import abtest, attribution, clv, planner, value
from tools.churn_features import churn_features, customers_at, renewal_outcomes
from tools.features import Frames
from tools.funnel_data import credits, parse_period, won_deals

NOW = datetime(2025, 6, 2, 12)
MONDAY = pd.Timestamp("2025-06-02")


def _frames(logins: list[int], *, extra_usage: bool = False) -> Frames:
    """One customer with weekly logins, the last value in the last complete week."""
    weeks = [MONDAY - pd.Timedelta(weeks=len(logins) - i) for i in range(len(logins))]
    usage = pd.DataFrame({"account_id": "a", "week_start": weeks, "logins": logins, "active_users": 50,
                          "avg_session_min": 10.0, "features_used": 6})
    if extra_usage:  # weeks after the time the features are read must change nothing
        later = pd.DataFrame({"account_id": "a", "week_start": [MONDAY, MONDAY + pd.Timedelta(weeks=1)],
                              "logins": [0, 0], "active_users": 0, "avg_session_min": 0.0, "features_used": 0})
        usage = pd.concat([usage, later], ignore_index=True)
    return Frames(
        accounts=pd.DataFrame({"account_id": ["a"], "size": ["medium"], "industry": ["retail"]}),
        usage=usage,
        tickets=pd.DataFrame({"account_id": ["a", "a", "a"], "sentiment": [-0.6, -0.5, 0.4], "priority": "normal",
                              "opened_at": [NOW - timedelta(days=3), NOW - timedelta(days=40),
                                            NOW + timedelta(days=1)]}),
        contracts=pd.DataFrame({"account_id": ["a"], "start_date": [pd.Timestamp("2024-09-01")],
                                "end_date": [pd.Timestamp("2025-08-31")], "renewal_date": [pd.Timestamp("2025-06-02")],
                                "annual_value": [12_000.0], "licences": [100], "status": ["active"]}))


def test_churn_features_read_nothing_after_their_time() -> None:
    logins = [500] * 6 + [480, 400, 330, 300, 260, 243]
    x = churn_features(_frames(logins), NOW, ["a"]).iloc[0]
    later = churn_features(_frames(logins, extra_usage=True), NOW, ["a"]).iloc[0]
    assert x["_logins_now"] == 243 and x["_logins_before"] == 500  # weeks 8-10 before the last complete week
    assert x["login_change_8w"] == pytest.approx(np.log1p(243) - np.log1p(500))
    assert x["neg_tickets_30d"] == 1 and x["tickets_90d"] == 2  # the ticket filed tomorrow is not seen
    assert x.drop("_as_of").equals(later.drop("_as_of"))
    assert x["_licences"] == 100 and x["seat_use"] == pytest.approx(0.5)


def test_each_example_has_its_own_time_also_for_one_account_twice() -> None:
    f = _frames([500] * 6 + [480, 400, 330, 300, 260, 243])
    both = churn_features(f, np.array([NOW, NOW - timedelta(weeks=3)], dtype="datetime64[ns]"), ["a", "a"])
    assert both.iloc[0]["_logins_now"] == 243 and both.iloc[1]["_logins_now"] == 330
    alone = churn_features(f, NOW - timedelta(weeks=3), ["a"]).iloc[0]
    assert both.iloc[1].drop("_as_of").equals(alone.drop("_as_of"))


def test_renewal_outcomes_and_customers_from_contract_terms() -> None:
    d = pd.Timestamp
    contracts = pd.DataFrame({
        "account_id": ["a", "a", "b", "c"],
        "start_date": [d("2023-06-01"), d("2024-06-01"), d("2024-03-01"), d("2024-05-20")],
        "end_date": [d("2024-06-01"), d("2025-06-01"), d("2025-03-01"), d("2025-05-20")],
        "status": ["renewed", "active", "cancelled", "active"]})
    out = renewal_outcomes(contracts, NOW).set_index(["account_id", "end"])["churned"]
    assert out[("a", d("2024-06-01"))] == 0 and out[("b", d("2025-03-01"))] == 1
    assert ("a", d("2025-06-01")) not in out.index  # ended yesterday: not known yet
    assert ("c", d("2025-05-20")) not in out.index  # ended 13 days ago, no renewal yet: not known yet
    assert set(customers_at(contracts, NOW)) == {"a", "c"}  # c's active contract has not been closed
    assert set(customers_at(contracts, datetime(2025, 2, 1))) == {"a", "b", "c"}


def test_contract_clv_reproduces_the_books_subscription_npv() -> None:
    # the book: 1,000 a year billed upfront for 10 years at 15 % with 5 % churn → 5,047.01; the first year is
    # paid now, the other ten at the coming renewals, each kept with 95 %
    renewals = value.renewal_npv_factor(first=0.95, later=0.95, years_to_renewal=1.0, years=10)
    assert round(1000 + 1000 * float(renewals), 2) == 5047.01
    assert round(1000 * value.new_customer_factor(0.95, years=11), 2) == 5047.01
    book = clv.subscription_clv(annual_amount=1000, years=10, rate=0.15, churn=0.05)
    assert round(book.npv, 2) == 5047.01
    # a customer at risk of leaving at its next renewal is worth less than one who will stay
    safe, risky = value.contract_value(np.array([37_908.0] * 2), np.array([0.05, 0.6]), np.array([0.5, 0.5]), 0.8)
    ratio = 0.8 / 1.15  # the geometric series of ten renewals, the first half a year away
    closed_form = 37_908 * 0.95 * 1.15**-0.5 * (1 - ratio**10) / (1 - ratio)
    assert safe == pytest.approx(closed_form) and risky == pytest.approx(closed_form * 0.4 / 0.95)


def test_npv_book_example_is_pinned_too() -> None:
    assert round(clv.npv([-20, 10, 10, 10, 10, 10], 0.15).npv, 2) == 13.52


def test_ab_result_in_plain_words_with_a_verdict() -> None:
    r = abtest.analyze(control_n=1000, control_conversions=50, variant_n=1000, variant_conversions=70,
                       daily_traffic=100)
    assert r.absolute_lift == pytest.approx(0.02) and r.relative_lift == pytest.approx(0.4)
    assert "+2.0 percentage points (+40% relative)" in r.summary
    assert r.verdict == "not yet significant" and r.more_per_group and r.more_days
    assert f"about {r.more_days} more days" in r.summary
    assert r.more_days == int(np.ceil(2 * r.more_per_group / 100))
    won = abtest.analyze(control_n=4000, control_conversions=200, variant_n=4000, variant_conversions=280)
    assert won.verdict == "variant wins" and won.more_per_group is None and "Significant" in won.summary


def test_a_test_longer_than_eight_weeks_is_flagged() -> None:
    assert abtest.minimum_duration(per_group=500, daily_traffic=100).warning is None
    long = abtest.minimum_duration(per_group=28_000, daily_traffic=100)
    assert long.days == 560 and long.warning and "bolder change" in long.warning


@pytest.mark.parametrize(("text", "split", "period"), [
    ("2026-Q3", None, "2026Q3"), ("2026-11", None, "2026-11"), ("2026", None, "2026"), ("q", "Q", None),
    (None, None, None)])
def test_funnel_periods(text: str | None, split: str | None, period: str | None) -> None:
    got_split, got = parse_period(text)
    assert got_split == split and (str(got) if got is not None else None) == period


@pytest.mark.parametrize("bad", ["2026-13", "Q3", "2026-Q5", "last year"])
def test_a_bad_period_is_one_clear_error(bad: str) -> None:
    with pytest.raises(PolkuError, match="period"):
        parse_period(bad)


def test_the_planner_still_reproduces_the_books_100_leads() -> None:
    p = planner.plan(planner.book_example())
    assert (p.leads, p.marketing_leads, p.budget) == (100, 75, 16_000)
    share = planner.plan(planner.book_example().model_copy(update={"sales_prospected_share": 0.25}))
    assert share.marketing_leads == 75  # a quarter of 100 prospected by sales, as the book's 25


DAY = timedelta(days=1)
T0 = datetime(2025, 1, 1)


@st.composite
def _deals_and_touches(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    accounts = [f"a{i}" for i in range(draw(st.integers(1, 5)))]
    opps, n = [], 0
    for acc in accounts:
        for k in range(draw(st.integers(0, 3))):
            n += 1
            opps.append({"opportunity_id": f"o{n}", "account_id": acc, "stage": draw(st.sampled_from(["won", "lost"])),
                         "amount": float(draw(st.integers(1, 50_000))), "created_at": T0,
                         "close_date": T0 + DAY * draw(st.integers(0, 400)) + DAY * k})
    touches = [{"account_id": draw(st.sampled_from(accounts)), "campaign_id": draw(st.sampled_from(["c1", "c2", "c3"])),
                "contact_id": "x", "at": T0 + DAY * draw(st.integers(-100, 400))}
               for _ in range(draw(st.integers(0, 12)))]
    cols = ["account_id", "campaign_id", "contact_id", "at"]
    contracts = pd.DataFrame({"account_id": accounts, "start_date": [T0 + DAY * draw(st.integers(0, 200))
                                                                     for _ in accounts]})
    return (pd.DataFrame(opps, columns=["opportunity_id", "account_id", "stage", "amount", "created_at", "close_date"]),
            pd.DataFrame(touches, columns=cols), contracts)


@settings(max_examples=150, deadline=None)
@given(_deals_and_touches())
def test_attribution_credits_every_won_euro_exactly_once(data: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    opps, touches, contracts = data
    deals = won_deals(opps, contracts)
    cr = credits(deals, touches)
    assert set(cr["opportunity_id"]) == set(deals["opportunity_id"])
    assert np.allclose(cr.groupby("opportunity_id")["share"].sum().reindex(deals["opportunity_id"]), 1.0)
    revenue = (cr.merge(deals, on="opportunity_id")["amount"] * cr["share"].to_numpy()).sum()
    assert revenue == pytest.approx(opps.loc[opps["stage"] == "won", "amount"].sum())
    assert deals.groupby("account_id")["new"].sum().le(1).all()  # an account becomes a customer once
    # the same credits as the reference implementation, deal by deal
    for d in deals.itertuples():
        # ties in time go to the campaign first by id, in both implementations
        mine = touches[touches["account_id"] == d.account_id].sort_values(["at", "campaign_id"], kind="stable")
        if not d.new:
            mine = mine[mine["at"] > d.close_date - timedelta(days=90)]
        points = [attribution.TouchPoint(key=r.campaign_id, at=r.at) for r in mine.itertuples()]
        conv = attribution.Conversion(id=d.opportunity_id, at=d.close_date + DAY, revenue=d.amount, touches=points)
        model = "first_touch" if d.new else "time_decay"
        ref = attribution.attribute([conv], model, half_life_days=14.0)
        got = cr[cr["opportunity_id"] == d.opportunity_id].groupby("campaign_id")["share"].sum() * d.amount
        assert got.to_dict() == pytest.approx(ref), (model, ref, got.to_dict())
