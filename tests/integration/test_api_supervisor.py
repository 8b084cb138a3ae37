"""The API's worker supervisor with real worker processes (a tiny app that answers with its process id):
connections spread over the workers, a killed worker is replaced while the others serve, and every way
of stopping the parent stops the workers too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from integrations.api.workers import spreads_connections
from tests.support.workers import children, wait_for, wait_for_log

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not spreads_connections(), reason="SO_REUSEPORT spreads connections on Linux only")


class Server:
    def __init__(self, workers: int) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.asgi_hello", "0", str(workers)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        assert self.proc.stdout and self.proc.stderr
        self.port = int(self.proc.stdout.readline())
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(iter(self.proc.stderr.readline, "")),  # type: ignore[union-attr]
                         daemon=True).start()
        self.root = f"http://127.0.0.1:{self.port}"

    def wait_for(self, what: str, times: int) -> None:
        wait_for_log(self.log, what, times, deadline_s=60)  # a bounded wait for start-ups, not a timed assertion

    def workers(self) -> set[int]:
        """The worker processes (spawned children; not multiprocessing's resource tracker)."""
        return {c for c in children(self.proc.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()}

    def pids_serving(self, connections: int = 16) -> list[int]:
        """Which worker answered each of ``connections`` keep-alive connections opened at once."""
        clients = [httpx.Client(base_url=self.root, timeout=30) for _ in range(connections)]
        try:
            with ThreadPoolExecutor(connections) as pool:
                return list(pool.map(lambda client: int(client.get("/").text), clients))
        finally:
            for client in clients:
                client.close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(workers=2)
    running.wait_for("Application startup complete", 2)
    yield running
    if running.proc.poll() is None:
        os.killpg(running.proc.pid, signal.SIGKILL)
        running.proc.wait(10)


def _running(session: int) -> list[int]:
    """Processes running in ``session`` (the server's, started in a session of its own); zombies do not count."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited while we looked
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            running.append(int(stat.parent.name))
    return running


def _all_exit(session: int, what: str) -> None:
    # a bounded wait for processes to exit, not a timed assertion
    wait_for(lambda: not _running(session), what, deadline_s=30, poll_s=0.25)


def test_connections_opened_together_are_spread_over_the_workers(server: Server) -> None:
    # All 16 on one of the two sockets by the kernel's hash: a chance of 1 in 32,768.
    assert len(set(server.pids_serving())) == 2


def test_a_killed_worker_is_replaced_while_the_other_serves_every_new_connection(server: Server) -> None:
    victim = server.pids_serving()[0]
    os.kill(victim, signal.SIGKILL)
    server.wait_for(f"Worker [{victim}] stopped (killed by SIGKILL)", 1)
    # Its socket is closed at once, so nothing new waits for the replacement: all 16 are answered.
    assert victim not in server.pids_serving()
    server.wait_for("Application startup complete", 3)
    assert len(set(server.pids_serving())) == 2


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_parent_stops_every_worker(server: Server, how: signal.Signals) -> None:
    workers = server.workers()
    assert len(workers) == 2
    os.kill(server.proc.pid, how)  # the parent alone, as a process manager or a closed terminal does
    assert server.proc.wait(30) == 0
    _all_exit(server.proc.pid, "every process of the server to exit")
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.root, timeout=5)


def test_workers_stop_by_themselves_when_their_parent_is_killed(server: Server) -> None:
    assert len(server.workers()) == 2
    os.kill(server.proc.pid, signal.SIGKILL)  # no chance to stop them: they notice the parent is gone
    server.proc.wait(10)
    _all_exit(server.proc.pid, "the orphaned workers to stop by themselves")


def test_a_stop_while_the_workers_start_leaves_none_behind() -> None:
    starting = Server(workers=2)
    time.sleep(0.2)  # the workers are being spawned, none serves yet
    os.kill(starting.proc.pid, signal.SIGTERM)
    assert starting.proc.wait(30) == 0
    _all_exit(starting.proc.pid, "every process of the server to exit")
    assert not any("Application startup complete" in line for line in starting.log)
