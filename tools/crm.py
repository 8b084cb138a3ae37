"""CRM record tools: read an account's card and timeline; validated, idempotent, confirmed writes.

Every write takes the caller's :class:`Actor` (roles decide what it may change) and an idempotency
key: the record id and an audit entry are derived from (actor, operation, key), so a retry with
the same key returns the first result instead of writing twice, and the same key with a different
payload is a conflict. Without ``confirm=True`` a write only returns a preview of what it would
change (``requires_confirmation``), so the trust layer can ask the person first.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from copilot.core.domain import DeadReason, LeadStatus, OpportunityStage
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.store.models import Account, Activity, AuditLog, Contact, Lead, Opportunity, Task
from copilot.core.store.repo import crm_records as repo

WRITERS: dict[str, frozenset[Role]] = {
    "log_activity": frozenset({Role.admin, Role.sales, Role.support, Role.system}),
    "create_task": frozenset({Role.admin, Role.sales, Role.support, Role.system}),
    "set_lead_status": frozenset({Role.admin, Role.sales, Role.system}),
    "convert_lead": frozenset({Role.admin, Role.sales, Role.system}),
    "lead_feedback": frozenset({Role.admin, Role.sales, Role.system}),
}
Feedback = Literal["deal", "no_deal", "bad_fit", "good_fit"]


class Change(BaseModel):
    record: str
    field: str
    before: Any = None
    after: Any = None


class WriteResult(BaseModel):
    operation: str
    applied: bool
    """False for a preview (no confirm) — nothing was written."""
    requires_confirmation: bool
    replayed: bool = False
    """True when the idempotency key was seen before: the first result is returned, nothing written."""
    record_id: str
    changes: list[Change]
    message: str


class ActivityIn(BaseModel):
    account_id: str = Field(min_length=1)
    contact_id: str | None = None
    kind: Literal["call", "meeting", "email", "note", "copilot_output"]
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)
    at: datetime | None = None


class TaskIn(BaseModel):
    account_id: str = Field(min_length=1)
    contact_id: str | None = None
    owner: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    due_at: datetime


class LeadStatusIn(BaseModel):
    lead_id: str = Field(min_length=1)
    status: LeadStatus
    dead_reason: DeadReason | None = None

    @model_validator(mode="after")
    def _dead_needs_reason(self) -> LeadStatusIn:
        if self.status is LeadStatus.dead and self.dead_reason is None:
            raise ValueError("a dead lead needs a reason: no_budget, wrong_person or not_potential")
        if self.status is not LeadStatus.dead and self.dead_reason is not None:
            raise ValueError("a dead reason only goes with status dead")
        if self.status is LeadStatus.converted:
            raise ValueError("convert a lead with convert_lead, which creates its opportunity")
        return self


class ConvertIn(BaseModel):
    lead_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=200)
    amount: float = Field(ge=0, allow_inf_nan=False)
    close_date: date
    owner: str | None = None


class FeedbackIn(BaseModel):
    lead_id: str = Field(min_length=1)
    quality: Feedback
    note: str = Field(default="", max_length=2000)


def validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Build an input model; a validation error becomes one readable PolkuError."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolkuError("invalid", f"{where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')}"
                         ) from exc


def _key(actor: Actor, op: str, key: str) -> str:
    return hashlib.sha256(f"{actor.id}|{op}|{key}".encode()).hexdigest()[:20]


def _payload_hash(payload: BaseModel) -> str:
    return hashlib.sha256(payload.model_dump_json().encode()).hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC)


class _Write:
    """Shared frame of every write: role check, replay lookup, preview or apply, audit entry."""

    def __init__(self, session: Session, actor: Actor, op: str, key: str, payload: BaseModel) -> None:
        if actor.role not in WRITERS[op]:
            raise PolkuError("forbidden", f"role {actor.role} may not {op.replace('_', ' ')}")
        if not key or len(key) > 200:
            raise PolkuError("invalid", "an idempotency key (1-200 characters) is required for writes")
        self.session, self.actor, self.op, self.payload = session, actor, op, payload
        self.digest = _key(actor, op, key)
        self.audit_id = f"idem-{self.digest}"

    def replay(self) -> WriteResult | None:
        entry = repo.audit_entry(self.session, ident=self.audit_id)
        if entry is None:
            return None
        if entry.details.get("payload") != _payload_hash(self.payload):
            raise PolkuError("conflict", "this idempotency key was already used for a different change")
        result = WriteResult.model_validate(entry.details["result"])
        return result.model_copy(update={"replayed": True, "message": "already done: " + result.message})

    def finish(self, record_id: str, changes: list[Change], message: str, confirm: bool) -> WriteResult:
        result = WriteResult(operation=self.op, applied=confirm, requires_confirmation=not confirm,
                             record_id=record_id, changes=changes,
                             message=message if confirm else "preview, nothing written: " + message)
        if confirm:
            repo.add(self.session, record=AuditLog(
                id=self.audit_id, task=f"crm.{self.op}", actor=self.actor.id, surface="tools", outcome="ok",
                engine="tools", account_id=None, details={"payload": _payload_hash(self.payload),
                                                          "result": result.model_dump(mode="json")}))
        return result


def _account(session: Session, account_id: str) -> Account:
    acc = repo.get(session, model=Account, ident=account_id)
    if acc is None:
        raise not_found("account", account_id)
    return acc


def _check_contact(session: Session, account_id: str, contact_id: str | None) -> None:
    if contact_id is None:
        return
    contact = repo.get(session, model=Contact, ident=contact_id)
    if contact is None:
        raise not_found("contact", contact_id)
    if contact.account_id != account_id:
        raise PolkuError("invalid", f"contact {contact_id} does not belong to account {account_id}")


def log_activity(session: Session, actor: Actor, data: ActivityIn, *, idempotency_key: str,
                 confirm: bool = False) -> WriteResult:
    w = _Write(session, actor, "log_activity", idempotency_key, data)
    if (done := w.replay()) is not None:
        return done
    _account(session, data.account_id)
    _check_contact(session, data.account_id, data.contact_id)
    rid = f"act-{w.digest[:16]}"
    changes = [Change(record=rid, field=f, after=v) for f, v in data.model_dump(mode="json").items() if v is not None]
    if confirm:
        repo.add(session, record=Activity(id=rid, account_id=data.account_id, contact_id=data.contact_id,
                                          kind=data.kind, subject=data.subject, body=data.body,
                                          at=data.at or _now(), actor=actor.id))
    return w.finish(rid, changes, f"{data.kind} logged on {data.account_id}", confirm)


def create_task(session: Session, actor: Actor, data: TaskIn, *, idempotency_key: str,
                confirm: bool = False) -> WriteResult:
    w = _Write(session, actor, "create_task", idempotency_key, data)
    if (done := w.replay()) is not None:
        return done
    _account(session, data.account_id)
    _check_contact(session, data.account_id, data.contact_id)
    rid = f"tsk-{w.digest[:16]}"
    changes = [Change(record=rid, field=f, after=v) for f, v in data.model_dump(mode="json").items() if v is not None]
    if confirm:
        repo.add(session, record=Task(id=rid, account_id=data.account_id, contact_id=data.contact_id, owner=data.owner,
                                      title=data.title, due_at=data.due_at, created_by=actor.id))
    return w.finish(rid, changes, f"task for {data.owner} due {data.due_at:%Y-%m-%d %H:%M}", confirm)


def _lead(session: Session, lead_id: str) -> Lead:
    lead = repo.get(session, model=Lead, ident=lead_id)
    if lead is None:
        raise not_found("lead", lead_id)
    return lead


def _diff(record: str, obj: Any, new: dict[str, Any]) -> list[Change]:
    return [Change(record=record, field=k, before=getattr(obj, k), after=v) for k, v in new.items()
            if getattr(obj, k) != v]


def set_lead_status(session: Session, actor: Actor, data: LeadStatusIn, *, idempotency_key: str,
                    confirm: bool = False) -> WriteResult:
    w = _Write(session, actor, "set_lead_status", idempotency_key, data)
    if (done := w.replay()) is not None:
        return done
    lead = _lead(session, data.lead_id)
    if lead.status == LeadStatus.converted.value:
        raise PolkuError("conflict", f"lead {lead.id} is already converted; its status is final")
    new: dict[str, Any] = {"status": data.status.value,
                           "dead_reason": data.dead_reason.value if data.dead_reason else None}
    if data.status is LeadStatus.contacted and lead.contacted_at is None:
        new["contacted_at"] = _now()
    changes = _diff(lead.id, lead, new)
    if confirm:
        for k, v in new.items():
            setattr(lead, k, v)
        session.flush()
    return w.finish(lead.id, changes, f"lead {lead.id} → {data.status.value}"
                    + (f" ({data.dead_reason.value})" if data.dead_reason else ""), confirm)


def convert_lead(session: Session, actor: Actor, data: ConvertIn, *, idempotency_key: str,
                 confirm: bool = False) -> WriteResult:
    w = _Write(session, actor, "convert_lead", idempotency_key, data)
    if (done := w.replay()) is not None:
        return done
    lead = _lead(session, data.lead_id)
    if lead.opportunity_id or lead.status == LeadStatus.converted.value:
        raise PolkuError("conflict", f"lead {lead.id} was already converted (opportunity {lead.opportunity_id})")
    if lead.status == LeadStatus.dead.value:
        raise PolkuError("conflict", f"lead {lead.id} is dead; reopen it before converting")
    opp_id = f"opp-{w.digest[:16]}"
    owner = data.owner or actor.id
    changes = [Change(record=opp_id, field=k, after=v) for k, v in
               {"name": data.name, "amount": data.amount, "close_date": data.close_date.isoformat(),
                "stage": OpportunityStage.qualification.value, "owner": owner}.items()]
    new = {"status": LeadStatus.converted.value, "stage": "opportunity", "opportunity_id": opp_id}
    changes += _diff(lead.id, lead, new)
    if confirm:
        repo.add(session, record=Opportunity(id=opp_id, account_id=lead.account_id, name=data.name,
                                             stage=OpportunityStage.qualification.value, amount=data.amount,
                                             close_date=data.close_date, owner=owner))
        for k, v in new.items():
            setattr(lead, k, v)
        if lead.contacted_at is None:
            lead.contacted_at = _now()
        session.flush()
    return w.finish(opp_id, changes, f"lead {lead.id} converted into opportunity {opp_id}", confirm)


def lead_feedback(session: Session, actor: Actor, data: FeedbackIn, *, idempotency_key: str,
                  confirm: bool = False) -> WriteResult:
    w = _Write(session, actor, "lead_feedback", idempotency_key, data)
    if (done := w.replay()) is not None:
        return done
    lead = _lead(session, data.lead_id)
    new = {"quality_feedback": data.quality, "feedback_note": data.note or None}
    changes = _diff(lead.id, lead, new)
    if confirm:
        for k, v in new.items():
            setattr(lead, k, v)
        session.flush()
    return w.finish(lead.id, changes, f"feedback '{data.quality}' recorded on lead {lead.id}", confirm)
