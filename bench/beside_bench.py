"""Chat latency while a campaign runs beside it: the website's answers must not wait for batch work.

Builds a demo store on the machine's PostgreSQL (``--accounts``; about 4.5 contacts an account), starts
`polku serve --workers 1` on it (Redis shared state) and measures widget chat at a steady arrival rate
(open loop: request i is due at i / ``--rate`` s, its latency counted from then) with nothing else
running: the idle baseline. Then `polku worker --queues batch` processes take a campaign of
``--contacts`` and, once the first chunks are stored, the same chat schedule runs again beside it.
One and two batch workers alternate in every repeat: one leaves a core to the API worker, PostgreSQL
and Redis; two take both cores, as a campaign on a shared host would. The baseline beside them, in the
same repeats: one process that only spins a Python loop (no Polku, no database), i.e. what any
CPU-bound neighbour of one core costs the chat on this machine. Medians and spreads over the repeats;
writes bench/REPORT-beside.md.

    .venv/bin/python bench/beside_bench.py --accounts 22500 --contacts 100000 --repeats 2

Not under `nice`: the API worker would inherit it and lose the CPU to PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from tempfile import mkdtemp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import ORIGIN, Phase, _free_port, _scheduled, chat_requests, machine  # noqa: E402
from api_scale_bench import serve  # noqa: E402
from jobs_bench import MARKETER, NOW, Pool, _drop, _store, _warm  # noqa: E402

from copilot.core.context import AppContext  # noqa: E402
from copilot.core.settings import JobsBackend  # noqa: E402
from copilot.jobs import service  # noqa: E402
from copilot.jobs.models import CampaignJobIn  # noqa: E402
from tests.support.workers import wait_for, worker_env  # noqa: E402

REDIS = "redis://127.0.0.1:6379/5"
BROKER = "redis://127.0.0.1:6379/6"
POOL = 8
SPIN = 0
SETTINGS = {"1 batch worker": 1, "2 batch workers": 2, "a spinning Python loop, no Polku (baseline)": SPIN}


def chat(port: int, n: int, rate: float) -> Phase:
    # A few connections, each reused well within uvicorn's 5 s keep-alive (at 10/s each sees a request
    # every 0.8 s); a request that finds them all busy waits, and the wait counts in its latency.
    return asyncio.run(_scheduled(port, chat_requests(n), rate, Phase("chat"), pool=POOL))


def _row(idle: Phase, beside: Phase) -> dict[str, float]:
    return {"idle_p50": idle.pct(0.5), "idle_p95": idle.pct(0.95), "beside_p50": beside.pct(0.5),
            "beside_p95": beside.pct(0.95), "errors": idle.errors + beside.errors}


def spinning(port: int, args: argparse.Namespace) -> dict[str, float]:
    idle = chat(port, args.chat, args.rate)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: sum(range(10_000))"])
    try:
        beside = chat(port, args.chat, args.rate)
    finally:
        spinner.kill()
        spinner.wait()
    return _row(idle, beside)


def one_round(ctx: AppContext, wenv: dict[str, str], port: int, args: argparse.Namespace, n: int,
              logs: Path) -> dict[str, float]:
    if n == SPIN:
        return spinning(port, args)
    idle = chat(port, args.chat, args.rate)
    workers = Pool(wenv, n, logs)
    try:
        _warm(ctx, n)
        job = service.submit_campaign(ctx, CampaignJobIn(segment="all", limit=args.contacts), actor=MARKETER, now=NOW)
        wait_for(lambda: service.get_job(ctx, job.id, actor=MARKETER).done > 0, "the campaign to start",
                 deadline_s=600, poll_s=0.1)
        beside = chat(port, args.chat, args.rate)
        view = service.get_job(ctx, job.id, actor=MARKETER)
        if view.finished:
            raise SystemExit("the campaign finished before the chat phase did: raise --contacts")
    finally:
        for w in workers.workers:
            w.kill()  # the campaign is not needed to the end
        import redis

        redis.Redis.from_url(BROKER).flushdb()  # the rest of this campaign's chunks: not for the next round
    return {**_row(idle, beside), "campaign_done": view.done, "campaign_total": view.total}


def report(args: argparse.Namespace, rows: dict[str, list[dict[str, float]]], setup_s: float,
           load: tuple[float, float]) -> str:
    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[name])

    def spread(name: str, key: str) -> str:
        xs = [r[key] for r in rows[name]]
        return f"{min(xs):.1f}–{max(xs):.1f}"

    lines = []
    verdicts = []
    for name in rows:
        ratios = [r["beside_p95"] / r["idle_p95"] for r in rows[name]]
        ratio = statistics.median(ratios)
        lines.append(f"| {name} | {med(name, 'idle_p50'):.1f} | {med(name, 'idle_p95'):.1f} ({spread(name, 'idle_p95')}) "
                     f"| {med(name, 'beside_p50'):.1f} | {med(name, 'beside_p95'):.1f} ({spread(name, 'beside_p95')}) "
                     f"| {', '.join(f'{x:.2f}' for x in ratios)} | **{ratio:.2f}×** "
                     f"| {sum(r['errors'] for r in rows[name]):.0f} |")
        if SETTINGS[name] == SPIN:
            verdicts.append(f"- baseline: one spinning Python loop, nothing of Polku's, costs the chat p95 {ratio:.2f}× "
                            "idle on this machine")
        else:
            verdicts.append(f"- {name}: chat p95 beside the campaign {ratio:.2f}× idle (goal ≤ 1.20×: "
                            f"**{'met' if ratio <= 1.2 else 'NOT met'}**)")
    hw = "\n".join(machine()[:2])  # the third line describes another benchmark's setup
    return f"""# Chat beside a campaign: widget answers while batch workers draft

Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/beside_bench.py {' '.join(sys.argv[1:])}`.

## Machine
{hw}
- the API worker, the batch workers (one or two), PostgreSQL, Redis and the load generator share the
  machine's cores (loopback only)
- load average (1 min) before the run {load[0]:.2f}, after {load[1]:.2f}

## Setup
- demo store of {args.accounts} accounts on PostgreSQL, built in {setup_s:.0f} s; `polku serve --workers 1`
  with Redis shared state, composer engine
- chat: {args.chat} POST /v1/widget/ask at {args.rate:g}/s (open loop: latency from each request's due time,
  so queueing counts), first idle, then beside a campaign of {args.contacts:,} contacts on one or
  two `polku worker --queues batch` processes (each chunk {args.chunk} contacts), measured once the campaign's
  first results are stored and checked to be still running when the chat phase ends
- the settings take turns within every repeat (the order reversed in every other); medians over {args.repeats} repeats, spreads in brackets

## Results (ms)

| beside the chat | idle p50 | idle p95 | beside p50 | beside p95 | p95 ratio per repeat | median ratio | errors |
|---|---|---|---|---|---|---|---|
{chr(10).join(lines)}

Goal (issue 14): chat p95 while a 100,000-contact campaign runs beside it within 20 % of idle.
{chr(10).join(verdicts)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1500)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--chat", type=int, default=600)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "REPORT-beside.md")
    args = parser.parse_args()

    import redis

    for url in (REDIS, BROKER):
        redis.Redis.from_url(url).flushdb()
    work = Path(mkdtemp(prefix="polku-beside-bench-"))
    load_before = os.getloadavg()[0]
    url, base, setup_s = _store(args.accounts, work / "data")
    print(f"store of {args.accounts} accounts in {setup_s:.0f} s", flush=True)
    api = None
    try:
        ctx = AppContext(settings=base.settings.model_copy(update={
            "jobs_backend": JobsBackend.celery, "worker_broker_url": BROKER, "jobs_chunk_size": args.chunk}))
        wenv = worker_env(data_dir=work / "data", database_url=url, broker=BROKER, POLKU_JOBS_CHUNK_SIZE=str(args.chunk))
        aenv = {k: v for k, v in os.environ.items() if not k.startswith("POLKU_")}
        aenv.update({"POLKU_DATA_DIR": str(work / "data"), "POLKU_DATABASE_URL": url, "POLKU_REDIS_URL": REDIS,
                     "POLKU_ENVIRONMENT": "development", "POLKU_ENGINE": "composer", "POLKU_API_DEV_KEYS": "true",
                     "POLKU_ALLOWED_ORIGINS": json.dumps([ORIGIN]), "POLKU_WIDGET_RATE_PER_S": "1000000",
                     "POLKU_WIDGET_RATE_BURST": "1000000"})
        port = _free_port()
        api = serve(aenv, port, 1)
        chat(port, 50, args.rate)  # warm-up: the index, the caches, the connections
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
        for i in range(args.repeats):
            order = list(SETTINGS) if i % 2 == 0 else list(reversed(SETTINGS))
            for name in order:
                row = one_round(ctx, wenv, port, args, SETTINGS[name], work)
                rows[name].append(row)
                print(f"repeat {i + 1}, {name}: {json.dumps({k: round(v, 1) for k, v in row.items()})}", flush=True)
    finally:
        if api is not None:
            api.terminate()
            api.wait()
        _drop(url)
    text = report(args, rows, setup_s, (load_before, os.getloadavg()[0]))
    args.report.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
