"""Queries that pick accounts and contacts by what they are (used by the demo and the evals)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import Account, Consent, Contact, Contract, Event, Rep


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


SEGMENT_FIELDS = {
    "persona": Contact.persona,
    "language": Contact.language,
    "stage": Contact.journey_stage,
    "industry": Account.industry,
    "size": Account.size,
    "owner": Account.owner,
}


def segment(session: Session, *, filters: dict[str, str], limit: int | None = None) -> list[tuple[Contact, Account]]:
    """Contacts (with their account) matching every ``field=value`` of a segment, by contact id."""
    query = select(Contact, Account).join(Account, Account.id == Contact.account_id)
    for name, value in filters.items():
        query = query.where(SEGMENT_FIELDS[name] == value)
    query = query.order_by(Contact.id)
    if limit:
        query = query.limit(limit)
    return [(c, a) for c, a in session.execute(query)]


def segment_ids(session: Session, *, filters: dict[str, str], limit: int | None = None) -> list[str]:
    """The contact ids of a segment, in contact id order (what a batch job fans out)."""
    query = select(Contact.id).join(Account, Account.id == Contact.account_id)
    for name, value in filters.items():
        query = query.where(SEGMENT_FIELDS[name] == value)
    query = query.order_by(Contact.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def members_by_ids(session: Session, *, contact_ids: list[str]) -> list[tuple[Contact, Account]]:
    """Contacts (with their account) by id, in contact id order; unknown ids are left out."""
    out: list[tuple[Contact, Account]] = []
    for start in range(0, len(contact_ids), 900):
        query = (select(Contact, Account).join(Account, Account.id == Contact.account_id)
                 .where(Contact.id.in_(contact_ids[start : start + 900])))
        out += [(c, a) for c, a in session.execute(query)]
    return sorted(out, key=lambda pair: pair[0].id)


def consents_of_many(session: Session, *, contact_ids: list[str]) -> dict[str, list[Consent]]:
    out: dict[str, list[Consent]] = {cid: [] for cid in contact_ids}
    for start in range(0, len(contact_ids), 900):
        chunk = contact_ids[start : start + 900]
        for consent in session.scalars(select(Consent).where(Consent.contact_id.in_(chunk))):
            out[consent.contact_id].append(consent)
    return out


def active_contracts(session: Session, *, account_ids: list[str], today: date) -> dict[str, Contract]:
    out: dict[str, Contract] = {}
    for start in range(0, len(account_ids), 900):
        chunk = account_ids[start : start + 900]
        query = select(Contract).where(Contract.account_id.in_(chunk), Contract.status == "active",
                                       Contract.end_date >= today)
        for contract in session.scalars(query):
            out.setdefault(contract.account_id, contract)
    return out


def rep_names(session: Session) -> dict[str, str]:
    return {rid: name for rid, name in session.execute(select(Rep.id, Rep.name))}


def contacts_where(
    session: Session,
    *,
    language: str,
    customer: bool,
    today: date,
    consent: str | None = None,
    limit: int = 1,
    offset: int = 0,
) -> list[Contact]:
    """Contacts chosen by what they are (for the evals): their language, whether their account has an
    active contract today, and a purpose they granted; in id order, ``offset`` skips the first ones."""
    active = select(Contract.account_id).where(Contract.status == "active", Contract.end_date >= today)
    query = select(Contact).where(Contact.language == language)
    query = query.where(Contact.account_id.in_(active) if customer else Contact.account_id.not_in(active))
    if consent:
        granted = select(Consent.contact_id).where(Consent.purpose == consent, Consent.status == "granted")
        query = query.where(Contact.id.in_(granted))
    return list(session.scalars(query.order_by(Contact.id).offset(offset).limit(limit)))


def accounts_where(session: Session, *, customer: bool, today: date, limit: int = 1, offset: int = 0) -> list[Account]:
    """Accounts with (or without) an active contract today, in id order (for the evals)."""
    active = select(Contract.account_id).where(Contract.status == "active", Contract.end_date >= today)
    query = select(Account).where(Account.id.in_(active) if customer else Account.id.not_in(active))
    return list(session.scalars(query.order_by(Account.id).offset(offset).limit(limit)))
