"""Support tickets and chat conversations written by surfaces (the widget's hand-off to a person)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import Conversation, Message, Ticket


def add_conversation(session: Session, *, surface: str, actor: str, account_id: str | None, contact_id: str | None,
                     messages: Sequence[tuple[str, str]], at: datetime) -> str:
    """A conversation with its messages as ``(role, content)`` pairs, in order."""
    ident = f"cnv-{uuid.uuid4().hex[:16]}"
    session.add(Conversation(id=ident, surface=surface, actor=actor, account_id=account_id, contact_id=contact_id,
                             started_at=at))
    session.flush()  # the messages' foreign key needs the conversation row first
    session.add_all([Message(conversation_id=ident, role=role, content=content, at=at) for role, content in messages])
    return ident


def open_ticket(session: Session, *, account_id: str, contact_id: str | None, subject: str, body: str,
                channel: str, at: datetime, priority: str = "normal") -> str:
    ident = f"tk-{uuid.uuid4().hex[:16]}"
    session.add(Ticket(id=ident, account_id=account_id, contact_id=contact_id, subject=subject[:200], body=body,
                       status="open", priority=priority, channel=channel, opened_at=at))
    session.flush()
    return ident


def withdraw(session: Session, ident: str) -> None:
    """Remove a ticket that was filed only to be tried (the task evals): a rerun must find the store as it was."""
    ticket = session.get(Ticket, ident)
    if ticket is not None:
        session.delete(ticket)


def first_open(session: Session, *, account_id: str | None = None) -> Ticket | None:
    """The oldest open ticket filed by a contact (of one account, when given): a demo's example."""
    query = select(Ticket).where(Ticket.status == "open", Ticket.contact_id.is_not(None))
    if account_id:
        query = query.where(Ticket.account_id == account_id)
    return session.scalars(query.order_by(Ticket.opened_at, Ticket.id).limit(1)).first()
