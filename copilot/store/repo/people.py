"""Queries that pick accounts and contacts by what they are (used by the demo and the evals)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Account, Consent, Contact, Contract


def contact_with_consent(session: Session, *, purpose: str, status: str, language: str | None = None) -> Contact | None:
    query = (
        select(Contact)
        .join(Consent, Consent.contact_id == Contact.id)
        .where(Consent.purpose == purpose, Consent.status == status)
        .order_by(Contact.id)
        .limit(1)
    )
    if language:
        query = query.where(Contact.language == language)
    return session.scalars(query).first()


def active_customer(session: Session, *, size: str = "key") -> Account | None:
    query = (
        select(Account)
        .join(Contract, Contract.account_id == Account.id)
        .where(Contract.status == "active", Account.size == size)
        .order_by(Account.id)
        .limit(1)
    )
    return session.scalars(query).first()
