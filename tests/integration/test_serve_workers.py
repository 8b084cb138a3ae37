"""`polku serve --workers N` as an operator runs it: refused without shared state, and two real worker
processes on PostgreSQL and Redis that behave as one API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.pg_store import demo_store

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/4"
"""Database 4: the serve test's own, so the in-process tests' database 3 is never flushed under it."""
ORIGIN = "https://www.kaarna.example"
BURST = 6


def polku_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLKU_")}
    return {**env, "POLKU_DATA_DIR": str(data_dir), **extra}


def serve(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "copilot", "serve", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=300)


def test_several_workers_on_sqlite_without_redis_are_refused_with_the_reason(tmp_path: Path) -> None:
    done = serve("--workers", "2", env=polku_env(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "SQLite" in line and "POLKU_REDIS_URL" in line and "2× the burst" in line and "--allow-local-state" in line


@pytest.mark.postgres
def test_several_workers_without_redis_are_refused_on_postgres_too(tmp_path: Path, pg_db) -> None:  # type: ignore[no-untyped-def]
    url = pg_db.engine.url.render_as_string(hide_password=False)
    done = serve("--workers", "3", env=polku_env(tmp_path, POLKU_DATABASE_URL=url))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "POLKU_REDIS_URL" in line and "SQLite" not in line and "3× the burst" in line


def test_an_unreachable_redis_stops_serve_before_it_starts(tmp_path: Path) -> None:
    done = serve("--workers", "1", env=polku_env(tmp_path, POLKU_REDIS_URL="redis://:pw@127.0.0.1:1/0"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "cannot reach Redis at 127.0.0.1:1/0" in line and "pw" not in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis4() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def two_workers(pg_db, demo_ctx, tmp_path, redis4) -> Iterator[tuple[str, subprocess.Popen[str]]]:  # type: ignore[no-untyped-def]
    """`polku serve --workers 2` on a PostgreSQL demo store and Redis, on a loopback port."""
    data = tmp_path / "data"
    demo_store(pg_db, demo_ctx, data, accounts=60)
    url = pg_db.engine.url.render_as_string(hide_password=False)
    port = _free_port()
    env = polku_env(data, POLKU_DATABASE_URL=url, POLKU_REDIS_URL=REDIS_URL, POLKU_ENVIRONMENT="development",
                    POLKU_API_DEV_KEYS="true", POLKU_ALLOWED_ORIGINS=json.dumps([ORIGIN]),
                    POLKU_WIDGET_RATE_BURST=str(BURST), POLKU_WIDGET_RATE_PER_S="0.001")
    proc = subprocess.Popen([sys.executable, "-m", "copilot", "serve", "--workers", "2", "--port", str(port),
                             "--log-level", "info"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")) if proc.stderr else None,
                              daemon=True)
    reader.start()
    try:
        # A bounded wait until both workers have warmed up (each logs its start-up), not a timed assertion.
        for _ in range(1200):
            if proc.poll() is not None:
                raise AssertionError("polku serve exited: " + "".join(log)[-3000:])
            if sum("Application startup complete" in line for line in log) == 2:
                break
            time.sleep(0.25)
        else:
            raise AssertionError("two workers did not start: " + "".join(log)[-3000:])
        yield f"http://127.0.0.1:{port}", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def _workers(client: redis.Redis) -> set[str]:
    """The processes that have talked to this test's Redis database (each names its connection by host and
    pid); other tests' processes use other databases of the same server at the same time."""
    db = str(client.connection_pool.connection_kwargs.get("db", 0))
    return {c["name"] for c in client.client_list() if c.get("name", "").startswith("polku:") and c.get("db") == db}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_two_workers_serve_a_chat_and_give_a_caller_one_burst(two_workers, redis4) -> None:  # type: ignore[no-untyped-def]
    root, proc = two_workers
    staff = {"X-API-Key": "dev-admin-key"}
    with httpx.Client(base_url=root, timeout=60) as api:
        first = api.post("/v1/ask", json={"question": "What does Kaarna HR Core cost?", "language": "en"},
                         headers=staff)
        assert first.status_code == 200, first.text
        thread = first.json()["thread_id"]
        more = api.post("/v1/ask", json={"question": "And Kaarna Flow?", "language": "en", "thread_id": thread},
                        headers=staff)
        assert more.status_code == 200 and more.json()["thread_id"] == thread

    # One widget caller's burst, each request on a new connection so both workers take some.
    widget = {"X-API-Key": "dev-widget-key", "Origin": ORIGIN}
    codes = []
    for _ in range(4 * BURST):
        with httpx.Client(base_url=root, timeout=60) as fresh:
            codes.append(fresh.post("/v1/widget/feedback", json={"audit_id": "aud-none", "rating": "up"},
                                    headers=widget).status_code)
    assert codes.count(404) == BURST and codes.count(429) == 3 * BURST  # 404: let through; 429: refused
    assert len(_workers(redis4)) == 2  # both worker processes took part (the parent never uses Redis after ping)
    assert proc.poll() is None
