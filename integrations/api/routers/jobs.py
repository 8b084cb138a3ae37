"""Batch jobs: start a campaign or scoring job, read its progress (JSON or SSE), download its results."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from starlette.responses import StreamingResponse

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from copilot.jobs import service
from copilot.jobs.models import CampaignJobIn, JobList, JobView
from integrations.api import sse
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES, error_event

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ERROR_RESPONSES)
JobId = Annotated[str, Path(min_length=1, max_length=40)]
POLL_S = 0.5
"""How often a progress stream reads the job's result count (one small query)."""

EVENTS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "An event stream: `progress` events `{status, done, total, failed}` while the job runs, "
          "then `done` with the job, or `error`.",
          "content": {"text/event-stream": {"schema": {"type": "string"}}}},
    # errors before the stream starts are plain JSON (the same as every route's)
    **{status: value for status, value in sse.STREAM_RESPONSE.items() if status != 200},
}


@router.post("/campaign", summary="Start a campaign job", response_model=JobView, status_code=202,
             description="One draft per contact of the segment (the consent gate, guards and an audit entry for "
             "each, refusals included), run in chunks on the workers (or in the API process without a broker). "
             "Follow it with `GET /v1/jobs/{id}` or `/events`. " + roles_text(Perm.campaign))
def start_campaign(body: CampaignJobIn, ctx: CtxDep, now: NowDep,
                   actor: Annotated[Actor, actor_for(Perm.campaign)]) -> JobView:
    return service.submit_campaign(ctx, body, actor=actor, now=now)


@router.post("/score", summary="Start a store-wide scoring job", response_model=JobView, status_code=202,
             description="A score row per account (lead score, churn, CLV, tier). " + roles_text(Perm.scores_read))
def start_scoring(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.scores_read)]) -> JobView:
    return service.submit_scoring(ctx, actor=actor, now=now)


@router.get("", summary="The newest jobs", response_model=JobList, description=roles_text(Perm.jobs_read))
def list_jobs(ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.jobs_read)],
              limit: Annotated[int, Query(ge=1, le=200)] = 20) -> JobList:
    return service.list_jobs(ctx, actor=actor, limit=limit)


@router.get("/{job_id}", summary="A job's status and progress", response_model=JobView,
            description="`done` counts the stored results, so it never counts an item twice. "
            + roles_text(Perm.jobs_read))
def get_job(job_id: JobId, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.jobs_read)]) -> JobView:
    return service.get_job(ctx, job_id, actor=actor)


@router.get("/{job_id}/results", summary="Download a finished job's results",
            response_class=StreamingResponse,
            responses={200: {"description": "CSV (a campaign's columns) or JSON Lines, streamed from the store",
                             "content": {"text/csv": {}, "application/x-ndjson": {}}}},
            description="409 while the job is still running. " + roles_text(Perm.jobs_read))
def results(job_id: JobId, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.jobs_read)],
            format: Literal["csv", "jsonl"] = "csv",
            limit: Annotated[int | None, Query(ge=1, description="Only the first results")] = None
            ) -> StreamingResponse:
    lines = service.result_lines(ctx, job_id, format, actor=actor, limit=limit)
    first = next(lines, "")  # errors (unknown job, still running) surface here, as JSON, before the stream
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"{job_id[:8]}.{format}"
    return StreamingResponse(itertools.chain([first], lines), media_type=f"{media}; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="job-{name}"'})


async def _events(ctx: AppContext, job_id: str, actor: Actor, first: JobView) -> AsyncIterator[str]:
    view, last = first, None
    while True:
        now = (view.status, view.done)
        if now != last:
            last = now
            yield sse.event("progress", {"status": view.status, "done": view.done, "total": view.total,
                                         "failed": view.failed})
        if view.finished:
            if view.status == "failed":
                failure = PolkuError("unavailable", f"the job failed: {view.error or 'see the worker log'}")
                yield sse.event("error", error_event(failure))
            else:
                yield sse.event("done", view.model_dump(mode="json"))
            return
        await asyncio.sleep(POLL_S)
        try:
            view = await anyio.to_thread.run_sync(lambda: service.get_job(ctx, job_id, actor=actor))
        except Exception as exc:  # the store went away mid-stream: end with an error event, never silence
            yield sse.event("error", error_event(exc))
            return


@router.get("/{job_id}/events", summary="A job's progress as Server-Sent Events",
            response_class=sse.EventSourceResponse, responses=EVENTS_RESPONSE,
            description=roles_text(Perm.jobs_read))
def events(job_id: JobId, ctx: CtxDep, actor: Annotated[Actor, actor_for(Perm.jobs_read)]) -> sse.EventSourceResponse:
    first = service.get_job(ctx, job_id, actor=actor)  # unknown job or forbidden: a JSON error, not a stream
    return sse.EventSourceResponse(_events(ctx, job_id, actor, first), headers=sse.STREAM_HEADERS)
