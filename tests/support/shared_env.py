"""Redis for the tests of the shared state: its own database number, emptied before and after each test.

Import the fixture into a test module with ``from tests.support.shared_env import redis_url_fixture  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from copilot.core.context import AppContext

REDIS_URL = "redis://127.0.0.1:6379/3"
"""Database 3 of the machine's Redis belongs to these tests (the Celery broker uses 0)."""


@pytest.fixture(name="redis_url")
def redis_url_fixture() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


def worker_ctx(base: AppContext, url: str, **overrides: Any) -> AppContext:
    """Another API worker over ``base``'s store: same settings plus ``redis_url``, its own caches and
    shared-state view (a real worker process has nothing else in common with its siblings)."""
    settings = base.settings.model_copy(update={"redis_url": url, **overrides})
    ctx = AppContext(settings=settings, version_check_s=0.0)
    ctx.__dict__["db"] = base.db  # the same store, opened once
    return ctx
