"""Next actions read as a person wrote them: every kind of action in Finnish and English, names not ids,
Babel formats, the churn driver in the account's own figures, plurals that fit; ranked by urgency and value."""

import re
from datetime import datetime, timedelta

from copilot.tasks.next_actions import explain
from tools import nba
from tools.churn import ChurnDriver

NOW = datetime(2026, 11, 30, 9)
DRIVER = ChurnDriver(feature="login_change_8w", direction="raises risk", effect=1.2,
                     facts={"before": 508.0, "now": 243.0, "weeks": 8.0, "change": 243 / 508 - 1},
                     text="weekly logins −52% in 8 weeks (508 → 243)")


def _signals(**kw: object) -> nba.AccountSignals:
    base = dict(
        account_id="acc-1", name="Kivi Oy", owner="rep-anna", owner_name="Anna Virtanen", is_customer=True, clv=90_000,
        churn_probability=0.4, churn_driver=DRIVER, tier="vip", reply_hours=2, typical_deal=18_000, win_rate=0.4,
        leads=[nba.LeadSignal(lead_id="l1", contact_name="Aino Kivi", created_at=NOW - timedelta(hours=30),
                              status="no_action", score=120, route="sales_now"),
               nba.LeadSignal(lead_id="l2", contact_name="Eero Mäki", created_at=NOW - timedelta(hours=2),
                              status="no_action", score=40, route="nurture"),
               nba.LeadSignal(lead_id="l3", contact_name="Sini Oja", created_at=NOW - timedelta(days=9),
                              status="contacted", score=20, route="nurture")],
        contacts=[nba.ContactSignal(contact_id="c1", name="Aino Kivi", persona="cio", journey_stage="decision"),
                  nba.ContactSignal(contact_id="c2", name="Ilona Nieminen", persona="cfo",
                                    journey_stage="customership")],
        visits=[nba.PageVisit(contact_id="c1", page_type="pricing", at=NOW - timedelta(days=1))],
        contracts=[nba.ContractSignal(contract_id="k1", product="Kaarna HR Core", end_date=NOW + timedelta(days=14),
                                      renewal_date=NOW - timedelta(days=76), annual_value=12_000)],
        tickets=[nba.TicketSignal(ticket_id="t1", subject="Kirjautuminen ei onnistu", contact_name="Aino Kivi",
                                  opened_at=NOW - timedelta(hours=5))])
    base.update(kw)
    return nba.AccountSignals(**base)  # type: ignore[arg-type]


ENGLISH = ("Call ", "lead waiting", "new lead", "renews in", "Prepare", "Reach out", "visit(s)", "churn risk",
           "Send ", "angle", "average deal", "P(convert)", "Owner", " pages ", "weekly logins", "due")
CODES = ("sales_now", "use_case", "customership", "cfo", "cio", "rep-anna", "acc-1", "renewal_at_risk", "2026-")


def test_the_renewal_at_risk_comes_first_then_the_missed_reply_then_the_waiting_lead() -> None:
    kinds = [a.kind for a in nba.next_actions(_signals(), NOW, limit=20)]
    assert kinds[:3] == ["renewal_at_risk", "sla_breach", "contact_lead"]
    assert kinds.index("contact_lead") < kinds.index("upsell_interest") < kinds.index("content")
    # a customer looking at pricing is an upsell signal, not a reactivation
    assert "reactivation" not in kinds
    former = nba.next_actions(_signals(is_customer=False, was_customer=True, contracts=[], churn_probability=None),
                              NOW, limit=20)
    assert "reactivation" in {a.kind for a in former}


def test_a_term_ending_in_two_weeks_with_usage_halved_is_the_urgent_case() -> None:
    first = nba.next_actions(_signals(leads=[], tickets=[], visits=[]), NOW)[0]
    assert first.kind == "renewal_at_risk" and first.flag == "red" and first.driver == DRIVER
    assert "Kivi Oy" in first.title and first.owner_name == "Anna Virtanen"


def test_expected_values_come_from_the_account_not_a_constant() -> None:
    small, big = _signals(typical_deal=5_000, clv=8_000), _signals(typical_deal=40_000, clv=300_000)
    for kind in ("renewal_at_risk", "contact_lead", "content", "sla_breach"):
        ev = [next(a for a in nba.next_actions(s, NOW, limit=20) if a.kind == kind).expected_value
              for s in (small, big)]
        assert ev[0] < ev[1], kind
    risky = next(a for a in nba.next_actions(_signals(), NOW) if a.kind == "renewal_at_risk")
    assert risky.expected_value == 0.4 * nba.SAVE_RATE * 90_000  # P(leaves) × save rate × CLV


def test_every_kind_of_action_reads_in_finnish_with_finnish_formats() -> None:
    actions = nba.next_actions(_signals(), NOW, limit=20) + nba.next_actions(
        _signals(is_customer=False, was_customer=True, contracts=[], churn_probability=None), NOW, limit=20)
    assert {a.kind for a in actions} >= {"renewal_at_risk", "sla_breach", "contact_lead", "upsell_interest",
                                         "reactivation", "nurture", "content"}
    fi = explain(actions, "fi")
    for line in [fi.summary, *fi.lines]:
        assert not [w for w in ENGLISH + CODES if w in line], line
        assert "Kivi Oy" in line or line is fi.summary
    text = fi.text.replace("\u00a0", " ")  # Babel keeps a figure and its unit together with no-break spaces
    assert "Anna Virtanen" in text and "Aino Kivi" in text and "12 000 €" in text and "14.12.2026" in text
    assert "kirjautumiset −52 % 8 viikossa (508 → 243 viikossa)" in text
    assert re.search(r"poistumariski 40 %", text) and "myynnille heti" in text and "hinnasto" in text


def test_english_has_its_own_templates_and_english_formats() -> None:
    actions = nba.next_actions(_signals(), NOW, limit=20)
    en = explain(actions, "en").text.replace("\u00a0", " ")
    assert "€12,000" in en and "14 Dec 2026" in en and "Anna Virtanen" in en
    assert "weekly logins −52% in 8 weeks (508 → 243 a week)" in en
    assert not [c for c in CODES if c in en]


def test_plurals_fit_the_count() -> None:
    one = nba.next_actions(_signals(leads=[], tickets=[], visits=[], contacts=[]), NOW)
    assert len(one) == 1
    assert explain(one, "fi").summary.startswith("1 toimenpide, joista 1 kiireellinen.")
    assert explain(one, "en").summary.startswith("1 action, 1 urgent.")
    two = explain(nba.next_actions(_signals(leads=[], tickets=[], contacts=[]), NOW), "fi")
    assert two.summary.startswith("2 toimenpidettä, joista 1 kiireellinen.")
