"""Brief and ask latency on a big PostgreSQL store (1,000,000 accounts from ``generator_bench --fill``).

    nice -n 5 .venv/bin/python bench/scale_bench.py \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/scale_data_1m --requests 200

Each request is a brief or a staff question about a different account picked at random, so every
one reads its account's rows from the store (no per-account cache is warm). Reports p50/p95/p99,
the spread and CPU time per request for each task, and the machine load.

The score bundle (trained churn and conversion models plus the store-wide score board) is a
store-wide computation: at 1,000,000 accounts it loads ~110 M rows into one process, more memory
than this machine has; it belongs to the batch scoring on workers. Here, on a store bigger than
``--board-accounts``, the bundle is built from a random sample of that many accounts (the ones the
requests ask about included) and installed as today's bundle, so what is measured is the per-request
work on the full store: the account's own rows, its history, retrieval, writing and the audit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the reference time generator_bench fills with


def pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values)
    return {"n": len(values), "p50": round(float(np.percentile(a, 50)), 1), "p95": round(float(np.percentile(a, 95)), 1),
            "p99": round(float(np.percentile(a, 99)), 1), "min": round(float(a.min()), 1),
            "max": round(float(a.max()), 1)}


def install_bundle(ctx, sample: list[str]) -> dict:  # type: ignore[no-untyped-def]
    from tools import features, scorecache

    started = time.perf_counter()
    with ctx.db.session() as s:
        frames = features.load(s, account_ids=sample)
    bundle = scorecache.build(frames, NOW.replace(tzinfo=None), scorecache._key(ctx, NOW.replace(tzinfo=None)))
    ctx.adapter("scoring_bundle", lambda _c: {})["current"] = bundle
    return {"board_accounts": len(sample), "bundle_s": round(time.perf_counter() - started, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--requests", type=int, default=200, help="per task")
    ap.add_argument("--board-accounts", type=int, default=20_000)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()

    from sqlalchemy import func, select

    from copilot.core.context import AppContext
    from copilot.core.identity import Actor, Role
    from copilot.core.settings import Settings
    from copilot.core.store.models import Account
    from copilot.demo import vectors
    from copilot.tasks.ask import AskRequest, ask
    from copilot.tasks.brief import brief
    from retrieval import service as retrieval

    data = args.data_dir or Path(tempfile.mkdtemp(prefix="polku-scale-"))
    ctx = AppContext.create(Settings(database_url=args.url, data_dir=data, _env_file=None))  # type: ignore[call-arg]
    with ctx.db.session() as s:
        accounts = int(s.scalar(select(func.count()).select_from(Account)) or 0)
    rng = np.random.default_rng(7)
    numbers = rng.choice(np.arange(1, accounts + 1), size=min(accounts, 2 * args.requests + 10), replace=False)
    asked = [f"acc-{k:05d}" for k in numbers.tolist()]
    setup: dict = {"accounts": accounts}
    vectors.seed(ctx)
    retrieval.ingest_store_modules(ctx)
    if accounts > args.board_accounts:
        rest = rng.choice(np.arange(1, accounts + 1), size=args.board_accounts, replace=False)
        sample = sorted(set(asked) | {f"acc-{k:05d}" for k in rest.tolist()})
        setup |= install_bundle(ctx, sample)
    rep = Actor(id="rep-anna", role=Role.sales)
    tasks = {
        "brief": lambda acc: brief(ctx, acc, actor=rep, now=NOW),
        "ask": lambda acc: ask(ctx, AskRequest(question="Mitä tälle asiakkaalle kannattaisi tarjota seuraavaksi?",
                                               account_id=acc), actor=rep, now=NOW),
    }
    for fn in tasks.values():  # warm up: models, templates, the query embedding
        for acc in asked[-3:]:
            fn(acc)
    load = [os.getloadavg()[0]]
    out: dict = {"setup": setup, "cpus": os.cpu_count()}
    for k, (name, fn) in enumerate(tasks.items()):
        wall, cpu = [], []
        for acc in asked[k * args.requests : (k + 1) * args.requests]:
            w, c = time.perf_counter(), time.process_time()
            fn(acc)
            wall.append((time.perf_counter() - w) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        load.append(os.getloadavg()[0])
        out[name] = {"wall_ms": pct(wall), "cpu_ms_p50": round(statistics.median(cpu), 1),
                     "cpu_ms_p95": round(float(np.percentile(cpu, 95)), 1)}
        print(name, json.dumps(out[name]), flush=True)
    out["load_1min"] = {"min": min(load), "max": max(load)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
