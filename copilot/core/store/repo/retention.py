"""Retention: conversation memory and audit details past their keeping time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.orm import Session

from copilot.core.store.models import AuditLog, Conversation, Message

CHUNK = 500


def _stale_conversations(cutoff: datetime) -> Select[tuple[str]]:
    # A conversation goes when it started before the cutoff and no newer message keeps it alive.
    newer = exists().where(Message.conversation_id == Conversation.id, Message.at >= cutoff)
    return select(Conversation.id).where(Conversation.started_at < cutoff, ~newer)


def purge(session: Session, *, cutoff: datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete messages and conversations older than ``cutoff`` and empty older audit details; idempotent."""
    messages = session.scalar(select(func.count()).select_from(Message).where(Message.at < cutoff)) or 0
    conversations = list(session.scalars(_stale_conversations(cutoff)))
    audit_ids = [ident for ident, details in session.execute(select(AuditLog.id, AuditLog.details)
                                                              .where(AuditLog.at < cutoff)) if details]
    if not dry_run:
        session.execute(delete(Message).where(Message.at < cutoff))
        for i in range(0, len(conversations), CHUNK):
            part = conversations[i : i + CHUNK]
            session.execute(delete(Message).where(Message.conversation_id.in_(part)))
            session.execute(delete(Conversation).where(Conversation.id.in_(part)))
        for i in range(0, len(audit_ids), CHUNK):
            session.execute(update(AuditLog).where(AuditLog.id.in_(audit_ids[i : i + CHUNK])).values(details={}))
    return {"messages": messages, "conversations": len(conversations), "audit_details": len(audit_ids)}
