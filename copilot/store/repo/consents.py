"""Consent queries: a person's current consents and their history, and recording changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Consent, ConsentEvent, Contact, Contract


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
