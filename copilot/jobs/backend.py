"""Running a job's chunks: in this process (``inline``) or through the Celery broker (``celery``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import JobsBackend
from copilot.jobs import chunks

if TYPE_CHECKING:
    from celery import Celery

Progress = Callable[[int], None]
"""Called with the number of items done so far (inline runs)."""


def celery_app(ctx: AppContext) -> Celery:
    """The context's Celery app (built once): the sender's side of ``copilot.worker``."""
    from copilot.worker import make_app

    return ctx.adapter("jobs.celery", lambda c: make_app(c.settings))


def check_broker(ctx: AppContext) -> None:
    """Refuse before anything is written when the broker cannot be reached."""
    url = ctx.settings.worker_broker_url
    try:
        with celery_app(ctx).connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.5, timeout=3)
    except Exception as exc:  # kombu raises the transport's own errors; all mean the same here
        raise PolkuError("unavailable", f"the job broker {_redact(url)} cannot be reached ({type(exc).__name__}); "
                         "start Redis or RabbitMQ, fix POLKU_WORKER_BROKER_URL, or set POLKU_JOBS_BACKEND=inline"
                         ) from exc


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def send(ctx: AppContext, job_id: str, kind: str, parts: Sequence[Sequence[str]]) -> None:
    """Queue every chunk of the job on its queue (see ``copilot.worker.ROUTES``)."""
    from copilot.worker import CHUNK_TASKS, QUEUE_OF

    app = celery_app(ctx)
    try:
        with app.producer_or_acquire() as producer:
            for part in parts:
                app.send_task(CHUNK_TASKS[kind], args=[job_id, list(part)], queue=QUEUE_OF[kind], producer=producer)
    except Exception as exc:
        chunks.fail_job(ctx, job_id, f"the broker failed while the job was queued ({type(exc).__name__})")
        raise PolkuError("unavailable", f"the job broker failed while job {job_id} was queued "
                         f"({type(exc).__name__}); the job is marked failed, run it again") from exc


def run_inline(ctx: AppContext, job_id: str, parts: Sequence[Sequence[str]], progress: Progress | None = None) -> None:
    """Every chunk, one after the other, in this process: what `polku` does without a broker."""
    done = 0
    try:
        for part in parts:
            chunks.run(ctx, job_id, part)
            done += len(part)
            if progress:
                progress(done)
    except PolkuError as exc:
        chunks.fail_job(ctx, job_id, exc.message)
        raise
    except Exception as exc:
        chunks.fail_job(ctx, job_id, f"internal error ({type(exc).__name__})")
        raise


def start(ctx: AppContext, job_id: str, kind: str, parts: Sequence[Sequence[str]], *, background: bool,
          progress: Progress | None = None) -> None:
    """Run or queue the job's chunks. ``background`` (the API) runs an inline job on a thread."""
    if ctx.settings.jobs_backend is JobsBackend.celery:
        send(ctx, job_id, kind, parts)
    elif background:
        threading.Thread(target=_quietly, args=(ctx, job_id, parts), name=f"job-{job_id[:8]}", daemon=True).start()
    else:
        run_inline(ctx, job_id, parts, progress)


def _quietly(ctx: AppContext, job_id: str, parts: Sequence[Sequence[str]]) -> None:
    # the failure is recorded on the job (status failed, error); a thread has nobody else to tell
    try:
        run_inline(ctx, job_id, parts)
    except Exception as exc:
        _ = exc


def chunked(keys: Sequence[str], size: int) -> list[list[str]]:
    return [list(keys[i : i + size]) for i in range(0, len(keys), size)]


