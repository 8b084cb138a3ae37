"""Content modules: the 20-50 strong building blocks every message is assembled from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, id_column, utcnow


class ContentModule(Base):
    __tablename__ = "content_modules"

    id: Mapped[str] = id_column()
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    persona: Mapped[str] = mapped_column(String(40), default="any")
    stage: Mapped[str] = mapped_column(String(20))
    industry: Mapped[str] = mapped_column(String(60), default="any")
    public: Mapped[bool] = mapped_column(default=True)
    """Public modules may be shown to anonymous visitors; internal ones only to staff."""
    valid_until: Mapped[date | None]
    pair_id: Mapped[str | None] = mapped_column(String(64))
    """The same module in the other language shares this id."""
    products: Mapped[list] = mapped_column(default=list)
    """Catalogue keys of the products the module is about (``insight``...); empty for general ones."""
    employees_min: Mapped[int | None]
    employees_max: Mapped[int | None]
    """For a reference or an ROI example: the company sizes its story fits."""
    email: Mapped[dict] = mapped_column(default=dict)
    """E-mail-ready material: ``hook``, ``value`` and ``proof``, one sentence each, in the module's language."""


class IndexVersion(Base):
    """The generation of a shared search index (the Chroma collection), moved by every ingest that
    changes it: API processes compare it with the generation their in-memory copy was loaded at and
    reload when it moved (``retrieval.service``)."""

    __tablename__ = "index_versions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
