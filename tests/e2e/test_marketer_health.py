"""The marketer page (campaign copy as a job with server-fed progress, one-element variants and their sample size,
CSV download, the funnel) and the service health board with its accounts one click from the sidebar."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Site, shot
from tests.support.api import KEYS

pytestmark = pytest.mark.browser


def test_marketer_campaign_variants_sample_size_funnel(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.base}/web/marketer?key={KEYS['marketing']}")
    page.locator("#funnel table tbody tr").first.wait_for()  # the funnel loads on open
    head = page.locator("#funnel thead").inner_text()
    for column in ("Traffic", "Contact", "Leads", "CPL", "New customers", "Revenue", "CAC", "LTV", "CAC:LTV", "ROMI"):
        assert column in head
    body = page.locator("#funnel tbody").inner_text()
    assert "cmp-" not in body and "no campaign" in body  # channels and the deals no campaign reached
    # every figure says how it was computed: the formula with the row's own numbers, as a tooltip
    assert page.locator("#funnel tbody [title^='CAC = cost ÷ new customers']").count() >= 1
    assert page.locator("#funnel tbody [title^='ROMI = ']").count() >= 1

    page.get_by_label("Persona").select_option("cio")
    with page.expect_response("**/v1/jobs/*/events") as streamed:  # the campaign is a job the page follows
        page.get_by_role("button", name="Generate campaign copy").click()
        assert page.locator("#campaign-progress").is_visible()  # at once, before the server answers
    page.get_by_role("button", name="Download CSV").wait_for()
    events = [line for line in streamed.value.text().splitlines() if line.startswith("event: ")]
    # progress moves a slice of contacts at a time (each slice one transaction of stored results)
    assert events.count("event: progress") >= 1 and events[-1] == "event: done"
    assert page.locator("#campaign-progress").evaluate("p => p.value") == 100
    assert "drafts" in page.locator("#campaign-result").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("contact_id,account_id,language,subject")

    contact = page.get_by_label("Contact for the sample message")
    assert contact.input_value().startswith("con-")  # a contact of the segment the gate allows
    page.get_by_role("button", name="Generate variants").click()
    page.locator("#variants .variant").nth(1).wait_for()
    assert page.locator("#variants .variant").count() >= 2
    assert "Hypothesis:" in page.locator("#variants").inner_text()
    sample = page.locator("#sample-size").inner_text()
    assert "recipients per group" in sample and "days" in sample
    assert page.errors == []
    shot(page, "marketer")



def _board_shown(page) -> None:  # type: ignore[no-untyped-def]
    # (the pages' CSP forbids eval, so waits use locators, not wait_for_function)
    page.locator("#status:has-text('accounts'), #error:not(:empty)").first.wait_for(timeout=60_000)
    assert page.locator("#error").inner_text() == ""


def _follow_first_account(page) -> None:  # type: ignore[no-untyped-def]
    links = page.locator("#risks a, #onboarding a")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    assert href and href.startswith("/web/sidebar?account=acc-")
    links.first.click()
    page.locator("#account").wait_for(state="visible")
    assert href.split("=")[1] in page.url
    page.locator("#escalation").wait_for(state="visible")


def test_health_board_on_the_demo_store(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.base}/web/health?key={KEYS['support']}")
    _board_shown(page)
    assert page.locator("#compliance tbody tr").count() >= 1
    assert page.locator("#surveys tbody tr").count() >= 1
    shot(page, "health")
    _follow_first_account(page)


def test_health_board_accounts_are_one_click_from_the_sidebar(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    # The board's numbers come from a fixed answer; the accounts, names, tiers and the
    # sidebar behind the links are the real ones.
    ids = [r["account_id"] for r in page.request.get(f"{site.base}/v1/scores?limit=3",
                                                     headers={"X-API-Key": KEYS["support"]}).json()["rows"]]
    driver = {"feature": "login_change_8w", "direction": "raises risk", "effect": 0.4, "facts": {},
              "text": "weekly logins −60% in 8 weeks (500 → 200)"}
    board = {
        "churn_risks": [{"account_id": ids[0], "probability": 0.71, "band": "high", "horizon_days": 90,
                         "term_end": "2026-12-14", "drivers": [driver], "explanation": "How it was computed."}],
        "onboarding": [{"account_id": ids[1], "started": "2026-10-01T00:00:00", "weeks": 8, "active_weeks": 3,
                        "features_used": 2, "progress": 0.3, "status": "behind"}],
        "surveys": [{"period": "2026Q3", "nps": 31.0, "nps_answers": 12, "csat": 4.2, "csat_answers": 20}],
        "reply_compliance": [{"tier": "vip", "target_hours": 2, "tickets": 9, "within_target": 7,
                              "compliance": 0.78, "median_reply_hours": 1.4}],
        "funnel": [], "active_customers": 120, "above_low": 21, "explanations": {"drivers": "Their own figures."},
    }
    page.route("**/v1/health-board*", lambda route: route.fulfill(status=200, json=board))
    page.goto(f"{site.base}/web/health?key={KEYS['support']}")
    _board_shown(page)
    assert page.locator("#compliance tbody tr").count() == 1
    risks = page.locator("#risks").inner_text()
    assert "weekly logins −60% in 8 weeks (500 → 200)" in risks and "2026-12-14" in risks
    assert "21 of 120 active customers" in page.locator("#risk-summary").inner_text()
    assert page.locator("#risks [title='How it was computed.']").count() == 1
    page.locator("#compliance summary").click()  # the accounts behind a tier's number
    assert page.locator("#compliance details a").count() >= 1
    shot(page, "health")
    _follow_first_account(page)
