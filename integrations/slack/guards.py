"""Request hygiene around the Bolt app: retry de-duplication, who is asking, no raw bodies in logs.

Why retries are de-duplicated in memory, per app instance: Slack re-sends an event (with
``X-Slack-Retry-Num``) when it got no 200 within 3 seconds, up to three times in about five
minutes, always with the same ``event_id``. Our listeners ack at once and work lazily, so retries
are rare, and the window is short: a bounded map of recent delivery ids is enough, costs no
database write per event, and needs no migration. What it cannot cover (a restart between the
original and its retry, or several worker processes behind one URL) can at worst repeat a
*reply*; every side effect that matters is idempotent in the database anyway (CRM writes are keyed
by the answer's audit id, feedback is a plain overwrite).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.store.repo import reps

log = logging.getLogger("polku.slack")
ACTOR_KEY = "polku_actor"
NOT_MAPPED = "You are not mapped to a Polku user, so Polku cannot answer you. Ask an admin to link your Slack account."


class SeenDeliveries:
    """A bounded, thread-safe memory of delivery ids already handled (oldest forgotten first)."""

    def __init__(self, capacity: int = 4096, ttl_s: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.capacity, self.ttl_s, self.clock = capacity, ttl_s, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Record ``key``; False if it was seen within the time-to-live (a retry or a double click)."""
        now = self.clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - self.ttl_s:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)


def delivery_key(body: dict[str, Any]) -> str | None:
    """The id Slack keeps across retries: ``event_id`` for events, ``trigger_id`` for interactions."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    return None


def dedupe_middleware(seen: SeenDeliveries) -> Callable[..., Any]:
    def polku_dedupe(body: dict[str, Any], request: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        key = delivery_key(body)
        if key is not None and not seen.first_time(key):
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
