"""The Slack app: a Bolt ``App`` whose listeners parse, call a copilot service, and render.

Every listener acks at once (Slack wants an answer within 3 seconds) and does the work in a Bolt
*lazy* listener; ``process_before_response=True`` keeps that correct on FaaS-style hosts too.
Bolt's own request verification checks the signature and the 5-minute timestamp window (401
otherwise) before any of our code runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.shared import connect
from copilot.tasks import feedback
from integrations.slack import blocks as bk
from integrations.slack.delivery import Deliverer, Memory, Where
from integrations.slack.guards import (
    NOT_MAPPED,
    actor_middleware,
    actor_of,
    dedupe_middleware,
    install_log_filter,
)
from integrations.slack.jobs import Job, LogEntry, from_message, parse
from tools import records

log = logging.getLogger("polku.slack")


def build_slack_app(
    ctx: AppContext,
    *,
    client: WebClient | None = None,
    now: Callable[[], datetime] | None = None,
    socket_mode: bool = False,
) -> App:
    """Build the Bolt app from the settings (signing secret, bot token) and register the listeners.

    ``client`` replaces the Web API client (tests point it at a local mock); ``now`` is the clock the
    services get (None: the real time); ``socket_mode`` drops the signing secret requirement, since
    Socket Mode requests arrive over an authenticated WebSocket instead of signed HTTP.
    """
    s = ctx.settings
    secret = s.slack_signing_secret.get_secret_value() if s.slack_signing_secret else ""
    if not secret and not socket_mode:
        raise PolkuError("config", "POLKU_SLACK_SIGNING_SECRET is not set; the Slack app cannot verify requests")
    if client is None:
        if s.slack_bot_token is None:
            raise PolkuError("config", "POLKU_SLACK_BOT_TOKEN is not set")
        client = WebClient(token=s.slack_bot_token.get_secret_value())
    install_log_filter()
    try:
        app = App(
            name="polku",
            client=client,
            signing_secret=secret,
            process_before_response=True,
            request_verification_enabled=not socket_mode,
        )
    except BoltError as exc:
        raise PolkuError("config", f"Slack did not accept the bot token: {exc}") from exc
    # The app's own state (a new app remembers nothing), or Redis's, shared by every worker behind the URL.
    state = connect(s, dedupe_capacity=s.slack_dedupe_size)
    app.use(dedupe_middleware(state))
    app.use(actor_middleware(ctx))
    _register(app, ctx, Deliverer(ctx, Memory(state), now))
    return app


def _ack(ack: Any) -> None:
    ack()


def _register(app: App, ctx: AppContext, d: Deliverer) -> None:  # noqa: C901 - one place lists every listener
    def on_mention(event: dict[str, Any], client: WebClient, context: Any) -> None:
        channel = event["channel"]
        where = Where(
            channel=channel,
            user=event["user"],
            thread_ts=event.get("thread_ts") or event["ts"],
            private=channel.startswith("D"),
        )
        _answer(client, where, event.get("text", ""), context)

    def on_message(event: dict[str, Any], client: WebClient, context: Any) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        where = Where(
            channel=event["channel"], user=event["user"], thread_ts=event.get("thread_ts") or event["ts"], private=True
        )
        _answer(client, where, event.get("text", ""), context)

    def _answer(client: WebClient, where: Where, text: str, context: Any) -> None:
        actor = actor_of(context)
        if actor is None:
            d.say(client, where, NOT_MAPPED)
            return
        try:
            job = from_message(text)
        except PolkuError as exc:
            d.say(client, where, exc.message)
            return
        d.run(client, where, job, actor)

    def ack_command(ack: Any, command: dict[str, Any], context: Any) -> None:
        if actor_of(context) is None:
            ack(text=NOT_MAPPED)
            return
        try:
            job = parse(command.get("text", ""))
        except PolkuError as exc:
            ack(text=exc.message)
            return
        ack(text=f"⏳ Working on `{bk.escape(job.label)}`…")

    def on_command(command: dict[str, Any], client: WebClient, context: Any) -> None:
        actor = actor_of(context)
        try:
            job = parse(command.get("text", ""))
        except PolkuError:
            return  # the ack already showed the usage
        if actor is None:
            return
        where = Where(
            channel=command["channel_id"],
            user=command["user_id"],
            progress=False,
            response_url=command.get("response_url"),
        )
        d.run(client, where, job, actor)

    def on_feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: Any) -> None:
        where, actor = _where_of_action(body), actor_of(context)
        if actor is None:
            d.say(client, where, NOT_MAPPED)
            return
        vote: feedback.Rating = "up" if action["action_id"] == bk.ACTION_FEEDBACK_UP else "down"
        try:
            feedback.rate(ctx, actor, action["value"], vote)
            note = f"Thanks, your {'👍' if vote == 'up' else '👎'} is stored with the answer."
        except PolkuError as exc:
            note = "That answer is no longer on record." if exc.code == "not_found" else exc.message
        d.say(client, where, note)

    def on_rerun(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: Any) -> None:
        where, actor = _where_of_action(body), actor_of(context)
        if actor is None:
            d.say(client, where, NOT_MAPPED)
            return
        try:
            job = Job.model_validate_json(action["value"])
        except ValidationError:
            d.say(client, where, "This button is out of date; ask again.")
            return
        d.run(client, where, job, actor)

    def on_share(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: Any) -> None:
        where, actor = _where_of_action(body), actor_of(context)
        item = d.memory.get(action["value"])
        refusal = _share_refusal(item, actor.id if actor else None)
        if refusal is None and item is not None and not d.memory.claim_share(item.ref):
            refusal = "This answer is already shared."
        if actor is None or item is None or refusal:
            d.say(client, where, NOT_MAPPED if actor is None else refusal or "")
            return
        client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.thread_ts,
            text=item.message.text,
            blocks=bk.shared(item.message, where.user),
            unfurl_links=False,
            unfurl_media=False,
        )
        if where.response_url:  # remove the private copy now that everybody sees it
            WebhookClient(where.response_url).send_dict({"delete_original": True})

    def on_log_crm(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: Any) -> None:
        where, actor = _where_of_action(body), actor_of(context)
        item = d.memory.get(action["value"])
        if actor is None or item is None or item.entry is None:
            d.say(client, where, NOT_MAPPED if actor is None else "This answer is no longer available; ask again.")
            return
        try:
            preview = records.write(ctx, actor, "log_activity", _activity(item.entry), idempotency_key=item.ref)
        except PolkuError as exc:
            d.say(client, where, f"⚠️ {exc.message}")
            return
        if preview.replayed:
            d.say(client, where, f"Already logged to CRM as {preview.record_id}.")
            return
        meta = {
            "ref": item.ref,
            "channel": where.channel,
            "thread_ts": where.thread_ts,
            "private": where.private,
            "entry": item.entry.model_dump(),
        }
        if len(json.dumps(meta)) > 3000:  # Slack's limit for private_metadata; keep the entry in memory then
            meta.pop("entry")
        changes = [f"{c.field}: {str(c.after)[:80]}" for c in preview.changes if c.field != "body"]
        client.views_open(
            trigger_id=body["trigger_id"],
            view=bk.crm_preview(
                subject=item.entry.subject,
                account_id=item.entry.account_id,
                changes=changes,
                metadata=json.dumps(meta),
                allowlist=d.allowlist,
            ),
        )

    def on_log_confirm(body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any) -> None:
        actor = actor_of(context)
        meta = json.loads(view.get("private_metadata") or "{}")
        where = Where(
            channel=meta.get("channel", ""),
            user=body["user"]["id"],
            thread_ts=meta.get("thread_ts"),
            private=bool(meta.get("private")),
        )
        item = d.memory.get(meta.get("ref", ""))
        entry = LogEntry.model_validate(meta["entry"]) if "entry" in meta else item.entry if item else None
        if actor is None or entry is None:
            d.say(client, where, NOT_MAPPED if actor is None else "This answer is no longer available; ask again.")
            return
        try:
            done = records.write(
                ctx, actor, "log_activity", _activity(entry), idempotency_key=meta["ref"], confirm=True
            )
        except PolkuError as exc:
            d.say(client, where, f"⚠️ {exc.message}")
            return
        d.say(
            client,
            where,
            f"📝 Already logged to CRM as {done.record_id}."
            if done.replayed
            else f"📝 Logged to CRM: {done.message} ({done.record_id}).",
        )

    app.event("app_mention")(ack=_ack, lazy=[on_mention])
    app.event("message")(ack=_ack, lazy=[on_message])
    app.command("/polku")(ack=ack_command, lazy=[on_command])
    app.action(bk.ACTION_FEEDBACK_UP)(ack=_ack, lazy=[on_feedback])
    app.action(bk.ACTION_FEEDBACK_DOWN)(ack=_ack, lazy=[on_feedback])
    app.action(bk.ACTION_REGENERATE)(ack=_ack, lazy=[on_rerun])
    app.action(bk.ACTION_VARIANT)(ack=_ack, lazy=[on_rerun])
    app.action(bk.ACTION_SHARE)(ack=_ack, lazy=[on_share])
    app.action(bk.ACTION_LOG_CRM)(ack=_ack, lazy=[on_log_crm])
    app.view(bk.VIEW_LOG_CRM)(ack=_ack, lazy=[on_log_confirm])


def _share_refusal(item: Any, actor_id: str | None) -> str | None:
    if item is None:
        return "This answer is no longer available; ask again."
    if item.asker != actor_id:
        return "Only the person who asked can share this answer."
    return None


def _where_of_action(body: dict[str, Any]) -> Where:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    ephemeral = bool(container.get("is_ephemeral"))
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    private = channel.startswith("D") and not ephemeral
    return Where(
        channel=channel,
        user=body["user"]["id"],
        thread_ts=thread_ts,
        private=private,
        progress=private,
        response_url=body.get("response_url"),
    )


def _activity(entry: LogEntry) -> dict[str, Any]:
    return {
        "account_id": entry.account_id,
        "contact_id": entry.contact_id,
        "kind": "copilot_output",
        "subject": entry.subject,
        "body": entry.body,
    }
