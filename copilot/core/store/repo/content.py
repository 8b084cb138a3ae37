"""Queries over the content modules (``content_modules``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import ContentModule


def list_modules(session: Session, *, language: str | None = None) -> list[ContentModule]:
    """Every content module (optionally of one language), ordered by id for stable output."""
    stmt = select(ContentModule).order_by(ContentModule.id)
    if language:
        stmt = stmt.where(ContentModule.language == language)
    return list(session.scalars(stmt))

