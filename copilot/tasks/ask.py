"""Chat answers for every surface: visitor widget, identified customer, staff in the sidebar or Slack."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.assembly import TaskContext, prepare, retrieve
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import conversations
from copilot.engines.base import last_question
from copilot.engines.composer import estimate
from copilot.engines.composer.intent import (
    BREAK_EVEN_QUERY,
    OFF_HOURS_QUERY,
    PAYBACK_QUERY,
    asks_change,
    focus_query,
    industry,
    off_hours,
    parts,
    payback,
    preferred,
    story_and_detail,
    topic_intent,
)
from copilot.engines.composer.spoken import calm, standard
from copilot.engines.registry import get_engine
from copilot.results import Answer, Blocked
from prompts import templates
from retrieval import service as retrieval
from retrieval.language import language_of

Surface = Literal["widget", "sidebar", "slack", "cli", "api"]
PASSAGES = 10
"""Passages retrieved for a question. The composer quotes from the first six; an llm engine reads
all ten, since the passage that answers sits at ranks 7-10 often enough to matter (3 of the 76
labelled questions, bench/REPORT-copilot.md) and ten short passages stay far below a whole account."""


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    account_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    surface: Surface = "cli"
    language: Literal["fi", "en"] | None = None
    engine: str | None = None
    thread_id: str | None = Field(default=None, max_length=40)
    """Continue an earlier conversation (its memory is kept in the store); None starts a new one."""


def _task_for(actor: Actor, req: AskRequest) -> tuple[str, str | None, str | None]:
    """Which policy task applies, and whose data it is about; customers only ever their own."""
    require(actor, Perm.widget if actor.role in (Role.visitor, Role.customer) else Perm.ask)
    if actor.role == Role.visitor:
        return "visitor_chat", None, None
    if actor.role == Role.customer:
        if not actor.contact_id:
            raise PolkuError("unauthorized", "an identified customer needs a contact id")
        return "customer_chat", None, actor.contact_id
    return "staff_chat", req.account_id, req.contact_id


def ask(ctx: AppContext, req: AskRequest, *, actor: Actor, now: datetime | None = None) -> Answer | Blocked:
    task, account_id, contact_id = _task_for(actor, req)
    tc = prepare(ctx, task, account_id=account_id, contact_id=contact_id, language=req.language, now=now,
                 actor=actor)
    # The question's own language wins; the page's (or the caller's, or the customer's) language
    # decides when the question gives no clear sign ("GDPR?", "Kaarna Insight").
    language = language_of(req.question, default=req.language or (tc.language if contact_id else "fi"))
    tc = tc.model_copy(update={"language": language})
    if not tc.decision.allowed:
        if task == "customer_chat":  # no contract basis: fall back to public content, say so
            tc = prepare(ctx, "visitor_chat", language=language, now=now)
        else:
            prov = pipeline.audit(
                ctx,
                tc,
                pipeline.provenance(tc, engine="none", categories=[]),
                actor=actor,
                surface=req.surface,
                outcome="blocked",
            )
            return Blocked(task=task, reason=tc.decision.reason, provenance=prov)
    # One turn of a thread at a time, across every worker: the next question reads the turns the
    # previous one wrote, and the two never interleave (a new thread's id is fresh: nothing to hold).
    with pipeline.thread_lock(ctx, req.thread_id):
        return _answer(ctx, req, actor, tc, language)


def _answer(ctx: AppContext, req: AskRequest, actor: Actor, tc: TaskContext, language: str) -> Answer:
    thread_id, turns = _thread(ctx, req, actor)
    earlier = last_question(req.question, turns)
    asked = standard(calm(req.question), language)  # "onks teillä…" read as "onko teillä…", capitals as case
    query = f"{earlier} {asked}" if earlier else asked
    # A price for a number of users needs the price list's rows, whatever else the question says.
    focus = estimate.focus(asked, language) or focus_query(asked, language)
    # "Onko teillä kuntia asiakkaana? Kauanko käyttöönotto niillä kesti?": the stories first, their detail after
    story = story_and_detail(asked, language)
    intent = topic_intent(story[0] if story else asked, language)
    # "Customers in retail?": the stories of that industry (a price asked by a retailer is the same price)
    of_industry = industry(asked, language) if intent == "references" else None
    tc = retrieve(ctx, tc, query, k=PASSAGES, lang=language, history=tc.decision.audience == "staff",
                  also=focus, kinds=preferred(intent), industry=of_industry, each=tuple(parts(asked)),
                  kinds_query=_typed_query(asked, intent, language))
    tc = with_unit_similarities(ctx, tc, query)
    composed, run = get_engine(ctx, req.engine).answer(tc, question=req.question, history=turns)
    customer_facing = tc.decision.audience != "staff"
    text, report = pipeline.guard(ctx, composed.text, tc, customer_facing=customer_facing,
                                  extra_context=composed.reckoned)
    t = templates("answer", language)
    if not report.ok or (not text.strip() and composed.known):
        text, known, handoff, cited = t["unknown"], False, True, []
    else:
        known, handoff, cited = composed.known, composed.handoff, composed.citations
    transparency = _transparency(t, tc.decision.audience, composed.used_categories)
    prov = pipeline.run_provenance(tc, run, composed.used_categories)
    customer = actor.role == Role.customer
    turn = pipeline.Turn(thread_id=thread_id, question=req.question, answer=text, new_thread=not req.thread_id,
                         account_id=actor.account_id if customer else req.account_id,
                         contact_id=actor.contact_id if customer else req.contact_id)
    prov = pipeline.audit(
        ctx,
        tc,
        prov,
        actor=actor,
        surface=req.surface,
        outcome="ok" if report.ok else "flagged",
        details={"known": known, "flags": report.flags},
        turn=turn,
    )
    used = set(composed.used_categories)
    return Answer(
        thread_id=thread_id,
        question=req.question,
        language=language,
        text=text,
        citations=cited,
        facts=[f for f in tc.facts if f.category in used],
        known=known,
        handoff=handoff,
        transparency=transparency,
        guard=report,
        provenance=prov,
    )


def with_unit_similarities(ctx: AppContext, tc: TaskContext, query: str) -> TaskContext:
    """The passages with each answer unit's closeness to the question (from the vectors computed at
    ingest), so the composer can pick the sentence that answers, not only the passage."""
    sims = retrieval.unit_similarities(ctx, query, [(p.title, p.heading, p.body) for p in tc.passages])
    passages = [p.model_copy(update={"unit_similarities": s}) for p, s in zip(tc.passages, sims, strict=True)]
    return tc.model_copy(update={"passages": passages})


def _thread(ctx: AppContext, req: AskRequest, actor: Actor) -> tuple[str, list[tuple[str, str]]]:
    """The conversation to continue (only its starter may) and its recent turns, or a new id with no
    turns (the thread is stored with its first answer)."""
    if not req.thread_id:
        return conversations.new_id(), []
    with ctx.db.session() as session:
        found = conversations.get(session, thread_id=req.thread_id)
        if found is None or found.actor != actor.id:
            raise PolkuError("not_found", f"no conversation {req.thread_id!r} for this caller")
        turns = [(m.role, m.content) for m in conversations.recent_messages(session, thread_id=found.id)]
        return found.id, turns


def _typed_query(asked: str, intent: str | None, language: str) -> str | None:
    """The query for the intent's kinds of content when what is asked is said alike in all of them, else None."""
    if payback(asked) and "roi_example" in preferred(intent):
        # "How soon would it pay back? We're 300 people": every example's payback, so the one nearest the
        # asker's size can be chosen, however much the question's story reads like another example's setup
        # ("How far must turnover fall to pay for itself?" asks a change: the break-even tells it)
        return (BREAK_EVEN_QUERY if asks_change(asked) else PAYBACK_QUERY)[language]
    if intent == "support" and off_hours(asked):
        # "…on a Saturday night, does anyone pick up?": what the plans say of help out of hours, not of the problem
        return OFF_HOURS_QUERY[language]
    return None


def _transparency(t: dict, audience: str, used: list[str]) -> str:
    if audience == "staff":
        return str(t["transparency_staff"])
    if {"purchase_history", "support_history"} & set(used):
        return str(t["transparency_contract"])
    return str(t["transparency_public"])
