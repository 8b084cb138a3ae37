"""Campaign copy for a segment: one personalised draft per contact, for thousands of contacts.

The same pipeline as a single draft (``copilot.tasks.email``: gate, situation, plan, engine, guards),
with the segment's consents, contracts and account signals read in bulk, and drafts streamed to a
CSV or JSON Lines file. Everyone the gate blocks is skipped and counted by reason. Every contact gets
an audit record, the refused ones included.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from copilot.core.store.repo import audit as audit_repo
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


def campaign(
    ctx: AppContext,
    req: CampaignRequest,
    *,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CampaignSummary:
    require(actor, Perm.campaign)
    if req.out.suffix not in (".csv", ".jsonl"):
        raise PolkuError("invalid", "the output file must end in .csv or .jsonl")
    started = datetime.now(UTC)
    now = now or started
    task = task_for_email_goal(req.goal)
    filters = parse_segment(req.segment)
    with ctx.db.session() as session:
        members = people.segment(session, filters=filters, limit=req.limit)
        session.expunge_all()
    batch = email.load_batch(ctx, members, now=now)
    cards = library(ctx)
    engine = get_engine(ctx, req.engine)
    skipped: Counter[str] = Counter()
    audits: list[dict[str, Any]] = []
    written = flagged = 0
    with _writer(req.out) as write_row:
        for n, (contact, account) in enumerate(members, start=1):
            relevance = email.goal_relevance(ctx, req.goal, contact.persona, contact.language)
            tc, chosen = email.prepare_contact(batch, contact, account, task=task, goal=req.goal, cards=cards, now=now,
                                               relevance=relevance)
            if chosen is None:
                skipped[re.sub(r" since \d{4}-\d{2}-\d{2}", "", tc.decision.reason)] += 1
                audits.append(pipeline.audit_row(tc, email.refusal(tc), actor=actor, surface=req.surface,
                                                 outcome="blocked", details={"goal": req.goal}))
            else:
                sender = batch.reps.get(account.owner, "Kaarna")
                out = email.write(ctx, engine, tc, chosen, sender=sender)
                prov = pipeline.run_provenance(tc, out.run, out.composed.used_categories)
                row = pipeline.audit_row(tc, prov, actor=actor, surface=req.surface,
                                         outcome="ok" if out.report.ok else "flagged",
                                         details={"goal": req.goal, "flags": out.report.flags,
                                                  "trigger": chosen.trigger.kind, "offer": chosen.offer})
                audits.append(row)
                if not out.report.ok:
                    flagged += 1
                else:
                    write_row({
                        "contact_id": contact.id, "account_id": account.id, "language": tc.language,
                        "subject": out.subject, "body": out.body, "cta": out.composed.cta,
                        "send_time": out.composed.send_time, "transparency": out.composed.transparency,
                        "sender": sender, "modules": " ".join(p.source_id for p in tc.passages),
                        "basis": tc.decision.basis, "audit_id": row["id"],
                    })
                    written += 1
            if progress:
                progress(n, len(members))
    with ctx.db.session() as session:
        audit_repo.record_many(session, rows=audits)
    return CampaignSummary(
        segment=filters,
        goal=req.goal,
        out=str(req.out),
        contacts=len(members),
        written=written,
        skipped=dict(skipped),
        flagged=flagged,
        seconds=round((datetime.now(UTC) - started).total_seconds(), 2),
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
