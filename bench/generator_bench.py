"""Benchmark of the demo generator: accounts -> rows into a fresh SQLite file.

Each run happens in its own subprocess so peak RSS is per run. Prints one line per run and a JSON
summary; see bench/REPORT-generator.md.

    .venv/bin/python bench/generator_bench.py                 # 10k x3, 100k x1
    .venv/bin/python bench/generator_bench.py --sizes 10000 --repeats 1

Fill a PostgreSQL database (created when missing, must be empty) at full size, with a progress bar,
then ANALYZE it; memory stays at one block of accounts (``generator.BLOCK``) however large:

    nice -n 5 .venv/bin/python bench/generator_bench.py --fill 1000000 \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/scale_data_1m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _one(accounts: int, path: Path) -> dict:
    from copilot.core.store.db import Database, make_engine, migrate
    from copilot.demo.generator import generate

    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    db = Database(engine)
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    summary = generate(db, accounts=accounts, seed=7, now=NOW)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = sum(summary.rows.values())
    return {
        "accounts": accounts,
        "rows": rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rows_per_s_wall": round(rows / wall),
        "rows_per_s_cpu": round(rows / cpu),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "db_mb": round(path.stat().st_size / 2**20),
        "tables": summary.rows,
    }


def fill(url: str, accounts: int) -> dict:
    """Generate ``accounts`` into the database at ``url`` with a progress bar; returns the figures."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from copilot.core.store.db import Database, make_engine, migrate
    from copilot.demo.generator import BLOCK, generate, step_count

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = make_engine(url)
    migrate(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task(f"{accounts:,} accounts, {BLOCK:,} per block", total=step_count(accounts))
        summary = generate(Database(engine), accounts=accounts, seed=7, now=NOW,
                           progress=lambda step: bar.update(task, advance=1, description=step))
    load_s = time.perf_counter() - wall
    with engine.connect() as conn:  # the planner needs statistics of the new rows at once
        conn.execute(text("ANALYZE"))
        conn.commit()
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    rows = sum(summary.rows.values())
    return {
        "accounts": accounts,
        "rows": rows,
        "load_wall_s": round(load_s, 1),
        "with_analyze_wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "rows_per_s_wall": round(rows / load_s),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "db_mb": round(size / 2**20),
        "load_after": round(os.getloadavg()[0], 2),
        "tables": summary.rows,
    }


def _run(accounts: int, directory: Path, k: int) -> dict:
    path = directory / f"gen-{accounts}-{k}.sqlite3"
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(accounts), "--db", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, nargs="+", default=[3, 1], help="runs per size")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--fill", type=int, metavar="ACCOUNTS", help="fill the database at --url instead")
    parser.add_argument("--url", help="SQLAlchemy URL of a PostgreSQL database for --fill")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.db)))
        return
    if args.fill:
        if not args.url:
            parser.error("--fill needs --url")
        print(json.dumps(fill(args.url, args.fill)))
        return
    repeats = args.repeats + [args.repeats[-1]] * (len(args.sizes) - len(args.repeats))
    results = []
    for accounts, times in zip(args.sizes, repeats, strict=False):
        for k in range(times):
            r = _run(accounts, args.dir, k)
            results.append(r)
            print(
                f"{accounts:>7} accounts  {r['rows']:>9} rows  wall {r['wall_s']:7.1f} s  cpu {r['cpu_s']:7.1f} s  "
                f"{r['rows_per_s_wall']:>8} rows/s wall  {r['rows_per_s_cpu']:>8} rows/s cpu  "
                f"rss {r['peak_rss_mb']} MB  load {r['load_before']}->{r['load_after']}",
                flush=True,
            )
    print(json.dumps([{k: v for k, v in r.items() if k != "tables"} for r in results], indent=1))
    print(json.dumps({r["accounts"]: r["tables"] for r in results}))


if __name__ == "__main__":
    main()
