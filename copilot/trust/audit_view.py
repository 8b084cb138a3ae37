"""`polku audit`: every generated (or refused) output about a contact or an account, and what it used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import audit_view as repo
from copilot.core.store.repo import crm_records


class SourceRef(BaseModel):
    id: str
    title: str | None = None
    """The content module's title; files are named by their source id only."""


class AuditEntryView(BaseModel):
    id: str
    at: datetime
    task: str
    surface: str
    actor: str
    engine: str
    model: str | None
    outcome: str
    lawful_basis: str | None
    purpose: str | None
    reason: str | None = None
    """Why the gate allowed or refused it."""
    level: str | None = None
    obtained_via: str | None = None
    categories: list[str] = Field(default_factory=list)
    records: list[str] = Field(default_factory=list)
    """CRM records the facts came from, e.g. ``order:ord-000123``."""
    history: list[str] = Field(default_factory=list)
    """Account history items given to the engine."""
    sources: list[SourceRef] = Field(default_factory=list)
    contact_id: str | None
    account_id: str | None
    tokens_in: int
    tokens_out: int
    feedback: str | None = None
    details_purged: bool = False
    """True when retention has emptied the details (only the row's own columns are left)."""


class AuditReport(BaseModel):
    contact_id: str | None
    account_id: str | None
    entries: list[AuditEntryView]
    by_outcome: dict[str, int]


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def audit_for(ctx: AppContext, *, contact_id: str | None = None, account_id: str | None = None,
              limit: int = 1000) -> AuditReport:
    """The audit trail of one contact or one account (its contacts' outputs included), newest first."""
    if bool(contact_id) == bool(account_id):
        raise PolkuError("invalid", "give exactly one of --contact or --account")
    with ctx.db.session() as session:
        model, ident = (Contact, contact_id) if contact_id else (Account, account_id)
        rows = repo.entries(session, contact_id=contact_id, account_id=account_id, limit=limit)
        if not rows and crm_records.get(session, model=model, ident=str(ident)) is None:
            raise not_found("contact" if contact_id else "account", ident)
        modules = sorted({s.split(":", 1)[1] for r in rows for s in _list((r.details or {}).get("sources"))
                          if s.startswith("module:")})
        titles = repo.module_titles(session, ids=modules)
    entries = []
    for r in rows:
        d = r.details or {}
        entries.append(AuditEntryView(
            id=r.id, at=r.at, task=r.task, surface=r.surface, actor=r.actor, engine=r.engine, model=r.model,
            outcome=r.outcome, lawful_basis=r.lawful_basis, purpose=r.purpose, reason=d.get("reason"),
            level=d.get("level"), obtained_via=d.get("obtained_via"), categories=_list(d.get("categories")),
            records=_list(d.get("records")), history=_list(d.get("history")),
            sources=[SourceRef(id=s, title=titles.get(s.split(":", 1)[1]) if s.startswith("module:") else None)
                     for s in dict.fromkeys(_list(d.get("sources")))],
            contact_id=r.contact_id, account_id=r.account_id, tokens_in=r.tokens_in, tokens_out=r.tokens_out,
            feedback=r.feedback, details_purged=not d,
        ))
    outcomes: dict[str, int] = {}
    for e in entries:
        outcomes[e.outcome] = outcomes.get(e.outcome, 0) + 1
    return AuditReport(contact_id=contact_id, account_id=account_id, entries=entries, by_outcome=outcomes)
