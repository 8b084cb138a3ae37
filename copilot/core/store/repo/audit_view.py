"""Reading the audit log for one person or account, with what its references point at."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import AuditLog, ContentModule


def entries(session: Session, *, contact_id: str | None = None, account_id: str | None = None,
            limit: int = 1000) -> list[AuditLog]:
    """Newest first: a contact's entries, or every entry about an account (its contacts' included)."""
    query = select(AuditLog)
    if contact_id:
        query = query.where(AuditLog.contact_id == contact_id)
    elif account_id:
        query = query.where(AuditLog.account_id == account_id)
    else:
        return []
    return list(session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id).limit(limit)))


def module_titles(session: Session, *, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(ContentModule.id, ContentModule.title).where(ContentModule.id.in_(ids)))
    return {ident: title for ident, title in rows}
