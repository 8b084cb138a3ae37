"""What customers buy and how they use it: orders/invoices, contracts, weekly product usage."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, id_column


class Order(Base):
    """An order and its invoice (one invoice per order keeps payment delay with the amount)."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_account_date", "account_id", "order_date"),)

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    order_date: Mapped[date]
    amount: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float)
    product: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="delivered")
    """received / processing / shipped / delivered / cancelled."""
    invoice_due: Mapped[date]
    paid_date: Mapped[date | None]
    payment_delay_days: Mapped[int] = mapped_column(Integer, default=0)


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[str] = id_column()
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    product: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date]
    end_date: Mapped[date]
    renewal_date: Mapped[date]
    annual_value: Mapped[float] = mapped_column(Float)
    licences: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")


class UsageWeek(Base):
    __tablename__ = "usage_weeks"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    week_start: Mapped[date] = mapped_column(primary_key=True)
    logins: Mapped[int] = mapped_column(Integer)
    active_users: Mapped[int] = mapped_column(Integer)
    avg_session_min: Mapped[float] = mapped_column(Float)
    features_used: Mapped[int] = mapped_column(Integer)
    """How many distinct product features were used that week."""
