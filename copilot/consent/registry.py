"""The consent registry: record, change and withdraw a person's permissions, and re-check before sending.

Every change writes the current state (``consents``) and its history event (``consent_events``) in
one transaction, so the history can always explain the state. The gate (``copilot.consent.gate``)
reads the state on every request, so a withdrawal takes effect on the next request of every surface;
:func:`still_allowed` is the same check for work prepared earlier (queued campaign drafts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from copilot.consent.gate import ConsentState, Decision, Subject, decide, load_policy
from copilot.core.context import AppContext
from copilot.core.domain import ConsentStatus, LawfulBasis, PersonalisationLevel, Purpose
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm, require
from copilot.core.store.models import Consent, Contact
from copilot.core.store.repo import consents as repo

#: What the widget's one-click opt-out link withdraws.
OPT_OUT_PURPOSES: tuple[Purpose, ...] = (Purpose.personalisation, Purpose.email_marketing, Purpose.site_tracking)

# Purposes no task of the policy names, with the basis the sources give them (DOMAIN.md, "Trust").
_FIXED_BASIS = {
    Purpose.newsletter: LawfulBasis.consent,
    Purpose.personalisation: LawfulBasis.consent,
    Purpose.site_tracking: LawfulBasis.consent,  # tracking needs consent (ePrivacy), never a contract
    Purpose.proactive_service: LawfulBasis.legitimate_interest,
}


def required_basis(purpose: Purpose) -> LawfulBasis:
    """The one lawful basis a purpose may rest on: the policy's for purposes a task names, else fixed."""
    for rule in load_policy().tasks.values():
        if rule.purpose == purpose and rule.audience == "customer":
            return LawfulBasis(rule.basis)
    return _FIXED_BASIS[purpose]


Via = Annotated[str, Field(max_length=120)]


class ConsentInput(BaseModel):
    """A permission as given: for whom, what for, on which basis, how and where it was obtained."""

    contact_id: str = Field(min_length=1, max_length=64)
    purpose: Purpose
    status: ConsentStatus = ConsentStatus.granted
    lawful_basis: LawfulBasis | None = None
    """Empty means the basis the purpose requires."""
    obtained_via: Via = ""
    """How and where, e.g. ``webinar sign-up form, kaarna.example/webinar``; required for consent."""
    level: PersonalisationLevel = PersonalisationLevel.basic

    @model_validator(mode="after")
    def _basis_fits_purpose(self) -> ConsentInput:
        needed = required_basis(self.purpose)
        if self.lawful_basis is None:
            self.lawful_basis = needed
        if self.lawful_basis != needed:
            raise ValueError(f"{self.purpose.value} needs lawful basis {needed.value} under the policy, "
                             f"not {self.lawful_basis.value}")
        granted = self.lawful_basis == LawfulBasis.consent and self.status == ConsentStatus.granted
        if granted and not self.obtained_via.strip():
            raise ValueError("a granted consent must say how and where it was obtained (obtained_via)")
        if not self.obtained_via.strip():
            self.obtained_via = self.lawful_basis.value
        return self


class ConsentChange(BaseModel):
    """A change to an existing permission: the personalisation level, the status or where it came from."""

    contact_id: str = Field(min_length=1, max_length=64)
    purpose: Purpose
    level: PersonalisationLevel | None = None
    status: ConsentStatus | None = None
    obtained_via: Via | None = None


class _ConsentState(BaseModel):
    contact_id: str
    purpose: Purpose
    status: ConsentStatus
    lawful_basis: LawfulBasis
    obtained_via: str
    level: PersonalisationLevel


class ConsentView(_ConsentState):
    changed_at: datetime


class ConsentEventView(_ConsentState):
    at: datetime
    actor: str


class OptOutResult(BaseModel):
    contact_id: str
    withdrawn: list[Purpose]
    """Purposes this call withdrew."""
    already: list[Purpose]
    """Purposes that were withdrawn (or never granted and now recorded as refused) before."""
    consents: list[ConsentView]


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def _contact(session: Session, contact_id: str, actor: Actor) -> Contact:
    """The contact whose consents ``actor`` changes: every write starts here, with the role table."""
    require(actor, Perm.widget if actor.role in (Role.customer, Role.visitor) else Perm.consent_write)
    if actor.role in (Role.customer, Role.visitor) and actor.contact_id != contact_id:
        raise PolkuError("forbidden", "a customer may change only their own consents")
    found = repo.contact(session, contact_id=contact_id)
    if found is None:
        raise not_found("contact", contact_id)
    return found


def _view(row: Consent) -> ConsentView:
    return ConsentView.model_validate(row, from_attributes=True)


def _same(row: Consent | None, status: str, basis: str, via: str, level: str) -> bool:
    return row is not None and (row.status, row.lawful_basis, row.obtained_via, row.level) == (
        status, basis, via, level
    )


def _put(session: Session, contact_id: str, purpose: Purpose, status: str, basis: str, via: str, level: str,
         at: datetime, actor: Actor) -> ConsentView:
    row = repo.get(session, contact_id=contact_id, purpose=purpose.value)
    if _same(row, status, basis, via, level):
        assert row is not None
        return _view(row)  # nothing changed: no history event for a repeated click
    return _view(repo.put(session, contact_id=contact_id, purpose=purpose.value, status=status, lawful_basis=basis,
                          obtained_via=via, level=level, at=at, actor=actor.id))


def record(ctx: AppContext, inp: ConsentInput, *, actor: Actor, now: datetime | None = None) -> ConsentView:
    """Record a permission (new, or replacing the current state) with its history event."""
    assert inp.lawful_basis is not None  # filled in by the validator
    with ctx.db.session() as session:
        _contact(session, inp.contact_id, actor)
        return _put(session, inp.contact_id, inp.purpose, inp.status.value, inp.lawful_basis.value,
                    inp.obtained_via, inp.level.value, _now(now), actor)


def change(ctx: AppContext, chg: ConsentChange, *, actor: Actor, now: datetime | None = None) -> ConsentView:
    """Change level, status or origin of an existing permission (``not_found`` if there is none)."""
    with ctx.db.session() as session:
        _contact(session, chg.contact_id, actor)
        row = repo.get(session, contact_id=chg.contact_id, purpose=chg.purpose.value)
        if row is None:
            raise PolkuError("not_found", f"no {chg.purpose.value} consent on record for {chg.contact_id}",
                             kind="consent", id=f"{chg.contact_id}/{chg.purpose.value}")
        inp = ConsentInput(
            contact_id=chg.contact_id,
            purpose=chg.purpose,
            status=chg.status or ConsentStatus(row.status),
            lawful_basis=LawfulBasis(row.lawful_basis),
            obtained_via=chg.obtained_via if chg.obtained_via is not None else row.obtained_via,
            level=chg.level or PersonalisationLevel(row.level),
        )
        assert inp.lawful_basis is not None
        return _put(session, inp.contact_id, inp.purpose, inp.status.value, inp.lawful_basis.value,
                    inp.obtained_via, inp.level.value, _now(now), actor)


def _withdraw(session: Session, contact_id: str, purpose: Purpose, via: str, at: datetime,
              actor: Actor) -> tuple[ConsentView, bool]:
    row = repo.get(session, contact_id=contact_id, purpose=purpose.value)
    if row is not None and row.status != ConsentStatus.granted:
        return _view(row), False
    # A refusal with no earlier record is stored too: the next import or form must not assume a grant.
    basis = row.lawful_basis if row is not None else required_basis(purpose).value
    level = row.level if row is not None else PersonalisationLevel.basic.value
    view = _put(session, contact_id, purpose, ConsentStatus.withdrawn.value, basis, via, level, at, actor)
    return view, row is not None


def withdraw(ctx: AppContext, contact_id: str, purpose: Purpose, *, actor: Actor, via: str = "withdrawn on request",
             now: datetime | None = None) -> ConsentView:
    """Withdraw one permission; effective on the next request of every surface."""
    with ctx.db.session() as session:
        _contact(session, contact_id, actor)
        return _withdraw(session, contact_id, purpose, via[:120], _now(now), actor)[0]


def opt_out(ctx: AppContext, contact_id: str, purposes: list[Purpose] | tuple[Purpose, ...] = OPT_OUT_PURPOSES, *,
            actor: Actor, via: str = "one-click opt-out link", now: datetime | None = None) -> OptOutResult:
    """One click: withdraw personalisation, e-mail marketing and site tracking together (all or nothing)."""
    at = _now(now)
    withdrawn: list[Purpose] = []
    already: list[Purpose] = []
    with ctx.db.session() as session:
        _contact(session, contact_id, actor)
        for purpose in dict.fromkeys(purposes):
            _, changed = _withdraw(session, contact_id, purpose, via[:120], at, actor)
            (withdrawn if changed else already).append(purpose)
        views = [_view(r) for r in repo.current(session, contact_id=contact_id)]
    return OptOutResult(contact_id=contact_id, withdrawn=withdrawn, already=already, consents=views)


def current(ctx: AppContext, contact_id: str) -> list[ConsentView]:
    with ctx.db.session() as session:
        if repo.contact(session, contact_id=contact_id) is None:
            raise not_found("contact", contact_id)
        return [_view(r) for r in repo.current(session, contact_id=contact_id)]


def history(ctx: AppContext, contact_id: str) -> list[ConsentEventView]:
    """Every grant, change and withdrawal, oldest first."""
    with ctx.db.session() as session:
        if repo.contact(session, contact_id=contact_id) is None:
            raise not_found("contact", contact_id)
        return [ConsentEventView.model_validate(e, from_attributes=True)
                for e in repo.history(session, contact_id=contact_id)]


def still_allowed(ctx: AppContext, contact_id: str, task: str, *, now: datetime | None = None) -> Decision:
    """The gate's decision on the store's state right now: call it immediately before sending.

    A draft made yesterday carries yesterday's decision; a withdrawal since then must stop the send.
    An erased or unknown contact is refused, not an error, so a queue can drop the item and go on.
    """
    now = now or datetime.now(UTC)
    with ctx.db.session() as session:
        contact = repo.contact(session, contact_id=contact_id)
        if contact is None:
            rule = load_policy().tasks.get(task)
            if rule is None:
                raise PolkuError("invalid", f"unknown task {task!r}")
            return Decision(task=task, allowed=False, audience=rule.audience, purpose=rule.purpose,
                            reason="the contact no longer exists (erased or removed)")
        states = [ConsentState.model_validate(c, from_attributes=True)
                  for c in repo.current(session, contact_id=contact_id)]
        active = repo.has_active_contract(session, account_id=contact.account_id, today=now.date())
    subject = Subject(contact_id=contact_id, account_id=contact.account_id, has_active_contract=active,
                      consents=states)
    try:
        return decide(task, subject)
    except ValueError as exc:
        raise PolkuError("invalid", str(exc)) from exc
