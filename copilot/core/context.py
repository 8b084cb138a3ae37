"""The application context: settings plus the adapters built from them, created once and handed in.

Surfaces (CLI, API, Slack) build one :class:`AppContext` and pass it to service functions; nothing
reaches for module globals. Heavy adapters (the vector index, the embedding model) are built on
first use, so commands that do not need them start fast.

A data version (``scores``: what scoring reads) moves when whoever changes that data calls
:meth:`AppContext.bump`; every process reads it with :meth:`AppContext.version` (the score cache keys its
bundle by it). Processes notice through the shared state (Redis with ``POLKU_REDIS_URL``), checked at
most once per ``version_check_s`` per context, so a read costs no round trip. The search index has a
version of its own, in the store: see ``retrieval.service``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from copilot.core.settings import Settings, get_settings
from copilot.core.shared import SharedState, connect
from copilot.core.store.db import Database

VERSION_CHECK_S = 1.0
"""How stale a process's caches may be after another process changed the data behind them."""
SCORES = "scores"
"""The data version of what scoring reads (imports, retrains)."""


@dataclass
class AppContext:
    settings: Settings
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    migrate_schema: bool = True
    """Bring the store's schema up to date when it is first opened (`polku serve` does it once, before
    its workers start, and they skip it)."""
    version_check_s: float = VERSION_CHECK_S
    _seen: dict[str, int] = field(default_factory=dict, repr=False)
    """version name -> the version this context last saw"""
    _checked_at: float = field(default=float("-inf"), repr=False)
    _guard: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def create(cls, settings: Settings | None = None, *, migrate_schema: bool = True) -> AppContext:
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, migrate_schema=migrate_schema)

    @cached_property
    def db(self) -> Database:
        return Database.from_settings(self.settings, migrate_schema=self.migrate_schema)

    @cached_property
    def shared(self) -> SharedState:
        """Locks and versions every process agrees on (this process's own without a Redis URL)."""
        return connect(self.settings)

    def adapter(self, name: str, factory: Callable[[AppContext], Any]) -> Any:
        """A lazily built, per-context singleton (index, embedder, engine)."""
        if name not in self._cache:
            self._cache[name] = factory(self)
        return self._cache[name]

    def replace(self, name: str, value: Any) -> None:
        """Swap the adapter ``name`` for a newer one (callers holding the old one keep using it)."""
        self._cache[name] = value

    def built(self, name: str) -> Any | None:
        """The adapter ``name`` if this context has built it already; never builds one."""
        return self._cache.get(name)

    def version(self, name: str) -> int:
        """The version of ``name`` as this context last saw it (checked at most once a ``version_check_s``)."""
        if name not in self._seen:
            self._freshen(new=name)
        else:
            self._freshen()
        return self._seen[name]

    def bump(self, name: str) -> None:
        """The data behind ``name`` changed (an import, a retrain): every process sees the version move.
        This context takes the new version as seen when nobody else bumped meanwhile: the caller changed
        what it holds in place."""
        with self._guard:
            new = self.shared.bump(name)
            if self._seen.get(name, new - 1) == new - 1:
                self._seen[name] = new

    def _freshen(self, new: str | None = None) -> None:
        """Read the versions seen so far again, at most once a ``version_check_s``; ``new`` is read now."""
        now = time.monotonic()
        if new is None and (now - self._checked_at < self.version_check_s or not self._seen):
            return
        with self._guard:
            if new is None and now - self._checked_at < self.version_check_s:
                return
            if new is not None and new in self._seen:
                return
            self._checked_at = now
            self._seen.update(self.shared.versions(sorted({*self._seen, *([new] if new else [])})))
