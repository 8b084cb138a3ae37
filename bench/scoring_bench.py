"""Scoring benchmark: every account of a large store (lead, churn, CLV, tier) and the CDNOW fit.

    python bench/scoring_bench.py [--store PATH] [--accounts 100000] [--repeats 3]

Builds the demo store at PATH with the generator when the file does not exist yet, loads its
frames once (timed separately: that is I/O, not scoring), then times ``tools.scoring.score_all``
(churn model training included) ``--repeats`` times, and the BG/NBD + Gamma-Gamma fit on CDNOW.
Writes bench/REPORT-scoring.md with medians, spreads and peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copilot.store.db import Database, make_engine, migrate
from tools import bgnbd, cdnow, features, scoring
from tools.rfm import rfm_summary

NOW = datetime(2025, 6, 2, 12)
OUT = Path(__file__).with_name("REPORT-scoring.md")


def _spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


ID_COLUMNS = ("account_id", "contact_id", "lead_id", "order_id", "contract_id", "ticket_id", "opportunity_id")


def tile(frames: features.Frames, copies: int) -> features.Frames:
    """``copies`` renamed copies of a store's frames: a big store with the generator's shapes, in seconds."""
    import pandas as pd

    def grow(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        parts = []
        for k in range(copies):
            part = df.copy()
            for col in ID_COLUMNS:
                if col in part.columns:
                    part[col] = part[col].where(part[col].isna(), part[col].astype(str) + f"-{k}")
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    return features.Frames(**{name: grow(getattr(frames, name)) for name in features.Frames.__dataclass_fields__})


def single_account(path: Path, accounts: int = 500, n: int = 15) -> list[str]:
    """Cold and warm latency of tools.service.score_account / next_actions on the demo-sized store."""
    import shutil
    import tempfile

    from copilot.context import AppContext
    from copilot.identity import Actor, Role
    from copilot.settings import Settings
    from tools import service

    engine = make_engine(f"sqlite:///{path}")
    if not path.exists() or path.stat().st_size < 100_000:
        from copilot.demo.generator import generate

        migrate(engine)
        generate(Database(engine), accounts=accounts, seed=7, now=NOW.replace(tzinfo=UTC))
    data_dir = Path(tempfile.mkdtemp(prefix="polku-bench-"))
    actor = Actor(id="admin", role=Role.admin)

    def ctx() -> AppContext:
        c = AppContext(settings=Settings(data_dir=data_dir, database_url=f"sqlite:///{path}"))
        c.__dict__["db"] = Database(engine)
        return c

    ids = [f"acc-{i:05d}" for i in range(1, n + 1)]
    t = time.perf_counter()
    service.score_account(ctx(), actor, ids[0], now=NOW)
    cold = time.perf_counter() - t  # nothing cached: trains both models, scores the board, persists
    t = time.perf_counter()
    service.score_account(ctx(), actor, ids[0], now=NOW)
    disk = time.perf_counter() - t  # a new process/context: the models come from the joblib file
    c = ctx()
    warm_score, warm_next = [], []
    for acc in ids:
        t = time.perf_counter()
        service.score_account(c, actor, acc, now=NOW)
        warm_score.append(time.perf_counter() - t)
        t = time.perf_counter()
        service.next_actions(c, actor, account_id=acc, now=NOW)
        warm_next.append(time.perf_counter() - t)
    shutil.rmtree(data_dir, ignore_errors=True)

    def ms(xs: list[float]) -> str:
        q = sorted(xs)
        return (f"median {statistics.median(xs) * 1000:.0f} ms (min {q[0] * 1000:.0f}, "
                f"p90 {q[int(0.9 * (len(q) - 1))] * 1000:.0f}, max {q[-1] * 1000:.0f}, n={len(xs)})")

    return [
        f"## Single-account requests ({accounts}-account demo store, SQLite `{path}`)", "",
        "| request | time | target |", "|---|---|---|",
        f"| score_account, cold (no cache: train churn + conversion, score the board, persist) | {cold:.2f} s | – |",
        f"| score_account, new context (models and board from the joblib cache) | {disk * 1000:.0f} ms | – |",
        f"| score_account, warm | {ms(warm_score)} | < 300 ms |",
        f"| next_actions (one account), warm | {ms(warm_next)} | < 300 ms |", "",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", type=Path, default=Path("/tmp/polku-bench-100k.sqlite3"))
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--single-store", type=Path, default=Path("/tmp/polku-bench-500.sqlite3"),
                    help="the demo-sized store for the single-account latencies")
    ap.add_argument("--tile", type=int, default=1,
                    help="score this many renamed copies of the store (e.g. a 2,000-account store × 50)")
    args = ap.parse_args()
    load0 = os.getloadavg()
    engine = make_engine(f"sqlite:///{args.store}")
    fresh = not args.store.exists() or args.store.stat().st_size < 100_000
    gen_s = None
    if fresh:
        from copilot.demo.generator import generate

        migrate(engine)
        t = time.perf_counter()
        generate(Database(engine), accounts=args.accounts, seed=7, now=NOW.replace(tzinfo=UTC))
        gen_s = time.perf_counter() - t
    db = Database(engine)
    t, c = time.perf_counter(), time.process_time()
    with db.session() as s:
        frames = features.load(s)
    load_s, load_cpu = time.perf_counter() - t, time.process_time() - c
    if args.tile > 1:
        frames = tile(frames, args.tile)
    n = len(frames.accounts)
    runs, parts, cpus = [], [], []
    for _ in range(args.repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        model = scoring.train_churn(frames, NOW)
        t1 = time.perf_counter()
        board = scoring.score_all(frames, NOW, churn_model=model)
        t2 = time.perf_counter()
        runs.append(t2 - t0)
        cpus.append(time.process_time() - c0)
        parts.append((t1 - t0, t2 - t1))
    assert len(board) == n and board["clv"].notna().all()
    tracemalloc.start()
    scoring.score_all(frames, NOW)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tx = cdnow.cdnow_transactions()
    rfm = rfm_summary(tx, calibration_end=cdnow.CALIBRATION_END)
    fits = []
    for _ in range(10):
        t = time.perf_counter()
        bgnbd.fit_bgnbd(rfm["x"], rfm["t_x"], rfm["T"])
        bgnbd.fit_gamma_gamma(rfm["x"], rfm["zbar"])
        fits.append(time.perf_counter() - t)
    single = single_account(args.single_store)
    load1 = os.getloadavg()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = {k: len(getattr(frames, k)) for k in ("leads", "events", "orders", "contracts", "usage", "tickets")}
    lines = [
        "# Scoring benchmark", "",
        "Generated by `python bench/scoring_bench.py` (do not edit by hand).", "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
        "(a shared machine: other jobs compete for the two CPUs, so wall times are noisy).", "",
        f"Store: {n:,} accounts ({', '.join(f'{v:,} {k}' for k, v in rows.items())}), SQLite `{args.store}`"
        + (f" tiled × {args.tile} (renamed copies of its frames)" if args.tile > 1 else "")
        + (f", generated in {gen_s:.0f} s" if gen_s else "") + ".", "",
        "| step | time | target |", "|---|---|---|",
        f"| score every account (lead + churn training and scoring + CLV fit + tier) | {_spread(runs)} | ≤ 10 s |",
        f"| … the same, CPU time of this process | {_spread(cpus)} | |",
        f"| … of which churn model training | median {statistics.median(p[0] for p in parts):.2f} s | |",
        f"| … of which scoring (lead, churn, BG/NBD+GG CLV, tiers) | "
        f"median {statistics.median(p[1] for p in parts):.2f} s"
        " | |",
        f"| CDNOW BG/NBD + Gamma-Gamma fit (2,357 customers) | {_spread(fits)} | ≤ 1 s |",
        f"| loading the store's frames (I/O, not scoring) | {load_s:.2f} s (CPU {load_cpu:.2f} s) | – |", "",
        f"Peak memory: {traced_peak / 2**20:,.0f} MiB allocated during one score-every-account run (tracemalloc); "
        f"process peak RSS {rss_mb:,.0f} MiB (frames included).", "",
        *single,
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
