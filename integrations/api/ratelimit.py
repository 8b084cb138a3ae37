"""Token buckets, one per caller: a steady rate plus a burst, then 429 with Retry-After.

The buckets live in the API's shared state (``copilot.core.shared``): in this process by default,
in Redis with ``POLKU_REDIS_URL``, where one Lua script refills and spends atomically so a caller's
burst is the same however many workers serve it. Buckets of callers that have been quiet for long
are dropped (process-local: the oldest beyond a bound; Redis: once full again they expire), so a
flood of distinct widget addresses cannot grow memory for ever.
"""

from __future__ import annotations

import math
from typing import Protocol

from copilot.core.shared import TokenBuckets

RateLimiter = TokenBuckets
"""The process-local limiter (kept under its old name)."""


class Limiter(Protocol):
    def take(self, key: str, *, rate: float, burst: int) -> float:
        """Spend one token: 0 when allowed, else the seconds until a token is available."""
        ...


def retry_after(wait: float) -> int:
    """Retry-After is whole seconds; never 0 for a refused request."""
    return max(1, math.ceil(wait))
