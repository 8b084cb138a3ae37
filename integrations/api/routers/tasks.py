"""The copilot's tasks: chat (plain and streamed), e-mail drafts, briefs, A/B variants, next actions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from copilot.results import Answer, Blocked, EmailDraft
from copilot.tasks import ask as ask_task
from copilot.tasks import brief as brief_task
from copilot.tasks import email as email_task
from copilot.tasks import feedback as feedback_task
from copilot.tasks import next_actions as nba_task
from copilot.tasks import reply as reply_task
from copilot.tasks import variants as variants_task
from integrations.api import answer_threads, sse
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES
from integrations.api.language import Language

router = APIRouter(prefix="/v1", tags=["tasks"], responses=ERROR_RESPONSES)

Id = Annotated[str, Path(min_length=1, max_length=64)]


class AskIn(BaseModel):
    """A staff question, optionally about one account or contact."""

    question: str = Field(min_length=1, max_length=2000)
    account_id: str | None = Field(default=None, min_length=1, max_length=64)
    contact_id: str | None = Field(default=None, min_length=1, max_length=64)
    language: Language | None = None
    """Answer language; guessed from the question when empty."""
    thread_id: str | None = Field(default=None, min_length=1, max_length=40)
    """Continue a conversation: the ``thread_id`` of an earlier answer."""


def _ask_request(body: AskIn) -> ask_task.AskRequest:
    return ask_task.AskRequest(question=body.question, account_id=body.account_id, contact_id=body.contact_id,
                               language=body.language, surface="api", thread_id=body.thread_id)


@router.post("/ask", summary="Answer a staff question with citations", response_model=Answer | Blocked,
             description="Hybrid search over the content library (and the account's history when an account is "
             "given), an answer with numbered citations, or the reason it was refused. " + roles_text(Perm.ask))
async def ask(body: AskIn, ctx: CtxDep, now: NowDep,
              actor: Annotated[Actor, actor_for(Perm.ask)]) -> Answer | Blocked:
    req = _ask_request(body)
    return await answer_threads.run(ctx.settings, lambda: ask_task.ask(ctx, req, actor=actor, now=now))


@router.post("/ask/stream", summary="Answer a staff question as a Server-Sent Event stream",
             response_class=sse.EventSourceResponse, responses=sse.STREAM_RESPONSE,
             description="The same answer as `POST /v1/ask`, streamed: `progress`, `token`…, `done` (or `error`). "
             + roles_text(Perm.ask))
async def ask_stream(body: AskIn, ctx: CtxDep, now: NowDep,
               actor: Annotated[Actor, actor_for(Perm.ask)]) -> sse.EventSourceResponse:
    req = _ask_request(body)
    return sse.stream(ctx.settings, lambda: ask_task.ask(ctx, req, actor=actor, now=now))


class EmailIn(BaseModel):
    contact_id: str = Field(min_length=1, max_length=64)
    goal: email_task.Goal = "nurture"
    sender: str | None = Field(default=None, min_length=1, max_length=64)
    """Rep id who signs the e-mail; the contact's owner by default."""


@router.post("/emails/draft", summary="Draft a personalised e-mail to a contact",
             response_model=EmailDraft | Blocked,
             description="Consent gate → content modules → composer → output guard → audit. A missing basis "
             "returns `status: blocked` with the reason. " + roles_text(Perm.email_draft))
def draft_email(body: EmailIn, ctx: CtxDep, now: NowDep,
                actor: Annotated[Actor, actor_for(Perm.email_draft)]) -> EmailDraft | Blocked:
    req = email_task.EmailRequest(contact_id=body.contact_id, goal=body.goal, sender=body.sender, surface="api")
    return email_task.draft_email(ctx, req, actor=actor, now=now)


@router.get("/accounts/{account_id}/brief", summary="Brief a rep on an account before a call",
            response_model=brief_task.Brief,
            description="Who, value and tier, churn risk and its drivers, leads, open work, recent signals, what "
            "changed and an opening line. " + roles_text(Perm.brief))
def account_brief(account_id: Id, ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.brief)],
                  language: Language = "fi") -> brief_task.Brief:
    return brief_task.brief(ctx, account_id, actor=actor, language=language, surface="api", now=now)


@router.post("/variants", summary="A/B variants that change exactly one element",
             response_model=variants_task.VariantSet | Blocked,
             description="Variants of a contact's e-mail, each with its hypothesis, plus the sample size and "
             "duration the test needs. " + roles_text(Perm.variants))
def variants(body: variants_task.VariantRequest, ctx: CtxDep, now: NowDep,
             actor: Annotated[Actor, actor_for(Perm.variants)]) -> variants_task.VariantSet | Blocked:
    return variants_task.variants(ctx, body, actor=actor, surface="api", now=now)


@router.post("/tickets/{ticket_id}/reply", summary="A suggested reply to a support ticket",
             response_model=reply_task.SuggestedReply | Blocked,
             description="Written for the customer who filed the ticket: in their language, from the public help "
             "content that fits the ticket, escalated when none does. " + roles_text(Perm.reply))
def reply(ticket_id: Id, ctx: CtxDep, now: NowDep,
          actor: Annotated[Actor, actor_for(Perm.reply)]) -> reply_task.SuggestedReply | Blocked:
    return reply_task.suggest_reply(ctx, ticket_id, actor=actor, surface="api", now=now)


@router.get("/next-actions", summary="Next best actions for an account or a rep, explained",
            response_model=nba_task.ExplainedActions,
            description="Give exactly one of `account_id` or `owner` (a rep id). " + roles_text(Perm.next_actions))
def next_actions(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.next_actions)],
                 account_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                 owner: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                 language: Language = "fi",
                 limit: Annotated[int, Query(ge=1, le=50)] = 10) -> nba_task.ExplainedActions:
    return nba_task.next_actions(ctx, actor, account_id=account_id, owner=owner, language=language, now=now,
                                 limit=limit)


class FeedbackIn(BaseModel):
    audit_id: str = Field(min_length=1, max_length=64)
    """The ``provenance.audit_id`` of the rated output."""
    rating: Literal["up", "down"]


@router.post("/feedback", summary="Rate an output 👍/👎", response_model=feedback_task.Rated,
             description="Stores the rating on the output's audit entry; only whoever the output was written for "
             "may rate it. " + roles_text(Perm.feedback))
def feedback(body: FeedbackIn, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.feedback)]) -> feedback_task.Rated:
    return feedback_task.rate(ctx, actor, body.audit_id, body.rating)
