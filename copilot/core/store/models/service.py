"""Customer service: support tickets and survey responses (NPS, CSAT)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, id_column, utcnow


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_account_opened", "account_id", "opened_at"),)

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    """-1 (angry) .. +1 (happy), from the ticket text."""
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_reply_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution_hours: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(20), default="email")


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    """``nps`` (0-10) or ``csat`` (1-5)."""
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
