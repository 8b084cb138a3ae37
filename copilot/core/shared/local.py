"""The process-local shared state: what one process agrees with itself, at in-memory speed.

Every store is bounded, so a flood of distinct callers or deliveries cannot grow memory for ever:
the oldest entries are forgotten first.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from copilot.core.errors import PolkuError

MAX_BUCKETS = 50_000


class TokenBuckets:
    """Token buckets, one per key: a steady rate plus a burst."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, capacity: int = MAX_BUCKETS) -> None:
        self._clock, self.capacity = clock, capacity
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, rate: float, burst: int) -> float:
        """Spend one token: 0 when allowed, else the seconds until a token is available."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
            return wait


class OnceMemory:
    """A bounded, thread-safe memory of keys already seen (oldest forgotten first)."""

    def __init__(self, capacity: int = 4096, ttl_s: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.capacity, self.ttl_s, self.clock = capacity, ttl_s, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        """key -> when it expires"""
        self._lock = threading.Lock()

    def first_time(self, key: str, ttl_s: float | None = None) -> bool:
        """Record ``key``; False if it was seen within its time-to-live (a retry or a double click)."""
        now = self.clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now:
                self._seen.popitem(last=False)
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                return False
            self._seen.pop(key, None)
            self._seen[key] = now + (self.ttl_s if ttl_s is None else ttl_s)
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)


class _Records:
    """Small records with a time-to-live, bounded (oldest dropped first)."""

    def __init__(self, capacity: int, clock: Callable[[], float]) -> None:
        self.capacity, self.clock = capacity, clock
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, value: dict[str, Any], ttl_s: float) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self.clock() + ttl_s, value)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] <= self.clock():
                del self._items[key]
                return None
            return found[1]


class LocalState:
    """:class:`~copilot.core.shared.SharedState` for one process (the embedded default)."""

    kind = "local"

    def __init__(self, *, dedupe_capacity: int = 4096, record_capacity: int = 1000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.buckets = TokenBuckets(clock)
        self.seen = OnceMemory(dedupe_capacity, clock=clock)
        self.records = _Records(record_capacity, clock)
        # One lock per key while anybody holds or waits for it; forgotten when nobody does.
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()
        self._versions: dict[str, int] = {}
        self._versions_guard = threading.Lock()

    def take(self, key: str, *, rate: float, burst: int) -> float:
        return self.buckets.take(key, rate=rate, burst=burst)

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        return self.seen.first_time(key, ttl_s)

    def put_json(self, key: str, value: dict[str, Any], *, ttl_s: float) -> None:
        self.records.put(key, value, ttl_s)

    def get_json(self, key: str) -> dict[str, Any] | None:
        return self.records.get(key)

    @contextmanager
    def lock(self, key: str, *, hold_s: float, wait_s: float) -> Iterator[None]:
        # ``hold_s`` has no meaning here: a thread of this process that dies takes the process with it.
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = threading.Lock()
                self._locks[key] = lock
        if not lock.acquire(timeout=wait_s):
            raise busy(key)
        try:
            yield
        finally:
            lock.release()

    def versions(self, names: Sequence[str]) -> dict[str, int]:
        with self._versions_guard:
            return {name: self._versions.get(name, 0) for name in names}

    def bump(self, name: str) -> int:
        with self._versions_guard:
            self._versions[name] = self._versions.get(name, 0) + 1
            return self._versions[name]


def busy(key: str) -> PolkuError:
    """The error of a lock not won in time (one message for both implementations)."""
    what = key.split(":", 1)[0]
    return PolkuError("conflict", f"this {what} is busy with another request; try again in a moment")
