"""The audit log: one row per generated (or refused) output."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from copilot.core.store.models import AuditLog


def new_id() -> str:
    return f"aud-{uuid.uuid4().hex[:16]}"


def record(session: Session, *, task: str, actor: str, surface: str, account_id: str | None,
           contact_id: str | None, purpose: str | None, lawful_basis: str | None, outcome: str, engine: str,
           model: str | None, tokens_in: int, tokens_out: int, details: dict[str, Any], at: datetime) -> str:
    ident = new_id()
    # A plain insert (as in record_many): every answer writes one, and it needs no ORM object.
    session.execute(insert(AuditLog), [{
        "id": ident, "at": at, "task": task, "actor": actor, "surface": surface, "account_id": account_id,
        "contact_id": contact_id, "purpose": purpose, "lawful_basis": lawful_basis, "outcome": outcome,
        "engine": engine, "model": model, "tokens_in": tokens_in, "tokens_out": tokens_out, "details": details}])
    return ident


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
