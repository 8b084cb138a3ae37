"""Single-record reads and writes of the CRM objects the copilot's CRM tools touch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import (
    Account,
    Activity,
    AuditLog,
    Contact,
    Contract,
    Event,
    Lead,
    Opportunity,
    Order,
    Task,
    Ticket,
)

T = TypeVar("T")


def account_ids(session: Session) -> list[str]:
    """Every account id, in order (what a store-wide job fans out)."""
    return list(session.scalars(select(Account.id).order_by(Account.id)))


def get(session: Session, *, model: type[T], ident: str) -> T | None:
    return session.get(model, ident)


def _recent(session: Session, model: Any, column: Any, account_id: str, limit: int) -> Sequence[Any]:
    q = select(model).where(model.account_id == account_id).order_by(column.desc()).limit(limit)
    return session.scalars(q).all()


def contacts_of(session: Session, *, account_id: str) -> Sequence[Contact]:
    return session.scalars(select(Contact).where(Contact.account_id == account_id).order_by(Contact.id)).all()


def orders_of(session: Session, *, account_id: str, limit: int = 20) -> Sequence[Order]:
    return _recent(session, Order, Order.order_date, account_id, limit)


def contracts_of(session: Session, *, account_id: str) -> Sequence[Contract]:
    return session.scalars(select(Contract).where(Contract.account_id == account_id)
                           .order_by(Contract.end_date.desc())).all()


def tickets_of(session: Session, *, account_id: str, limit: int = 20) -> Sequence[Ticket]:
    return _recent(session, Ticket, Ticket.opened_at, account_id, limit)


def activities_of(session: Session, *, account_id: str, limit: int = 20) -> Sequence[Activity]:
    return _recent(session, Activity, Activity.at, account_id, limit)


def events_of(session: Session, *, account_id: str, limit: int = 20) -> Sequence[Event]:
    return _recent(session, Event, Event.at, account_id, limit)


def leads_of(session: Session, *, account_id: str) -> Sequence[Lead]:
    return session.scalars(select(Lead).where(Lead.account_id == account_id).order_by(Lead.created_at.desc())).all()


def opportunities_of(session: Session, *, account_id: str) -> Sequence[Opportunity]:
    return session.scalars(select(Opportunity).where(Opportunity.account_id == account_id)
                           .order_by(Opportunity.created_at.desc())).all()


def open_tasks_of(session: Session, *, owner: str, limit: int = 50) -> Sequence[Task]:
    return session.scalars(select(Task).where(Task.owner == owner, Task.done.is_(False))
                           .order_by(Task.due_at).limit(limit)).all()


def add(session: Session, *, record: Any) -> None:
    session.add(record)
    session.flush()


def audit_entry(session: Session, *, ident: str) -> AuditLog | None:
    return session.get(AuditLog, ident)


__all__ = ["Account", "Activity", "AuditLog", "Contact", "Lead", "Opportunity", "Task"]
