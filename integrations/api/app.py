"""The FastAPI application factory: one :class:`AppContext`, the keys, the routers, one error shape."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from copilot.core.context import AppContext
from copilot.core.shared import connect
from copilot.engines.registry import get_engine
from integrations.api import errors
from integrations.api.auth import KeyStore
from integrations.api.deps import ApiState
from integrations.api.routers import consents, crm, health, jobs, scores, search, tasks, widget
from integrations.slack.http import mount_slack
from integrations.web import mount_web
from retrieval import service as retrieval

log = logging.getLogger("polku.api")

DESCRIPTION = """Polku's REST API: the copilot's tasks, search, scores, next actions, consents and CRM records.

Staff send `X-API-Key` (roles admin, sales, support, marketing). The chat widget sends the public
widget key from an allowed `Origin`, plus `X-Customer-Token` for an identified customer or, for an
anonymous visitor, the `X-Visitor-Token` its earlier responses carried. Every error
is `{"error": {"code", "message", "details"?}}`; 429 answers carry `Retry-After`.
"""


def _warm(ctx: AppContext) -> None:
    """Open the store, the index and the engine before the first request instead of during it."""
    _ = ctx.db
    retrieval.index(ctx)
    get_engine(ctx)
    # One search builds what the first question would otherwise wait for: the query encoder (~0.35 s)
    # and, on a big index, the 8-bit scan (~0.5 s at 50,000 chunks).
    retrieval.search(ctx, "warm-up", k=1)
    # The index, models and caches just loaded live as long as the process: move them out of the
    # collector's generations, or every full collection walks them all (one took ~0.2-0.3 s on the
    # bench, stalling every request in flight). The cycle collector then skips these objects for
    # good; an index replaced in-process (after an erasure) is still freed by reference counting,
    # unless something has put it in a reference cycle.
    gc.collect()
    gc.freeze()


def create_app(ctx: AppContext | None = None, *, clock: Callable[[], datetime | None] = lambda: None,
               keys: KeyStore | None = None, warm: bool = False) -> FastAPI:
    """Build the API over ``ctx`` (the process's context by default).

    ``clock`` gives the reference time handed to services (tests pin it); ``warm`` loads the index
    and engine at start-up, as `polku serve` does.
    """
    ctx = ctx or AppContext.create()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:
            await anyio.to_thread.run_sync(_warm, ctx)
        yield

    app = FastAPI(title="Polku API", version="1", description=DESCRIPTION, lifespan=lifespan)
    # The buckets are the app's own (a new app starts with full buckets), or Redis's when it is set.
    app.state.api = ApiState(ctx=ctx, keys=keys or KeyStore.from_settings(ctx.settings),
                             limiter=connect(ctx.settings), clock=clock)
    errors.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ctx.settings.allowed_origins),
        allow_methods=["GET", "POST", "PATCH"],
        allow_headers=["Content-Type", "X-API-Key", "X-Customer-Token", "X-Visitor-Token", "Authorization",
                       "Idempotency-Key"],
        expose_headers=["Retry-After", "X-Visitor-Token"],
        max_age=600,
    )
    for module in (health, tasks, search, scores, crm, consents, widget, jobs):
        app.include_router(module.router)
    mount_web(app, ctx)
    if ctx.settings.slack_signing_secret and ctx.settings.slack_bot_token:
        # Slack is optional: served at /slack/events once its secrets are set. Bolt verifies the bot
        # token with Slack at start-up; if Slack cannot be reached the rest of the API still serves.
        try:
            mount_slack(app, ctx)
        except Exception as exc:
            log.error("Slack endpoint not mounted: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return app


def build() -> FastAPI:
    """The app over the process's settings, index and engine warmed up (a uvicorn factory)."""
    return create_app(warm=True)


def build_migrated() -> FastAPI:
    """The app of each `polku serve` worker: like :func:`build`, but the schema was migrated once by
    `polku serve` before the workers started, so N workers do not race to migrate it."""
    return create_app(AppContext.create(migrate_schema=False), warm=True)
