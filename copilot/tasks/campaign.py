"""Campaign copy for a segment: one personalised draft per contact, for thousands of contacts.

The same pipeline as a single draft (``copilot.tasks.email``: gate, situation, plan, engine, guards),
with the segment's consents, contracts and account signals read in bulk. It runs as a campaign job
(``copilot.jobs``: in this process, or in chunks on Celery workers); the drafts are stored as the
job's results and streamed from the store to a CSV or JSON Lines file. Everyone the gate blocks is
skipped and counted by reason. Every contact gets an audit record, the refused ones included.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.consent.gate import task_for_email_goal
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.settings import Settings
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import people
from copilot.engines.registry import get_engine
from copilot.tasks import email
from copilot.writing.library import library


def stored_files(settings: Settings) -> Path:
    """Where the marketer page keeps the campaign files it writes, until retention removes them."""
    return Path(settings.data_dir) / "web-campaigns"


def stored_file_paths(settings: Settings) -> list[Path]:
    """The campaign files kept there now, in name order."""
    folder = stored_files(settings)
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


FIELDS = [
    "contact_id",
    "account_id",
    "language",
    "subject",
    "body",
    "cta",
    "send_time",
    "transparency",
    "sender",
    "modules",
    "basis",
    "audit_id",
]


class CampaignRequest(BaseModel):
    segment: str = Field(min_length=1, max_length=300)
    """``field=value`` pairs joined by commas, e.g. ``persona=cio,language=fi``; ``all`` for everyone."""
    goal: str = "nurture"
    out: Path
    limit: int | None = Field(default=None, ge=1)
    engine: str | None = None
    """The engine that writes (the configured one by default)."""
    surface: str = "cli"
    """Who asked (``cli``, or ``marketer`` for the marketer page): recorded in every draft's audit row."""


class CampaignSummary(BaseModel):
    segment: dict[str, str]
    goal: str
    out: str
    contacts: int
    written: int
    skipped: dict[str, int]
    """Blocked contacts counted by reason (dates left out, so reasons group)."""
    flagged: int
    seconds: float
    job_id: str | None = None
    """The campaign job whose stored results the file was written from (`polku jobs show`)."""


def parse_segment(text: str) -> dict[str, str]:
    if text.strip() == "all":
        return {}
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in people.SEGMENT_FIELDS or not value:
            raise PolkuError(
                "invalid",
                f"bad segment part {part!r}; use field=value with a field from " + ", ".join(people.SEGMENT_FIELDS),
            )
        out[key] = value
    return out


@dataclass
class Drafted:
    """One contact's outcome: a draft row (``ok``), or why not (``blocked``, ``flagged``), and its audit row."""

    contact_id: str
    outcome: str
    row: dict[str, Any] | None
    reason: str | None
    audit: dict[str, Any]


def draft_members(ctx: AppContext, members: list[tuple[Contact, Account]], *, goal: str, engine: str | None,
                  actor: Actor, now: datetime, surface: str = "api") -> Iterator[Drafted]:
    """The campaign pipeline for a set of contacts (a whole segment, or one chunk of a job).

    The gate, the plan, the engine and the guards run per contact exactly as for a single draft; the
    segment's consents, contracts and signals are read in bulk. Nothing is stored here: the caller
    records the audit rows (refusals included) together with the results.
    """
    task = task_for_email_goal(goal)
    batch = email.load_batch(ctx, members, now=now)
    cards = library(ctx)
    writer = get_engine(ctx, engine)
    for contact, account in members:
        relevance = email.goal_relevance(ctx, goal, contact.persona, contact.language)
        tc, chosen = email.prepare_contact(batch, contact, account, task=task, goal=goal, cards=cards, now=now,
                                           relevance=relevance)
        if chosen is None:
            audit = pipeline.audit_row(tc, email.refusal(tc), actor=actor, surface=surface, outcome="blocked",
                                       details={"goal": goal})
            yield Drafted(contact.id, "blocked", None, skip_reason(tc.decision.reason), audit)
            continue
        sender = batch.reps.get(account.owner, "Kaarna")
        out = email.write(ctx, writer, tc, chosen, sender=sender)
        prov = pipeline.run_provenance(tc, out.run, out.composed.used_categories)
        audit = pipeline.audit_row(tc, prov, actor=actor, surface=surface,
                                   outcome="ok" if out.report.ok else "flagged",
                                   details={"goal": goal, "flags": out.report.flags,
                                            "trigger": chosen.trigger.kind, "offer": chosen.offer})
        if not out.report.ok:
            yield Drafted(contact.id, "flagged", None, "held back by the output guard", audit)
            continue
        row = {
            "contact_id": contact.id, "account_id": account.id, "language": tc.language,
            "subject": out.subject, "body": out.body, "cta": out.composed.cta,
            "send_time": out.composed.send_time, "transparency": out.composed.transparency,
            "sender": sender, "modules": " ".join(p.source_id for p in tc.passages),
            "basis": tc.decision.basis, "audit_id": audit["id"],
        }
        yield Drafted(contact.id, "ok", row, None, audit)


def skip_reason(reason: str) -> str:
    """A refusal's reason without its date, so the reasons of a segment group."""
    return re.sub(r" since \d{4}-\d{2}-\d{2}", "", reason)


def campaign(
    ctx: AppContext,
    req: CampaignRequest,
    *,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CampaignSummary:
    """Campaign copy for a segment into ``req.out``: a campaign job (in this process, or on the Celery
    workers when ``jobs_backend`` is ``celery``), then its drafts streamed from the store to the file."""
    from copilot.jobs import service as jobs  # the job layer drives this module's pipeline

    require(actor, Perm.campaign)
    if req.out.suffix not in (".csv", ".jsonl"):
        raise PolkuError("invalid", "the output file must end in .csv or .jsonl")
    started = datetime.now(UTC)
    task_for_email_goal(req.goal)  # an unknown goal gets the gate's own message
    spec = jobs.CampaignJobIn.model_validate({"segment": req.segment, "goal": req.goal, "limit": req.limit,
                                              "engine": req.engine})
    job = jobs.submit_campaign(ctx, spec, actor=actor, now=now or started, wait=True, progress=progress,
                               surface=req.surface)
    if job.status == "failed":
        raise PolkuError("unavailable", f"the campaign job {job.id} failed: {job.error or 'see the worker log'}")
    with _writer(req.out) as write_row:
        for row in jobs.result_rows(ctx, job.id, actor=actor):
            write_row(row)
    return summary_of(job, out=str(req.out), seconds=round((datetime.now(UTC) - started).total_seconds(), 2))


def summary_of(job: Any, *, out: str, seconds: float) -> CampaignSummary:
    """The campaign's summary from its job's stored results (``copilot.jobs.JobView``)."""
    return CampaignSummary(
        segment=parse_segment(job.params["segment"]), goal=job.params["goal"], out=out, contacts=job.total,
        written=job.counts.get("ok", 0), skipped=job.reasons.get("blocked", {}), flagged=job.counts.get("flagged", 0),
        seconds=seconds, job_id=job.id,
    )


@contextmanager
def _writer(path: Path) -> Iterator[Callable[[dict[str, Any]], None]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            yield _csv_writer(fh) if path.suffix == ".csv" else _jsonl_writer(fh)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed run leaves no half-written file behind
        raise
    tmp.replace(path)


def _jsonl_writer(fh: TextIO) -> Callable[[dict[str, Any]], None]:
    def write(row: dict[str, Any]) -> None:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write


def _csv_writer(fh: TextIO) -> Callable[[dict[str, Any]], None]:
    writer = csv.DictWriter(fh, fieldnames=FIELDS)
    writer.writeheader()
    return writer.writerow
