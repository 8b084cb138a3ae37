"""Marketing: web and e-mail events, campaigns and their touches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, id_column


class Event(Base):
    """A behavioural signal: a page view (with its page type), a download, an e-mail open or click."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_contact_at", "contact_id", "at"),
        Index("ix_events_account_at", "account_id", "at"),
    )

    id: Mapped[str] = id_column()
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    type: Mapped[str] = mapped_column(String(20))
    page_type: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(300))
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id"))
    at: Mapped[datetime]


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    persona: Mapped[str] = mapped_column(String(40))
    theme: Mapped[str] = mapped_column(String(80))
    payment_model: Mapped[str] = mapped_column(String(10))
    cost: Mapped[float] = mapped_column(Float)
    impressions: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)
    start_date: Mapped[date]
    end_date: Mapped[date]


class Touch(Base):
    """One contact reached by one campaign; attribution credits revenue over these."""

    __tablename__ = "touches"

    id: Mapped[str] = id_column()
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
