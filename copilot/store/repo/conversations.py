"""Conversation memory: threads and their messages, kept in the store (so any API worker can
continue a thread, and erasure and retention reach it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.models import Conversation, Message


def get(session: Session, *, thread_id: str) -> Conversation | None:
    return session.get(Conversation, thread_id)


def start(session: Session, *, surface: str, actor: str, account_id: str | None, contact_id: str | None,
          at: datetime) -> Conversation:
    conversation = Conversation(id=f"thr-{uuid.uuid4().hex[:16]}", surface=surface, actor=actor,
                                account_id=account_id, contact_id=contact_id, started_at=at)
    session.add(conversation)
    session.flush()
    return conversation


def recent_messages(session: Session, *, thread_id: str, limit: int = 12) -> list[Message]:
    query = select(Message).where(Message.conversation_id == thread_id).order_by(Message.at.desc(), Message.id.desc())
    return list(reversed(session.scalars(query.limit(limit)).all()))


def append(session: Session, *, thread_id: str, role: str, content: str, at: datetime) -> None:
    session.add(Message(conversation_id=thread_id, role=role, content=content, at=at))
