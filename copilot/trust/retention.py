"""Retention: conversations and audit details are kept ``settings.retention_days``, then purged;
campaign jobs' drafts (and campaign files of older versions) ``settings.campaign_file_days``.

Run it daily (cron, or the Celery beat schedule in ``copilot.worker``). Idempotent: a second run
the same day finds nothing to do. Audit rows themselves stay (they hold no personal text once the
details are gone) so counts of outputs per task, engine and outcome remain.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.store.repo import jobs as jobs_repo
from copilot.core.store.repo import retention as repo
from copilot.tasks.campaign import stored_file_paths


class PurgeReport(BaseModel):
    days: int
    cutoff: datetime
    dry_run: bool
    messages: int
    conversations: int
    audit_details: int
    """Audit rows whose details were (or would be) emptied."""
    campaign_files: int
    """Campaign files an older marketer page kept on disk, deleted (or that would be)."""
    jobs: int = 0
    """Batch jobs deleted with their results (or that would be): campaign jobs after
    ``campaign_file_days`` (their drafts name people), other jobs after ``retention_days``."""


def purge(
    ctx: AppContext, *, days: int | None = None, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Purge what is older than ``days`` (default ``settings.retention_days``); ``dry_run`` only counts."""
    days = ctx.settings.retention_days if days is None else days
    if days < 1:
        raise PolkuError("invalid", "--days must be at least 1")
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    with ctx.db.session() as session:
        counts = repo.purge(session, cutoff=cutoff, dry_run=dry_run)
        drafts_cutoff = now - timedelta(days=ctx.settings.campaign_file_days)
        old_jobs = jobs_repo.purge_finished(session, cutoff=drafts_cutoff, kinds=["campaign"], dry_run=dry_run)
        old_jobs += jobs_repo.purge_finished(session, cutoff=cutoff, kinds=["score", "ingest", "purge"],
                                             dry_run=dry_run)
    files = _old_campaign_files(ctx, now - timedelta(days=ctx.settings.campaign_file_days))
    if not dry_run:
        for path in files:
            path.unlink(missing_ok=True)
    return PurgeReport(days=days, cutoff=cutoff, dry_run=dry_run, campaign_files=len(files), jobs=old_jobs,
                       **counts)


def _old_campaign_files(ctx: AppContext, cutoff: datetime) -> list[Path]:
    return [p for p in stored_file_paths(ctx.settings) if p.stat().st_mtime < cutoff.timestamp()]
