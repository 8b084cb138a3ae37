"""Whole-store queries: emptiness, row counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.core.errors import PolkuError
from copilot.core.store.models import BOOKKEEPING, Account, Base


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Account)) == 0


def require_empty(session: Session) -> None:
    if not is_empty(session):
        raise PolkuError("conflict", "the store already holds accounts; use an empty data directory")


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }
