"""Account and contact facts, each tagged with its data category and source record.

The consent gate decides which categories a task may use; ``gather`` reads only those from the
store, so a fact that is not allowed is never even loaded into the context. Every fact carries the
record it came from (``order:ord-0000042``), which is what citations and the audit log point at.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from copilot.consent.gate import Decision
from copilot.core.errors import not_found
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import crm_records


class Fact(BaseModel):
    key: str
    """Stable name, e.g. ``latest_order.status``."""
    value: str
    category: str
    source: str
    """The record it came from: ``<type>:<id>``."""


class Subject(BaseModel):
    """The account and contact a task is about (only what the gate allowed)."""

    account_id: str | None = None
    account_name: str | None = None
    contact_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    persona: str | None = None
    language: str = "fi"
    journey_stage: str | None = None
    industry: str | None = None
    owner: str | None = None


def load_subject(
    session: Session, *, account_id: str | None, contact_id: str | None
) -> tuple[Account | None, Contact | None]:
    contact = None
    if contact_id:
        contact = crm_records.get(session, model=Contact, ident=contact_id)
        if contact is None:
            raise not_found("contact", contact_id)
        account_id = account_id or contact.account_id
    account = None
    if account_id:
        account = crm_records.get(session, model=Account, ident=account_id)
        if account is None:
            raise not_found("account", account_id)
    return account, contact


def subject_view(account: Account | None, contact: Contact | None, decision: Decision) -> Subject:
    """The subject as the task may see it: the name only with contact_profile, the firm with firmographics."""
    view = Subject(
        account_id=account.id if account else None,
        contact_id=contact.id if contact else None,
        owner=account.owner if account else None,
    )
    if contact is not None:
        view.language = contact.language
        view.journey_stage = contact.journey_stage
        view.persona = contact.persona
        if decision.may_use("contact_profile"):
            view.first_name, view.last_name, view.title = contact.first_name, contact.last_name, contact.title
    if account is not None and (
        decision.may_use("firmographics") or decision.audience == "staff" or decision.may_use("purchase_history")
    ):
        view.account_name, view.industry = account.name, account.industry
    return view


def gather(session: Session, *, account: Account | None, decision: Decision, now: datetime) -> list[Fact]:
    """The account facts the decision allows, newest first within each category."""
    if account is None:
        return []
    facts: list[Fact] = []
    if decision.may_use("firmographics"):
        facts += [
            Fact(key="account.name", value=account.name, category="firmographics", source=f"account:{account.id}"),
            Fact(
                key="account.industry", value=account.industry, category="firmographics", source=f"account:{account.id}"
            ),
            Fact(
                key="account.employees",
                value=str(account.employees),
                category="firmographics",
                source=f"account:{account.id}",
            ),
        ]
    if decision.may_use("purchase_history"):
        facts += _purchases(session, account.id)
    if decision.may_use("support_history"):
        facts += _support(session, account.id)
    if decision.may_use("behaviour"):
        facts += _behaviour(session, account.id, now)
    return facts


def _purchases(session: Session, account_id: str) -> list[Fact]:
    facts = []
    for i, order in enumerate(crm_records.orders_of(session, account_id=account_id, limit=3)):
        prefix = "latest_order" if i == 0 else f"order_{i + 1}"
        src = f"order:{order.id}"
        facts += [
            Fact(key=f"{prefix}.id", value=order.id, category="purchase_history", source=src),
            Fact(key=f"{prefix}.date", value=order.order_date.isoformat(), category="purchase_history", source=src),
            Fact(key=f"{prefix}.product", value=order.product, category="purchase_history", source=src),
            Fact(key=f"{prefix}.amount_eur", value=f"{order.amount:.2f}", category="purchase_history", source=src),
            Fact(key=f"{prefix}.status", value=order.status, category="purchase_history", source=src),
        ]
    for contract in crm_records.contracts_of(session, account_id=account_id):
        if contract.status != "active":
            continue
        src = f"contract:{contract.id}"
        facts += [
            Fact(key="contract.product", value=contract.product, category="purchase_history", source=src),
            Fact(key="contract.licences", value=str(contract.licences), category="purchase_history", source=src),
            Fact(key="contract.end_date", value=contract.end_date.isoformat(), category="purchase_history", source=src),
            Fact(
                key="contract.renewal_date",
                value=contract.renewal_date.isoformat(),
                category="purchase_history",
                source=src,
            ),
        ]
        break
    return facts


def _support(session: Session, account_id: str) -> list[Fact]:
    facts = []
    tickets = crm_records.tickets_of(session, account_id=account_id, limit=20)
    open_ = [t for t in tickets if t.status in ("open", "pending")]
    facts.append(
        Fact(
            key="tickets.open_count", value=str(len(open_)), category="support_history", source=f"account:{account_id}"
        )
    )
    for t in open_[:3]:
        src = f"ticket:{t.id}"
        facts += [
            Fact(key=f"ticket.{t.id}.subject", value=t.subject, category="support_history", source=src),
            Fact(key=f"ticket.{t.id}.status", value=t.status, category="support_history", source=src),
            Fact(
                key=f"ticket.{t.id}.opened",
                value=t.opened_at.date().isoformat(),
                category="support_history",
                source=src,
            ),
        ]
    return facts


def _behaviour(session: Session, account_id: str, now: datetime) -> list[Fact]:
    events = crm_records.events_of(session, account_id=account_id, limit=50)
    recent = [e for e in events if e.type == "page_view" and (now - _aware(e.at, now)).days <= 30]
    pages = sorted({e.page_type for e in recent if e.page_type in ("pricing", "services", "reference")})
    if not pages:
        return []
    return [
        Fact(key="behaviour.recent_pages", value=", ".join(pages), category="behaviour", source=f"events:{account_id}")
    ]


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes (stored as UTC); make them comparable with an aware "now".
    return value.replace(tzinfo=like.tzinfo) if value.tzinfo is None and like.tzinfo else value
