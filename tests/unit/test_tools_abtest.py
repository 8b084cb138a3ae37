from datetime import datetime, timedelta

import pytest

from copilot.core.errors import PolkuError
from tools import abtest, attribution


def test_sample_size_matches_the_standard_formula_and_has_the_power():
    s = abtest.sample_size(baseline=0.05, mde=0.01)
    assert s.per_group == 8158  # Evan Miller's calculator gives the same
    assert 0.77 < abtest.simulate_power(baseline=0.05, target=0.06, per_group=s.per_group) < 0.83
    rel = abtest.sample_size(baseline=0.05, mde=0.2, relative=True)
    assert rel.per_group == s.per_group


def test_b2b_floor_of_500_and_two_weeks():
    s = abtest.sample_size(baseline=0.2, mde=0.2)
    assert s.statistical_per_group < 500 and s.per_group == 500 and s.notes
    assert abtest.minimum_duration(per_group=500, daily_traffic=1000).days == 14
    assert abtest.minimum_duration(per_group=8158, daily_traffic=200).days == 84


def test_analysis_z_test_and_bayes():
    r = abtest.analyze(control_n=1000, control_conversions=50, variant_n=1000, variant_conversions=70)
    assert round(r.z, 2) == 1.88 and round(r.p_value, 3) == 0.060 and not r.significant
    assert 0.96 < r.prob_variant_beats_control < 0.98
    same = abtest.analyze(control_n=800, control_conversions=40, variant_n=800, variant_conversions=40)
    assert abs(same.prob_variant_beats_control - 0.5) < 0.01
    assert same.control.credible_interval[0] < 0.05 < same.control.credible_interval[1]


@pytest.mark.parametrize("kwargs", [
    {"control_n": 0, "control_conversions": 0, "variant_n": 10, "variant_conversions": 1},
    {"control_n": 10, "control_conversions": 11, "variant_n": 10, "variant_conversions": 1},
])
def test_bad_counts_are_rejected(kwargs):
    with pytest.raises(PolkuError):
        abtest.analyze(**kwargs)


def test_one_element_rule():
    base = {"headline": "A", "cta": "Book a demo", "send_time": "09:00"}
    assert abtest.check_one_element(base, {**base, "cta": "Download the guide"}).ok
    two = abtest.check_one_element(base, {**base, "cta": "x", "headline": "B"})
    assert not two.ok and two.changed == ["cta", "headline"]
    assert not abtest.check_one_element(base, dict(base)).ok


def test_attribution_credits_revenue_once_in_every_model():
    t0 = datetime(2025, 1, 1)
    touches = [attribution.TouchPoint(key="linkedin", at=t0),
               attribution.TouchPoint(key="webinar", at=t0 + timedelta(days=10)),
               attribution.TouchPoint(key="email", at=t0 + timedelta(days=20)),
               attribution.TouchPoint(key="late", at=t0 + timedelta(days=40))]
    convs = [attribution.Conversion(id="o1", at=t0 + timedelta(days=21), revenue=9000, touches=touches),
             attribution.Conversion(id="o2", at=t0, revenue=1000, touches=[])]
    result = attribution.attribute_all(convs)
    for model, credit in result.items():
        assert abs(sum(credit.values()) - 10_000) < 1e-6, model
        assert "late" not in credit
        assert credit["unattributed"] == 1000
    assert result["first_touch"]["linkedin"] == 9000 and result["last_touch"]["email"] == 9000
    assert result["linear"]["webinar"] == 3000
    assert result["time_decay"]["email"] > result["time_decay"]["webinar"] > result["time_decay"]["linkedin"]
