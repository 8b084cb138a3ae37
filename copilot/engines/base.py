"""One interface, two engines. A task service asks the engine for the creative part only; the
gate, retrieval, guards and audit are the same whichever engine writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.engines.composer import answer as composer_answer
from copilot.engines.composer import email as composer_email
from copilot.engines.composer import reply as composer_reply
from copilot.engines.composer.answer import ComposedAnswer
from copilot.engines.composer.email import ComposedEmail
from copilot.engines.composer.reply import ComposedReply
from copilot.guards.injection import quarantine
from copilot.guards.output import safe_citations
from copilot.writing.plan import MessagePlan


class EngineRun(BaseModel):
    """Which engine produced an output, and at what cost."""

    engine: str
    model: str | None = None
    fallback: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0


class Engine(Protocol):
    name: str

    def compose_email(
        self, tc: TaskContext, plan: MessagePlan, *, sender: str, opens: Sequence[datetime]
    ) -> tuple[ComposedEmail, EngineRun]: ...

    def answer(self, tc: TaskContext, *, question: str,
               history: Sequence[tuple[str, str]] = ()) -> tuple[ComposedAnswer, EngineRun]: ...

    def compose_reply(self, tc: TaskContext, *, title: str | None, body: str, subject: str, unhappy: bool,
                      agent: str, variant: int, cause: str = "") -> tuple[ComposedReply, EngineRun]: ...


class ComposerEngine:
    """The deterministic default: modular composition and extractive answers, no model."""

    name = "composer"

    def __init__(self, link_allowlist: Sequence[str] = ("kaarna.example", "polku.example")) -> None:
        self.link_allowlist = tuple(link_allowlist)

    def compose_email(
        self, tc: TaskContext, plan: MessagePlan, *, sender: str, opens: Sequence[datetime]
    ) -> tuple[ComposedEmail, EngineRun]:
        return composer_email.compose(tc, plan, sender=sender, opens=opens), EngineRun(engine=self.name)

    def compose_reply(self, tc: TaskContext, *, title: str | None, body: str, subject: str, unhappy: bool,
                      agent: str, variant: int, cause: str = "") -> tuple[ComposedReply, EngineRun]:
        reply = composer_reply.compose(tc, title=title, body=body, subject=subject, unhappy=unhappy, agent=agent,
                                       variant=variant, cause=cause)
        return reply, EngineRun(engine=self.name)

    def answer(self, tc: TaskContext, *, question: str,
               history: Sequence[tuple[str, str]] = ()) -> tuple[ComposedAnswer, EngineRun]:
        # Retrieved text is data: instruction-shaped passages are quarantined before composing,
        # and the citations a surface shows are sanitised like generated text.
        clean, _ = quarantine(tc)
        composed = composer_answer.compose(clean, question, follow_up_of=last_question(question, history))
        citations = safe_citations(composed.citations, self.link_allowlist)
        return composed.model_copy(update={"citations": citations}), EngineRun(engine=self.name)


def last_question(question: str, history: Sequence[tuple[str, str]]) -> str | None:
    """The previous user question when ``question`` is a short follow-up ("and the Plus plan?")."""
    if len(question.split()) > 5:  # a full question stands on its own
        return None
    earlier = [text for role, text in history if role == "user"]
    return earlier[-1] if earlier else None
