"""The consent gate over every task x consent status x personalisation level x contract combination."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from copilot.consent.gate import STAFF_ONLY, ConsentState, Subject, decide, load_policy, task_for_email_goal

WHEN = datetime(2026, 3, 1, tzinfo=UTC)
TASKS = list(load_policy().tasks)
EMAIL = ["granted", "withdrawn", "denied", None]
PERSONAL = [None, ("granted", "basic"), ("granted", "standard"), ("granted", "premium"), ("withdrawn", "premium")]
TRACKING = ["granted", None]
SERVICE = ["granted", "withdrawn", None]
CONTRACT = [True, False]


def subject(email, personal, tracking, service, contract) -> Subject:  # type: ignore[no-untyped-def]
    consents = []
    if email:
        consents.append(
            ConsentState(
                purpose="email_marketing",
                status=email,
                lawful_basis="consent",
                changed_at=WHEN,
                obtained_via="webinar sign-up form",
            )
        )
    if personal:
        consents.append(
            ConsentState(
                purpose="personalisation",
                status=personal[0],
                lawful_basis="consent",
                level=personal[1],
                changed_at=WHEN,
            )
        )
    if tracking:
        consents.append(ConsentState(purpose="site_tracking", status=tracking, lawful_basis="consent", changed_at=WHEN))
    if service:
        consents.append(ConsentState(purpose="service_chat", status=service, lawful_basis="contract", changed_at=WHEN))
    return Subject(contact_id="con-1", account_id="acc-1", has_active_contract=contract, consents=consents)


MATRIX = list(itertools.product(TASKS, EMAIL, PERSONAL, TRACKING, SERVICE, CONTRACT))


@pytest.mark.parametrize(("task", "email", "personal", "tracking", "service", "contract"), MATRIX)
def test_gate_matrix(task: str, email, personal, tracking, service, contract) -> None:  # type: ignore[no-untyped-def]
    d = decide(task, subject(email, personal, tracking, service, contract))
    cats = set(d.categories)

    # Who may run at all.
    if task in ("brief", "next_actions", "staff_chat", "visitor_chat"):
        assert d.allowed
    elif task == "marketing_email":
        assert d.allowed == (email == "granted")
    else:  # service_email, customer_chat: under the contract, unless the person objected
        assert d.allowed == (contract and service != "withdrawn")

    if not d.allowed:
        assert d.reason and not cats
        if task == "marketing_email" and email in ("withdrawn", "denied"):
            assert f"{email} since 2026-03-01" in d.reason
        if task == "marketing_email" and email is None:
            assert d.reason == "no email marketing consent on record"
        return

    # Behaviour data always needs site-tracking consent.
    if "behaviour" in cats:
        assert tracking == "granted"
    # What customers and visitors read never draws on staff-only data.
    if d.audience != "staff":
        assert not cats & STAFF_ONLY
    if task == "visitor_chat":
        assert cats == {"public_content"} and d.basis is None
    if task == "marketing_email":
        assert d.basis == "consent" and d.obtained_via == "webinar sign-up form"
        level = personal[1] if personal and personal[0] == "granted" else None
        assert ("purchase_history" in cats) == (level in ("standard", "premium"))
        assert ("behaviour" in cats) == (level == "premium" and tracking == "granted")
        assert "firmographics" in cats
    if task in ("service_email", "customer_chat"):
        assert d.basis == "contract" and "purchase_history" in cats
    if d.audience == "staff":
        assert "scores" in cats and d.basis == "legitimate_interest"


def test_email_goals_map_to_purposes() -> None:
    assert task_for_email_goal("renewal") == "service_email"
    assert task_for_email_goal("nurture") == "marketing_email"
    with pytest.raises(ValueError, match="unknown e-mail goal"):
        task_for_email_goal("spam")


def test_an_objection_to_proactive_service_stops_service_emails_but_not_the_chat() -> None:
    objected = subject(None, None, None, "granted", True)
    objected.consents.append(ConsentState(purpose="proactive_service", status="withdrawn",
                                          lawful_basis="legitimate_interest", changed_at=WHEN))
    reminder = decide("service_email", objected)
    assert not reminder.allowed and reminder.reason == "objected to proactive service: withdrawn since 2026-03-01"
    assert decide("customer_chat", objected).allowed  # answering their own questions is not a reminder


@pytest.mark.parametrize(("email", "promotes"), [("granted", True), ("withdrawn", False), (None, False)])
def test_a_service_email_promotes_only_with_marketing_consent(email, promotes) -> None:  # type: ignore[no-untyped-def]
    d = decide("service_email", subject(email, None, None, "granted", True))
    assert d.allowed and d.promotion is promotes
