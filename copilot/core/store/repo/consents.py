"""Consent queries: a person's current consents and their history, and recording changes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import Consent, ConsentEvent, Contact, Contract


def current(session: Session, *, contact_id: str) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.purpose)))


def history(session: Session, *, contact_id: str) -> list[ConsentEvent]:
    query = select(ConsentEvent).where(ConsentEvent.contact_id == contact_id)
    return list(session.scalars(query.order_by(ConsentEvent.at, ConsentEvent.id)))


def has_active_contract(session: Session, *, account_id: str, today: date) -> bool:
    query = select(Contract.id).where(
        Contract.account_id == account_id, Contract.status == "active", Contract.end_date >= today
    )
    return session.scalar(query.limit(1)) is not None


def contact(session: Session, *, contact_id: str) -> Contact | None:
    return session.get(Contact, contact_id)


def get(session: Session, *, contact_id: str, purpose: str) -> Consent | None:
    query = select(Consent).where(Consent.contact_id == contact_id, Consent.purpose == purpose)
    return session.scalars(query).first()


def put(session: Session, *, contact_id: str, purpose: str, status: str, lawful_basis: str, obtained_via: str,
        level: str, at: datetime, actor: str) -> Consent:
    """Set the current state and append its history event in the caller's transaction (never one alone)."""
    row = get(session, contact_id=contact_id, purpose=purpose)
    if row is None:
        row = Consent(id=f"cns-{uuid.uuid4().hex[:16]}", contact_id=contact_id, purpose=purpose)
        session.add(row)
    row.status, row.lawful_basis, row.obtained_via, row.level, row.changed_at = (
        status, lawful_basis, obtained_via, level, at
    )
    session.add(ConsentEvent(contact_id=contact_id, purpose=purpose, status=status, lawful_basis=lawful_basis,
                             obtained_via=obtained_via, level=level, at=at, actor=actor))
    session.flush()
    return row
