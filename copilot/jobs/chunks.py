"""What one chunk of each kind of job does: process its items and store one result per item.

Every runner first drops the items that already have a result (a chunk delivered again after a
worker died), then writes results in small slices, each slice one transaction together with its side
rows (a campaign's audit entries), so a kill loses at most the slice in flight and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.store.repo import audit as audit_repo
from copilot.core.store.repo import jobs as repo
from copilot.core.store.repo import people
from copilot.tasks import campaign as campaign_task

SLICE = 100
"""Items per transaction inside a chunk."""


@dataclass(frozen=True)
class JobRef:
    id: str
    kind: str
    params: dict[str, Any]
    actor: Actor

    @property
    def now(self) -> datetime:
        """The reference time every chunk of the job shares, so all drafts are written as of one moment."""
        return datetime.fromisoformat(self.params["now"])


def load(ctx: AppContext, job_id: str) -> JobRef:
    with ctx.db.session() as session:
        job = repo.get(session, job_id=job_id)
        if job is None:
            raise not_found("job", job_id)
        return JobRef(id=job.id, kind=job.kind, params=dict(job.params),
                      actor=Actor(id=job.actor, role=Role(job.actor_role)))


def run(ctx: AppContext, job_id: str, keys: Sequence[str]) -> int:
    """Process one chunk of a job; returns how many results this call added (0 for a repeated chunk)."""
    job = load(ctx, job_id)
    with ctx.db.session() as session:
        repo.mark_running(session, job_id=job.id)
        stored = repo.existing_keys(session, job_id=job.id, keys=list(keys))
    todo = [k for k in keys if k not in stored]
    added = 0
    for start in range(0, len(todo), SLICE):
        added += RUNNERS[job.kind](ctx, job, todo[start : start + SLICE])
    with ctx.db.session() as session:  # its own transaction: sees every chunk committed before it
        repo.finish_if_complete(session, job_id=job.id, now=datetime.now(UTC))
    return added


def _store(ctx: AppContext, job: JobRef, rows: list[dict[str, Any]],
           side: Callable[[Any, set[str]], None] | None = None) -> int:
    with ctx.db.session() as session:
        new = repo.add_results(session, job_id=job.id, rows=rows)
        if side is not None:
            side(session, new)
    return len(new)


def campaign(ctx: AppContext, job: JobRef, keys: list[str]) -> int:
    with ctx.db.session() as session:
        members = people.members_by_ids(session, contact_ids=keys)
        session.expunge_all()
    rows: list[dict[str, Any]] = []
    audits: dict[str, dict[str, Any]] = {}
    found = {c.id for c, _a in members}
    rows += [{"item_key": k, "status": "failed", "reason": "the contact no longer exists"}
             for k in keys if k not in found]
    p = job.params
    for d in campaign_task.draft_members(ctx, members, goal=p["goal"], engine=p.get("engine"), actor=job.actor,
                                         now=job.now, surface=p.get("surface", "api")):
        rows.append({"item_key": d.contact_id, "status": d.outcome, "reason": d.reason, "data": d.row or {}})
        audits[d.contact_id] = d.audit

    def record_audits(session: Any, new: set[str]) -> None:
        # only for results this delivery added: a chunk that ran twice audits each contact once
        audit_repo.record_many(session, rows=[a for key, a in audits.items() if key in new])

    return _store(ctx, job, rows, record_audits)


def score(ctx: AppContext, job: JobRef, keys: list[str]) -> int:
    from tools import scorecache, service
    from tools.access import naive

    board = scorecache.get(ctx, naive(job.now)).board  # built once per worker and store version
    fields = list(service.ScoreRow.model_fields)
    rows: list[dict[str, Any]] = []
    for key in keys:
        if key not in board.index:
            rows.append({"item_key": key, "status": "failed", "reason": "the account no longer exists"})
            continue
        record = {"account_id": key, **board.loc[key].to_dict()}
        row = service.ScoreRow.model_validate({k: record.get(k) for k in fields})
        rows.append({"item_key": key, "status": "ok", "data": row.model_dump(mode="json")})
    return _store(ctx, job, rows)


def ingest(ctx: AppContext, job: JobRef, keys: list[str]) -> int:
    from retrieval import service as retrieval

    if keys == [MODULES_KEY]:
        summary = retrieval.ingest_store_modules(ctx)
        return _store(ctx, job, [{"item_key": MODULES_KEY, "status": "ok", "data": summary.model_dump(mode="json")}])
    paths = {key: job.params["paths"][key] for key in keys}
    summary = retrieval.ingest(ctx, [Path(p) for p in paths.values()])
    skipped = {s.path: s.reason for s in summary.skipped}
    rows = [{"item_key": key, "status": "failed" if path in skipped else "ok", "reason": skipped.get(path),
             "data": {"path": path}} for key, path in paths.items()]
    return _store(ctx, job, rows)


MODULES_KEY = "modules"
"""The one item of an ingest job over the store's content modules (they are indexed as one set)."""


def purge(ctx: AppContext, job: JobRef, keys: list[str]) -> int:
    from copilot.trust import retention

    report = retention.purge(ctx, days=job.params.get("days"), dry_run=bool(job.params.get("dry_run")))
    return _store(ctx, job, [{"item_key": k, "status": "ok", "data": report.model_dump(mode="json")} for k in keys])


RUNNERS: dict[str, Callable[[AppContext, JobRef, list[str]], int]] = {
    "campaign": campaign, "score": score, "ingest": ingest, "purge": purge,
}


def fail_job(ctx: AppContext, job_id: str, error: str) -> None:
    """The job cannot finish (a chunk failed for good): say why, once."""
    with ctx.db.session() as session:
        repo.mark(session, job_id=job_id, status="failed", error=error[:500], finished=datetime.now(UTC))


def ensure_kind(kind: str) -> None:
    if kind not in RUNNERS:
        raise PolkuError("invalid", f"unknown job kind {kind!r}; use " + ", ".join(RUNNERS))
