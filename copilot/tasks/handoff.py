"""Hand a conversation over to a person, with its whole transcript, from any surface.

The stored thread is the transcript (continued, not copied); without one the surface's own copy of
the messages is kept as a new conversation. An identified customer also gets a support ticket on
their account, so a person picks it up in the ticket queue; an anonymous visitor's note (how to
reach them) is part of the transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from copilot import pipeline
from copilot.core.context import AppContext
from copilot.core.errors import not_found
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import conversations, tickets


class HandoffOut(BaseModel):
    conversation_id: str
    ticket_id: str | None
    """A support ticket on the customer's account; visitors (no account) get the conversation only."""
    message: str


def _thread_messages(session: Session, thread_id: str, actor: Actor) -> list[tuple[str, str]]:
    conv = conversations.get(session, thread_id=thread_id)
    if conv is None or conv.actor != actor.id:  # someone else's thread is as good as none
        raise not_found("conversation", thread_id)
    return [(m.role, m.content) for m in conversations.recent_messages(session, thread_id=thread_id, limit=400)]


def handoff(ctx: AppContext, actor: Actor, *, thread_id: str | None, messages: Sequence[tuple[str, str]] = (),
            note: str = "", surface: str, now: datetime | None = None) -> HandoffOut:
    # A hand-off continues a chat: whoever may chat on their surface may hand it over.
    require(actor, Perm.widget if actor.role in (Role.visitor, Role.customer) else Perm.ask)
    at = now or datetime.now(UTC)
    sent = list(messages) + ([("user", f"note: {note}")] if note else [])
    with pipeline.thread_lock(ctx, thread_id), ctx.db.session() as session:
        if thread_id:
            pairs = _thread_messages(session, thread_id, actor) + sent
            for role, content in sent:
                conversations.append(session, thread_id=thread_id, role=role, content=content, at=at)
            conv = thread_id
        else:
            pairs = sent
            conv = tickets.add_conversation(session, surface=surface, actor=actor.id, account_id=actor.account_id,
                                            contact_id=actor.contact_id, messages=pairs, at=at)
        ticket = None
        if actor.role is Role.customer and actor.account_id:
            first = next((c for r, c in pairs if r == "user"), pairs[0][1] if pairs else "chat")
            ticket = tickets.open_ticket(session, account_id=actor.account_id, contact_id=actor.contact_id,
                                         subject=f"Chat hand-off: {first[:150]}",
                                         body="\n".join(f"{r}: {c}" for r, c in pairs), channel="chat", at=at)
    message = f"ticket {ticket} opened" if ticket else "a person will pick up the conversation"
    return HandoffOut(conversation_id=conv, ticket_id=ticket, message=message)
