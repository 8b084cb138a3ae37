"""The application context: settings plus the adapters built from them, created once and handed in.

Surfaces (CLI, API, Slack) build one :class:`AppContext` and pass it to service functions; nothing
reaches for module globals. Heavy adapters (the vector index, the embedding model) are built on
first use, so commands that do not need them start fast.

An adapter may *follow* a data version (``scores`` for the score board; the search index has its own,
in the store: see ``retrieval.service``):
whoever changes that data calls :meth:`AppContext.bump`, and every process that built the adapter
rebuilds it on its next use after noticing. Processes notice through the shared state (Redis with
``POLKU_REDIS_URL``), checked at most once per ``version_check_s`` per context, so a read costs no
round trip; the one call that notices rebuilds while the others keep using the old copy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from copilot.core.settings import Settings, get_settings
from copilot.core.shared import SharedState, connect
from copilot.core.store.db import Database

log = logging.getLogger("polku.context")
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
    _follows: dict[str, tuple[str, Callable[[AppContext], Any]]] = field(default_factory=dict, repr=False)
    """adapter name -> (the version it follows, its factory)"""
    _seen: dict[str, int] = field(default_factory=dict, repr=False)
    """version name -> the version this context's caches were built at"""
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

    def adapter(self, name: str, factory: Any, *, follows: str | None = None) -> Any:
        """A lazily built, per-context singleton (index, embedder, engine); with ``follows`` it is
        rebuilt when that data version moves."""
        if self._follows:
            self._freshen()
        if name not in self._cache:
            if follows is not None:
                self.version(follows)  # the version it is built at, read before building
            self._cache[name] = factory(self)
        if follows is not None and name not in self._follows:
            self._follows[name] = (follows, factory)
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
        """The data behind ``name`` changed (an import, a retrain): every process rebuilds
        what follows it. This context's own caches are taken as current when nobody else bumped
        meanwhile: the caller changed them in place."""
        with self._guard:
            new = self.shared.bump(name)
            if self._seen.get(name, new - 1) == new - 1:
                self._seen[name] = new

    def _freshen(self, new: str | None = None) -> None:
        """Rebuild what follows a version that moved; ``new`` starts following one (a check right now)."""
        now = time.monotonic()
        if new is None and (now - self._checked_at < self.version_check_s or not self._seen):
            return
        with self._guard:
            if new is None and now - self._checked_at < self.version_check_s:
                return
            if new is not None and new in self._seen:
                return
            self._checked_at = now  # before rebuilding: concurrent callers keep the old copies meanwhile
            current = self.shared.versions(sorted({*self._seen, *([new] if new else [])}))
            moved = {n for n, v in current.items() if n in self._seen and v != self._seen[n]}
            stale = False
            for adapter, (follows, factory) in list(self._follows.items()):
                if follows in moved and adapter in self._cache:
                    try:
                        self._cache[adapter] = factory(self)
                    except Exception:  # keep serving the old copy; the next check tries again
                        log.exception("could not rebuild %s after %s changed", adapter, follows)
                        stale = True
            if stale:
                current = {n: v for n, v in current.items() if n not in moved}
            self._seen.update(current)
