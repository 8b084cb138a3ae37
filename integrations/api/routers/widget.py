"""The embeddable chat widget: the public widget key, bound to the allowed origins.

A visitor sees public content only, and only their own threads: each anonymous visitor carries the
visitor token Polku issued them (``X-Visitor-Token``, sent with every successful response). A customer
identified by the host site's signed token gets answers from their own account (the service decides
what, by consent and contract) and never any other account's data: nothing here takes an account or
contact id from the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from copilot.consent import registry
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm
from copilot.results import Answer, Blocked
from copilot.tasks import ask as ask_task
from copilot.tasks import feedback as feedback_task
from copilot.tasks import handoff as handoff_task
from integrations.api import answer_threads, sse
from integrations.api.deps import CtxDep, NowDep, actor_for, visitor_headers
from integrations.api.errors import ERROR_RESPONSES
from integrations.api.language import Language
from integrations.api.routers.tasks import FeedbackIn
from tools import records

router = APIRouter(prefix="/v1/widget", tags=["widget"], responses=ERROR_RESPONSES)
WidgetActor = Annotated[Actor, actor_for(Perm.widget)]
WHO = ("Widget key only, from an allowed Origin; with `X-Customer-Token` the caller is that identified "
       "customer, without it an anonymous visitor (known again by the `X-Visitor-Token` of an earlier response).")


class WidgetAskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    language: Language | None = None
    thread_id: str | None = Field(default=None, min_length=1, max_length=40)
    """Continue the chat: the ``thread_id`` of the previous answer."""


def _ask(ctx: AppContext, body: WidgetAskIn, actor: Actor, now: datetime | None) -> Answer | Blocked:
    req = ask_task.AskRequest(question=body.question, language=body.language, surface="widget",
                              thread_id=body.thread_id)
    return ask_task.ask(ctx, req, actor=actor, now=now)


@router.post("/ask", summary="Answer a visitor's or customer's question", response_model=Answer | Blocked,
             description="Public content for visitors; an identified customer's own orders, tickets and contract "
             "too, when the consent policy allows. " + WHO)
async def ask(body: WidgetAskIn, ctx: CtxDep, now: NowDep, actor: WidgetActor) -> Answer | Blocked:
    return await answer_threads.run(ctx.settings, _ask, ctx, body, actor, now)


@router.post("/ask/stream", summary="Answer as a Server-Sent Event stream", response_class=sse.EventSourceResponse,
             responses=sse.STREAM_RESPONSE, description="`progress`, `token`…, `done` (or `error`). " + WHO)
async def ask_stream(body: WidgetAskIn, ctx: CtxDep, now: NowDep, actor: WidgetActor) -> sse.EventSourceResponse:
    return sse.stream(ctx.settings, lambda: _ask(ctx, body, actor, now), headers=visitor_headers(ctx, actor))


class TranscriptMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1, max_length=4000)


class HandoffIn(BaseModel):
    thread_id: str | None = Field(default=None, min_length=1, max_length=40)
    """The chat's ``thread_id``: its stored messages become the transcript."""
    messages: list[TranscriptMessage] = Field(default_factory=list, max_length=200)
    """Without a thread: the whole chat so far, oldest first, as the widget kept it."""
    note: str = Field(default="", max_length=1000)
    """Anything the visitor adds, e.g. how to reach them."""

    @model_validator(mode="after")
    def _something_to_hand_over(self) -> HandoffIn:
        if not self.thread_id and not self.messages:
            raise ValueError("give the chat's thread_id or its messages")
        return self


@router.post("/handoff", summary="Hand the chat over to a person, with the full transcript",
             response_model=handoff_task.HandoffOut, description="Keeps the conversation (the stored thread, or the "
             "messages sent); for an identified customer also opens a support ticket on their account with the whole "
             "transcript. " + WHO)
def handoff(body: HandoffIn, ctx: CtxDep, now: NowDep, actor: WidgetActor) -> handoff_task.HandoffOut:
    return handoff_task.handoff(ctx, actor, thread_id=body.thread_id,
                                messages=[(str(m.role), m.content) for m in body.messages], note=body.note,
                                surface="widget", now=now)


def _customer(actor: Actor) -> Actor:
    if actor.role is not Role.customer or not actor.account_id or not actor.contact_id:
        raise PolkuError("unauthorized", "this needs an identified customer (X-Customer-Token)")
    return actor


@router.get("/account", summary="The identified customer's own account card", response_model=records.AccountCard,
            description="Without tier, scores or internal notes. " + WHO)
def account(ctx: CtxDep, actor: WidgetActor) -> records.AccountCard:
    me = _customer(actor)
    assert me.account_id is not None
    return records.account_card(ctx, me, me.account_id)


@router.get("/consents", summary="The identified customer's own consents",
            response_model=list[registry.ConsentView], description=WHO)
def consents(ctx: CtxDep, actor: WidgetActor) -> list[registry.ConsentView]:
    me = _customer(actor)
    assert me.contact_id is not None
    return registry.current(ctx, me.contact_id)


@router.post("/opt-out", summary="One-click opt-out of personalisation, e-mail marketing and tracking",
             response_model=registry.OptOutResult, description=WHO)
def opt_out(ctx: CtxDep, now: NowDep, actor: WidgetActor) -> registry.OptOutResult:
    me = _customer(actor)
    assert me.contact_id is not None
    return registry.opt_out(ctx, me.contact_id, actor=me, via="one-click opt-out in the chat widget", now=now)


@router.post("/feedback", summary="Rate an answer 👍/👎", response_model=feedback_task.Rated,
             description="Only the visitor or customer the answer was written for may rate it. " + WHO)
def feedback(body: FeedbackIn, ctx: CtxDep, actor: WidgetActor) -> feedback_task.Rated:
    return feedback_task.rate(ctx, actor, body.audit_id, body.rating)
