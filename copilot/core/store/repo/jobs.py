"""Batch jobs and their per-item results (see ``models.jobs``).

Results are written with "insert, or do nothing if the (job, item) row exists": a chunk that runs
twice adds nothing, and the caller learns which items were new so it records side rows (audit
entries) for those only, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from copilot.core.store.models import Job, JobResult
from copilot.core.store.models.base import utcnow


def create(session: Session, *, job_id: str, kind: str, params: dict[str, Any], actor: str, actor_role: str,
           backend: str, total: int, chunks: int, status: str = "queued") -> Job:
    job = Job(id=job_id, kind=kind, params=params, actor=actor, actor_role=actor_role, backend=backend,
              total=total, chunks=chunks, status=status, created_at=utcnow())
    session.add(job)
    session.flush()
    return job


def get(session: Session, *, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def recent(session: Session, *, kinds: Sequence[str] | None = None, limit: int = 20) -> list[Job]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
    if kinds is not None:
        query = query.where(Job.kind.in_(list(kinds)))
    return list(session.scalars(query))


def counts(session: Session, *, job_id: str) -> dict[str, int]:
    """Result rows of the job by status: its progress, derived from what is stored."""
    query = select(JobResult.status, func.count()).where(JobResult.job_id == job_id).group_by(JobResult.status)
    return {status: int(n) for status, n in session.execute(query)}


def reasons(session: Session, *, job_id: str) -> dict[str, dict[str, int]]:
    """Per status, how many items were not written for each reason."""
    query = (select(JobResult.status, JobResult.reason, func.count())
             .where(JobResult.job_id == job_id, JobResult.reason.is_not(None))
             .group_by(JobResult.status, JobResult.reason))
    out: dict[str, dict[str, int]] = {}
    for status, reason, n in session.execute(query):
        out.setdefault(status, {})[reason] = int(n)
    return out


def counts_of_many(session: Session, *, job_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {j: {} for j in job_ids}
    if not job_ids:
        return out
    query = (select(JobResult.job_id, JobResult.status, func.count()).where(JobResult.job_id.in_(list(job_ids)))
             .group_by(JobResult.job_id, JobResult.status))
    for job_id, status, n in session.execute(query):
        out[job_id][status] = int(n)
    return out


def existing_keys(session: Session, *, job_id: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        part = list(keys[start : start + 900])
        found.update(session.scalars(select(JobResult.item_key).where(JobResult.job_id == job_id,
                                                                      JobResult.item_key.in_(part))))
    return found


def add_results(session: Session, *, job_id: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert ``{"item_key", "status", "reason"?, "data"}`` rows; returns the keys that were new (the rest existed).

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and then does
    nothing, so two deliveries of one chunk never both count an item.
    """
    if not rows:
        return set()
    values = [{"job_id": job_id, "item_key": r["item_key"], "status": r["status"],
               "reason": (r.get("reason") or None) and str(r["reason"])[:200], "data": r.get("data") or {},
               "at": utcnow()} for r in rows]
    dialect = session.get_bind().dialect.name
    new: set[str] = set()
    for start in range(0, len(values), 500):
        part = values[start : start + 500]
        if dialect == "postgresql":
            stmt = postgresql.insert(JobResult).values(part).on_conflict_do_nothing(
                index_elements=["job_id", "item_key"]).returning(JobResult.item_key)
        else:
            stmt = sqlite.insert(JobResult).values(part).on_conflict_do_nothing(
                index_elements=["job_id", "item_key"]).returning(JobResult.item_key)
        new.update(session.scalars(stmt))
    return new


def iter_results(session: Session, *, job_id: str, statuses: Sequence[str] | None = None,
                 page: int = 1000) -> Iterator[JobResult]:
    """Every result of the job in item order, read a page at a time (keyset paging, constant memory)."""
    after = ""
    while True:
        query = (select(JobResult).where(JobResult.job_id == job_id, JobResult.item_key > after)
                 .order_by(JobResult.item_key).limit(page))
        if statuses is not None:
            query = query.where(JobResult.status.in_(list(statuses)))
        rows = list(session.scalars(query))
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].item_key


def mark(session: Session, *, job_id: str, status: str, error: str | None = None,
         finished: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status}
    if error is not None:
        values["error"] = error
    if finished is not None:
        values["finished_at"] = finished
    session.execute(update(Job).where(Job.id == job_id).values(**values))


def mark_running(session: Session, *, job_id: str) -> None:
    session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(status="running"))


def finish_if_complete(session: Session, *, job_id: str, now: datetime) -> bool:
    """Mark the job done once it has a result for every item; True when this call did it."""
    job = session.get(Job, job_id)
    if job is None or job.finished_at is not None:
        return False
    done = session.scalar(select(func.count()).select_from(JobResult).where(JobResult.job_id == job_id)) or 0
    if done < job.total:
        return False
    result = session.execute(update(Job).where(Job.id == job_id, Job.finished_at.is_(None))
                             .values(status="done", finished_at=now))
    return bool(getattr(result, "rowcount", 0))


def purge_finished(session: Session, *, cutoff: datetime, kinds: Sequence[str], dry_run: bool = False) -> int:
    """Delete jobs of these kinds created before ``cutoff``, with their results; returns how many."""
    ids = list(session.scalars(select(Job.id).where(Job.created_at < cutoff, Job.kind.in_(list(kinds)))))
    if not dry_run:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            session.execute(delete(JobResult).where(JobResult.job_id.in_(part)))
            session.execute(delete(Job).where(Job.id.in_(part)))
    return len(ids)


def results_for_item(session: Session, *, item_key: str, kinds: Sequence[str]) -> list[JobResult]:
    """Results about one item (a contact's campaign drafts) across jobs: for access and erasure requests."""
    query = (select(JobResult).join(Job, Job.id == JobResult.job_id)
             .where(JobResult.item_key == item_key, Job.kind.in_(list(kinds))))
    return list(session.scalars(query))


def delete_for_item(session: Session, *, item_key: str, kinds: Sequence[str]) -> int:
    rows = results_for_item(session, item_key=item_key, kinds=kinds)
    for row in rows:
        session.delete(row)
    return len(rows)
