"""The shared state in Redis (``POLKU_REDIS_URL``): one truth for every worker on every host.

Each operation is one round trip: the token bucket is a Lua script (read, refill, spend and write
atomically, on Redis's own clock so hosts with skewed clocks still agree), a delivery is ``SET NX EX``,
a record is ``SET EX`` of JSON, a lock is redis-py's token lock with a time-out, a version is ``INCR``.

When Redis cannot be reached the operation falls back to this process's own :class:`LocalState`
and logs a warning (once per outage, not per request), rather than failing the request. Why: these
are guards around the work, not the work. Refusing every request while Redis is down would turn a
cache outage into a full outage; the fallback keeps the same rules per process (a caller may get a
worker's burst on each worker, a Slack retry reaching another worker may be answered twice) until
Redis is back, which the next attempt after ``RETRY_S`` finds out.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import redis
from redis.exceptions import LockError, RedisError

from copilot.core.errors import PolkuError
from copilot.core.shared.local import LocalState, busy

log = logging.getLogger("polku.shared")
T = TypeVar("T")

PREFIX = "polku:"
RETRY_S = 5.0
"""After a failure, Redis is tried again only this long later: a black-holed host must not cost every
request a connect time-out."""
TIMEOUT_S = 0.5
"""Socket connect and read time-out: far above a healthy round trip (~0.1 ms on loopback), far below
what a person waiting for an answer notices."""

# KEYS[1] the bucket; ARGV: rate per second, burst, and "now" in seconds (empty: Redis's TIME).
# Returns the wait in seconds as a string (Lua numbers would come back truncated to integers).
# The bucket expires once it would be full again, which is the same as having no bucket.
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local last = tonumber(state[2]) or now
if now > last then tokens = math.min(burst, tokens + (now - last) * rate) else now = last end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return string.format('%.6f', wait)
"""

_clients: dict[str, redis.Redis] = {}
_clients_guard = threading.Lock()


def client_for(url: str) -> redis.Redis:
    """One client (and connection pool) per URL and process; redis-py's pool is thread-safe."""
    with _clients_guard:
        found = _clients.get(url)
        if found is None:
            # Named by host and process, so `CLIENT LIST` shows which worker holds which connection.
            found = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S,
                                         health_check_interval=30,
                                         client_name=f"polku:{socket.gethostname()}:{os.getpid()}")
            _clients[url] = found
        return found


class RedisState:
    """:class:`~copilot.core.shared.SharedState` in Redis, with a process-local fallback."""

    kind = "redis"

    def __init__(self, client: redis.Redis, *, fallback: LocalState, clock: Callable[[], float] | None = None,
                 prefix: str = PREFIX) -> None:
        """``clock`` replaces Redis's TIME in the token bucket (tests step it); ``prefix`` names the keys."""
        self.client, self.fallback, self.clock, self.prefix = client, fallback, clock, prefix
        self._take = client.register_script(TAKE)
        self._down_until = 0.0

    @classmethod
    def for_url(cls, url: str, *, fallback: LocalState) -> RedisState:
        return cls(client_for(url), fallback=fallback)

    def _run(self, what: str, remote: Callable[[], T], local: Callable[[], T]) -> T:
        if self._down_until and time.monotonic() < self._down_until:
            return local()
        try:
            result = remote()
        except RedisError as exc:
            if not self._down_until:  # once per outage, not once per request
                log.warning("Redis unreachable (%s: %s); %s and everything else shared runs per process until "
                            "it is back", type(exc).__name__, (str(exc).splitlines() or [""])[0][:200], what)
            self._down_until = time.monotonic() + RETRY_S
            return local()
        if self._down_until:
            log.warning("Redis reachable again; shared state is back in Redis")
            self._down_until = 0.0
        return result

    def take(self, key: str, *, rate: float, burst: int) -> float:
        now = "" if self.clock is None else f"{self.clock():.6f}"

        def remote() -> float:
            return float(self._take(keys=[f"{self.prefix}bucket:{key}"], args=[repr(float(rate)), burst, now]))

        return self._run("the rate limit", remote, lambda: self.fallback.take(key, rate=rate, burst=burst))

    def first_time(self, key: str, *, ttl_s: float) -> bool:
        def remote() -> bool:
            return bool(self.client.set(f"{self.prefix}once:{key}", b"1", nx=True, px=_ms(ttl_s)))

        return self._run("de-duplication", remote, lambda: self.fallback.first_time(key, ttl_s=ttl_s))

    def put_json(self, key: str, value: dict[str, Any], *, ttl_s: float) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))

        def remote() -> None:
            self.client.set(f"{self.prefix}rec:{key}", data.encode(), px=_ms(ttl_s))

        self._run("short-lived records", remote, lambda: self.fallback.put_json(key, value, ttl_s=ttl_s))

    def get_json(self, key: str) -> dict[str, Any] | None:
        def remote() -> dict[str, Any] | None:
            raw = cast(bytes | None, self.client.get(f"{self.prefix}rec:{key}"))
            return json.loads(raw) if raw else None

        return self._run("short-lived records", remote, lambda: self.fallback.get_json(key))

    @contextmanager
    def lock(self, key: str, *, hold_s: float, wait_s: float) -> Iterator[None]:
        lock = self.client.lock(f"{self.prefix}lock:{key}", timeout=hold_s, sleep=0.02, blocking_timeout=wait_s,
                                thread_local=False)

        def remote() -> bool | None:
            return bool(lock.acquire())

        held = self._run("locks", remote, lambda: None)
        if held is None:  # Redis is down: hold the process-local lock instead
            with self.fallback.lock(key, hold_s=hold_s, wait_s=wait_s):
                yield
            return
        if not held:
            raise busy(key)
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:  # held longer than hold_s: another request may have taken it meanwhile
                log.warning("lock %s expired before it was released (held over %.0f s)", key, hold_s)
            except RedisError as exc:  # it expires by itself after hold_s
                log.warning("lock %s not released (%s); it expires by itself", key, type(exc).__name__)

    def versions(self, names: Sequence[str]) -> dict[str, int]:
        names = list(names)

        def remote() -> dict[str, int]:
            if not names:
                return {}
            raw = cast(list[bytes | None], self.client.mget([f"{self.prefix}version:{n}" for n in names]))
            return {n: int(v or 0) for n, v in zip(names, raw, strict=True)}

        return self._run("cache versions", remote, lambda: self.fallback.versions(names))

    def bump(self, name: str) -> int:
        return self._run("cache versions", lambda: cast(int, self.client.incr(f"{self.prefix}version:{name}")),
                         lambda: self.fallback.bump(name))


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def ping(url: str) -> None:
    """Prove ``url`` answers; otherwise a configuration error naming it (without its password)."""
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    try:
        client.ping()
    except RedisError as exc:
        shown = url.split("@", 1)[-1] if "@" in url else url.split("://", 1)[-1]
        raise PolkuError("config", f"cannot reach Redis at {shown} (POLKU_REDIS_URL): "
                                   f"{(str(exc).splitlines() or [type(exc).__name__])[0]}") from exc
    finally:
        client.close()  # the process that checks is not one that serves
