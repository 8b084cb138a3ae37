"""Sales objects: accounts, contacts, leads, opportunities, and what reps log against them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copilot.core.store.models.base import Base, id_column, utcnow


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(60))
    size: Mapped[str] = mapped_column(String(20))
    """small / medium / key (the book's account tiers)."""
    employees: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2), default="FI")
    owner: Mapped[str] = mapped_column(String(64), index=True)
    """The rep who owns the account (a rep id such as ``rep-anna``)."""
    tier: Mapped[str | None] = mapped_column(String(20))
    """Value tier (vip/premium/standard/basic): staff-only, refreshed by `polku tiers`."""
    acquisition_cost: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")

    contacts: Mapped[list[Contact]] = relationship(back_populates="account")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    persona: Mapped[str] = mapped_column(String(40))
    """Buying role used by the persona x stage matrix, e.g. ``cio``, ``hr_director``."""
    language: Mapped[str] = mapped_column(String(2), default="fi")
    owner: Mapped[str] = mapped_column(String(64))
    journey_stage: Mapped[str] = mapped_column(String(20), default="awareness")

    account: Mapped[Account] = relationship(back_populates="contacts")


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[str] = id_column()
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="no_action")
    dead_reason: Mapped[str | None] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(40), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contacted_at: Mapped[datetime | None]
    opportunity_id: Mapped[str | None] = mapped_column(String(64))
    """Set when the lead was converted, keeping the link to the opportunity it became."""
    quality_feedback: Mapped[str | None] = mapped_column(String(30))
    """Sales' verdict on the lead: deal / no_deal / bad_fit, with the why in ``feedback_note``."""
    feedback_note: Mapped[str | None] = mapped_column(Text)


class Opportunity(Base):
    __tablename__ = "opportunities"

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    close_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    win_reason: Mapped[str | None] = mapped_column(String(60))
    loss_reason: Mapped[str | None] = mapped_column(String(30))
    owner: Mapped[str] = mapped_column(String(64))


class OpportunityContact(Base):
    """Many contacts take part in one opportunity (the buying group)."""

    __tablename__ = "opportunity_contacts"

    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id"), primary_key=True)
    # The key leads with the deal: a person's deals need their own index.
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(40), default="influencer")


class Activity(Base):
    """Something a rep or agent did or noted: a call, a meeting, a note, a logged copilot output."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_account_at", "account_id", "at"),)

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    # Indexed like every column that references a contact: a person's access request and erasure
    # read (and PostgreSQL's foreign-key check on deleting the contact scans) these by contact_id.
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    done: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rep(Base):
    """A member of staff: owner of accounts, sender of e-mails, mapped to a Slack user."""

    __tablename__ = "reps"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="sales")
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
