"""Consents: a contact's current permissions and their history; record, change and withdraw them.

Thin over ``copilot.consent.registry`` (one transaction per change, history always written).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from copilot.consent import registry
from copilot.core.domain import Purpose
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/consents", tags=["consents"], responses=ERROR_RESPONSES)
Id = Annotated[str, Path(min_length=1, max_length=64)]
Writer = Annotated[Actor, actor_for(Perm.consent_write)]


class ConsentsOut(BaseModel):
    contact_id: str
    current: list[registry.ConsentView]
    history: list[registry.ConsentEventView]
    """Every grant, change and withdrawal, oldest first."""


class WithdrawIn(BaseModel):
    purpose: Purpose
    via: str = Field(default="withdrawn on request", min_length=1, max_length=120)
    """How the withdrawal reached us, e.g. ``phone call to support``."""


@router.get("/{contact_id}", summary="A contact's consents and their history", response_model=ConsentsOut,
            description=roles_text(Perm.consent_read))
def consents(contact_id: Id, ctx: CtxDep, _actor: Annotated[Actor, actor_for(Perm.consent_read)]) -> ConsentsOut:
    return ConsentsOut(contact_id=contact_id, current=registry.current(ctx, contact_id),
                       history=registry.history(ctx, contact_id))


@router.post("", summary="Record a permission (how and where it was obtained)", response_model=registry.ConsentView,
             description="The lawful basis must fit the purpose; a granted consent needs `obtained_via`. "
             + roles_text(Perm.consent_write))
def record(body: registry.ConsentInput, ctx: CtxDep, now: NowDep, actor: Writer) -> registry.ConsentView:
    return registry.record(ctx, body, actor=actor, now=now)


@router.patch("", summary="Change an existing permission's level, status or origin",
              response_model=registry.ConsentView, description=roles_text(Perm.consent_write))
def change(body: registry.ConsentChange, ctx: CtxDep, now: NowDep, actor: Writer) -> registry.ConsentView:
    return registry.change(ctx, body, actor=actor, now=now)


@router.post("/{contact_id}/withdraw", summary="Withdraw one permission", response_model=registry.ConsentView,
             description="Effective on the next request of every surface. " + roles_text(Perm.consent_write))
def withdraw(contact_id: Id, body: WithdrawIn, ctx: CtxDep, now: NowDep, actor: Writer) -> registry.ConsentView:
    return registry.withdraw(ctx, contact_id, body.purpose, actor=actor, via=body.via, now=now)


@router.post("/{contact_id}/opt-out", summary="One-click opt-out of personalisation, marketing and tracking",
             response_model=registry.OptOutResult, description=roles_text(Perm.consent_write))
def opt_out(contact_id: Id, ctx: CtxDep, now: NowDep, actor: Writer) -> registry.OptOutResult:
    return registry.opt_out(ctx, contact_id, actor=actor, via="opt-out recorded by staff via the API", now=now)
