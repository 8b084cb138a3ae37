"""Service functions of the CRM record tools: the account card and the confirmed, idempotent writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm, require
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import crm_records as repo
from tools import crm


class TimelineItem(BaseModel):
    at: datetime | date
    kind: str
    text: str
    record_id: str


class AccountCard(BaseModel):
    account: dict[str, Any]
    contacts: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    timeline: list[TimelineItem]


def _row(obj: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in obj.__table__.columns if c.name not in drop}


def _require_read(actor: Actor) -> None:
    # A customer reads their own card through the widget; staff by the role table.
    require(actor, Perm.widget if actor.role in (Role.visitor, Role.customer) else Perm.crm_read)


def _may_read(actor: Actor, account_id: str) -> None:
    if actor.is_staff:
        return
    if actor.role is Role.customer and actor.account_id == account_id:
        return
    raise PolkuError("forbidden", "you may only see your own account")


def account_card(ctx: AppContext, actor: Actor, account_id: str, *, limit: int = 20) -> AccountCard:
    """Account, contacts, recent orders, contracts, tickets and a merged timeline (newest first)."""
    _require_read(actor)
    _may_read(actor, account_id)
    hidden = () if actor.is_staff else ("tier", "notes", "acquisition_cost", "owner")
    with ctx.db.session() as s:
        acc = repo.get(s, model=Account, ident=account_id)
        if acc is None:
            raise not_found("account", account_id)
        contacts = repo.contacts_of(s, account_id=account_id)
        if actor.role is Role.customer:
            contacts = [c for c in contacts if c.id == actor.contact_id]
        orders = repo.orders_of(s, account_id=account_id, limit=limit)
        contracts = repo.contracts_of(s, account_id=account_id)
        tickets = repo.tickets_of(s, account_id=account_id, limit=limit)
        timeline = [TimelineItem(at=o.order_date, kind="order", text=f"{o.product} {o.amount:,.2f} € ({o.status})",
                                 record_id=o.id) for o in orders]
        timeline += [TimelineItem(at=t.opened_at, kind="ticket", text=f"{t.subject} ({t.status})", record_id=t.id)
                     for t in tickets]
        if actor.is_staff:
            timeline += [TimelineItem(at=a.at, kind=a.kind, text=a.subject, record_id=a.id)
                         for a in repo.activities_of(s, account_id=account_id, limit=limit)]
            timeline += [TimelineItem(at=e.at, kind=e.type, text=f"{e.type} {e.page_type or ''}".strip(),
                                      record_id=e.id) for e in repo.events_of(s, account_id=account_id, limit=limit)]
        timeline.sort(key=lambda i: i.at if isinstance(i.at, datetime) else datetime.combine(i.at, datetime.min.time()),
                      reverse=True)
        return AccountCard(account=_row(acc, hidden), contacts=[_row(c) for c in contacts],
                           orders=[_row(o, () if actor.is_staff else ("margin",)) for o in orders],  # margin: staff
                           contracts=[_row(c) for c in contracts],
                           tickets=[_row(t, () if actor.is_staff else ("sentiment",)) for t in tickets],
                           timeline=timeline[: limit * 2])


def contact_card(ctx: AppContext, actor: Actor, contact_id: str) -> dict[str, Any]:
    _require_read(actor)
    with ctx.db.session() as s:
        c = repo.get(s, model=Contact, ident=contact_id)
        if c is None:
            raise not_found("contact", contact_id)
        _may_read(actor, c.account_id)
        if actor.role is Role.customer and actor.contact_id != contact_id:
            raise PolkuError("forbidden", "you may only see your own contact details")
        return _row(c)


OPERATIONS: dict[str, tuple[type[BaseModel], Any]] = {
    "log_activity": (crm.ActivityIn, crm.log_activity),
    "create_task": (crm.TaskIn, crm.create_task),
    "set_lead_status": (crm.LeadStatusIn, crm.set_lead_status),
    "convert_lead": (crm.ConvertIn, crm.convert_lead),
    "lead_feedback": (crm.FeedbackIn, crm.lead_feedback),
}


def write(ctx: AppContext, actor: Actor, operation: str, data: dict[str, Any], *, idempotency_key: str,
          confirm: bool = False) -> crm.WriteResult:
    """Validate and run one CRM write in its own unit of work (a preview unless ``confirm``)."""
    require(actor, Perm.crm_write)
    if operation not in OPERATIONS:
        raise PolkuError("invalid", f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
    model, fn = OPERATIONS[operation]
    payload = crm.validate(model, data)
    with ctx.db.session() as s:
        return fn(s, actor, payload, idempotency_key=idempotency_key, confirm=confirm)
