"""The copilot's e-mail and chat tasks end to end on the embedded store and a real Chroma index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from copilot.core.identity import Actor, Role
from copilot.core.store import models as m
from copilot.core.store.repo import people
from copilot.engines.composer.email import words
from copilot.results import Answer, Blocked, EmailDraft
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.email import EmailRequest, draft_email
from tests.conftest import NOW

REP = Actor(id="rep-anna", role=Role.sales)
VISITOR = Actor(id="visitor", role=Role.visitor)


def _contact(ctx, purpose: str, status: str, language: str | None = None) -> m.Contact:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        found = people.contact_with_consent(s, purpose=purpose, status=status, language=language)
    assert found is not None
    return found


@pytest.mark.parametrize("language", ["fi", "en"])
def test_marketing_email_is_personal_cited_transparent_and_in_the_contacts_language(demo_ctx, language) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(demo_ctx, "email_marketing", "granted", language)
    draft = draft_email(demo_ctx, EmailRequest(contact_id=contact.id, goal="nurture"), actor=REP, now=NOW)
    assert isinstance(draft, EmailDraft)
    assert draft.language == language
    assert 1 <= len(draft.modules) <= 2  # one angle, one proof point: sources for the rep
    assert all(c.source_id.startswith("module:") and c.source_id.endswith(f".{language}") for c in draft.modules)
    assert contact.first_name in draft.body
    assert draft.sender in draft.body and draft.sender != "Kaarna"
    assert "https://kaarna.example/" in draft.transparency
    assert draft.guard.grounded and draft.guard.ok
    assert draft.provenance.basis == "consent" and draft.provenance.audit_id
    assert not re.search(r"\[\d+\]", draft.body)  # no citation markers in the customer's text
    assert 60 <= words(draft.body) <= 180


def test_withdrawn_consent_blocks_the_draft_with_reason_and_is_audited(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(demo_ctx, "email_marketing", "withdrawn")
    result = draft_email(demo_ctx, EmailRequest(contact_id=contact.id, goal="upsell"), actor=REP, now=NOW)
    assert isinstance(result, Blocked)
    assert result.reason.startswith("no email marketing consent: withdrawn since 20")
    with demo_ctx.db.session() as s:
        entry = s.get(m.AuditLog, result.provenance.audit_id)
        assert entry.outcome == "blocked" and entry.contact_id == contact.id and entry.details["categories"] == []


def test_drafts_are_deterministic(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    contact = _contact(demo_ctx, "email_marketing", "granted")
    req = EmailRequest(contact_id=contact.id, goal="event")
    a, b = (draft_email(demo_ctx, req, actor=REP, now=NOW) for _ in range(2))
    assert isinstance(a, EmailDraft) and isinstance(b, EmailDraft)
    assert (a.subject, a.body, a.send_time) == (b.subject, b.body, b.send_time)


def test_visitor_gets_public_cited_answer_and_no_internal_modules(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    answer = ask(
        demo_ctx,
        AskRequest(question="How much does Kaarna HR Core cost per user per month?", surface="widget"),
        actor=VISITOR,
        now=NOW,
    )
    assert isinstance(answer, Answer) and answer.known
    assert "6.50" in answer.text and answer.citations
    assert answer.provenance.categories == ["public_content"]
    battle = ask(
        demo_ctx,
        AskRequest(question="How do we win against Henkilöstö360 in a deal?", surface="widget"),
        actor=VISITOR,
        now=NOW,
    )
    assert isinstance(battle, Answer)
    assert all("battlecard" not in c.source_id for c in battle.citations)


def test_unknown_question_says_so_and_offers_a_person(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    answer = ask(demo_ctx, AskRequest(question="What is the capital of Mongolia?"), actor=VISITOR, now=NOW)
    assert isinstance(answer, Answer)
    assert not answer.known and answer.handoff and not answer.citations


def test_identified_customer_sees_own_order_and_visitor_sees_none(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.db.session() as s:
        order = s.scalars(
            select(m.Order)
            .join(m.Contract, m.Contract.account_id == m.Order.account_id)
            .where(m.Contract.status == "active")
            .order_by(m.Order.order_date.desc())
        ).first()
        contact = s.scalars(select(m.Contact).where(m.Contact.account_id == order.account_id)).first()
        latest = s.scalars(
            select(m.Order).where(m.Order.account_id == order.account_id).order_by(m.Order.order_date.desc())
        ).first()
    customer = Actor(id=f"customer:{contact.id}", role=Role.customer, contact_id=contact.id)
    mine = ask(
        demo_ctx,
        AskRequest(question="What is the status of my latest order?", surface="widget"),
        actor=customer,
        now=NOW,
    )
    assert isinstance(mine, Answer) and latest.id in mine.text
    assert mine.provenance.basis == "contract"
    anonymous = ask(
        demo_ctx,
        AskRequest(question="What is the status of my latest order?", surface="widget"),
        actor=VISITOR,
        now=NOW,
    )
    assert isinstance(anonymous, Answer) and "ord-" not in anonymous.text and anonymous.handoff


def test_conversation_memory_is_kept_in_the_store_and_bound_to_its_starter(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    first = ask(demo_ctx, AskRequest(question="How much does the Enterprise support plan cost?"), actor=VISITOR,
                now=NOW)
    assert isinstance(first, Answer) and first.thread_id
    follow = ask(demo_ctx, AskRequest(question="And the Plus plan?", thread_id=first.thread_id), actor=VISITOR,
                 now=NOW)
    assert isinstance(follow, Answer) and follow.thread_id == first.thread_id
    assert "1.20" in follow.text  # the short follow-up was understood through the earlier turn
    with demo_ctx.db.session() as s:
        roles = [msg.role for msg in s.scalars(select(m.Message).where(m.Message.conversation_id == first.thread_id)
                                               .order_by(m.Message.id))]
    assert roles == ["user", "assistant", "user", "assistant"]
    stranger = Actor(id="visitor-2", role=Role.visitor)
    from copilot.core.errors import PolkuError

    with pytest.raises(PolkuError, match="no conversation"):
        ask(demo_ctx, AskRequest(question="What did I ask?", thread_id=first.thread_id), actor=stranger, now=NOW)


def test_a_finnish_brief_words_the_timeline_in_finnish(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from copilot.tasks.brief import brief

    with demo_ctx.db.session() as s:
        account = s.scalars(select(m.Event.account_id).where(m.Event.type == "page_view")
                            .order_by(m.Event.at.desc()).limit(1)).one()
    fi = {x.name: x.text for x in brief(demo_ctx, account, actor=REP, language="fi", now=NOW).sections}
    en = {x.name: x.text for x in brief(demo_ctx, account, actor=REP, language="en", now=NOW).sections}
    assert "sivukäynti" in fi["signals"] and "page view" in en["signals"]
    english = ("page view", " of ", "email", "Usage ", "Order ", "it_services", "medium", "sales_now", "nurture")
    for name in ("who", "signals", "changed", "lead"):
        assert not [w for w in english if w in fi.get(name, "")], (name, fi.get(name))


def test_a_service_email_to_someone_who_refuses_marketing_carries_service_content_only(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.db.session() as s:
        active = select(m.Contract.account_id).where(m.Contract.status == "active", m.Contract.end_date > NOW.date())
        withdrew = select(m.Consent.contact_id).where(m.Consent.purpose == "email_marketing",
                                                     m.Consent.status == "withdrawn")
        contacts = s.scalars(select(m.Contact).where(m.Contact.account_id.in_(active), m.Contact.id.in_(withdrew))
                             .order_by(m.Contact.id).limit(3)).all()
    assert contacts
    for contact in contacts:
        d = draft_email(demo_ctx, EmailRequest(contact_id=contact.id, goal="renewal"), actor=REP, now=NOW)
        assert isinstance(d, EmailDraft), d
        assert d.offer is None and "€" not in d.body and "euro" not in d.body.lower()
        assert all(c.source_id.split(":")[1].split(".")[0].split("-")[0] in ("faq", "help", "support")
                   for c in d.modules)  # no customer story, ROI example or price list


def test_the_widget_account_card_hides_margins_from_the_customer(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from tools import records

    contact = _contact(demo_ctx, "service_chat", "granted")
    me = Actor(id=f"customer:{contact.id}", role=Role.customer, account_id=contact.account_id, contact_id=contact.id)
    card = records.account_card(demo_ctx, me, contact.account_id)
    assert card.orders and all("margin" not in o for o in card.orders)
    staff_card = records.account_card(demo_ctx, REP, contact.account_id)
    assert all("margin" in o for o in staff_card.orders)
