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
from copilot.engines.composer.answer import ComposedAnswer
from copilot.engines.composer.email import ComposedEmail


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
        self, tc: TaskContext, *, goal: str, sender: str, opens: Sequence[datetime]
    ) -> tuple[ComposedEmail, EngineRun]: ...

    def answer(self, tc: TaskContext, *, question: str) -> tuple[ComposedAnswer, EngineRun]: ...


class ComposerEngine:
    """The deterministic default: modular composition and extractive answers, no model."""

    name = "composer"

    def compose_email(
        self, tc: TaskContext, *, goal: str, sender: str, opens: Sequence[datetime]
    ) -> tuple[ComposedEmail, EngineRun]:
        return composer_email.compose(tc, goal=goal, sender=sender, opens=opens), EngineRun(engine=self.name)

    def answer(self, tc: TaskContext, *, question: str) -> tuple[ComposedAnswer, EngineRun]:
        return composer_answer.compose(tc, question), EngineRun(engine=self.name)
