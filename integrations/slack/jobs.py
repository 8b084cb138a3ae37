"""What a Slack user asked for (a :class:`Job`), parsed from `/polku` or a message, and running it.

A job is small and serialisable, so a "Regenerate" or "Variant" button carries it in its value
and works after a restart. Running a job is one call of a copilot service function; the Slack
adapter has no retrieval or prompting of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.results import Answer, EmailDraft
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.brief import Brief, brief
from copilot.tasks.email import EmailRequest, draft_email
from copilot.tasks.next_actions import next_actions
from copilot.tasks.variants import VariantRequest, variants
from tools.service import score_account

Kind = Literal["ask", "brief", "draft", "next", "score", "variant"]
GOALS = ("nurture", "renewal", "upsell", "reactivation", "onboarding", "event")
USAGE = (
    "Usage: `/polku brief ACCOUNT [fi|en]` · `/polku draft CONTACT [goal]` · `/polku next [ACCOUNT]` · "
    "`/polku score ACCOUNT` · `/polku ask QUESTION` (goals: " + ", ".join(GOALS) + ")"
)
_ACCOUNT = re.compile(r"\bacc-\d+\b")
_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")


class Job(BaseModel):
    kind: Kind
    arg: str = Field(default="", max_length=2000)
    """The question, account id or contact id."""
    goal: str | None = None
    language: Literal["fi", "en"] | None = None

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.kind, self.arg[:80], self.goal or "") if p)


class LogEntry(BaseModel):
    """What "Log to CRM" writes: a ``copilot_output`` activity on the account."""

    account_id: str
    contact_id: str | None = None
    subject: str
    body: str


def parse(text: str) -> Job:
    """Parse `/polku` text; a bad command is a PolkuError whose message is the usage line."""
    words = text.split()
    if not words or words[0].lower() in ("help", "?"):
        raise PolkuError("invalid", USAGE)
    verb, rest = words[0].lower(), words[1:]
    try:
        if verb == "ask" and rest:
            return Job(kind="ask", arg=" ".join(rest))
        if verb in ("brief", "score") and len(rest) in (1, 2):
            lang = rest[1].lower() if len(rest) == 2 else None
            if lang not in (None, "fi", "en") or (verb == "score" and lang):
                raise PolkuError("invalid", USAGE)
            return Job(kind=verb, arg=rest[0], language=lang)  # type: ignore[arg-type]
        if verb == "draft" and len(rest) in (1, 2):
            goal = rest[1].lower() if len(rest) == 2 else "nurture"
            if goal not in GOALS:
                raise PolkuError("invalid", f"unknown goal {goal!r}. " + USAGE)
            return Job(kind="draft", arg=rest[0], goal=goal)
        if verb == "next" and len(rest) <= 1:
            return Job(kind="next", arg=rest[0] if rest else "")
    except ValidationError as exc:
        raise PolkuError("invalid", USAGE) from exc
    raise PolkuError("invalid", USAGE)


def from_message(text: str) -> Job:
    """A mention or DM: `/polku` syntax when it starts with a subcommand, otherwise a question."""
    text = _MENTION.sub("", text).strip()
    first = text.split(maxsplit=1)[0].lower() if text else ""
    if first in ("help", "?", "ask", "brief", "draft", "next", "score"):
        return parse(text)
    if not text:
        raise PolkuError("invalid", USAGE)
    return Job(kind="ask", arg=text[:2000])


def run(ctx: AppContext, job: Job, *, actor: Actor, now: datetime | None) -> Any:
    """One call of the service function the job names."""
    runners: dict[str, Callable[[], Any]] = {
        "ask": lambda: ask(ctx, _ask_request(job), actor=actor, now=now),
        "brief": lambda: brief(ctx, job.arg, actor=actor, language=job.language or "fi", surface="slack", now=now),
        "draft": lambda: draft_email(
            ctx,
            EmailRequest(contact_id=job.arg, goal=job.goal or "nurture", sender=actor.id, surface="slack"),  # type: ignore[arg-type]
            actor=actor,
            now=now,
        ),
        "next": lambda: next_actions(
            ctx,
            actor,
            account_id=job.arg or None,
            owner=None if job.arg else actor.id,
            language=job.language or "fi",
            now=now,
        ),
        "score": lambda: score_account(ctx, actor, job.arg, now=now),
        "variant": lambda: variants(
            ctx, VariantRequest.model_validate(
                {"contact_id": job.arg, "element": "subject", "goal": job.goal or "nurture"}),
            actor=actor, surface="slack", now=now,
        ),
    }
    try:
        return runners[job.kind]()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PolkuError("invalid", f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def _ask_request(job: Job) -> AskRequest:
    account = _ACCOUNT.search(job.arg)
    return AskRequest(
        question=job.arg, account_id=account.group(0) if account else None, surface="slack", language=job.language
    )


def log_entry(result: Any, job: Job, *, account_of: Callable[[str], str | None]) -> LogEntry | None:
    """What "Log to CRM" would write for a result, or None when it is about no account."""
    if isinstance(result, Brief):
        return LogEntry(account_id=result.account_id, subject=f"Polku brief: {result.title}"[:200], body=result.text)
    if isinstance(result, EmailDraft):
        account = account_of(result.contact_id)
        if account is None:
            return None
        return LogEntry(
            account_id=account,
            contact_id=result.contact_id,
            subject=f"Polku draft: {result.subject}"[:200],
            body=result.text,
        )
    if isinstance(result, Answer) and result.known:
        found = _ACCOUNT.search(job.arg)
        if found is None:
            return None
        return LogEntry(account_id=found.group(0), subject=f"Polku answer: {job.arg}"[:200], body=result.text)
    return None
