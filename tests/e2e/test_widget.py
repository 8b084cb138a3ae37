"""The chat widget on a host site: one script tag, streamed answers with a typing indicator first, the
privacy notice and opt-out, hand-off with the transcript, and no model output ever run as HTML."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from copilot.core.store import models as m
from tests.e2e.conftest import Site, shot
from tests.support.api import customers, token

pytestmark = pytest.mark.browser

# Watches the widget's shadow root: when a question is sent, when the typing indicator appears, and
# each piece of answer text as it is added (the answer must grow piece by piece, not appear at once).
WATCH = """() => {
  const root = document.querySelector('#polku-chat').shadowRoot;
  const w = window.__watch = { sent: null, typing: null, pieces: [] };
  root.addEventListener('submit', () => { w.sent = performance.now(); }, true);
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === 1 && n.classList.contains('typing') && w.typing === null) w.typing = performance.now();
      if (n.nodeType === 3 && r.target.classList && r.target.classList.contains('assistant'))
        w.pieces.push([performance.now(), r.target.textContent.length]);
    }
  }).observe(root, { subtree: true, childList: true });
}"""


def _open(page, url: str):  # type: ignore[no-untyped-def]
    page.goto(url)
    widget = page.locator("#polku-chat")
    widget.get_by_role("button", name="Ask us").click()
    page.evaluate(WATCH)
    return widget


def _ask(widget, question: str) -> None:  # type: ignore[no-untyped-def]
    widget.get_by_label("Your question").fill(question)
    widget.get_by_role("button", name="Send").click()


def _answered(page, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "(n) => { const r = document.querySelector('#polku-chat').shadowRoot;"
        " return r.querySelectorAll('.msg.assistant:not([aria-busy]), .msg.error').length >= n"
        " && !r.querySelector('.typing'); }", arg=n, timeout=60_000)


def test_visitor_gets_a_streamed_answer_and_the_notice(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    widget = _open(page, site.host.page("/", site.base))
    notice = widget.get_by_role("note")
    assert "anonymously" in notice.inner_text() and "no personal data" in notice.inner_text()
    link = notice.get_by_role("link", name="Privacy and opt-out")
    assert link.get_attribute("href") == f"{site.base}/web/privacy"
    assert link.get_attribute("rel") == "noopener noreferrer"

    _ask(widget, "How much does the Plus support plan cost per user?")
    _answered(page)
    w = page.evaluate("window.__watch")
    assert w["sent"] is not None and w["typing"] is not None
    # the typing indicator is up before any token
    assert w["pieces"] and w["sent"] <= w["typing"] < w["pieces"][0][0], w
    lengths = [n for _t, n in w["pieces"]]
    assert len(lengths) >= 2 and lengths == sorted(lengths) and lengths[-1] > lengths[0], lengths
    answer = widget.locator(".msg.assistant").last
    assert len(answer.inner_text()) > 20
    assert widget.locator(".msg.error").count() == 0
    assert widget.get_by_role("log").get_attribute("aria-live") == "polite"
    assert page.errors == []
    shot(page, "widget-visitor")


def test_visitor_token_keeps_the_conversation_going(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    sent: list[tuple[dict[str, str], dict]] = []
    issued: list[str] = []
    page.on("request", lambda r: sent.append((r.headers, r.post_data_json)) if r.url.endswith("/ask/stream") else None)
    page.on("response", lambda r: issued.append(r.headers.get("x-visitor-token", ""))
            if r.url.endswith("/ask/stream") else None)
    widget = _open(page, site.host.page("/visitor", site.base))
    _ask(widget, "How do I reset my password?")
    _answered(page)
    _ask(widget, "And on the mobile app?")
    _answered(page, 2)
    assert widget.locator(".msg.error").count() == 0
    (first_headers, first_body), (second_headers, second_body) = sent
    assert "x-visitor-token" not in first_headers and "thread_id" not in first_body
    assert issued[0] and second_headers["x-visitor-token"] == issued[0]
    assert issued[1].split(".")[0] == issued[0].split(".")[0]  # re-issued (fresh time), the same visitor
    thread = second_body["thread_id"]
    with site.ctx.db.session() as s:
        conv = s.get(m.Conversation, thread)
        assert conv is not None and conv.actor == "visitor:" + issued[0].split(".")[0]
        said = s.scalars(select(m.Message.content).where(m.Message.conversation_id == thread)).all()
        assert "And on the mobile app?" in said and len(said) == 4

    widget.get_by_role("button", name="Talk to a person").click()
    # An anonymous visitor is asked how to reach them; their next message goes with the hand-off.
    widget.locator(".msg.system").get_by_text("e-mail address or phone number").wait_for()
    widget.locator("textarea").fill("maria@example.fi")
    widget.locator("textarea").press("Enter")
    widget.locator(".msg.system").get_by_text("a person will pick up").wait_for()
    with site.ctx.db.session() as s:  # the hand-off continued the stored thread instead of copying it
        said = s.scalars(select(m.Message.content).where(m.Message.conversation_id == thread)).all()
        assert len(said) == 5 and said[-1] == "note: maria@example.fi"


def test_a_visitor_who_wrote_their_number_is_not_asked_for_it_again(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    widget = _open(page, site.host.page("/visitor-call", site.base))
    _ask(widget, "Could someone call me this week? My number is 040 123 4567.")
    _answered(page)
    assert "Leave your e-mail address" not in widget.locator(".msg.assistant").last.inner_text()
    widget.get_by_role("button", name="Talk to a person").click()
    widget.locator(".msg.system").get_by_text("a person will pick up").wait_for()
    assert widget.locator(".msg.system").get_by_text("e-mail address or phone number").count() == 0
    with site.ctx.db.session() as s:  # the number reaches the person in the stored conversation
        said = s.scalars(select(m.Message.content).join(m.Conversation)
                         .where(m.Conversation.actor.like("visitor:%"))).all()
        assert any("040 123 4567" in c for c in said)
    assert page.errors == []


def test_customer_answer_handoff_creates_ticket_with_transcript(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    contact_id, account_id, _orders = customers(site.ctx, 1)[0]
    widget = _open(page, site.host.page("/customer", site.base, token=token(contact_id)))
    notice = widget.get_by_role("note")
    assert "contract" in notice.inner_text()
    assert notice.get_by_role("link", name="Opt out of personalisation").is_visible()

    question = "What is the status of my latest order?"
    _ask(widget, question)
    _answered(page)
    assert widget.locator(".msg.error").count() == 0
    answer = widget.locator(".msg.assistant").last.inner_text()

    widget.get_by_role("button", name="Talk to a person").click()
    done = widget.locator(".msg.system").get_by_text("case number")
    done.wait_for()
    ticket_id = done.inner_text().split("case number is ")[1].split(".")[0]
    with site.ctx.db.session() as s:
        ticket = s.scalars(select(m.Ticket).where(m.Ticket.id == ticket_id)).one()
        assert ticket.account_id == account_id and ticket.contact_id == contact_id
        assert f"user: {question}" in ticket.body
        assert "assistant: " + answer.split("\n")[0][:40] in ticket.body
    shot(page, "widget-customer-handoff")

    # One-click opt-out: the widget calls the opt-out route as this customer (faked at the route so the
    # shared demo store's consents stay as they are) and says what changed.
    seen: list[dict[str, str]] = []

    def fake_opt_out(route):  # type: ignore[no-untyped-def]
        seen.append(route.request.headers)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"contact_id": contact_id, "withdrawn": ["personalisation", "email_marketing"], "already": [],
             "consents": []}))

    page.route("**/v1/widget/opt-out", fake_opt_out)
    notice.get_by_role("link", name="Opt out of personalisation").click()
    widget.get_by_text("personalisation, marketing e-mail and tracking are now off").wait_for()
    assert seen and seen[0].get("x-customer-token")
    assert "Personalisation is off" in notice.inner_text()
    assert len(page.context.pages) == 1  # handled in place, no new tab


def _sse(*events: tuple[str, object]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


XSS_TEXT = ('Hello <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
            '<a href="javascript:window.__xss=3">click</a> '
            'see https://kaarna.example/hinnat or https://evil.example/x. '
            '**bold** <svg onload="window.__xss=4"></svg>')


def test_model_output_is_never_html(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    pieces = [XSS_TEXT[i:i + 17] for i in range(0, len(XSS_TEXT), 17)]
    done = {"status": "ok", "text": XSS_TEXT, "known": True, "handoff": False,
            "transparency": '<img src=x onerror="window.__xss=5">',
            "citations": [{"ref": 1, "source_id": "x", "title": '<img src=x onerror="window.__xss=6">',
                           "location": "x", "snippet": "x"}]}
    body = _sse(("progress", {"stage": "thinking"}), *[("token", {"text": p}) for p in pieces], ("done", done))
    page.route("**/v1/widget/ask/stream", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream", "Access-Control-Allow-Origin": "*"}, body=body))
    widget = _open(page, site.host.page("/xss", site.base, strict=False))
    _ask(widget, '<img src=x onerror="window.__xss=7">')
    _answered(page)
    page.wait_for_timeout(300)  # give any injected handler the chance to fire
    assert page.evaluate("window.__xss") is None
    counts = page.evaluate("""() => { const r = document.querySelector('#polku-chat').shadowRoot;
        return { img: r.querySelectorAll('img').length + document.querySelectorAll('img').length,
                 script: r.querySelectorAll('script').length, svg: r.querySelectorAll('svg').length }; }""")
    assert counts == {"img": 0, "script": 0, "svg": 0}
    answer = widget.locator(".msg.assistant").last
    assert '<img src=x onerror="window.__xss=1">' in answer.inner_text()  # shown as text, literally
    links = answer.locator("a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == "https://kaarna.example/hinnat"
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    assert answer.locator("strong").inner_text() == "bold"
    assert "https://evil.example/x" in answer.inner_text()
    shot(page, "widget-xss")


def test_failures_are_shown(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def flaky(route):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            route.abort()
        else:
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=_sse(
                ("progress", {"stage": "thinking"}),
                ("error", {"error": {"code": "provider", "message": "the language model did not answer"},
                           "status": 502})))

    page.route("**/v1/widget/ask/stream", flaky)
    widget = _open(page, site.host.page("/errors", site.base))
    _ask(widget, "Hello?")
    widget.get_by_role("alert").get_by_text("could not be reached").wait_for()
    _ask(widget, "Hello again?")
    widget.get_by_role("alert").get_by_text("the language model did not answer").wait_for()
    assert widget.locator(".typing").count() == 0


def test_a_busy_signal_keeps_the_thread(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    calls = {"n": 0}
    bodies: list[dict] = []

    def busy_once(route):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        bodies.append(route.request.post_data_json)
        if calls["n"] == 2:
            route.fulfill(status=429, headers={"Content-Type": "application/json", "Retry-After": "1"},
                          body=json.dumps({"error": {"code": "rate_limited", "message": "too many requests"}}))
        else:
            route.continue_()

    page.route("**/v1/widget/ask/stream", busy_once)
    widget = _open(page, site.host.page("/busy", site.base))
    _ask(widget, "How do I reset my password?")
    _answered(page)
    _ask(widget, "And on the mobile app?")
    widget.get_by_role("alert").get_by_text("too many requests").wait_for()
    _ask(widget, "And on the mobile app?")
    _answered(page, 2)
    assert "thread_id" not in bodies[0] and bodies[1]["thread_id"] == bodies[2]["thread_id"]


def test_on_a_finnish_page_the_widget_speaks_finnish_and_answers_in_the_questions_language(page, site: Site) -> None:  # type: ignore[no-untyped-def]
    page.goto(site.host.page("/fi", site.base, lang="fi"))
    widget = page.locator("#polku-chat")
    widget.get_by_role("button", name="Kysy meiltä").click()
    assert "nimettömänä" in widget.get_by_role("note").inner_text()
    widget.get_by_label("Kysymyksesi").fill("paljonko hr core maksaa kuukaudessa")
    widget.get_by_role("button", name="Lähetä").click()
    _answered(page)
    answer = widget.locator(".msg.assistant").first.inner_text()
    assert "6,50" in answer and "Lähteet:" in answer
    widget.get_by_label("Kysymyksesi").fill("How long does implementation take?")
    widget.get_by_role("button", name="Lähetä").click()
    _answered(page, 2)
    assert "weeks" in widget.locator(".msg.assistant").nth(1).inner_text()
