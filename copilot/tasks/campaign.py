"""Campaign copy for a segment: one personalised draft per contact, for thousands of contacts.

The same gate, composer and guard as a single draft, organised for volume: consents and contracts
are read in bulk, the content modules are chosen once per (language, persona, stage, industry)
group, and drafts stream to a CSV or JSON Lines file. Everyone the gate blocks is skipped and
counted by reason. Every written draft gets an audit record.
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
from copilot.assembly import TaskContext
from copilot.consent.gate import ConsentState, Subject, decide, task_for_email_goal
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.settings import Settings
from copilot.core.store.repo import audit as audit_repo
from copilot.core.store.repo import people
from copilot.engines.composer import email as composer
from copilot.facts import Fact, subject_view
from copilot.results import Citation
from retrieval import service as retrieval
from retrieval.models import Hit, SearchFilters


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
    if not actor.is_staff:
        raise PolkuError("forbidden", "campaigns are for staff only")
    if req.out.suffix not in (".csv", ".jsonl"):
        raise PolkuError("invalid", "the output file must end in .csv or .jsonl")
    started = datetime.now(UTC)
    now = now or started
    task = task_for_email_goal(req.goal)
    filters = parse_segment(req.segment)
    with ctx.db.session() as session:
        members = people.segment(session, filters=filters, limit=req.limit)
        consents = people.consents_of_many(session, contact_ids=[c.id for c, _a in members])
        contracts = people.active_contracts(session, account_ids=sorted({a.id for _c, a in members}), today=now.date())
        reps = people.rep_names(session)
        session.expunge_all()
    skipped: Counter[str] = Counter()
    modules: dict[tuple[str, ...], list[Citation]] = {}
    searched: dict[tuple[str, str], list[Hit]] = {}
    audits: list[dict[str, Any]] = []
    written = flagged = 0
    with _writer(req.out) as write:
        for n, (contact, account) in enumerate(members, start=1):
            states = [ConsentState.model_validate(c, from_attributes=True) for c in consents[contact.id]]
            contract = contracts.get(account.id)
            decision = decide(
                task,
                Subject(
                    contact_id=contact.id,
                    account_id=account.id,
                    has_active_contract=contract is not None,
                    consents=states,
                ),
            )
            if not decision.allowed:
                skipped[re.sub(r" since \d{4}-\d{2}-\d{2}", "", decision.reason)] += 1
            else:
                view = subject_view(account, contact, decision)
                key = (view.language, view.persona or "", view.journey_stage or "", view.industry or "")
                if key not in modules:
                    # The query depends on language and persona only; stage and industry rerank its hits.
                    found = key[:2]
                    if found not in searched:
                        searched[found] = _search(ctx, req.goal, view.language, view.persona)
                    chosen = composer.select_modules(
                        searched[found], persona=view.persona, stage=view.journey_stage, industry=view.industry
                    )
                    modules[key] = composer.citations_from(chosen)
                facts = _contract_facts(contract, decision.may_use("purchase_history"))
                tc = TaskContext(
                    task=task,
                    decision=decision,
                    subject=view,
                    language=view.language,
                    facts=facts,
                    passages=modules[key],
                    names=[n for n in (view.first_name, view.last_name) if n],
                    now=now,
                )
                sender = reps.get(account.owner, "Kaarna")
                draft = composer.compose(tc, goal=req.goal, sender=sender, opens=[])
                body, report = pipeline.guard(ctx, draft.body, tc, customer_facing=True, extra_context=sender)
                if not report.ok:
                    flagged += 1
                else:
                    audits.append(_audit_row(tc, actor, draft.used_categories, req.goal))
                    audit_id = audits[-1]["id"]
                    write(
                        {
                            "contact_id": contact.id,
                            "account_id": account.id,
                            "language": tc.language,
                            "subject": draft.subject,
                            "body": body,
                            "cta": draft.cta,
                            "send_time": draft.send_time,
                            "transparency": draft.transparency,
                            "sender": sender,
                            "modules": " ".join(p.source_id for p in tc.passages),
                            "basis": decision.basis,
                            "audit_id": audit_id,
                        }
                    )
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


def _search(ctx: AppContext, goal: str, lang: str, persona: str | None) -> list[Hit]:
    query = composer.module_query(goal, persona, lang)
    return retrieval.search(ctx, query, k=20, filters=SearchFilters(language=lang, public=True)).hits


def _contract_facts(contract: Any, allowed: bool) -> list[Fact]:
    if contract is None or not allowed:
        return []
    src = f"contract:{contract.id}"
    return [
        Fact(key="contract.product", value=contract.product, category="purchase_history", source=src),
        Fact(key="contract.end_date", value=contract.end_date.isoformat(), category="purchase_history", source=src),
    ]


def _audit_row(tc: TaskContext, actor: Actor, categories: list[str], goal: str) -> dict[str, Any]:
    d = tc.decision
    return {
        "id": audit_repo.new_id(),
        "at": tc.now,
        "task": tc.task,
        "actor": actor.id,
        "surface": "campaign",
        "account_id": tc.subject.account_id,
        "contact_id": tc.subject.contact_id,
        "purpose": d.purpose.value if d.purpose else None,
        "lawful_basis": d.basis,
        "outcome": "ok",
        "engine": "composer",
        "model": None,
        "tokens_in": 0,
        "tokens_out": 0,
        "details": {
            "categories": categories,
            "sources": [p.source_id for p in tc.passages],
            "records": sorted({f.source for f in tc.facts}),
            "goal": goal,
            "reason": d.reason,
        },
    }


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
