"""Campaign jobs on real Celery workers (`polku worker` processes) over real Redis and RabbitMQ, with the
store on the real PostgreSQL: fan-out, a worker killed mid-chunk, separate queues, and bad input."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.settings import JobsBackend, Settings
from copilot.core.store.models import AuditLog, Job
from copilot.jobs import backend, service
from copilot.jobs.models import CampaignJobIn, JobView
from tests.conftest import NOW, PG_ADMIN_URL
from tests.support.workers import ROOT, Worker, wait_for, worker_env

pytestmark = pytest.mark.postgres

REDIS = "redis://127.0.0.1:6379/5"
RABBIT_VHOST = "polku-scale-jobs-test"
MARKETER = Actor(id="mk-1", role=Role.marketing)
SPEC = CampaignJobIn(segment="all", goal="nurture")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo CRM (150 accounts, 674 contacts) on a fresh PostgreSQL database, its content indexed."""
    from copilot.demo import vectors
    from copilot.demo.generator import generate
    from retrieval import service as retrieval

    name = f"polku_scale_jobs_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    data_dir = tmp_path_factory.mktemp("jobs-data")
    ctx = AppContext.create(Settings(data_dir=data_dir, database_url=url, _env_file=None))  # type: ignore[call-arg]
    generate(ctx.db, accounts=150, seed=5, now=NOW)
    vectors.seed(ctx)
    retrieval.ingest_store_modules(ctx)
    reference = service.submit_campaign(ctx, SPEC, actor=MARKETER, now=NOW, wait=True)  # inline: the reference
    try:
        yield {"url": url, "data_dir": data_dir, "ctx": ctx, "reference": reference}
    finally:
        ctx.db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _celery_ctx(store: dict[str, Any], broker: str, **settings: Any) -> AppContext:
    s = store["ctx"].settings.model_copy(update={"jobs_backend": JobsBackend.celery, "worker_broker_url": broker,
                                                 **settings})
    ctx = AppContext(settings=s)
    ctx.__dict__["db"] = store["ctx"].db
    return ctx


@pytest.fixture
def redis_broker() -> str:
    redis.Redis.from_url(REDIS).flushdb()  # our own DB number: nothing of another run is left queued
    return REDIS


@pytest.fixture(scope="module")
def rabbit_broker() -> Iterator[str]:
    """A vhost of our own on the machine's RabbitMQ, so no other test shares its queues."""
    def ctl(*args: str) -> None:
        subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)

    subprocess.run(["rabbitmqctl", "delete_vhost", RABBIT_VHOST], capture_output=True, timeout=60)
    ctl("add_vhost", RABBIT_VHOST)
    ctl("set_permissions", "-p", RABBIT_VHOST, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{RABBIT_VHOST}"
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", RABBIT_VHOST], capture_output=True, timeout=60)


def _drafts(ctx: AppContext, job: JobView) -> dict[str, dict[str, Any]]:
    """Each written contact's draft, without the audit id (a new audit entry per job)."""
    rows = service.result_rows(ctx, job.id, actor=MARKETER)
    return {r["contact_id"]: {k: v for k, v in r.items() if k != "audit_id"} for r in rows}


def _campaign_audits(ctx: AppContext) -> int:
    with ctx.db.session() as s:
        mine = select(func.count()).select_from(AuditLog).where(AuditLog.actor == MARKETER.id,
                                                                AuditLog.surface == "api")
        return s.scalar(mine) or 0


def _finished(ctx: AppContext, job_id: str) -> JobView | None:
    view = service.get_job(ctx, job_id, actor=MARKETER)
    return view if view.finished else None


def _workers(store: dict[str, Any], broker: str, tmp_path: Path, queues: list[str], name: str = "worker",
             **extra: str) -> list[Worker]:
    env = worker_env(data_dir=store["data_dir"], database_url=store["url"], broker=broker, **extra)
    return [Worker(env, q, tmp_path / f"{name}-{i}.log") for i, q in enumerate(queues)]


def _check_same_as_inline(store: dict[str, Any], ctx: AppContext, final: JobView, audits_before: int) -> None:
    reference: JobView = store["reference"]
    assert final.status == "done" and final.done == final.total == reference.total
    assert final.counts == reference.counts and final.reasons == reference.reasons
    assert _drafts(ctx, final) == _drafts(ctx, reference)  # 0 lost, 0 changed
    # every contact audited exactly once, refusals included: nothing done twice
    assert _campaign_audits(ctx) - audits_before == final.total


def test_a_campaign_job_fans_out_to_two_workers_and_writes_the_inline_drafts(store, redis_broker, tmp_path) -> None:
    ctx = _celery_ctx(store, redis_broker, jobs_chunk_size=100)
    before = _campaign_audits(ctx)
    workers = _workers(store, redis_broker, tmp_path, ["batch", "batch"])
    try:
        job = service.submit_campaign(ctx, SPEC, actor=MARKETER, now=NOW)
        assert job.backend == "celery" and job.chunks == 7 and job.status in ("queued", "running")
        final = wait_for(lambda: _finished(ctx, job.id), "the campaign job")
    finally:
        for w in workers:
            w.stop()
    _check_same_as_inline(store, ctx, final, before)


def _killed_mid_chunk(store: dict[str, Any], broker: str, tmp_path: Path, **extra: str) -> None:
    ctx = _celery_ctx(store, broker)  # default chunks of 500: the first chunk is written in slices of 100
    before = _campaign_audits(ctx)
    [first] = _workers(store, broker, tmp_path, ["batch"], **extra)
    job = service.submit_campaign(ctx, SPEC, actor=MARKETER, now=NOW)
    try:
        at_kill = wait_for(lambda: (v := service.get_job(ctx, job.id, actor=MARKETER)).done >= 100 and v.done,
                           "the first slice")
        first.kill()
        done_when_killed = service.get_job(ctx, job.id, actor=MARKETER).done
        assert at_kill <= done_when_killed < 500  # killed inside the first chunk: it was never acknowledged
        [second] = _workers(store, broker, tmp_path, ["batch"], name="second", **extra)
        try:
            final = wait_for(lambda: _finished(ctx, job.id), "the job to resume on the second worker")
        finally:
            second.stop()
    finally:
        first.kill()
    _check_same_as_inline(store, ctx, final, before)


def test_a_worker_killed_mid_chunk_on_redis_loses_and_repeats_nothing(store, redis_broker, tmp_path) -> None:
    # Redis hands an unacknowledged chunk back after the visibility timeout; short here, so the test is short
    _killed_mid_chunk(store, redis_broker, tmp_path, POLKU_WORKER_VISIBILITY_TIMEOUT_S="10")


def test_a_worker_killed_mid_chunk_on_rabbitmq_loses_and_repeats_nothing(store, rabbit_broker, tmp_path) -> None:
    _killed_mid_chunk(store, rabbit_broker, tmp_path)  # RabbitMQ redelivers when the connection drops


def test_an_interactive_task_is_not_stuck_behind_a_batch_job(store, redis_broker, tmp_path) -> None:
    ctx = _celery_ctx(store, redis_broker, jobs_chunk_size=1000)  # one long chunk holds the batch worker
    interactive, batch = _workers(store, redis_broker, tmp_path, ["interactive", "batch"])
    app = backend.celery_app(ctx)
    try:
        assert app.send_task("polku.ping", args=["ready"]).get(timeout=120) == "ready"
        job = service.submit_campaign(ctx, SPEC, actor=MARKETER, now=NOW)
        wait_for(lambda: service.get_job(ctx, job.id, actor=MARKETER).done > 0, "the batch job to start")
        assert app.send_task("polku.ping", args=["hello"]).get(timeout=120) == "hello"
        assert not service.get_job(ctx, job.id, actor=MARKETER).finished  # answered while the batch still runs
        wait_for(lambda: _finished(ctx, job.id), "the batch job")
    finally:
        interactive.stop()
        batch.stop()


def test_bad_input_gets_a_clear_message_and_writes_nothing(store) -> None:
    ctx = _celery_ctx(store, "redis://127.0.0.1:1/0")  # nothing listens there
    with ctx.db.session() as s:
        jobs_before = s.scalar(select(func.count()).select_from(Job))
    with pytest.raises(PolkuError, match=re.escape("the job broker redis://127.0.0.1:1/0 cannot be reached")) as down:
        service.submit_campaign(ctx, SPEC, actor=MARKETER, now=NOW)
    assert down.value.code == "unavailable"
    with pytest.raises(PolkuError, match="the segment 'persona=nobody' has no contacts"):
        service.submit_campaign(ctx, CampaignJobIn(segment="persona=nobody"), actor=MARKETER, now=NOW)
    with pytest.raises(PolkuError, match="no job with id 'no-such-job'"):
        service.get_job(ctx, "no-such-job", actor=MARKETER)
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == jobs_before  # no partial write


def test_the_cli_says_the_broker_is_down_in_one_line(store, tmp_path) -> None:
    env = worker_env(data_dir=store["data_dir"], database_url=store["url"], broker="redis://127.0.0.1:1/0")
    for args in (["campaign", "--segment", "all", "--out", str(tmp_path / "c.csv")], ["worker"]):
        r = subprocess.run([sys.executable, "-m", "copilot", *args], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith("error: the job broker redis://127.0.0.1:1/0 cannot be reached")
        assert "Traceback" not in r.stderr and not (tmp_path / "c.csv").exists()


def test_a_scoring_job_runs_on_a_batch_worker_like_inline(store, redis_broker, tmp_path) -> None:
    admin = Actor(id="adm", role=Role.admin)
    inline = service.submit_scoring(store["ctx"], actor=admin, now=NOW, wait=True)
    ctx = _celery_ctx(store, redis_broker, jobs_chunk_size=60)
    [worker] = _workers(store, redis_broker, tmp_path, ["batch"])
    try:
        job = service.submit_scoring(ctx, actor=admin, now=NOW)
        final = wait_for(lambda: _finished(ctx, job.id), "the scoring job")
    finally:
        worker.stop()
    assert final.status == "done" and final.done == inline.done == 150 and final.chunks == 3
    assert list(service.result_rows(ctx, final.id, actor=admin)) == list(service.result_rows(ctx, inline.id,
                                                                                             actor=admin))
