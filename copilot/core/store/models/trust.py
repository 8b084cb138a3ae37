"""Trust: consents with full history, conversations, the audit log and erasure tombstones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, id_column, utcnow


class Consent(Base):
    """The current state of one contact's permission for one purpose."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("contact_id", "purpose"),)

    id: Mapped[str] = id_column()
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    lawful_basis: Mapped[str] = mapped_column(String(30))
    obtained_via: Mapped[str] = mapped_column(String(120))
    """How and where the permission was obtained, e.g. ``webinar sign-up form``."""
    level: Mapped[str] = mapped_column(String(20), default="basic")
    """Personalisation level the person chose: basic / standard / premium."""
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentEvent(Base):
    """Append-only history: every grant, change and withdrawal, never updated or deleted."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    lawful_basis: Mapped[str] = mapped_column(String(30))
    obtained_via: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="system")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = id_column()
    surface: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64), default="")
    """Who started the thread; only they may continue it (a visitor session, a customer, a rep)."""
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_at", "conversation_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """What one generated output used: data categories, records, sources, basis, engine, tokens."""

    __tablename__ = "audit_log"
    # The scoring cache's fingerprint asks for the newest CRM write (task "crm.*") among every answer's entry.
    __table_args__ = (Index("ix_audit_log_task_at", "task", "at"),)

    id: Mapped[str] = id_column()
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    task: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64))
    surface: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    purpose: Mapped[str | None] = mapped_column(String(30))
    lawful_basis: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(20))
    """``ok``, ``blocked`` (consent gate) or ``flagged`` (a guard held the output back)."""
    engine: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(80))
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict] = mapped_column(default=dict)
    """Categories, record ids, source ids, reasons; purged after the retention period."""
    feedback: Mapped[str | None] = mapped_column(String(10))


class Tombstone(Base):
    """Left by an erasure: a salted hash of the identifier, so re-imports skip the person."""

    __tablename__ = "tombstones"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="data subject request")
