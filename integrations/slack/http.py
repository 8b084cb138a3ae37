"""Serving the Slack app over HTTP: a FastAPI router for ``POST /slack/events``.

Slack sends events, slash commands and interactive payloads (buttons, modals) to this one URL.
Bolt's FastAPI adapter runs the synchronous ``App.dispatch`` inside the event loop; ours hands it
to the thread pool instead, so a slow database never stalls other requests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.concurrency import run_in_threadpool

from copilot.core.context import AppContext
from integrations.slack.app import build_slack_app

EVENTS_PATH = "/slack/events"


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """Bolt's FastAPI handler, with the blocking dispatch moved off the event loop."""

    async def handle(self, req: Request, addition_context_properties: dict[str, Any] | None = None) -> Response:
        if req.method != "POST":
            return await super().handle(req, addition_context_properties)
        body = await req.body()
        bolt_resp = await run_in_threadpool(self.app.dispatch, to_bolt_request(req, body, addition_context_properties))
        return to_starlette_response(bolt_resp)


def slack_router(bolt_app: App, *, path: str = EVENTS_PATH) -> APIRouter:
    """A router with the one Slack endpoint, for an existing FastAPI app."""
    handler = ThreadedSlackRequestHandler(bolt_app)
    router = APIRouter(tags=["slack"])

    @router.post(path, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return router


def mount_slack(
    app: FastAPI,
    ctx: AppContext,
    *,
    client: WebClient | None = None,
    now: Callable[[], datetime] | None = None,
) -> App:
    """Build the Slack app from ``ctx.settings`` and serve it at ``POST /slack/events`` of ``app``."""
    bolt_app = build_slack_app(ctx, client=client, now=now)
    app.include_router(slack_router(bolt_app))
    return bolt_app
