"""CRM records: account and contact cards, and validated, idempotent, confirmed writes.

Every write needs an ``Idempotency-Key`` header: a retry with the same key returns the first result,
the same key with another payload is a 409. Without ``?confirm=true`` a write is only a preview
(``requires_confirmation``), so a client can show the change and ask the person first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel

from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from integrations.api.deps import CtxDep, actor_for
from integrations.api.errors import ERROR_RESPONSES
from tools import crm, records

router = APIRouter(prefix="/v1/crm", tags=["crm"], responses=ERROR_RESPONSES)
Id = Annotated[str, Path(min_length=1, max_length=64)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                description="Any unique string per intended change (e.g. a UUID).")]
Confirm = Annotated[bool, Query(description="false: preview only; true: write")]
Writer = Annotated[Actor, actor_for(Perm.crm_write)]
WRITE_DOC = " Preview unless `confirm=true`; idempotent by `Idempotency-Key`. " + roles_text(Perm.crm_write)


@router.get("/accounts/{account_id}", summary="Account card: contacts, orders, contracts, tickets, timeline",
            response_model=records.AccountCard, description=roles_text(Perm.crm_read))
def account_card(account_id: Id, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.crm_read)],
                 limit: Annotated[int, Query(ge=1, le=200)] = 20) -> records.AccountCard:
    return records.account_card(ctx, actor, account_id, limit=limit)


@router.get("/contacts/{contact_id}", summary="One contact's record", response_model=dict[str, Any],
            description=roles_text(Perm.crm_read))
def contact_card(contact_id: Id, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.crm_read)]) -> dict[str, Any]:
    return records.contact_card(ctx, actor, contact_id)


def _write(ctx: Any, actor: Actor, op: str, data: BaseModel, key: str, confirm: bool) -> crm.WriteResult:
    return records.write(ctx, actor, op, data.model_dump(mode="json"), idempotency_key=key, confirm=confirm)


@router.post("/activities", summary="Log a call, meeting, e-mail or note on an account",
             response_model=crm.WriteResult, description="Logs an activity." + WRITE_DOC)
def log_activity(body: crm.ActivityIn, ctx: CtxDep, actor: Writer, key: IdemKey,
                 confirm: Confirm = False) -> crm.WriteResult:
    return _write(ctx, actor, "log_activity", body, key, confirm)


@router.post("/tasks", summary="Create a follow-up task", response_model=crm.WriteResult,
             description="Creates a task for a rep." + WRITE_DOC)
def create_task(body: crm.TaskIn, ctx: CtxDep, actor: Writer, key: IdemKey,
                confirm: Confirm = False) -> crm.WriteResult:
    return _write(ctx, actor, "create_task", body, key, confirm)


@router.post("/leads/status", summary="Set a lead's status (dead needs a reason)", response_model=crm.WriteResult,
             description="no_action, contacted or dead (with no_budget / wrong_person / not_potential); sales "
             "and admin only at the service." + WRITE_DOC)
def set_lead_status(body: crm.LeadStatusIn, ctx: CtxDep, actor: Writer, key: IdemKey,
                    confirm: Confirm = False) -> crm.WriteResult:
    return _write(ctx, actor, "set_lead_status", body, key, confirm)


@router.post("/leads/convert", summary="Convert a lead into an opportunity", response_model=crm.WriteResult,
             description="Sales and admin only at the service." + WRITE_DOC)
def convert_lead(body: crm.ConvertIn, ctx: CtxDep, actor: Writer, key: IdemKey,
                 confirm: Confirm = False) -> crm.WriteResult:
    return _write(ctx, actor, "convert_lead", body, key, confirm)


@router.post("/leads/feedback", summary="Sales' verdict on a lead's quality", response_model=crm.WriteResult,
             description="deal / no_deal / bad_fit / good_fit: refines the lead score threshold." + WRITE_DOC)
def lead_feedback(body: crm.FeedbackIn, ctx: CtxDep, actor: Writer, key: IdemKey,
                  confirm: Confirm = False) -> crm.WriteResult:
    return _write(ctx, actor, "lead_feedback", body, key, confirm)
