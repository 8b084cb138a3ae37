"""A demo store on the real PostgreSQL for tests that need one: the CRM generated into the test's
database, the index and embedding cache copied from the SQLite demo (same content modules), so
nothing is embedded again."""

from __future__ import annotations

import shutil
from pathlib import Path

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.core.store.db import Database
from copilot.demo.generator import generate
from retrieval import service as retrieval
from tests.conftest import NOW


def demo_store(pg_db: Database, demo_ctx: AppContext, data: Path, *, accounts: int) -> tuple[AppContext, str]:
    """The store's context and its database URL (with the password, for a child process)."""
    data.mkdir()
    shutil.copytree(demo_ctx.settings.chroma_dir, data / "chroma")
    shutil.copytree(demo_ctx.settings.cache_dir, data / "cache")
    url = pg_db.engine.url.render_as_string(hide_password=False)
    base = AppContext.create(Settings(database_url=url, data_dir=data, _env_file=None))  # type: ignore[call-arg]
    generate(base.db, accounts=accounts, seed=5, now=NOW)
    retrieval.ingest_store_modules(base)
    return base, url
