"""`polku serve --workers N` as an operator runs it: refused without shared state, and two real worker
processes on PostgreSQL and Redis that behave as one API, share the connections, are replaced when one dies
and stop together."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.pg_store import demo_store
from tests.support.workers import children, wait_for_log

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


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path, workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve("--workers", workers, "--allow-local-state", "--port", str(port), env=polku_env(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "startup" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"


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
def two_workers(pg_db, demo_ctx, tmp_path, redis4) -> Iterator[tuple[str, subprocess.Popen[str], list[str]]]:  # type: ignore[no-untyped-def]
    """`polku serve --workers 2` on a PostgreSQL demo store and Redis, on a loopback port; its log as it grows."""
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
        wait_for_log(log, "Application startup complete", 2, server=proc)
        assert any(f"starting on http://127.0.0.1:{port} with 2 workers" in line for line in log)
        yield f"http://127.0.0.1:{port}", proc, log
    finally:
        with contextlib.suppress(ProcessLookupError):  # the test stopped it already
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
    root, proc, _ = two_workers
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


def _connections_held(pid: int, port: int) -> int:
    """Accepted connections to ``port`` that process ``pid`` holds: its sockets' inodes looked up in the
    kernel's TCP tables (state 01, established)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    held = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for row in table.read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01" and fields[9] in inodes:
                held += 1
    return held


def _open_together(root: str, count: int) -> list[httpx.Client]:
    """``count`` keep-alive connections opened at once, as a load balancer or a busy page opens them."""
    clients = [httpx.Client(base_url=root, timeout=60) for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
        codes = list(pool.map(lambda client: client.get("/healthz").status_code, clients))
    assert codes == [200] * count
    return clients


def _spread(proc: subprocess.Popen[str], port: int) -> dict[int, int]:
    return {pid: n for pid in children(proc.pid) if (n := _connections_held(pid, port))}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_two_workers_share_the_connections_outlive_a_killed_one_and_stop_together(two_workers) -> None:  # type: ignore[no-untyped-def]
    root, proc, log = two_workers
    port = int(root.rsplit(":", 1)[1])

    clients = _open_together(root, 16)
    spread = _spread(proc, port)
    for client in clients:
        client.close()
    # Each worker accepts on a socket of its own, so connections opened together do not all land on one.
    # (All 16 on one of two sockets by the kernel's hash: a chance of 1 in 32,768.)
    assert sum(spread.values()) == 16 and len(spread) == 2, spread

    victim = next(iter(spread))
    os.kill(victim, signal.SIGKILL)
    wait_for_log(log, "Application startup complete", 3, server=proc)  # the replacement's start-up
    assert any(f"Worker [{victim}] stopped (killed by SIGKILL)" in line for line in log)

    clients = _open_together(root, 16)
    after = _spread(proc, port)
    for client in clients:
        client.close()
    assert victim not in after and len(after) == 2 and sum(after.values()) == 16, after

    workers = set(after)
    os.kill(proc.pid, signal.SIGTERM)  # the parent alone, as a process manager stops it
    assert proc.wait(30) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
