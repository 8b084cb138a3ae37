"""Where a reply goes and how: progress message, private first in channels, the buttons, and the
short memory of what was delivered (for "Share in channel" and "Log to CRM")."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.shared import SharedState
from copilot.core.store.models import Contact
from copilot.core.store.repo import crm_records
from copilot.results import EmailDraft
from integrations.slack import blocks as bk
from integrations.slack.jobs import Job, LogEntry, log_entry, run

log = logging.getLogger("polku.slack")
WORKING = "⏳ Working on it…"


@dataclass
class Where:
    """The conversation a reply belongs to."""

    channel: str
    user: str
    thread_ts: str | None = None
    private: bool = False
    """A DM with the bot: the reply is posted (and updated) in place, no need to ask before sharing."""
    progress: bool = True
    """Post a "working…" message first (slash commands show theirs in the ack instead)."""
    response_url: str | None = None


@dataclass
class Delivered:
    ref: str
    job: Job
    message: bk.Message
    asker: str
    entry: LogEntry | None

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "job": self.job.model_dump(mode="json"), "asker": self.asker,
                "message": {"text": self.message.text, "blocks": self.message.blocks, "buttons": self.message.buttons},
                "entry": self.entry.model_dump(mode="json") if self.entry else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Delivered:
        m = data["message"]
        return cls(ref=data["ref"], job=Job.model_validate(data["job"]), asker=data["asker"],
                   message=bk.Message(text=m["text"], blocks=m["blocks"], buttons=m["buttons"]),
                   entry=LogEntry.model_validate(data["entry"]) if data.get("entry") else None)


MEMORY_TTL_S = 86_400.0
"""How long the buttons under an answer ("Share in channel", "Log to CRM") find it."""


class Memory:
    """Recently delivered answers by reference (the audit id), in the Slack app's shared state: this
    process's own by default (bounded, lost on restart), Redis with ``POLKU_REDIS_URL`` (every worker
    finds what another delivered). Either way they expire: the buttons that need one then say so
    instead of guessing."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    def put(self, item: Delivered) -> None:
        self.state.put_json(f"slack:answer:{item.ref}", item.as_json(), ttl_s=MEMORY_TTL_S)

    def get(self, ref: str) -> Delivered | None:
        found = self.state.get_json(f"slack:answer:{ref}")
        if found is None:
            return None
        try:
            return Delivered.from_json(found)
        except (KeyError, TypeError, ValidationError):  # written by another version of the code
            return None

    def claim_share(self, ref: str) -> bool:
        """True for the first "Share in channel" of an answer only, whichever worker gets the click."""
        return self.state.first_time(f"slack:shared:{ref}", ttl_s=MEMORY_TTL_S)


class Deliverer:
    """Runs a job for a Slack user and delivers the rendered result to the right place."""

    def __init__(self, ctx: AppContext, memory: Memory, now: Callable[[], datetime] | None) -> None:
        self.ctx, self.memory, self.now = ctx, memory, now
        self.allowlist = list(ctx.settings.link_allowlist)

    def run(self, client: WebClient, where: Where, job: Job, actor: Actor) -> None:
        progress_ts = None
        if where.progress:
            progress_ts = client.chat_postMessage(channel=where.channel, thread_ts=where.thread_ts, text=WORKING)["ts"]
        message = self.compute(job, actor)
        if where.private:
            self._in_place(client, where, message, progress_ts)
            return
        self.ephemeral(client, where, message, share=True)
        if progress_ts:
            client.chat_update(
                channel=where.channel, ts=progress_ts, text=f"🔒 Answered <@{where.user}> privately.", blocks=[]
            )

    def compute(self, job: Job, actor: Actor) -> bk.Message:
        try:
            result = run(self.ctx, job, actor=actor, now=self.now() if self.now else None)
        except PolkuError as exc:
            return bk.notice(f"⚠️ {exc.message}")
        except Exception:  # the user gets one line; the server log gets the traceback
            log.exception("Slack job %s failed", job.kind)
            return bk.notice("⚠️ Something went wrong on our side; it has been logged.")
        message = bk.render(result, self.allowlist)
        audit_id = getattr(getattr(result, "provenance", None), "audit_id", None)
        ref = audit_id or f"ref-{uuid.uuid4().hex[:16]}"
        entry = log_entry(result, job, account_of=self._account_of)
        message.buttons = _buttons(result, job, ref, audit_id, entry)
        self.memory.put(Delivered(ref=ref, job=job, message=message, asker=actor.id, entry=entry))
        return message

    def say(self, client: WebClient, where: Where, text: str) -> None:
        """A short note of ours, to the asker only (or in the DM thread)."""
        message = bk.notice(text, self.allowlist)
        if where.private:
            self._in_place(client, where, message, None)
        else:
            self.ephemeral(client, where, message, share=False)

    def ephemeral(self, client: WebClient, where: Where, message: bk.Message, *, share: bool) -> None:
        blocks = message.with_buttons(share=share)
        try:
            client.chat_postEphemeral(
                channel=where.channel, user=where.user, thread_ts=where.thread_ts, text=message.text, blocks=blocks
            )
        except SlackApiError as exc:
            # e.g. a slash command in a channel the bot is not in: the response URL still works there
            if not where.response_url:
                raise
            log.info("chat.postEphemeral failed (%s); replying via response_url", exc.response.get("error"))
            WebhookClient(where.response_url).send(text=message.text, blocks=blocks, response_type="ephemeral")

    def _in_place(self, client: WebClient, where: Where, message: bk.Message, progress_ts: str | None) -> None:
        blocks = message.with_buttons(share=False)
        if progress_ts:
            client.chat_update(channel=where.channel, ts=progress_ts, text=message.text, blocks=blocks)
        else:
            client.chat_postMessage(
                channel=where.channel,
                thread_ts=where.thread_ts,
                text=message.text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )

    def _account_of(self, contact_id: str) -> str | None:
        with self.ctx.db.session() as session:
            contact = crm_records.get(session, model=Contact, ident=contact_id)
            return contact.account_id if contact is not None else None


def _buttons(result: Any, job: Job, ref: str, audit_id: str | None, entry: LogEntry | None) -> list[bk.Block]:
    out = bk.feedback_buttons(audit_id)
    regen = job.model_dump_json(exclude_none=True)
    if len(regen) <= 2000:
        out.append(bk.button("🔄 Regenerate", bk.ACTION_REGENERATE, regen))
    if isinstance(result, EmailDraft):
        variant = Job(kind="variant", arg=result.contact_id, goal=result.goal)
        out.append(bk.button("🧪 Variant", bk.ACTION_VARIANT, variant.model_dump_json(exclude_none=True)))
    if entry is not None:
        out.append(bk.button("📝 Log to CRM", bk.ACTION_LOG_CRM, ref, style="primary"))
    out.append(bk.button("📣 Share in channel", bk.ACTION_SHARE, ref))
    return out
