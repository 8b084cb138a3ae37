"""The job resource of the REST API and `polku jobs` on the embedded default (no broker: jobs run in the
API or CLI process, into the same tables): start, follow by SSE, download, permissions, idempotent results."""

from __future__ import annotations

import csv
import io
import json

import pytest

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.store.repo import jobs as repo
from copilot.jobs import chunks, service
from tests.support.api import client, clone_data, derived_ctx, staff


@pytest.fixture(scope="module")
def ctx(demo_ctx, tmp_path_factory) -> AppContext:  # type: ignore[no-untyped-def]
    from copilot.core.settings import Settings

    data = clone_data(demo_ctx, tmp_path_factory.mktemp("jobs") / "data")  # jobs write: not the shared store
    own = AppContext.create(Settings(data_dir=data, _env_file=None))  # type: ignore[call-arg]
    return derived_ctx(own, tmp_path_factory.mktemp("keys"))


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_a_campaign_job_through_the_api(ctx: AppContext) -> None:
    api = client(ctx)
    r = api.post("/v1/jobs/campaign", json={"segment": "language=fi", "goal": "nurture", "limit": 60},
                 headers=staff("marketing"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "campaign" and job["total"] == 60 and job["backend"] == "inline"
    events = _events(api.get(f"/v1/jobs/{job['id']}/events", headers=staff("marketing")).text)
    assert events[0][0] == "progress" and events[-1][0] == "done"
    done = events[-1][1]
    assert done["done"] == done["total"] == 60 and done["status"] == "done"
    rows = list(csv.DictReader(io.StringIO(api.get(f"/v1/jobs/{job['id']}/results",
                                                   headers=staff("marketing")).text)))
    assert len(rows) == done["counts"].get("ok", 0) > 0 and all(r["language"] == "fi" for r in rows)
    lines = api.get(f"/v1/jobs/{job['id']}/results?format=jsonl&limit=1", headers=staff("marketing")).text
    assert json.loads(lines)["contact_id"] == rows[0]["contact_id"]
    assert api.get(f"/v1/jobs/{job['id']}", headers=staff("sales")).status_code == 403  # sales runs no campaigns
    listed = api.get("/v1/jobs", headers=staff("marketing")).json()["jobs"]
    assert job["id"] in [j["id"] for j in listed]


def test_api_bad_input(ctx: AppContext) -> None:
    api = client(ctx)
    r = api.get("/v1/jobs/no-such-job", headers=staff("admin"))
    assert r.status_code == 404 and r.json()["error"]["message"] == "no job with id 'no-such-job'"
    assert api.get("/v1/jobs/no-such-job/events", headers=staff("admin")).status_code == 404
    r = api.post("/v1/jobs/campaign", json={"segment": "persona=nobody"}, headers=staff("marketing"))
    assert r.status_code == 404 and "has no contacts" in r.json()["error"]["message"]
    r = api.post("/v1/jobs/campaign", json={"segment": "colour=red"}, headers=staff("marketing"))
    assert r.status_code == 422 and "bad segment part" in r.json()["error"]["message"]
    assert api.post("/v1/jobs/campaign", json={"segment": "all"}, headers=staff("support")).status_code == 403


def test_a_chunk_delivered_twice_adds_nothing(ctx: AppContext) -> None:
    from copilot.jobs.models import CampaignJobIn

    actor = Actor(id="mk", role=Role.marketing)
    job = service.submit_campaign(ctx, CampaignJobIn(segment="language=en", limit=30), actor=actor, wait=True)
    with ctx.db.session() as s:
        keys = [r.item_key for r in repo.iter_results(s, job_id=job.id)]
        again = repo.add_results(s, job_id=job.id, rows=[{"item_key": k, "status": "ok"} for k in keys])
    assert again == set() and len(keys) == 30
    assert chunks.run(ctx, job.id, keys) == 0  # the redelivered chunk: nothing new, no new audit rows
    assert service.get_job(ctx, job.id, actor=actor).done == 30


def test_scoring_and_purge_jobs_inline(ctx: AppContext) -> None:
    admin = Actor(id="adm", role=Role.admin)
    scored = service.submit_scoring(ctx, actor=admin, wait=True)
    assert scored.status == "done" and scored.done == scored.total == 150 and scored.failed == 0
    row = next(service.result_rows(ctx, scored.id, actor=admin))
    assert row["account_id"].startswith("acc-") and "tier" in row
    purged = service.submit_purge(ctx, actor=admin, dry_run=True, wait=True)
    assert purged.status == "done" and purged.counts == {"ok": 1}
    with pytest.raises(Exception, match="may not use maintenance"):
        service.submit_purge(ctx, actor=Actor(id="mk", role=Role.marketing))


def test_polku_jobs_on_the_command_line(ctx: AppContext) -> None:
    from tests.integration.test_cli import polku

    listed = polku("jobs", "list", "--json", data_dir=ctx.settings.data_dir)
    assert listed.returncode == 0, listed.stderr
    jobs = json.loads(listed.stdout)["jobs"]
    assert jobs and {"id", "kind", "status", "done", "total"} <= set(jobs[0])
    shown = polku("jobs", "show", jobs[0]["id"], "--json", data_dir=ctx.settings.data_dir)
    assert json.loads(shown.stdout)["id"] == jobs[0]["id"]
    missing = polku("jobs", "show", "no-such-job", data_dir=ctx.settings.data_dir)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no job with id 'no-such-job'"
    empty = polku("campaign", "--segment", "persona=nobody", "--out", "x.csv", data_dir=ctx.settings.data_dir)
    assert empty.returncode == 1 and "the segment 'persona=nobody' has no contacts" in empty.stderr


def test_an_ingest_job_over_files_inline(ctx: AppContext, tmp_path) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"note-{i}.md").write_text(f"# Huoltosopimus {i}\n\nPerehdytyksen automatisointi, osa {i}.\n")
    (docs / "broken.pdf").write_bytes(b"not a pdf")
    admin = Actor(id="adm", role=Role.admin)
    job = service.submit_ingest(ctx, [docs], actor=admin, wait=True, files_per_chunk=2)
    assert job.status == "done" and job.total == 4 and job.chunks == 2
    assert job.counts == {"ok": 3, "failed": 1} and list(job.reasons["failed"].values()) == [1]
    with pytest.raises(Exception, match="no file or folder"):
        service.submit_ingest(ctx, [tmp_path / "nowhere"], actor=admin)


def test_a_job_whose_process_stopped_reads_failed_with_what_was_kept(ctx: AppContext) -> None:
    import os
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that ran the job and is no longer there (a stopped server, a killed CLI)
    here = socket.gethostname()
    runners = {"stopped": f"{here}:{gone.pid}:1", "alive": service._runner(), "elsewhere": f"other-host:{gone.pid}:1",
               "pid-reused": f"{here}:{os.getpid()}:1"}  # this pid, but a process that started at another time
    with ctx.db.session() as s:
        for name, runner in runners.items():
            repo.create(s, job_id=f"job-{name}", kind="score", params={"now": "2026-11-24T09:00:00+00:00",
                        "runner": runner}, actor="rep", actor_role="admin", backend="inline", total=10, chunks=1)
            repo.mark_running(s, job_id=f"job-{name}")
            repo.add_results(s, job_id=f"job-{name}", rows=[{"item_key": f"a{i}", "status": "ok"} for i in range(3)])
    admin = Actor(id="adm", role=Role.admin)
    stopped = service.get_job(ctx, "job-stopped", actor=admin)
    assert stopped.status == "failed" and stopped.finished_at is not None and "runner" not in stopped.params
    assert stopped.error is not None and "stopped after 3 of 10 items" in stopped.error and stopped.done == 3
    # nobody else is judged from here: a live process, or one on a host this one cannot see
    listed = {j.id: j.status for j in service.list_jobs(ctx, actor=admin, limit=50).jobs}
    assert (listed["job-alive"], listed["job-elsewhere"], listed["job-stopped"]) == ("running", "running", "failed")
    assert listed["job-pid-reused"] == "failed"
