"""The web pages' own routes: the pages themselves, and what the REST API does not offer yet.

Staff routes use the API's keys and role table (``X-API-Key``); streamed ones use the API's SSE
format (``progress`` → ``token``… → ``done``, or ``error``). Everything calls service functions.
"""

from __future__ import annotations

import asyncio
import csv
import re
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor
from copilot.core.permissions import Perm
from copilot.tasks import campaign as campaign_task
from copilot.tasks import reply as reply_task
from copilot.tasks.email import Goal
from integrations.api import sse
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES, error_event
from integrations.web import sidebar as sidebar_svc

STATIC = Path(__file__).parent / "static"
PAGES = {"sidebar": "sidebar.html", "marketer": "marketer.html", "health": "health.html", "privacy": "privacy.html",
         "widget-demo": "widget-demo.html"}
Support = Annotated[Actor, actor_for(Perm.brief)]
"""The sidebar is for support, sales and admin."""
Marketer = Annotated[Actor, actor_for(Perm.campaign)]

pages = APIRouter(prefix="/web", include_in_schema=False)
router = APIRouter(prefix="/web/api", tags=["web"], responses=ERROR_RESPONSES)


# Scripts and styles only from our own files (the widget uses a constructed stylesheet, no inline CSS).
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'"


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / PAGES[name]).read_text(encoding="utf-8"),
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer",
                                 "Content-Security-Policy": CSP})


def _page_route(name: str) -> Callable[[], HTMLResponse]:
    def route() -> HTMLResponse:
        return _page(name)

    return route


for _name in PAGES:
    pages.add_api_route(f"/{_name}", _page_route(_name), methods=["GET"], response_class=HTMLResponse)


class WidgetConfig(BaseModel):
    link_allowlist: list[str]
    """Domains the widget may turn into links; every other URL stays plain text."""


@pages.get("/widget-config.json", response_model=WidgetConfig)
def widget_config(ctx: CtxDep) -> WidgetConfig:
    return WidgetConfig(link_allowlist=list(ctx.settings.link_allowlist))


@router.get("/sidebar", summary="The support sidebar's account card", response_model=sidebar_svc.Sidebar)
def sidebar(ctx: CtxDep, now: NowDep, actor: Support,
            ticket: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
            email: Annotated[str | None, Query(min_length=3, max_length=254)] = None,
            account: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> sidebar_svc.Sidebar:
    return sidebar_svc.sidebar(ctx, actor, ticket=ticket, email=email, account=account, now=now)


class ReplyIn(BaseModel):
    ticket_id: str = Field(min_length=1, max_length=64)


@router.post("/sidebar/reply/stream", summary="A suggested reply to a ticket, with its help source, streamed",
             response_class=sse.EventSourceResponse, responses=sse.STREAM_RESPONSE,
             description="Written for the customer who filed the ticket: their language, public help content only.")
def reply_stream(body: ReplyIn, ctx: CtxDep, now: NowDep,
                 actor: Annotated[Actor, actor_for(Perm.reply)]) -> sse.EventSourceResponse:
    return sse.stream(ctx.settings, lambda: reply_task.suggest_reply(ctx, body.ticket_id, actor=actor,
                                                                     surface="sidebar", now=now))


class CampaignIn(BaseModel):
    segment: str = Field(min_length=1, max_length=300)
    goal: Goal = "nurture"
    limit: int | None = Field(default=None, ge=1, le=10_000)


def _first_contact(path: Path) -> str | None:
    with path.open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh), None)
    return row["contact_id"] if row else None


async def _campaign_events(ctx: AppContext, body: CampaignIn, actor: Actor, now: Any) -> AsyncIterator[str]:
    yield sse.event("progress", {"stage": "starting", "done": 0, "total": None})
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != last[0]:  # one event per percent is plenty for a progress bar
            last[0] = percent
            loop.call_soon_threadsafe(queue.put_nowait, (done, total))

    file_id = uuid.uuid4().hex
    out = campaign_task.stored_files(ctx.settings) / f"{file_id}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    req = campaign_task.CampaignRequest(segment=body.segment, goal=body.goal, out=out, limit=body.limit,
                                        surface="marketer")

    def run() -> campaign_task.CampaignSummary:
        return campaign_task.campaign(ctx, req, actor=actor, now=now, progress=progress)

    job = asyncio.ensure_future(anyio.to_thread.run_sync(run))
    while not job.done() or not queue.empty():
        getter = asyncio.ensure_future(queue.get())
        finished, _ = await asyncio.wait({getter, job}, return_when=asyncio.FIRST_COMPLETED)
        if getter in finished:
            done, total = getter.result()
            yield sse.event("progress", {"stage": "writing", "done": done, "total": total})
        else:
            getter.cancel()
    try:
        summary = job.result()
    except Exception as exc:  # every failure ends as an error event
        out.unlink(missing_ok=True)
        yield sse.event("error", error_event(exc))
        return
    yield sse.event("done", {**summary.model_dump(mode="json", exclude={"out"}), "file_id": file_id,
                             "sample_contact": _first_contact(out) if summary.written else None})


@router.post("/campaign/stream", summary="Campaign copy for a segment, with progress events",
             response_class=sse.EventSourceResponse, responses=sse.STREAM_RESPONSE)
def campaign_stream(body: CampaignIn, ctx: CtxDep, now: NowDep, actor: Marketer) -> sse.EventSourceResponse:
    return sse.EventSourceResponse(_campaign_events(ctx, body, actor, now), headers=sse.STREAM_HEADERS)


@router.get("/campaign/{file_id}.csv", summary="Download a generated campaign as CSV", response_class=FileResponse)
def campaign_file(file_id: str, ctx: CtxDep, _actor: Marketer) -> FileResponse:
    if not re.fullmatch(r"[0-9a-f]{32}", file_id):
        raise PolkuError("invalid", "not a campaign file id")
    path = campaign_task.stored_files(ctx.settings) / f"{file_id}.csv"
    if not path.is_file():
        raise not_found("campaign file", file_id)
    return FileResponse(path, media_type="text/csv", filename=f"campaign-{file_id[:8]}.csv")
