"""The job services every surface calls: start a job, read its progress, stream its results.

Each starts with ``require(actor, Perm.x)``: a campaign job needs ``campaign``, a scoring job
``scores.read``, ingest and purge jobs ``maintenance``; reading a job needs the permission of its kind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.settings import JobsBackend
from copilot.core.store.models import Job
from copilot.core.store.repo import jobs as repo
from copilot.core.store.repo import people
from copilot.jobs import backend
from copilot.jobs.chunks import MODULES_KEY
from copilot.jobs.models import CampaignJobIn, JobList, JobView
from copilot.tasks.campaign import FIELDS, parse_segment

__all__ = ["CampaignJobIn", "JobList", "JobView", "get_job", "list_jobs", "result_lines", "result_rows",
           "submit_campaign", "submit_ingest", "submit_purge", "submit_scoring", "wait"]

PERM_OF = {"campaign": Perm.campaign, "score": Perm.scores_read, "ingest": Perm.maintenance,
           "purge": Perm.maintenance}
Format = Literal["csv", "jsonl"]
ProgressFn = Callable[[int, int], None]


def _new_id() -> str:
    return uuid.uuid4().hex


def _create(ctx: AppContext, *, kind: str, params: dict[str, Any], actor: Actor, keys: Sequence[str],
            wait_for_it: bool, progress: ProgressFn | None, chunk_size: int | None = None) -> JobView:
    """Write the job, then run or queue its chunks; with ``wait_for_it`` return when it has finished."""
    celery = ctx.settings.jobs_backend is JobsBackend.celery
    if celery:
        backend.check_broker(ctx)  # before the job row exists: a dead broker leaves nothing behind
    parts = backend.chunked(keys, chunk_size or ctx.settings.jobs_chunk_size)
    if not celery:
        params = {**params, "runner": _runner()}  # who runs it: see _interrupted
    job_id = _new_id()
    with ctx.db.session() as session:
        repo.create(session, job_id=job_id, kind=kind, params=params, actor=actor.id, actor_role=actor.role.value,
                    backend=ctx.settings.jobs_backend.value, total=len(keys), chunks=len(parts))
    total = len(keys)
    inline_progress = (lambda n: progress(n, total)) if progress else None
    backend.start(ctx, job_id, kind, parts, background=not wait_for_it, progress=inline_progress)
    if wait_for_it and celery:
        return wait(ctx, job_id, actor=actor, progress=progress)
    return get_job(ctx, job_id, actor=actor)


def submit_campaign(ctx: AppContext, spec: CampaignJobIn, *, actor: Actor, now: datetime | None = None,
                    wait: bool = False, progress: ProgressFn | None = None, surface: str = "api") -> JobView:
    """A campaign job: one draft (or a counted refusal) per contact of the segment, each audited with the
    surface that asked (``cli``, ``marketer``, ``api``)."""
    require(actor, Perm.campaign)
    filters = parse_segment(spec.segment)
    with ctx.db.session() as session:
        keys = people.segment_ids(session, filters=filters, limit=spec.limit)
    if not keys:
        raise PolkuError("not_found", f"the segment {spec.segment!r} has no contacts", segment=spec.segment)
    params = {**spec.model_dump(mode="json"), "now": (now or datetime.now(UTC)).isoformat(), "surface": surface}
    return _create(ctx, kind="campaign", params=params, actor=actor, keys=keys, wait_for_it=wait, progress=progress)


def submit_scoring(ctx: AppContext, *, actor: Actor, now: datetime | None = None, wait: bool = False,
                   progress: ProgressFn | None = None) -> JobView:
    """Score every account: a result row per account (lead score, churn, CLV, tier)."""
    from copilot.core.store.repo import crm_records

    require(actor, Perm.scores_read)
    with ctx.db.session() as session:
        keys = crm_records.account_ids(session)
    if not keys:
        raise PolkuError("not_found", "the store has no accounts; run `polku demo` or import a CRM first")
    params = {"now": (now or datetime.now(UTC)).isoformat()}
    return _create(ctx, kind="score", params=params, actor=actor, keys=keys, wait_for_it=wait, progress=progress)


def submit_ingest(ctx: AppContext, paths: Sequence[Path] | None, *, actor: Actor, wait: bool = False,
                  progress: ProgressFn | None = None, files_per_chunk: int = 20) -> JobView:
    """Ingest files (``paths``: files and folders, listed here) or, with ``None``, the store's content
    modules. Workers must see the same paths (a shared folder) and the same vector store."""
    from retrieval.ingest import file_source_id
    from retrieval.loaders import SUPPORTED

    require(actor, Perm.maintenance)
    if paths is None:
        return _create(ctx, kind="ingest", params={"modules": True}, actor=actor, keys=[MODULES_KEY],
                       wait_for_it=wait, progress=progress)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
        elif path.is_file():
            files.append(path)
        else:
            raise PolkuError("not_found", f"no file or folder {str(path)!r}")
    if not files:
        raise PolkuError("not_found", "no files to ingest (supported: " + ", ".join(sorted(SUPPORTED)) + ")")
    by_key = {file_source_id(f): str(f.resolve()) for f in files}
    return _create(ctx, kind="ingest", params={"paths": by_key}, actor=actor, keys=list(by_key),
                   wait_for_it=wait, progress=progress, chunk_size=files_per_chunk)


def submit_purge(ctx: AppContext, *, actor: Actor, days: int | None = None, dry_run: bool = False,
                 wait: bool = False) -> JobView:
    """The retention purge as a job (on the ``maintenance`` queue with Celery)."""
    require(actor, Perm.maintenance)
    if days is not None and days < 1:
        raise PolkuError("invalid", "--days must be at least 1")
    return _create(ctx, kind="purge", params={"days": days, "dry_run": dry_run}, actor=actor, keys=["purge"],
                   wait_for_it=wait, progress=None)


def _runner(pid: int | None = None) -> str:
    """This host, a process and when it started: a restarted container reuses its pids."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def _started(pid: int) -> str:
    """When the process started (clock ticks since boot; Linux), or "" where that cannot be read."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _interrupted(job: Job, done: int) -> bool:
    """An unfinished inline job whose process on this host has stopped: nobody will finish it (a
    stopped server or a CLI run cut short). A job run on another host cannot be checked from here."""
    if job.backend != "inline" or job.status not in ("queued", "running") or (job.total and done >= job.total):
        return False
    host, pid, started = ([*str(job.params.get("runner", "")).split(":"), "", ""])[:3]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        pass
    return bool(started) and _started(int(pid)) not in ("", started)  # the pid now belongs to another process


def _settle(session: Session, job: Job, counts: dict[str, int]) -> None:
    """Mark an interrupted job failed, once, saying what was kept: a job never reads "running" forever."""
    done = sum(counts.values())
    if _interrupted(job, done):
        repo.mark(session, job_id=job.id, status="failed", finished=datetime.now(UTC),
                  error=f"interrupted: the process running it stopped after {done} of {job.total} items; "
                        "their results are kept, start the job again for the rest")
        session.refresh(job)


def _view(job: Job, counts: dict[str, int], reasons: dict[str, dict[str, int]]) -> JobView:
    done = sum(counts.values())
    status = job.status
    if status != "failed" and job.total and done >= job.total:
        status = "done"  # derived from the stored results, whoever has marked it yet
    return JobView(id=job.id, kind=job.kind, status=status, backend=job.backend,  # type: ignore[arg-type]
                   params={k: v for k, v in job.params.items() if k not in ("paths", "runner")}, actor=job.actor,
                   total=job.total,
                   done=done, failed=counts.get("failed", 0), counts=counts, reasons=reasons, chunks=job.chunks,
                   error=job.error, created_at=_utc(job.created_at),
                   finished_at=_utc(job.finished_at) if job.finished_at else None)


def _utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time Polku writes is UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _allowed(actor: Actor, job: Job) -> None:
    require(actor, PERM_OF.get(job.kind, Perm.maintenance))


def get_job(ctx: AppContext, job_id: str, *, actor: Actor) -> JobView:
    """One job and its progress, counted from its stored results."""
    require(actor, Perm.jobs_read)
    if not job_id or len(job_id) > 40:
        raise PolkuError("invalid", "not a job id")
    with ctx.db.session() as session:
        job = repo.get(session, job_id=job_id)
        if job is None:
            raise not_found("job", job_id)
        _allowed(actor, job)
        counts = repo.counts(session, job_id=job_id)
        _settle(session, job, counts)
        return _view(job, counts, repo.reasons(session, job_id=job_id))


def list_jobs(ctx: AppContext, *, actor: Actor, limit: int = 20) -> JobList:
    """The newest jobs of the kinds this actor may see."""
    from copilot.core.permissions import allowed

    require(actor, Perm.jobs_read)
    kinds = [k for k, perm in PERM_OF.items() if allowed(actor.role, perm)]
    with ctx.db.session() as session:
        found = repo.recent(session, kinds=kinds, limit=limit)
        counts = repo.counts_of_many(session, job_ids=[j.id for j in found])
        for job in found:
            _settle(session, job, counts[job.id])
        return JobList(jobs=[_view(j, counts[j.id], {}) for j in found])


def wait(ctx: AppContext, job_id: str, *, actor: Actor, progress: ProgressFn | None = None,
         poll_s: float = 0.5) -> JobView:
    """Poll the store until the job has finished (a result for every item, or failed)."""
    while True:
        view = get_job(ctx, job_id, actor=actor)
        if progress:
            progress(view.done, view.total)
        if view.finished:
            return view
        time.sleep(poll_s)


def result_rows(ctx: AppContext, job_id: str, *, actor: Actor, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The job's written results in item order (a campaign's drafts), read from the store page by page."""
    view = get_job(ctx, job_id, actor=actor)
    with ctx.db.session() as session:
        rows = repo.iter_results(session, job_id=view.id, statuses=["ok"], page=min(limit or 1000, 1000))
        for n, row in enumerate(rows):
            if limit is not None and n >= limit:
                return
            yield dict(row.data)


def result_lines(ctx: AppContext, job_id: str, fmt: Format, *, actor: Actor,
                 limit: int | None = None) -> Iterator[str]:
    """The results as CSV (campaign columns) or JSON Lines, a line at a time, for a download."""
    view = get_job(ctx, job_id, actor=actor)
    if not view.finished:
        raise PolkuError("conflict", f"job {job_id} is still running ({view.done} of {view.total} done)")
    if fmt not in ("csv", "jsonl"):
        raise PolkuError("invalid", "format must be csv or jsonl")
    rows = result_rows(ctx, job_id, actor=actor, limit=limit)
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    fields = FIELDS if view.kind == "campaign" else None
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=fields or list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if writer is None and fields:
        yield ",".join(fields) + "\r\n"
