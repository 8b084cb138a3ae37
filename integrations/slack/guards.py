"""Request hygiene around the Bolt app: retry de-duplication, who is asking, no raw bodies in logs.

Why retries are de-duplicated: Slack re-sends an event (with ``X-Slack-Retry-Num``) when it got no
200 within 3 seconds, up to three times in about five minutes, always with the same ``event_id``; an
interaction's ``trigger_id`` is likewise the same on a retry. The first delivery of a key wins, in
the app's shared state: a set-if-absent with a time-to-live in Redis when ``POLKU_REDIS_URL`` is set,
so two workers behind one URL never both act on one delivery; otherwise a bounded map in this
process, which costs no round trip and is enough for one worker. What the map cannot cover (a
restart between the original and its retry) can at worst repeat a *reply*; every side effect that
matters is idempotent in the database anyway (CRM writes are keyed by the answer's audit id,
feedback is a plain overwrite).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.shared import OnceMemory, SharedState
from copilot.core.store.repo import reps

log = logging.getLogger("polku.slack")
ACTOR_KEY = "polku_actor"
NOT_MAPPED = "You are not mapped to a Polku user, so Polku cannot answer you. Ask an admin to link your Slack account."


SeenDeliveries = OnceMemory
"""The process-local memory of delivery ids (bounded, oldest forgotten first)."""

DEDUPE_TTL_S = 3600.0
"""Far beyond Slack's retry window of about five minutes."""


def delivery_key(body: dict[str, Any]) -> str | None:
    """The id Slack keeps across retries: ``event_id`` for events, ``trigger_id`` for interactions."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def dedupe_middleware(state: SharedState) -> Callable[..., Any]:
    def polku_dedupe(body: dict[str, Any], request: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        key = delivery_key(body)
        if key is not None and not state.first_time(f"slack:{key}", ttl_s=DEDUPE_TTL_S):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("duplicate Slack delivery %s (retry %s) acknowledged and skipped", key, retry)
            return BoltResponse(status=200, body="")
        return next()

    return polku_dedupe


def slack_user_of(body: dict[str, Any]) -> str | None:
    event = body.get("event") or {}
    user = event.get("user") or body.get("user_id") or (body.get("user") or {}).get("id")
    return user if isinstance(user, str) else None


def actor_middleware(ctx: AppContext) -> Callable[..., Any]:
    """Map the Slack user to a Polku rep; the listeners find the Actor (or None) in the context."""

    def polku_actor(body: dict[str, Any], context: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        user = slack_user_of(body)
        context[ACTOR_KEY] = None
        if user:
            with ctx.db.session() as session:
                rep = reps.by_slack_user(session, slack_user_id=user)
                if rep is not None:
                    context[ACTOR_KEY] = {"id": rep.id, "role": rep.role}
        return next()

    return polku_actor


def actor_of(context: Any) -> Actor | None:
    found = context.get(ACTOR_KEY)
    return Actor(id=found["id"], role=Role(found["role"])) if found else None


class RejectedBodyFilter(logging.Filter):
    """Bolt logs the whole raw body of a request that fails signature verification; drop it.

    A rejected request is by definition untrusted and may carry anything (personal data, an
    attacker's payload); we keep the fact of the rejection and its timestamp header, not the body.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature detected"):
            stamp = message.split("timestamp: ", 1)[-1].split(",", 1)[0] if "timestamp: " in message else "?"
            record.msg = "Rejected a Slack request with an invalid signature or stale timestamp (timestamp %s)"
            record.args = (stamp[:20],)
        return True


def install_log_filter() -> None:
    """Attach the filter to Bolt's verification logger once per process."""
    logger = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, RejectedBodyFilter) for f in logger.filters):
        logger.addFilter(RejectedBodyFilter())
