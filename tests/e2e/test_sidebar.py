"""The support sidebar: an account found by ticket id, the card, a streamed suggested reply with sources
that the agent edits and copies, next actions and the escalation hint; failures shown in the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from copilot.core.store import models as m
from tests.e2e.conftest import Site, shot
from tests.support.api import KEYS

pytestmark = pytest.mark.browser

# Records when a request's response arrives and when the page shows a spinner (work going on).
PROBE = """
window.__probe = { answered: [], busy: [] };
const realFetch = window.fetch;
window.fetch = function (...args) {
  return realFetch.apply(this, args).then((response) => {
    window.__probe.answered.push(performance.now());
    return response;
  });
};
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes)
    if (n.nodeType === 1 && n.classList.contains("spinner")) window.__probe.busy.push(performance.now());
}).observe(document, { subtree: true, childList: true });
"""


def _open_ticket(site: Site) -> m.Ticket:
    with site.ctx.db.session() as s:
        ticket = s.scalars(select(m.Ticket).where(m.Ticket.status == "open", m.Ticket.contact_id.is_not(None))
                           .order_by(m.Ticket.sentiment)).first()
        assert ticket is not None
        s.expunge(ticket)
        return ticket


def test_sidebar_card_reply_edit_copy(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    ticket = _open_ticket(site)
    page.add_init_script(PROBE)
    page.goto(f"{site.base}/web/sidebar?ticket={ticket.id}&key={KEYS['support']}")
    assert "key=" not in page.url  # the key leaves the address bar at once

    card = page.locator("#account")
    card.wait_for(state="visible")
    with site.ctx.db.session() as s:
        account = s.get(m.Account, ticket.account_id)
        assert account is not None
        name = account.name
    for text in (name, "CLV", "Churn risk", "Lead score", "Reply target", "Consent by purpose",
                 "Last interactions", "Open tickets", ticket.id, ticket.subject):
        assert text in card.inner_text(), text
    assert page.locator("#account table tbody tr").count() >= 1  # a consent row per purpose
    assert "rep-" not in card.inner_text()  # the owner by name
    # every figure carries its one-line explanation as a tooltip: CLV, tier (and churn risk, lead score when shown)
    assert page.locator("#account [title^='Value tier by CLV rank']").count() == 1
    assert page.locator("#account .explained").count() >= 2
    assert page.locator("#escalation").inner_text().strip()
    assert page.locator("#actions-summary").inner_text().strip()  # the actions, or "nothing needs doing"

    reply = page.locator("#reply-text")
    # (the pages' CSP forbids eval, so waits use locators, not wait_for_function)
    page.locator("#reply-status:not([aria-busy]):not(:empty), #reply-error:not(:empty)").first.wait_for()
    assert page.locator("#reply-error").inner_text() == ""
    assert len(reply.input_value()) > 20
    assert page.locator("#sources li").count() >= 1

    reply.fill(reply.input_value() + "\n\nBest regards, Support")
    page.get_by_role("button", name="Copy reply").click()
    page.locator("#copy-status").get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").endswith("Best regards, Support")

    probe = page.evaluate("window.__probe")
    assert probe["answered"] and probe["busy"]
    assert probe["busy"][0] < probe["answered"][0]  # work is shown at once, before any answer
    assert page.errors == []
    shot(page, "sidebar")


def test_sidebar_unknown_ticket_and_bad_key_are_not_silent(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.base}/web/sidebar?ticket=tkt-nope&key={KEYS['support']}")
    error = page.get_by_role("alert").first
    error.get_by_text("no ticket").wait_for()
    page.evaluate("sessionStorage.clear()")
    page.goto(f"{site.base}/web/sidebar?ticket=tkt-nope&key=wrong-key")
    page.get_by_text("Your API key was not accepted").wait_for()
    page.goto(f"{site.base}/web/sidebar?ticket=tkt-nope&key={KEYS['marketing']}")
    page.get_by_text("Your role may not use this").wait_for()


def test_escalation_hint_follows_the_service_matrix() -> None:
    from copilot.tasks.reply import escalation

    vip_angry = escalation("vip", sentiment=-0.6, churn_band=None, overdue=False)
    assert vip_angry.level == "senior" and vip_angry.handled_by == "senior specialist"
    assert vip_angry.reasons == ["VIP account", "negative sentiment (-0.60)"]
    assert escalation("vip", sentiment=0.4, churn_band="low", overdue=False).level == "standard"
    assert escalation("standard", sentiment=0.1, churn_band="high", overdue=False).level == "experienced"
    assert escalation("basic", sentiment=None, churn_band=None, overdue=True).reasons == [
        "reply-time target of 48 h exceeded"]
    assert escalation("basic", sentiment=None, churn_band=None, overdue=False).handled_by == "junior agent or chatbot"
