"""Results of the copilot's tasks: what every surface renders, and what the audit log records."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from copilot.facts import Fact


class Citation(BaseModel):
    ref: int
    """The number used in the text, ``[1]``."""
    source_id: str
    title: str
    location: str
    snippet: str
    text: str = Field(default="", exclude=True, repr=False)
    """The whole passage the engine was given (kept out of serialised results)."""
    similarity: float | None = Field(default=None, exclude=True, repr=False)
    """How close the passage is to the question (cosine), when it was retrieved for one."""
    kind: str = Field(default="", exclude=True, repr=False)
    """The content type of the module it comes from (``faq``, ``pricing``...), when known."""
    unit_similarities: list[float | None] = Field(default_factory=list, exclude=True, repr=False)
    """How close each answer unit of the passage is to the question (see ``retrieval.units``)."""
    industry: str = Field(default="", exclude=True, repr=False)
    """The industry the module was written for (``retail``, ``any``...), when known."""
    instructions: bool = Field(default=False, exclude=True, repr=False)
    """The document it was cut from holds instruction-shaped text somewhere (marked at ingest)."""

    @property
    def heading(self) -> str:
        return self.location.split("#", 1)[1] if "#" in self.location else ""

    @property
    def body(self) -> str:
        return self.text or self.snippet


class Provenance(BaseModel):
    """What an output stood on: the consent basis, the data categories and sources, the engine."""

    task: str
    basis: str | None
    purpose: str | None
    categories: list[str]
    reason: str
    engine: str
    model: str | None = None
    fallback: str | None = None
    """Why the llm engine's output was replaced by the composer's, when it was."""
    tokens_in: int = 0
    tokens_out: int = 0
    audit_id: str | None = None


class GuardReport(BaseModel):
    grounded: bool = True
    ungrounded: list[str] = Field(default_factory=list)
    """Numbers, dates, names, links in the output that the context does not contain."""
    removed: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    """Why the output was held back, if it was (staff-only facts, unsafe markup...)."""

    @property
    def ok(self) -> bool:
        return not self.flags


class Blocked(BaseModel):
    """A task the consent gate or a guard refused, with the reason in words."""

    status: Literal["blocked"] = "blocked"
    task: str
    reason: str
    provenance: Provenance


class EmailDraft(BaseModel):
    status: Literal["ok"] = "ok"
    contact_id: str
    language: str
    goal: str
    persona: str | None = None
    subject: str
    body: str
    cta: str
    send_time: str
    """Suggested send time, e.g. ``Tuesday 09:00``, with the reason in ``send_time_reason``."""
    send_time_reason: str
    transparency: str
    """The line that tells the recipient why they get the message."""
    sender: str
    trigger: str | None = None
    """Why the e-mail is sent now (``renewal``, ``pricing_visit``...): what its opening names."""
    offer: str | None = None
    """The product the e-mail offers (a catalogue key), never one the account owns."""
    modules: list[Citation]
    """The modules it drew on: sources for the rep (the customer's text carries no markers)."""
    facts: list[Fact]
    guard: GuardReport
    provenance: Provenance

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}"


class Answer(BaseModel):
    status: Literal["ok"] = "ok"
    question: str
    language: str
    text: str
    citations: list[Citation]
    facts: list[Fact] = Field(default_factory=list)
    known: bool
    """False when the sources do not answer it; the text then says so and offers a person."""
    handoff: bool
    """True when the answer offers (or the customer asked for) a human."""
    transparency: str | None = None
    guard: GuardReport
    provenance: Provenance
    thread_id: str | None = None
    """The conversation this answer belongs to; pass it back to continue."""
