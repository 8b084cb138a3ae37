"""The web pages' own routes: the pages themselves, and what the REST API does not offer yet.

The marketer page's campaigns are jobs (``copilot/jobs``): the page starts one here, so that every draft's
audit row says the marketer page asked, and follows it on the REST API (``/v1/jobs/{id}/events``).

Staff routes use the API's keys and role table (``X-API-Key``); streamed ones use the API's SSE
format (``progress`` → ``token``… → ``done``, or ``error``). Everything calls service functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from copilot.core.identity import Actor
from copilot.core.permissions import Perm
from copilot.jobs import service as jobs
from copilot.jobs.models import CampaignJobIn, JobView
from copilot.tasks import reply as reply_task
from integrations.api import sse
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES
from integrations.web import sidebar as sidebar_svc

STATIC = Path(__file__).parent / "static"
PAGES = {"sidebar": "sidebar.html", "marketer": "marketer.html", "health": "health.html", "privacy": "privacy.html",
         "widget-demo": "widget-demo.html"}
Support = Annotated[Actor, actor_for(Perm.brief)]
"""The sidebar is for support, sales and admin."""

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


@router.post("/campaign", summary="Start a campaign job from the marketer page", response_model=JobView,
             status_code=202)
def start_campaign(body: CampaignJobIn, ctx: CtxDep, now: NowDep,
                   actor: Annotated[Actor, actor_for(Perm.campaign)]) -> JobView:
    return jobs.submit_campaign(ctx, body, actor=actor, now=now, surface="marketer")
