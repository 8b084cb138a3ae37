"""Next actions in the rep's language: every kind of action the rules make, worded in Finnish from its facts."""

from datetime import datetime, timedelta

from copilot.tasks.next_actions import explain
from tools import nba

NOW = datetime(2025, 6, 2, 12)

SIGNALS = nba.AccountSignals(
    account_id="acc-1", name="Kivi Oy", owner="rep-anna", is_customer=True, clv=90_000, churn_probability=0.4,
    tier="vip",
    leads=[nba.LeadSignal(lead_id="l1", contact_name="Aino Kivi", created_at=NOW - timedelta(hours=30),
                          status="no_action", score=120, route="sales_now"),
           nba.LeadSignal(lead_id="l2", contact_name="Eero Mäki", created_at=NOW - timedelta(hours=2),
                          status="no_action", score=40, route="nurture"),
           nba.LeadSignal(lead_id="l3", contact_name="Sini Oja", created_at=NOW - timedelta(days=9),
                          status="contacted", score=20, route="nurture")],
    contacts=[nba.ContactSignal(contact_id="c1", name="Aino Kivi", persona="cio", journey_stage="decision")],
    visits=[nba.PageVisit(contact_id="c1", page_type="pricing", at=NOW - timedelta(days=1))],
    contracts=[nba.ContractSignal(contract_id="k1", product="Kaarna HR Core", renewal_date=NOW + timedelta(days=20),
                                  annual_value=12_000),
               nba.ContractSignal(contract_id="k2", product="Kaarna Insight", renewal_date=NOW - timedelta(days=5),
                                  annual_value=3_000)],
)
ENGLISH = ("Call ", "lead waiting", "new lead", "renews in", "passed", "Prepare", "Reach out", "visit(s)",
           "Personal call", "churn risk", "Send ", "angle", "average deal", "P(convert)", "sales_now", " pages ")


def test_every_kind_of_action_reads_in_finnish() -> None:
    actions = nba.next_actions(SIGNALS, NOW, limit=20)
    assert {a.kind for a in actions} == {"contact_lead", "nurture", "reactivation", "renewal", "human_outreach",
                                         "content"}
    fi = explain(actions, "fi")
    for line in [fi.summary, *fi.lines]:
        assert not [w for w in ENGLISH if w in line], line
    text = fi.text
    assert "Aino Kivi" in text and "Kaarna HR Core" in text and "hinnasto" in text and "myynnille heti" in text


def test_english_keeps_the_rules_engines_own_words() -> None:
    actions = nba.next_actions(SIGNALS, NOW, limit=20)
    en = explain(actions, "en")
    assert actions[0].title in en.summary
    assert all(a.reason in line for a, line in zip(actions, en.lines, strict=True))
