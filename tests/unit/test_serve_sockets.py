"""The sockets of `polku serve --workers N` (one per worker, all on one port; a port that is taken is one
clear error) and the supervisor that keeps a worker on each, with workers scripted to die or hang."""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import pytest
from uvicorn.config import STARTUP_FAILURE

from copilot.core.errors import PolkuError
from integrations.api.workers import (
    Supervisor,
    Worker,
    WorkerOptions,
    bind_sockets,
    claim_port,
    serve_on,
    spreads_connections,
)

pytestmark = pytest.mark.skipif(not spreads_connections(), reason="SO_REUSEPORT spreads connections on Linux only")


def test_each_worker_gets_its_own_socket_on_the_one_port_picked() -> None:
    sockets = bind_sockets("127.0.0.1", 0, 3)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == 1 and ports != {0} and len({s.fileno() for s in sockets}) == 3
        port = ports.pop()
        # Not listening until a worker's app is ready: a client is refused, not left waiting.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        for sock in sockets:
            sock.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            ready, _, _ = select.select(sockets, [], [], 5)
        assert len(ready) == 1  # the kernel gave the connection to one socket of the three
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.parametrize("count", [1, 2])
def test_a_port_another_program_listens_on_is_refused_before_any_worker_starts(count: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PolkuError) as caught:
            bind_sockets("127.0.0.1", port, count)
    assert caught.value.code == "config"
    assert f"cannot listen on 127.0.0.1:{port}" in str(caught.value) and "in use" in str(caught.value)


def test_a_second_group_of_workers_is_refused_the_port_of_the_first() -> None:
    first = bind_sockets("127.0.0.1", 0, 2)
    try:
        for sock in first:
            sock.listen()
        with pytest.raises(PolkuError, match="in use"):
            bind_sockets("127.0.0.1", first[0].getsockname()[1], 2)
    finally:
        for sock in first:
            sock.close()


def test_a_single_worker_keeps_its_port_to_itself() -> None:
    (sock,) = bind_sockets("127.0.0.1", 0, 1)
    try:
        with socket.socket() as intruder:
            intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            with pytest.raises(OSError):
                intruder.bind(("127.0.0.1", sock.getsockname()[1]))
    finally:
        sock.close()


class ScriptedWorkers(Supervisor):
    """Workers that do what the test says instead of serving: the first on each socket runs ``first``,
    every replacement exits at once with uvicorn's start-up failure code (which ends the server)."""

    tick_s = 0.1
    ping_timeout_s = 3600.0  # scripted workers never answer: none counts as hung unless a test says so

    def __init__(self, first: tuple[Callable[..., object], tuple[object, ...]]) -> None:
        super().__init__(bind_sockets("127.0.0.1", 0, 2), WorkerOptions("127.0.0.1", 0, "warning"))
        self.first = first
        self.started: list[int] = []
        self.processes: list[BaseProcess] = []
        self.unanswered: list[Connection] = []

    def _start(self, index: int) -> Worker:
        target, args = self.first if index not in self.started else (sys.exit, (STARTUP_FAILURE,))
        self.started.append(index)
        spawn = multiprocessing.get_context("spawn")
        ours, theirs = spawn.Pipe()  # ``theirs`` stays open here and unanswered: a worker that never pongs
        self.unanswered.append(theirs)
        process = spawn.Process(target=target, args=args)
        process.start()
        self.processes.append(process)
        return Worker(process, ours, pinged_at=time.monotonic())

    def run_bounded(self, seconds: float = 30) -> int:
        """run(), ended by a SIGTERM after ``seconds`` should the behaviour under test not end it (0, not a
        hang)."""
        watchdog = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGTERM))
        watchdog.start()
        try:
            return self.run()
        finally:
            watchdog.cancel()
            for end in self.unanswered:
                end.close()


def test_a_worker_that_dies_is_replaced_and_one_that_cannot_start_stops_the_server() -> None:
    supervisor = ScriptedWorkers(first=(sys.exit, (1,)))
    handler = signal.getsignal(signal.SIGTERM)
    first_sockets = list(supervisor.sockets)
    assert supervisor.run_bounded() == STARTUP_FAILURE
    # Each socket got a replacement after its worker died; the first replacement failing to start ended it.
    assert supervisor.started[:2] == [0, 1] and len(supervisor.started) >= 3
    # The dead worker's socket was swapped for a fresh one, and every socket is closed now: the port is free.
    assert all(sock.fileno() == -1 for sock in first_sockets + supervisor.sockets)
    assert supervisor.sockets != first_sockets
    assert signal.getsignal(signal.SIGTERM) is handler  # the command's own handlers are back


def test_workers_that_cannot_start_stop_the_server_at_once() -> None:
    supervisor = ScriptedWorkers(first=(sys.exit, (STARTUP_FAILURE,)))
    assert supervisor.run_bounded() == STARTUP_FAILURE
    assert supervisor.started == [0, 1]


def test_a_worker_that_stops_answering_pings_is_killed_and_replaced() -> None:
    supervisor = ScriptedWorkers(first=(time.sleep, (600,)))  # alive, but its pings go unanswered
    supervisor.ping_timeout_s = 0.5
    assert supervisor.run_bounded() == STARTUP_FAILURE
    assert supervisor.started[:3] == [0, 1, 0] and supervisor.processes[0].exitcode == -signal.SIGKILL


def test_once_a_worker_served_a_replacement_that_cannot_start_is_retried_not_fatal() -> None:
    supervisor = ScriptedWorkers(first=(sys.exit, (1,)))
    supervisor.served = True  # as after a worker answered a ping with its app serving
    assert supervisor.run_bounded(seconds=8) == 0  # the watchdog's SIGTERM ended it: it kept retrying
    assert supervisor.started.count(0) >= 3  # at 0 s, then after pauses of 1 s and 2 s


def test_a_second_polku_serve_is_refused_the_port_while_the_first_one_starts() -> None:
    # The first one's sockets are bound and not yet listening: the kernel would let a second group join.
    first = bind_sockets("127.0.0.1", 0, 2)
    port = first[0].getsockname()[1]
    try:
        with claim_port("127.0.0.1", port):
            second = bind_sockets("127.0.0.1", port, 2)  # what the kernel allows...
            for sock in second:
                sock.close()
            with pytest.raises(PolkuError, match="another polku serve is starting or serving on that port"):
                claim_port("127.0.0.1", port)  # ...and what the second server is refused
        with claim_port("127.0.0.1", port):  # released with the first: a restart gets it
            pass
    finally:
        for sock in first:
            sock.close()


def _serve_in_child(sock: socket.socket, app: str) -> int | None:
    worker = multiprocessing.get_context("spawn").Process(
        target=serve_on, args=(sock, WorkerOptions("127.0.0.1", sock.getsockname()[1], "warning", app=app)))
    worker.start()
    worker.join(120)
    if worker.is_alive():
        worker.kill()
        worker.join()
    return worker.exitcode


def test_a_worker_whose_socket_another_program_took_exits_as_a_failed_start() -> None:
    (sock,) = bind_sockets("127.0.0.1", 0, 1)
    with socket.socket() as other:  # bound meanwhile with SO_REUSEADDR, and listening first
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(sock.getsockname())
        other.listen()
        try:
            assert _serve_in_child(sock, "tests.support.asgi_hello:build") == STARTUP_FAILURE
        finally:
            sock.close()


def test_a_worker_whose_app_factory_raises_exits_as_a_failed_start() -> None:
    (sock,) = bind_sockets("127.0.0.1", 0, 1)
    try:
        assert _serve_in_child(sock, "tests.support.asgi_hello:broken") == STARTUP_FAILURE
    finally:
        sock.close()
