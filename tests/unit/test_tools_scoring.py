"""Lead score rules and routing, tiers and the tier-word guard, next best actions, the Telco check."""

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tools import leadscore, model, nba, telco, tiers

NOW = datetime(2025, 6, 2, 12)


def _lead(lead_id, contact, employees=500, industry="manufacturing", persona="hr_director", country="FI",
          status="no_action"):
    return {"lead_id": lead_id, "contact_id": contact, "employees": employees, "industry": industry,
            "persona": persona, "country": country, "status": status}


def _event(contact, type_, page=None, days=1.0):
    return {"contact_id": contact, "type": type_, "page_type": page, "at": NOW - timedelta(days=days)}


@pytest.mark.parametrize(("fit", "behaviour", "route"), [
    (80, 60, "sales_now"), (80, 10, "sales"), (10, 60, "sales"), (10, 10, "nurture")])
def test_routing_2x2(fit, behaviour, route):
    assert leadscore.route_for(fit, behaviour) == route


def test_score_fit_behaviour_reasons_and_threshold():
    leads = pd.DataFrame([_lead("L1", "c1"), _lead("L2", "c2", employees=5, industry="finance", persona="cfo",
                                                    country="SE")])
    events = pd.DataFrame([_event("c1", "page_view", "pricing", 1), _event("c1", "page_view", "pricing", 2),
                           _event("c1", "form_submit", days=3), _event("c1", "download", days=4),
                           _event("c1", "webinar", days=5)])
    comps = leadscore.components(leads, events, now=NOW)
    scores = leadscore.score_frame(leads, events, now=NOW, comps=comps)
    one = leadscore.explain("L1", scores, comps)
    assert one.fit == 80 and one.behaviour > 50 and one.route == "sales_now" and one.mql and one.threshold == 100
    assert any(r.text.startswith("+19 viewed the pricing page twice this week") for r in one.reasons)
    assert abs(sum(r.points for r in one.reasons) - one.score) < 0.2
    two = leadscore.explain("L2", scores, comps)
    assert two.route == "nurture" and not two.mql
    assert {"-20 no activity in 60 days", "-10 micro company (under 10 employees)"} <= {r.text for r in two.reasons}


def test_behaviour_decays_with_half_life_and_is_capped():
    rules = leadscore.load_rules()
    half = rules["behaviour"]["half_life_days"]
    leads = pd.DataFrame([_lead("L1", "c1")])
    fresh = leadscore.score_frame(leads, pd.DataFrame([_event("c1", "download", days=0)]), now=NOW)
    old = leadscore.score_frame(leads, pd.DataFrame([_event("c1", "download", days=half)]), now=NOW)
    assert fresh["behaviour"][0] == 15 and old["behaviour"][0] == 7.5
    many = leadscore.score_frame(leads, pd.DataFrame([_event("c1", "page_view", "pricing", 0)] * 20), now=NOW)
    assert many["behaviour"][0] == 40  # the pricing-page cap
    dead = leadscore.score_frame(pd.DataFrame([_lead("L1", "c1", status="dead")]),
                                 pd.DataFrame([_event("c1", "download", days=0)]), now=NOW)
    assert dead["score"][0] == fresh["score"][0] - 100


def test_no_events_gives_scores_without_nan():
    leads = pd.DataFrame([_lead("L1", "c1")])
    out = leadscore.score_frame(leads, pd.DataFrame(columns=list(leadscore.EVENT_COLUMNS)), now=NOW)
    assert not out.isna().any().any()


def test_tiers_split_10_20_60_10_and_simple_view():
    clv = pd.Series(np.arange(1000, dtype=float)[::-1], index=[f"a{i}" for i in range(1000)])
    t = tiers.assign_tiers(clv)
    assert t.value_counts().to_dict() == {"standard": 600, "premium": 200, "vip": 100, "basic": 100}
    assert t["a0"] == "vip" and t["a999"] == "basic"
    churn = pd.Series(0.1, index=clv.index)
    churn["a0"] = 0.7
    view = tiers.simple_view(t, churn)
    assert view["a0"] == "risk" and view["a1"] == "vip" and view["a500"] == "standard"
    assert tiers.SERVICE_MATRIX[tiers.Tier.vip].reply_within_hours == 2
    assert tiers.SERVICE_MATRIX[tiers.Tier.basic].reply_within_hours == 48


@pytest.mark.parametrize("text", ["Olet meille VIP-asiakas!", "Premium-asiakkaana saat vastauksen heti",
                                  "As a Premium customer you get priority", "Your customer tier is standard",
                                  "Asiakastasosi on perustaso", "you are in our basic tier"])
def test_tier_words_are_found(text):
    assert tiers.find_tier_words(text)


@pytest.mark.parametrize("text", ["Kiitos viestistäsi, palaamme asiaan huomenna.",
                                  "Standard delivery takes two days.", "Tilauksesi on toimitettu."])
def test_ordinary_text_passes(text):
    assert tiers.find_tier_words(text) == []


def test_next_best_actions_rules_and_ranking():
    s = nba.AccountSignals(
        account_id="acc-1", name="Acme", owner="rep-anna", owner_name="Anna Virtanen", is_customer=True, clv=50_000,
        churn_probability=0.4, tier="vip", typical_deal=20_000,
        leads=[nba.LeadSignal(lead_id="L-old", contact_name="Maria", created_at=NOW - timedelta(hours=30),
                              status="no_action", score=120, route="sales_now"),
               nba.LeadSignal(lead_id="L-new", contact_name="Samuli", created_at=NOW - timedelta(hours=2),
                              status="no_action", score=40, route="nurture")],
        contacts=[nba.ContactSignal(contact_id="c1", name="Maria", persona="cio", journey_stage="decision")],
        visits=[nba.PageVisit(contact_id="c1", page_type="pricing", at=NOW - timedelta(days=1))],
        contracts=[nba.ContractSignal(contract_id="k1", product="HR Core", end_date=NOW + timedelta(days=60),
                                      renewal_date=NOW - timedelta(days=30), annual_value=12_000)])
    actions = nba.next_actions(s, NOW)
    kinds = [a.kind for a in actions]
    assert {"contact_lead", "upsell_interest", "renewal_at_risk", "content"} <= set(kinds)
    old = next(a for a in actions if a.record_id == "L-old")
    new = next(a for a in actions if a.record_id == "L-new")
    assert old.flag == "red" and old.overdue and new.flag == "amber" and not new.overdue
    assert actions[0].kind == "renewal_at_risk" and actions == sorted(actions, key=nba.sort_key)
    assert all(a.reason and a.owner and a.due and a.account_name == "Acme" for a in actions)
    content = next(a for a in actions if a.kind == "content")
    assert "reference" in content.title and "technical" in content.reason
    mine = nba.for_owner([s], "rep-anna", NOW)
    assert mine and all(a.owner == "rep-anna" and a.owner_name == "Anna Virtanen" for a in mine)
    calm = nba.next_actions(s.model_copy(update={"churn_probability": 0.05}), NOW)
    assert "renewal" in [a.kind for a in calm] and "renewal_at_risk" not in [a.kind for a in calm]


@pytest.mark.slow
def test_telco_churn_five_fold_auc_at_least_the_logistic_baseline():
    X, y = telco.load()
    assert len(X) == 7043
    report = model.cross_validate(X, y, numeric=telco.NUMERIC, categorical=telco.CATEGORICAL, folds=5)
    assert report.auc_mean >= 0.845
    assert report.ece < 0.03  # calibrated: predicted and observed rates agree within 3 points
    fitted = model.fit(X, y, numeric=telco.NUMERIC, categorical=telco.CATEGORICAL)
    drivers = fitted.explain(X.head(5), top=3)[1]
    assert all(len(d) == 3 for d in drivers)
    contrib = fitted.contributions(X.head(5))
    logit = np.log(fitted.predict_proba(X.head(5)) / (1 - fitted.predict_proba(X.head(5))))
    base = fitted.pipeline[-1].intercept_[0] + float(fitted.z_mean @ fitted.coef)
    assert np.allclose(contrib.sum(axis=1) + base, logit)  # drivers add up exactly to the prediction
