"""The Celery workers: the queues, the chunk tasks of batch jobs, and the beat schedule.

Start them with ``polku worker [--queues batch,ingest] [--concurrency N]`` (or ``celery -A copilot.worker
worker``). Queues keep kinds of work apart, so an interactive task never waits behind a campaign:

- ``interactive``: short tasks a person waits for (nothing batch is ever routed here);
- ``batch``: campaign copy and store-wide scoring chunks;
- ``ingest``: content ingest (embedding) chunks;
- ``maintenance``: the retention purge (nightly at 03:15 UTC with ``--beat``).

A chunk is acknowledged only after it ran (``task_acks_late``), a worker takes one chunk at a time
(``worker_prefetch_multiplier=1``), and a chunk whose worker died goes back to the queue
(``task_reject_on_worker_lost``): another worker redoes it, and the job's ``(job, item)`` result keys
make the redo add only what was missing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from kombu import Queue
from sqlalchemy.exc import SQLAlchemyError

from copilot.core.context import AppContext
from copilot.core.settings import Settings, get_settings

log = logging.getLogger("polku.worker")

QUEUES = ("interactive", "batch", "ingest", "maintenance")
CHUNK_TASKS = {"campaign": "polku.jobs.campaign_chunk", "score": "polku.jobs.score_chunk",
               "ingest": "polku.jobs.ingest_chunk", "purge": "polku.jobs.purge_chunk"}
QUEUE_OF = {"campaign": "batch", "score": "batch", "ingest": "ingest", "purge": "maintenance"}
ROUTES = {CHUNK_TASKS[kind]: {"queue": QUEUE_OF[kind]} for kind in CHUNK_TASKS} | {
    "polku.retention_purge": {"queue": "maintenance"}, "polku.ping": {"queue": "interactive"}}


def make_app(settings: Settings) -> Celery:
    """A Celery app on the settings' broker; the same configuration for the workers and the senders."""
    url = settings.worker_broker_url
    app = Celery("polku", broker=url, backend=_result_backend(url))
    app.conf.update(
        timezone="UTC",
        task_serializer="json",
        accept_content=["json"],
        task_default_queue="interactive",
        task_queues=[Queue(name) for name in QUEUES],
        task_routes=ROUTES,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # results live in the database; only `polku.ping` answers through Celery
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        beat_schedule={
            "retention-purge-nightly": {"task": "polku.retention_purge", "schedule": crontab(hour=3, minute=15)},
        },
    )
    _register(app)
    return app


def _result_backend(url: str) -> str | None:
    if url.startswith(("redis://", "rediss://")):
        return url
    return "rpc://" if url.startswith(("amqp://", "pyamqp://")) else None


def _transport_options(settings: Settings) -> dict[str, Any]:
    if not settings.worker_broker_url.startswith(("redis://", "rediss://")):
        return {}
    timeout = settings.worker_visibility_timeout_s
    # Redis has no connection-bound acknowledgement: an unacknowledged chunk returns to its queue once it
    # is older than the visibility timeout, found by the sweeps the other workers run this often.
    sweep = max(1, min(10, timeout // 4))
    return {"visibility_timeout": timeout, "unacked_restore_interval": sweep, "unacked_restore_throttle": 1,
            "socket_connect_timeout": 5}


_CTX: dict[str, AppContext] = {}


def _context() -> AppContext:
    """The worker process's context, built on first use (after the pool has forked)."""
    if "ctx" not in _CTX:
        _CTX["ctx"] = AppContext.create(get_settings())
    return _CTX["ctx"]


def _run_chunk(task: Task, job_id: str, keys: list[str]) -> dict[str, Any]:
    from copilot.core.errors import PolkuError
    from copilot.jobs import chunks

    ctx = _context()
    try:
        added = chunks.run(ctx, job_id, keys)
    except PolkuError as exc:  # the job itself is wrong (gone, bad parameters): retrying cannot help
        log.error("job %s chunk failed: %s", job_id, exc.message)
        if exc.code != "not_found":
            chunks.fail_job(ctx, job_id, exc.message)
        return {"job": job_id, "added": 0, "error": exc.message}
    except SQLAlchemyError as exc:  # the store is unreachable or busy: try the chunk again later
        if task.request.retries >= 5:
            chunks.fail_job(ctx, job_id, f"the store failed while running a chunk: {type(exc).__name__}")
            raise
        raise task.retry(countdown=2 ** task.request.retries * 5) from exc
    return {"job": job_id, "added": added}


def _register(app: Celery) -> None:
    for kind, name in CHUNK_TASKS.items():

        def chunk(self: Task, job_id: str, keys: list[str]) -> dict[str, Any]:
            return _run_chunk(self, job_id, keys)

        chunk.__name__ = chunk.__qualname__ = f"{kind}_chunk"
        chunk.__doc__ = f"One chunk of a {kind} job: a result row per item, each written once."
        app.task(name=name, bind=True, max_retries=5)(chunk)

    @app.task(name="polku.retention_purge")
    def retention_purge(days: int | None = None) -> dict[str, Any]:
        """Purge conversations, audit details and old campaign results (the nightly beat entry)."""
        from copilot.trust import retention

        return retention.purge(_context(), days=days).model_dump(mode="json")

    @app.task(name="polku.ping", ignore_result=False)
    def ping(text: str = "pong") -> str:
        """An interactive task: proves the interactive queue is served while batch work runs."""
        return text


celery_app = make_app(get_settings())
app = celery_app  # `celery -A copilot.worker` looks for `app`
retention_purge = celery_app.tasks["polku.retention_purge"]
ping = celery_app.tasks["polku.ping"]
