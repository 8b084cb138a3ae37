"""The audit log: one row per generated (or refused) output."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from copilot.core.store.models import AuditLog


def new_id() -> str:
    return f"aud-{uuid.uuid4().hex[:16]}"


def for_subject(session: Session, *, contact_id: str | None = None, account_id: str | None = None,
                limit: int = 100) -> list[AuditLog]:
    clauses = []
    if contact_id:
        clauses.append(AuditLog.contact_id == contact_id)
    if account_id:
        clauses.append(AuditLog.account_id == account_id)
    if not clauses:
        return []
    return list(session.scalars(select(AuditLog).where(or_(*clauses)).order_by(AuditLog.at.desc()).limit(limit)))


def set_feedback(session: Session, *, audit_id: str, feedback: str) -> bool:
    entry = session.get(AuditLog, audit_id)
    if entry is None:
        return False
    entry.feedback = feedback
    return True


def record_many(session: Session, *, rows: list[dict[str, Any]]) -> list[str]:
    """Audit records for a batch (campaign drafts): one insert for all of them."""
    ids = []
    for row in rows:
        row.setdefault("id", new_id())
        ids.append(row["id"])
    if rows:
        session.execute(insert(AuditLog), rows)
    return ids
