"""The consent registry on SQLite and PostgreSQL: state and history together, validation, opt-out, re-check."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from copilot.consent import registry
from copilot.consent.registry import ConsentChange, ConsentInput
from copilot.core.context import AppContext
from copilot.core.domain import ConsentStatus, Purpose
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.core.store.db import Database
from tests.conftest import NOW

REP = Actor(id="sup-eeva", role=Role.support)  # consents are written by support, marketing or admin


@pytest.fixture
def ctx(any_db: Database, tmp_path: Path) -> AppContext:
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    ctx.__dict__["db"] = any_db  # the parametrised store instead of the data dir's SQLite
    with any_db.session() as s:
        s.add(m.Account(id="acc-1", name="Kivi Oy", industry="retail", size="small", employees=40, owner="rep-anna"))
        s.flush()
        s.add(m.Contact(id="con-1", account_id="acc-1", first_name="Aino", last_name="Kivi", email="aino@kivi.example",
                        title="CEO", persona="ceo", owner="rep-anna"))
        s.add(m.Contract(id="ctr-1", account_id="acc-1", product="Payroll", start_date=date(2026, 1, 1),
                         end_date=date(2027, 12, 31), renewal_date=date(2027, 10, 1), annual_value=9000, licences=10))
    return ctx


def _events(ctx: AppContext) -> int:
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(m.ConsentEvent)) or 0)


def test_record_change_withdraw_keep_state_and_history_together(ctx: AppContext) -> None:
    granted = registry.record(ctx, ConsentInput(contact_id="con-1", purpose=Purpose.personalisation,
                                                obtained_via="pricing page form, kaarna.example/pricing",
                                                level="standard"), actor=REP, now=NOW)
    assert granted.status == "granted" and granted.lawful_basis == "consent" and granted.level == "standard"
    changed = registry.change(ctx, ConsentChange(contact_id="con-1", purpose=Purpose.personalisation, level="premium"),
                              actor=REP, now=NOW + timedelta(days=1))
    assert changed.level == "premium" and changed.obtained_via.startswith("pricing page form")
    # The same click twice changes nothing and writes no second event.
    registry.withdraw(ctx, "con-1", Purpose.personalisation, actor=REP, now=NOW + timedelta(days=2))
    registry.withdraw(ctx, "con-1", Purpose.personalisation, actor=REP, now=NOW + timedelta(days=3))
    history = registry.history(ctx, "con-1")
    assert [(e.status, e.level) for e in history] == [("granted", "standard"), ("granted", "premium"),
                                                      ("withdrawn", "premium")]
    assert all(e.actor == "sup-eeva" for e in history)
    [current] = registry.current(ctx, "con-1")
    assert current.status == "withdrawn" and current.changed_at.date() == (NOW + timedelta(days=2)).date()


def test_validation_and_unknown_contacts(ctx: AppContext) -> None:
    with pytest.raises(ValidationError, match="needs lawful basis consent"):
        ConsentInput(contact_id="con-1", purpose=Purpose.email_marketing, lawful_basis="contract", obtained_via="x")
    with pytest.raises(ValidationError, match="how and where"):
        ConsentInput(contact_id="con-1", purpose=Purpose.newsletter)
    with pytest.raises(ValidationError, match="needs lawful basis contract"):
        ConsentInput(contact_id="con-1", purpose=Purpose.service_chat, lawful_basis="consent", obtained_via="x")
    assert ConsentInput(contact_id="con-1", purpose=Purpose.service_chat).obtained_via == "contract"
    for call in (
        lambda: registry.record(ctx, ConsentInput(contact_id="con-x", purpose=Purpose.newsletter, obtained_via="f"),
                                actor=REP),
        lambda: registry.opt_out(ctx, "con-x", actor=REP),
        lambda: registry.history(ctx, "con-x"),
    ):
        with pytest.raises(PolkuError) as err:
            call()
        assert err.value.code == "not_found"
    with pytest.raises(PolkuError) as err:
        registry.change(ctx, ConsentChange(contact_id="con-1", purpose=Purpose.newsletter, level="basic"), actor=REP)
    assert err.value.code == "not_found"
    stranger = Actor(id="customer:con-2", role=Role.customer, contact_id="con-2")
    with pytest.raises(PolkuError) as err:
        registry.opt_out(ctx, "con-1", actor=stranger)
    assert err.value.code == "forbidden"
    assert _events(ctx) == 0  # nothing half-written by any of the refusals


def test_one_click_opt_out_withdraws_three_purposes_at_once_and_the_gate_follows(ctx: AppContext) -> None:
    for purpose in (Purpose.email_marketing, Purpose.site_tracking, Purpose.newsletter):
        registry.record(ctx, ConsentInput(contact_id="con-1", purpose=purpose, obtained_via="webinar sign-up"),
                        actor=REP, now=NOW)
    registry.record(ctx, ConsentInput(contact_id="con-1", purpose=Purpose.service_chat), actor=REP, now=NOW)
    assert registry.still_allowed(ctx, "con-1", "marketing_email", now=NOW).allowed
    me = Actor(id="customer:con-1", role=Role.customer, contact_id="con-1")
    result = registry.opt_out(ctx, "con-1", actor=me, now=NOW + timedelta(hours=1))
    assert result.withdrawn == [Purpose.email_marketing, Purpose.site_tracking]
    assert result.already == [Purpose.personalisation]  # never granted: now recorded as refused
    states = {c.purpose: c.status for c in result.consents}
    assert states == {"email_marketing": "withdrawn", "newsletter": "granted", "personalisation": "withdrawn",
                      "service_chat": "granted", "site_tracking": "withdrawn"}
    assert registry.history(ctx, "con-1")[-1].actor == "customer:con-1"
    decision = registry.still_allowed(ctx, "con-1", "marketing_email", now=NOW + timedelta(hours=2))
    assert not decision.allowed and decision.reason.startswith("no email marketing consent: withdrawn")
    service = registry.still_allowed(ctx, "con-1", "service_email", now=NOW + timedelta(hours=2))
    assert service.allowed and service.basis == "contract"  # the contract still carries service mail
    assert not registry.still_allowed(ctx, "con-gone", "marketing_email").allowed
    assert ConsentStatus.withdrawn in {c.status for c in registry.current(ctx, "con-1")}
