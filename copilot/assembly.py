"""Context assembly: what an engine is given for one task, already filtered by the consent gate.

``prepare`` runs the gate and loads the allowed facts; ``retrieve`` adds cited passages (content
modules, and the account's own history when the decision allows it) within the task's token
budget. ``TaskContext.render`` is the exact text the grounding guard checks against and the llm
engine receives, so both see the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import zip_longest

from pydantic import BaseModel, Field

from copilot.consent.gate import ConsentState, Decision, Subject, decide
from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.store.repo import consents as consent_repo
from copilot.facts import Fact, gather, load_subject, subject_view
from copilot.facts import Subject as SubjectView
from copilot.results import Citation
from retrieval import service as retrieval
from retrieval.models import HistoryItem, Hit, SearchFilters
from retrieval.tokens import count_tokens

#: Token budget of the context per task (passages + facts), well inside small models' windows.
BUDGETS = {
    "brief": 1800,
    "next_actions": 1200,
    "staff_chat": 1500,
    "marketing_email": 1500,
    "service_email": 1500,
    "customer_chat": 1200,
    "visitor_chat": 1000,
}

HISTORY_ITEMS = 5
"""Account history items in a staff context, at most."""


class TaskContext(BaseModel):
    task: str
    decision: Decision
    subject: SubjectView
    language: str
    facts: list[Fact] = Field(default_factory=list)
    passages: list[Citation] = Field(default_factory=list)
    history: list[HistoryItem] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    """Person and company names of the CRM that the context may mention (for the grounding guard)."""
    now: datetime
    actor: Actor | None = None
    """Who the task runs for (the llm engine's tools act as them, with their permissions)."""

    def fact(self, key: str) -> str | None:
        return next((f.value for f in self.facts if f.key == key), None)

    def render(self) -> str:
        """The context as one text: facts, then numbered passages, then history items."""
        return "\n".join(part for part in (self.render_facts(), self.render_sources()) if part)

    def render_facts(self) -> str:
        """The person- and account-specific part of the context."""
        lines = []
        s = self.subject
        if s.first_name:
            lines.append(f"Contact: {s.first_name} {s.last_name or ''}, {s.title or ''}".strip())
        if s.account_name:
            lines.append(f"Account: {s.account_name} ({s.industry})")
        lines += [f"{f.key}: {f.value}" for f in self.facts]
        return "\n".join(lines)

    def render_sources(self) -> str:
        """Numbered passages and history items: often shared by many contexts (a campaign's group)."""
        # The heading is part of the source: an answer may name it ("Plus – €1.20 per user per month: …").
        lines = [f"[{p.ref}] {p.title}{f' > {p.heading}' if p.heading else ''}: {p.body}" for p in self.passages]
        lines += [f"({h.day.isoformat()}) {h.title}: {h.text}" for h in self.history]
        return "\n".join(lines)

    @property
    def tokens(self) -> int:
        return count_tokens(self.render())


def prepare(
    ctx: AppContext,
    task: str,
    *,
    account_id: str | None = None,
    contact_id: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> TaskContext:
    """Run the consent gate for ``task`` and load the facts it allows; raises for unknown ids."""
    now = now or datetime.now(UTC)
    with ctx.db.session() as session:
        account, contact = load_subject(session, account_id=account_id, contact_id=contact_id)
        states = []
        if contact is not None:
            states = [
                ConsentState.model_validate(c, from_attributes=True)
                for c in consent_repo.current(session, contact_id=contact.id)
            ]
        active = account is not None and consent_repo.has_active_contract(
            session, account_id=account.id, today=now.date()
        )
        gate_subject = Subject(
            contact_id=contact.id if contact else None,
            account_id=account.id if account else None,
            has_active_contract=active,
            consents=states,
        )
        decision = decide(task, gate_subject)
        view = subject_view(account, contact, decision)
        facts = gather(session, account=account, decision=decision, now=now) if decision.allowed else []
        names = [n for n in (view.first_name, view.last_name, view.account_name) if n]
    return TaskContext(
        task=task,
        decision=decision,
        subject=view,
        language=language or view.language,
        facts=facts,
        names=names,
        now=now,
        actor=actor,
    )


TYPED_AFTER, TYPED = 5, 3
"""Where the intent's own kind of content goes among the passages (see ``retrieve``), and how many."""


def retrieve(
    ctx: AppContext,
    tc: TaskContext,
    query: str,
    *,
    k: int = 6,
    lang: str | None = None,
    extra: SearchFilters | None = None,
    history: bool = False,
    also: str | None = None,
    kinds: tuple[str, ...] = (),
    industry: str | None = None,
    each: tuple[str, ...] = (),
    kinds_query: str | None = None,
) -> TaskContext:
    """Add cited passages (and account history if allowed) to the context, within the token budget.

    ``also`` is a second, focused query (the question's topic words and their synonyms): its hits are
    interleaved with the question's, so a passage that a long or chatty question buries still comes up.
    ``kinds`` are the content types the question's intent is answered by (a price by the price list, a
    customer story by the references): the best of those types are interleaved too, so a question that
    shares its words with another kind of content ("do you *support* SCIM?") still reaches its answer.
    ``industry`` (the one a question names) brings those types' content of that industry first: a retail
    customer's story need not say "retail".
    ``each`` are the questions of a message that asks two ("Can we start with Insight alone? And what's the
    minimum contract?"): the second one's hits come up beside the whole message's, so its answer is among
    the passages, though the message's words lean on the first. Both engines read these passages.
    ``kinds_query`` searches those types instead of the focused query, when what is asked is said the same
    way in every one of them (each worked example's payback time).
    """
    filters = extra or SearchFilters()
    if not tc.decision.may_use("internal_content"):
        filters = filters.model_copy(update={"public": True})
    if lang:
        filters = filters.model_copy(update={"language": lang})
    hits = _asked(ctx, query, each, filters, k)
    if also and also.strip() and also.strip() != query.strip():
        hits = _interleave(hits, retrieval.search(ctx, also, k=k, filters=filters).hits)[:k]
    if kinds:
        typed = _typed(ctx, kinds_query or also or query, filters.model_copy(update={"type": list(kinds)}), industry, k)
        # After the question's own best five: the answer may be elsewhere, but usually it is among those.
        kept = {h.chunk_id for h in hits[:TYPED_AFTER]}
        added = [h for h in typed if h.chunk_id not in kept][:TYPED]
        hits = _interleave(hits[:TYPED_AFTER] + added + hits[TYPED_AFTER:], [])[:k]  # in order, once each
    budget = BUDGETS.get(tc.task, 1200) - count_tokens("\n".join(f"{f.key}: {f.value}" for f in tc.facts))
    passages: list[Citation] = []
    for hit in hits:
        cost = count_tokens(hit.text or hit.snippet) + 12
        if cost > budget:
            break
        budget -= cost
        passages.append(
            Citation(
                ref=len(passages) + 1,
                source_id=hit.source_id,
                title=hit.title,
                location=hit.location,
                snippet=hit.snippet,
                text=hit.text,
                similarity=hit.similarity,
                kind=str(hit.meta.get("type", "")),
                industry=str(hit.meta.get("industry", "")),
                instructions=bool(hit.meta.get("instructions", False)),
            )
        )
    items: list[HistoryItem] = []
    may_history = tc.decision.may_use("purchase_history") or tc.decision.may_use("support_history")
    if history and may_history and tc.subject.account_id:
        # Ranked deeper than needed: kinds the decision does not allow (web visits for a sales chat)
        # are skipped here and must not use up the slots.
        ranked = retrieval.account_history(ctx, tc.subject.account_id, query, k=4 * HISTORY_ITEMS, now=tc.now.date())
        for item in ranked:
            if not _history_allowed(item.kind, tc.decision):
                continue
            cost = count_tokens(item.text) + 8
            if cost > budget:
                break
            budget -= cost
            items.append(item)
            if len(items) == HISTORY_ITEMS:
                break
    return tc.model_copy(update={"passages": passages, "history": items})


def _asked(ctx: AppContext, query: str, each: tuple[str, ...], filters: SearchFilters, k: int) -> list[Hit]:
    """The message's hits; for a message of two questions, the second one's interleaved with them (the
    message's own hits already follow the first, which its words lean on)."""
    hits = retrieval.search(ctx, query, k=k, filters=filters).hits
    if len(each) != 2:
        return hits
    return _interleave(hits, retrieval.search(ctx, each[1], k=k, filters=filters).hits)[:k]


def _typed(ctx: AppContext, query: str, filters: SearchFilters, industry: str | None, k: int) -> list[Hit]:
    """The best hits of the intent's content types; those of the industry asked about first."""
    typed = retrieval.search(ctx, query, k=k, filters=filters).hits
    if not industry:
        return typed
    of_industry = retrieval.search(ctx, query, k=k, filters=filters.model_copy(update={"industry": industry})).hits
    return _interleave(of_industry, typed)


def _interleave(first: list[Hit], second: list[Hit]) -> list[Hit]:
    out: list[Hit] = []
    seen: set[str] = set()
    for pair in zip_longest(first, second):
        for hit in pair:
            if hit is not None and hit.chunk_id not in seen:
                seen.add(hit.chunk_id)
                out.append(hit)
    return out


_HISTORY_CATEGORY = {
    "order": "purchase_history",
    "contract": "purchase_history",
    "ticket": "support_history",
    "opportunity": "purchase_history",
    "event": "behaviour",
    "usage": "usage",
    "survey": "support_history",
}


def _history_allowed(kind: str, decision: Decision) -> bool:
    # Notes, calls and earlier conversations are internal: staff only.
    category = _HISTORY_CATEGORY.get(kind, "internal_content")
    return decision.may_use(category)
