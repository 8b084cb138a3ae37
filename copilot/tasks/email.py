"""Personalised e-mail draft: gate → modules → engine → guard → audit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.assembly import TaskContext, prepare
from copilot.consent.gate import task_for_email_goal
from copilot.core.context import AppContext
from copilot.core.errors import not_found
from copilot.core.identity import Actor
from copilot.core.store.models import Rep
from copilot.core.store.repo import crm_records, people
from copilot.engines.composer.email import citations_from, module_query, select_modules
from copilot.engines.registry import get_engine
from copilot.results import Blocked, EmailDraft
from retrieval import service as retrieval
from retrieval.models import SearchFilters

Goal = Literal["nurture", "renewal", "upsell", "reactivation", "onboarding", "event"]


class EmailRequest(BaseModel):
    contact_id: str = Field(min_length=1, max_length=64)
    goal: Goal = "nurture"
    sender: str | None = Field(default=None, max_length=64)
    """Rep id whose name signs the e-mail; the contact's owner by default."""
    engine: str | None = None
    surface: str = "cli"


def draft_email(
    ctx: AppContext, req: EmailRequest, *, actor: Actor, now: datetime | None = None
) -> EmailDraft | Blocked:
    tc = prepare(ctx, task_for_email_goal(req.goal), contact_id=req.contact_id, now=now)
    if not tc.decision.allowed:
        return _blocked(ctx, tc, actor, req)
    tc = _with_modules(ctx, tc, req.goal)
    sender = _sender_name(ctx, req.sender, fallback=tc.subject.owner)
    opens = _opens(ctx, tc)
    engine = get_engine(ctx, req.engine)
    composed, run = engine.compose_email(tc, goal=req.goal, sender=sender, opens=opens)
    body, report = pipeline.guard(ctx, composed.body, tc, customer_facing=True, extra_context=sender)
    subject, subject_report = pipeline.guard(ctx, composed.subject, tc, customer_facing=True)
    report.ungrounded += subject_report.ungrounded
    report.flags += subject_report.flags
    prov = pipeline.run_provenance(tc, run, composed.used_categories)
    outcome = "ok" if report.ok else "flagged"
    prov = pipeline.audit(
        ctx,
        tc,
        prov,
        actor=actor,
        surface=req.surface,
        outcome=outcome,
        details={"goal": req.goal, "flags": report.flags},
    )
    if not report.ok:
        return Blocked(
            task=tc.task, reason="held back by the output guard: " + "; ".join(report.flags), provenance=prov
        )
    used = set(composed.used_categories)
    return EmailDraft(
        contact_id=req.contact_id,
        language=tc.language,
        goal=req.goal,
        persona=tc.subject.persona,
        subject=subject,
        body=body,
        cta=composed.cta,
        send_time=composed.send_time,
        send_time_reason=composed.send_time_reason,
        transparency=composed.transparency,
        sender=sender,
        modules=tc.passages,
        facts=[f for f in tc.facts if f.category in used],
        guard=report,
        provenance=prov,
    )


def _blocked(ctx: AppContext, tc: TaskContext, actor: Actor, req: EmailRequest) -> Blocked:
    prov = pipeline.provenance(tc, engine="none", categories=[])
    prov = pipeline.audit(
        ctx, tc, prov, actor=actor, surface=req.surface, outcome="blocked", details={"goal": req.goal}
    )
    return Blocked(task=tc.task, reason=tc.decision.reason, provenance=prov)


def _with_modules(ctx: AppContext, tc: TaskContext, goal: str) -> TaskContext:
    s = tc.subject
    query = module_query(goal, s.persona, tc.language)
    hits = retrieval.search(ctx, query, k=20, filters=SearchFilters(language=tc.language, public=True)).hits
    chosen = select_modules(hits, persona=s.persona, stage=s.journey_stage, industry=s.industry)
    return tc.model_copy(update={"passages": citations_from(chosen)})


def _sender_name(ctx: AppContext, rep_id: str | None, *, fallback: str | None) -> str:
    """The signing rep's name: the one asked for (which must exist), else the contact's owner."""
    with ctx.db.session() as session:
        if rep_id:
            rep = crm_records.get(session, model=Rep, ident=rep_id)
            if rep is None:
                raise not_found("rep", rep_id)
            return rep.name
        owner = crm_records.get(session, model=Rep, ident=fallback) if fallback else None
        return owner.name if owner is not None else "Kaarna"


def _opens(ctx: AppContext, tc: TaskContext) -> list[datetime]:
    if not tc.decision.may_use("behaviour") or tc.subject.contact_id is None:
        return []
    with ctx.db.session() as session:
        return people.email_open_times(session, contact_id=tc.subject.contact_id)
