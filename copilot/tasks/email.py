"""Personalised e-mails: gate → situation → message plan → engine → guards → audit.

One pipeline for a single draft and for a campaign's thousands: the people, their consents, contracts
and account signals are read in bulk (a batch of one for a draft), every contact goes through the same
``prepare_contact`` and ``write``, and every outcome, a refusal included, gets an audit row.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.assembly import TaskContext
from copilot.consent.gate import ConsentState, Decision, Subject, decide, task_for_email_goal
from copilot.core.context import AppContext
from copilot.core.errors import not_found
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import crm_records, people, signals
from copilot.engines.base import Engine, EngineRun
from copilot.engines.composer.email import ComposedEmail, citations
from copilot.engines.registry import get_engine
from copilot.facts import subject_view
from copilot.results import Blocked, EmailDraft, GuardReport, Provenance
from copilot.writing import situation as situations
from copilot.writing.library import Card, library
from copilot.writing.plan import MessagePlan, plan
from prompts import templates
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


@dataclass
class Batch:
    """What the gate and the writer need about a set of contacts, read with a few bulk queries."""

    members: list[tuple[Contact, Account]]
    consents: dict[str, list[ConsentState]]
    active: set[str]
    """Accounts with an active contract today."""
    signals: dict[str, signals.AccountSignals]
    reps: dict[str, str]


def load_batch(ctx: AppContext, members: list[tuple[Contact, Account]], *, now: datetime) -> Batch:
    accounts = sorted({a.id for _c, a in members})
    with ctx.db.session() as session:
        consents = people.consents_of_many(session, contact_ids=[c.id for c, _a in members])
        active = set(people.active_contracts(session, account_ids=accounts, today=now.date()))
        found = signals.signals_of(session, account_ids=accounts, today=now.date())
        reps = people.rep_names(session)
        session.expunge_all()
    states = {cid: [ConsentState.model_validate(c, from_attributes=True) for c in rows]
              for cid, rows in consents.items()}
    return Batch(members=members, consents=states, active=active, signals=found, reps=reps)


def variant_of(contact_id: str, goal: str) -> int:
    """Which wording a contact gets: stable for the same person and goal, spread across a segment."""
    return zlib.crc32(f"{contact_id}:{goal}".encode())


def goal_relevance(ctx: AppContext, goal: str, persona: str | None, lang: str) -> dict[str, float]:
    """How well each module matches the goal and the persona (one library search, kept per process:
    the same handful of searches serve every contact of a campaign)."""
    generation = retrieval.index(ctx).generation
    held: tuple[str | None, dict[tuple[str, str, str], dict[str, float]]] = ctx.adapter(
        "email.relevance", lambda _c: (generation, {}))
    if held[0] != generation:  # new content: search again (threads holding the old memo finish with it)
        held = (generation, {})
        ctx.replace("email.relevance", held)
    memo = held[1]
    key = (goal, persona or "", lang)
    found = memo.get(key)
    if found is None:
        t = templates("draft_email", lang)
        query = " ".join(q for q in (t["queries"].get(goal, ""), t["persona_queries"].get(persona or "", "")) if q)
        hits = retrieval.search(ctx, query, k=20, filters=SearchFilters(language=lang, public=True)).hits
        found = {}
        for rank, hit in enumerate(hits):
            found.setdefault(str(hit.meta.get("module_id") or ""), 1.0 / (1 + rank))
        memo[key] = found
    return found


def prepare_contact(batch: Batch, contact: Contact, account: Account, *, task: str, goal: str,
                    cards: Sequence[Card], now: datetime,
                    relevance: dict[str, float] | None = None) -> tuple[TaskContext, MessagePlan | None]:
    """The gate's decision for one contact and, when allowed, the context and plan of their e-mail."""
    decision: Decision = decide(task, Subject(contact_id=contact.id, account_id=account.id,
                                              has_active_contract=account.id in batch.active,
                                              consents=batch.consents.get(contact.id, [])))
    view = subject_view(account, contact, decision)
    names = [n for n in (view.first_name, view.last_name, view.account_name) if n]
    tc = TaskContext(task=task, decision=decision, subject=view, language=view.language, names=names, now=now)
    if not decision.allowed:
        return tc, None
    sit = situations.situation(account, batch.signals.get(account.id), today=now.date())
    facts = [f for f in situations.facts(sit) if decision.may_use(f.category)]
    chosen = plan(goal, language=tc.language, persona=view.persona, stage=view.journey_stage, sit=sit,
                  library=cards, may_use=decision.may_use, variant=variant_of(contact.id, goal), relevance=relevance,
                  promotion=decision.promotion)
    return tc.model_copy(update={"facts": facts, "passages": citations(chosen.modules)}), chosen


@dataclass
class Written:
    composed: ComposedEmail
    subject: str
    body: str
    report: GuardReport
    run: EngineRun


def write(ctx: AppContext, engine: Engine, tc: TaskContext, chosen: MessagePlan, *, sender: str,
          opens: Sequence[datetime] = ()) -> Written:
    """The engine writes, the guards check subject and body (both are read by the customer)."""
    composed, run = engine.compose_email(tc, chosen, sender=sender, opens=opens)
    body, report = pipeline.guard(ctx, composed.body, tc, customer_facing=True, extra_context=sender)
    subject, subject_report = pipeline.guard(ctx, composed.subject, tc, customer_facing=True)
    report.ungrounded += subject_report.ungrounded
    report.removed += subject_report.removed
    report.flags += subject_report.flags
    return Written(composed=composed, subject=subject, body=body, report=report, run=run)


def refusal(tc: TaskContext) -> Provenance:
    """The provenance of a draft the gate refused: no engine ran, no data was used."""
    return pipeline.provenance(tc, engine="none", categories=[])


def draft_email(
    ctx: AppContext, req: EmailRequest, *, actor: Actor, now: datetime | None = None
) -> EmailDraft | Blocked:
    require(actor, Perm.email_draft)
    now = now or datetime.now(UTC)
    task = task_for_email_goal(req.goal)
    with ctx.db.session() as session:
        contact = crm_records.get(session, model=Contact, ident=req.contact_id)
        if contact is None:
            raise not_found("contact", req.contact_id)
        account = crm_records.get(session, model=Account, ident=contact.account_id)
        session.expunge_all()
    assert account is not None  # contacts.account_id is a foreign key
    batch = load_batch(ctx, [(contact, account)], now=now)
    tc, chosen = prepare_contact(batch, contact, account, task=task, goal=req.goal, cards=library(ctx), now=now,
                                 relevance=goal_relevance(ctx, req.goal, contact.persona, contact.language))
    if chosen is None:
        prov = pipeline.audit(ctx, tc, refusal(tc), actor=actor, surface=req.surface, outcome="blocked",
                              details={"goal": req.goal})
        return Blocked(task=tc.task, reason=tc.decision.reason, provenance=prov)
    sender = _sender_name(req.sender, batch.reps, fallback=account.owner)
    out = write(ctx, get_engine(ctx, req.engine), tc, chosen, sender=sender, opens=_opens(ctx, tc))
    prov = pipeline.run_provenance(tc, out.run, out.composed.used_categories)
    prov = pipeline.audit(ctx, tc, prov, actor=actor, surface=req.surface,
                          outcome="ok" if out.report.ok else "flagged",
                          details={"goal": req.goal, "flags": out.report.flags, "trigger": chosen.trigger.kind,
                                   "offer": chosen.offer})
    if not out.report.ok:
        return Blocked(task=tc.task, reason="held back by the output guard: " + "; ".join(out.report.flags),
                       provenance=prov)
    used = set(out.composed.used_categories)
    return EmailDraft(
        contact_id=req.contact_id, language=tc.language, goal=req.goal, persona=tc.subject.persona,
        subject=out.subject, body=out.body, cta=out.composed.cta, send_time=out.composed.send_time,
        send_time_reason=out.composed.send_time_reason, transparency=out.composed.transparency, sender=sender,
        trigger=chosen.trigger.kind, offer=chosen.offer, modules=tc.passages,
        facts=[f for f in tc.facts if f.category in used], guard=out.report, provenance=prov,
    )


def _sender_name(rep_id: str | None, reps: dict[str, str], *, fallback: str | None) -> str:
    """The signing rep's name: the one asked for (which must exist), else the contact's owner."""
    if rep_id:
        if rep_id not in reps:
            raise not_found("rep", rep_id)
        return reps[rep_id]
    return reps.get(fallback or "", "Kaarna")


def _opens(ctx: AppContext, tc: TaskContext) -> list[datetime]:
    if not tc.decision.may_use("behaviour") or tc.subject.contact_id is None:
        return []
    with ctx.db.session() as session:
        return people.email_open_times(session, contact_id=tc.subject.contact_id)
