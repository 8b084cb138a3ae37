"""What every service function of the tools shares: the clock, the store's frames."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from copilot.core.context import AppContext
from copilot.core.store.repo import reps
from tools import features


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def naive(now: datetime | None) -> datetime:
    """``now`` as naive UTC (the frames' convention); the current time when not given."""
    if now is None:
        return utc_now()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def frames(ctx: AppContext, **kw: Any) -> features.Frames:
    with ctx.db.session() as s:
        return features.load(s, **kw)


def rep_names(ctx: AppContext) -> dict[str, str]:
    """Staff id → name (``rep-anna`` → ``Anna Virtanen``); a handful of rows, read per request."""
    with ctx.db.session() as s:
        return reps.names(s)
