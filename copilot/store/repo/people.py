"""Queries that pick accounts and contacts by what they are (used by the demo and the evals)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Account, Consent, Contact, Contract, Event


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


def email_open_times(session: Session, *, contact_id: str, limit: int = 50) -> list[datetime]:
    """When the contact opened our e-mails, newest first (behaviour data: gate before use)."""
    query = (
        select(Event.at)
        .where(Event.contact_id == contact_id, Event.type == "email_open")
        .order_by(Event.at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def names_of_account(session: Session, *, account_id: str) -> list[str]:
    """Every contact name of one account (the PII deny-list for that account's texts)."""
    rows = session.execute(select(Contact.first_name, Contact.last_name).where(Contact.account_id == account_id))
    return [f"{first} {last}" for first, last in rows]
