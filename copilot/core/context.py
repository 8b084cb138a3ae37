"""The application context: settings plus the adapters built from them, created once and handed in.

Surfaces (CLI, API, Slack) build one :class:`AppContext` and pass it to service functions; nothing
reaches for module globals. Heavy adapters (the vector index, the embedding model) are built on
first use, so commands that do not need them start fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from copilot.core.settings import Settings, get_settings
from copilot.core.store.db import Database


@dataclass
class AppContext:
    settings: Settings
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, settings: Settings | None = None) -> AppContext:
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings)

    @cached_property
    def db(self) -> Database:
        return Database.from_settings(self.settings)

    def adapter(self, name: str, factory: Any) -> Any:
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
