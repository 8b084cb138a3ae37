"""Queries over the content modules (``content_modules``) and the search index's version (``index_versions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import ContentModule, IndexVersion


def list_modules(session: Session, *, language: str | None = None) -> list[ContentModule]:
    """Every content module (optionally of one language), ordered by id for stable output."""
    stmt = select(ContentModule).order_by(ContentModule.id)
    if language:
        stmt = stmt.where(ContentModule.language == language)
    return list(session.scalars(stmt))



def index_generation(session: Session, *, name: str) -> str | None:
    """The generation last recorded for the index ``name`` (None before its first ingest)."""
    return session.scalar(select(IndexVersion.generation).where(IndexVersion.name == name))


def record_index_generation(session: Session, *, name: str, generation: str, at: datetime) -> None:
    """Record the index's new generation (one row per index, kept in place)."""
    row = session.get(IndexVersion, name)
    if row is None:
        session.add(IndexVersion(name=name, generation=generation, changed_at=at))
    else:
        row.generation, row.changed_at = generation, at
    session.flush()
