"""Batch jobs: one row per job, one row per processed item, read by every host from the store.

A job's progress is the number of its result rows, never a counter: a chunk delivered twice (a
worker killed before it acknowledged) writes nothing new, because ``(job_id, item_key)`` is unique.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copilot.core.store.models.base import Base, utcnow


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``campaign``, ``score``, ``ingest`` or ``purge``."""
    params: Mapped[dict] = mapped_column(default=dict)
    """What the job was asked to do (segment, goal, the reference time its chunks share …)."""
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(20))
    """The role the job's chunks act with, so a worker applies the same rules as the request did."""
    status: Mapped[str] = mapped_column(String(20), default="queued")
    """``queued``, ``running``, ``done`` or ``failed`` (the job could not be run at all)."""
    backend: Mapped[str] = mapped_column(String(20), default="inline")
    total: Mapped[int] = mapped_column(Integer, default=0)
    """Items the job will process; done is the count of its result rows."""
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class JobResult(Base):
    __tablename__ = "job_results"
    __table_args__ = (UniqueConstraint("job_id", "item_key"), Index("ix_job_results_item_key", "item_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(300))
    """The item's own id (a contact, an account, a file): the idempotency key within the job."""
    status: Mapped[str] = mapped_column(String(20))
    """``ok``, ``blocked`` (the consent gate), ``flagged`` (a guard held it back) or ``failed``."""
    reason: Mapped[str | None] = mapped_column(String(200))
    """Why an item was not written (a refusal, an error), dates left out so reasons group."""
    data: Mapped[dict] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
