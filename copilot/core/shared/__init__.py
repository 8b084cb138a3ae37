"""State that every API process must agree on: rate-limit buckets, once-only deliveries, short-lived
records, per-key locks and data versions.

One protocol, two implementations. :class:`LocalState` keeps it in this process (the embedded
default: no network, no new latency). ``RedisState`` keeps it in Redis (``POLKU_REDIS_URL``), so many
workers on many hosts share one caller's burst, one Slack delivery, one conversation's turn order.
Callers get one from :func:`connect` and never know which; the Redis module is imported only when a
URL is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from copilot.core.settings import Settings
from copilot.core.shared.local import LocalState, OnceMemory, TokenBuckets

__all__ = ["LocalState", "OnceMemory", "SharedState", "TokenBuckets", "connect"]


class SharedState(Protocol):
    """What the services need to agree on across processes."""

    kind: str
    """``local`` (this process only) or ``redis`` (every process using the same Redis)."""

    def take(self, key: str, *, rate: float, burst: int) -> float:
        """Spend one token of ``key``'s bucket: 0 when allowed, else the seconds until one is available."""
        ...

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        """Record ``key`` for ``ttl_s`` seconds; False if it was recorded already (a retry, a double click)."""
        ...

    def put_json(self, key: str, value: dict[str, Any], *, ttl_s: float) -> None:
        """Keep a small JSON record for ``ttl_s`` seconds."""
        ...

    def get_json(self, key: str) -> dict[str, Any] | None:
        """The record under ``key``, or None when it expired or never was."""
        ...

    def lock(self, key: str, *, hold_s: float, wait_s: float) -> AbstractContextManager[None]:
        """Hold ``key`` exclusively. Waits up to ``wait_s`` (then PolkuError ``conflict``); a holder that
        dies loses the lock after ``hold_s``."""
        ...

    def versions(self, names: Sequence[str]) -> dict[str, int]:
        """The current version of each name (0 when never bumped)."""
        ...

    def bump(self, name: str) -> int:
        """Move ``name``'s version on (the data behind it changed) and return the new version."""
        ...


def connect(settings: Settings, *, dedupe_capacity: int | None = None, record_capacity: int = 1000) -> SharedState:
    """The shared state of ``settings``: Redis when ``redis_url`` is set, else a new process-local one.

    The capacities bound the process-local stores (and the fallback a Redis state uses while Redis
    is unreachable); Redis bounds its own keys by their time-to-live.
    """
    local = LocalState(dedupe_capacity=dedupe_capacity or settings.slack_dedupe_size, record_capacity=record_capacity)
    if not settings.redis_url:
        return local
    from copilot.core.shared.redis_state import RedisState

    return RedisState.for_url(settings.redis_url, fallback=local)
