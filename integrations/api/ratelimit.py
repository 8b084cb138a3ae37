"""In-memory token buckets, one per caller: a steady rate plus a burst, then 429 with Retry-After.

Per process: with several API workers each enforces its own share. Buckets of callers that have
been quiet for long are dropped, so a flood of distinct widget addresses cannot grow memory for ever.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_BUCKETS = 50_000


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
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
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
            return wait


def retry_after(wait: float) -> int:
    """Retry-After is whole seconds; never 0 for a refused request."""
    return max(1, math.ceil(wait))
