"""What goes in and out of the job services (pydantic at the boundary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.tasks.email import Goal

Kind = Literal["campaign", "score", "ingest", "purge"]


class CampaignJobIn(BaseModel):
    segment: str = Field(min_length=1, max_length=300)
    """``field=value`` pairs joined by commas, e.g. ``persona=cio,language=fi``; ``all`` for everyone."""
    goal: Goal = "nurture"
    limit: int | None = Field(default=None, ge=1)
    engine: Literal["composer", "llm"] | None = None
    """The engine that writes (the configured one by default)."""


class JobView(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    backend: str
    params: dict[str, Any]
    actor: str
    total: int
    """Items the job processes (contacts, accounts, files)."""
    done: int
    """Items with a stored result: the count of result rows, so a chunk that ran twice counts once."""
    failed: int
    """Items that could not be processed (their reason is in ``reasons["failed"]``)."""
    counts: dict[str, int]
    """Results by status: ``ok``, ``blocked`` (consent gate), ``flagged`` (output guard), ``failed``."""
    reasons: dict[str, dict[str, int]]
    """Per status, the reasons of the items that were not written, counted."""
    chunks: int
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class JobList(BaseModel):
    jobs: list[JobView]
