"""The end of every task: guards on the output, then the audit record.

Both engines' outputs go through ``guard``; every result, refused ones included, goes through
``audit``. Surfaces never call engines directly, so nothing reaches a person unguarded or unaudited.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from copilot.assembly import TaskContext
from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.instructions import strip_instructions
from copilot.core.store.repo import audit as audit_repo
from copilot.core.store.repo import conversations
from copilot.engines.base import EngineRun
from copilot.guards.grounding import check, context_keys, remove_sentences_with
from copilot.guards.output import sanitize, staff_terms
from copilot.results import GuardReport, Provenance
from prompts import all_template_text


@lru_cache(maxsize=1)
def _template_keys() -> frozenset[str]:
    # The fixed wording of the templates may always be stated; its values are computed once.
    return frozenset(context_keys(all_template_text()))


@lru_cache(maxsize=1)
def _template_lower() -> str:
    return all_template_text().lower() + "\n"


@lru_cache(maxsize=512)
def _source_keys(sources: str) -> frozenset[str]:
    # The same passages serve many outputs (a campaign group, a popular question): parse them once.
    return frozenset(context_keys(sources))


def guard(
    ctx: AppContext, text: str, tc: TaskContext, *, customer_facing: bool, extra_context: str = ""
) -> tuple[str, GuardReport]:
    """Ground, sanitise and check one output text; returns the safe text and what was done."""
    sources = tc.render_sources()
    personal = "\n".join((tc.render_facts(), extra_context))
    keys = _template_keys() | _source_keys(sources) | context_keys(personal)
    lowered = "\n".join((_template_lower(), sources.lower(), personal.lower()))
    bad = check(text, keys, lowered, tc.names)
    kept, dropped = remove_sentences_with(text, bad)
    safe, removed = sanitize(kept, ctx.settings.link_allowlist)
    report = GuardReport(grounded=not bad, ungrounded=[c.text for c in bad], removed=dropped + removed)
    if customer_facing:
        terms = staff_terms(safe)
        if terms:
            report.flags.append(f"staff-only terms in customer-facing text: {', '.join(terms)}")
    return safe, report


def safe_staff_text(ctx: AppContext, text: str) -> str:
    """Staff text built from CRM records (a ticket subject, a note, a customer's chat line): any
    instruction in them is dropped, markup neutralised, links kept only to the allow-list. A brief is
    not a prompt, but a rep copies from it and a surface renders it."""
    kept, _ = strip_instructions(text)
    safe, _ = sanitize(kept, ctx.settings.link_allowlist)
    return safe


def provenance(
    tc: TaskContext,
    *,
    engine: str,
    model: str | None = None,
    categories: list[str] | None = None,
    fallback: str | None = None,
    tokens_in: int = 0,
    tokens_out: int = 0,
) -> Provenance:
    d = tc.decision
    return Provenance(
        task=tc.task,
        basis=d.basis,
        purpose=d.purpose.value if d.purpose else None,
        categories=categories if categories is not None else list(d.categories),
        reason=d.reason,
        engine=engine,
        model=model,
        fallback=fallback,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
    )


def run_provenance(tc: TaskContext, run: EngineRun, categories: list[str]) -> Provenance:
    """The provenance of an output an engine wrote (which engine, model, fallback and tokens)."""
    return provenance(tc, engine=run.engine, model=run.model, categories=categories, fallback=run.fallback,
                      tokens_in=run.tokens_in, tokens_out=run.tokens_out)


THREAD_LOCK_MARGIN_S = 15.0


def thread_lock(ctx: AppContext, thread_id: str | None) -> AbstractContextManager[None]:
    """Hold one conversation while a turn is read and written (nothing to hold for a new thread).

    A later question of the same thread waits, up to as long as an answer may take (the llm engine's
    time-outs and retries); the lock of a worker that died frees itself after the same time.
    """
    if not thread_id:
        return nullcontext()
    s = ctx.settings
    longest = s.llm_timeout_s * (s.llm_max_retries + 1) + THREAD_LOCK_MARGIN_S
    return ctx.shared.lock(f"conversation:{thread_id}", hold_s=longest, wait_s=longest)


@dataclass(frozen=True)
class Turn:
    """A chat question and its answer, for the conversation memory."""

    thread_id: str
    question: str
    answer: str
    new_thread: bool = False
    """Start the thread (under ``thread_id``) with this turn."""
    account_id: str | None = None
    """Whose thread a new one is (kept for erasure and retention)."""
    contact_id: str | None = None


def audit_row(
    tc: TaskContext,
    prov: Provenance,
    *,
    actor: Actor,
    surface: str,
    outcome: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The audit record of one output (refused ones included), ready to insert: what data, which
    sources, which engine, on what basis."""
    body = {
        "categories": prov.categories,
        "sources": [p.source_id for p in tc.passages],
        "records": sorted({f.source for f in tc.facts if f.category in prov.categories}),
        "history": [h.id for h in tc.history],
        "reason": prov.reason,
        "fallback": prov.fallback,
        # For `polku audit`: the personalisation level and consent origin the decision rested on.
        "level": tc.decision.level.value if tc.decision.level else None,
        "obtained_via": tc.decision.obtained_via,
        "language": tc.language,
        **(details or {}),
    }
    return {
        "id": audit_repo.new_id(), "at": tc.now, "task": tc.task, "actor": actor.id, "surface": surface,
        "account_id": tc.subject.account_id, "contact_id": tc.subject.contact_id, "purpose": prov.purpose,
        "lawful_basis": prov.basis, "outcome": outcome, "engine": prov.engine, "model": prov.model,
        "tokens_in": prov.tokens_in, "tokens_out": prov.tokens_out, "details": body,
    }


def audit(
    ctx: AppContext,
    tc: TaskContext,
    prov: Provenance,
    *,
    actor: Actor,
    surface: str,
    outcome: str,
    details: dict[str, Any] | None = None,
    turn: Turn | None = None,
) -> Provenance:
    """Store the audit record of one output and return the provenance with its id.

    With ``turn`` the conversation memory is written in the same transaction: an answer is
    remembered exactly when it is audited, and a chat answer costs one commit, not three.
    """
    row = audit_row(tc, prov, actor=actor, surface=surface, outcome=outcome, details=details)
    with ctx.db.session() as session:
        audit_repo.record_many(session, rows=[row])
        if turn is not None:
            if turn.new_thread:
                conversations.start(session, thread_id=turn.thread_id, surface=surface, actor=actor.id,
                                    account_id=turn.account_id, contact_id=turn.contact_id, at=tc.now)
            conversations.append_turn(session, thread_id=turn.thread_id, question=turn.question,
                                      answer=turn.answer, at=tc.now)
    return prov.model_copy(update={"audit_id": row["id"]})
