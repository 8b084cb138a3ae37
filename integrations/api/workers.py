"""Several API worker processes on one port, each accepting from a listening socket of its own.

uvicorn's supervisor hands every worker the same listening socket. A worker's event loop accepts every
connection waiting when it wakes up, so keep-alive connections opened together often all land on one worker
and stay there (bench/REPORT-scale-api.md). Here each worker gets its own socket bound to the same address
with ``SO_REUSEPORT``, and Linux hashes every new connection to one of them, so connections spread as they
arrive. A socket starts listening when its worker's app is ready (uvicorn listens then), so a port whose
workers are all still starting refuses connections instead of holding them.

The parent binds the sockets (a port in use is one clear error) and claims the port, so a second server
cannot join the first one's sockets while they are not listening yet. It starts a worker per socket,
replaces a worker that dies or stops answering its pings, and stops them all on SIGINT, SIGTERM or SIGHUP.
A worker whose parent is gone stops too, rather than serving on as an orphan beside the next server.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE  # a worker whose app failed to import or to start exits with it

from copilot.core.errors import PolkuError

APP = "integrations.api.app:build_migrated"
GRACE_S = 5
"""Seconds a worker gets to finish the requests in flight when it is told to stop."""
STOP_S = GRACE_S + 3
"""How long the parent waits for its workers to stop before killing them: inside the 10 s a container
runtime (Docker, Kubernetes) gives a process between SIGTERM and SIGKILL."""
PING_EVERY_S = 5.0
PING_TIMEOUT_S = 30.0
"""A worker that leaves a ping unanswered this long is hung: killed and replaced. Generous, because a worker
still importing answers late, and replacing it would only start the import again."""
QUICK_DEATH_S = 10.0
"""A worker that dies before its app served, or sooner than this after it was started, is replaced after a
pause that doubles each time (up to :data:`MAX_PAUSE_S`), so a crash at start-up does not spin."""
MAX_PAUSE_S = 30.0

log = logging.getLogger("uvicorn.error")


def spreads_connections() -> bool:
    """True where ``SO_REUSEPORT`` balances connections over the sockets that share a port (Linux); on the
    BSDs and macOS it hands them all to one socket, so one shared socket is no worse there."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bound(family: socket.AddressFamily, host: str, port: int, *, share: bool) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait out TIME_WAIT
        if share:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def bind_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host:port`` (port 0: one free port picked for all), not yet listening.

    Bound in the parent, so a port that is taken is one clear error before any worker starts. Any socket of
    this user that sets ``SO_REUSEPORT`` may join a port that only such sockets hold, so a plain socket
    tries the port first: another server on it (an older `polku serve` still running) is refused, not joined.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        if count > 1:
            with _bound(family, host, port, share=False) as probe:
                port = probe.getsockname()[1]
        for _ in range(count):
            sockets.append(_bound(family, host, port, share=count > 1))
            port = sockets[-1].getsockname()[1]  # after port 0, the others join the one picked
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise PolkuError("config", f"cannot listen on {address(host, port)}: {exc.strerror or exc}") from None
    return sockets


def claim_port(host: str, port: int) -> socket.socket:
    """A claim on ``port`` for the life of this process: an abstract Unix socket (Linux) named after it,
    which the kernel drops when the process ends. While a server's workers start, their sockets are bound
    but not listening, and another server's could still join them; its claim is refused instead."""
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0polku-serve:{port}")
    except OSError:
        claim.close()
        raise PolkuError("config", f"cannot listen on {address(host, port)}: another polku serve is starting "
                                   "or serving on that port") from None
    return claim


def _rebound(old: socket.socket) -> socket.socket:
    """A fresh socket on ``old``'s port, in place of ``old``, whose worker died. Closing ``old`` resets the
    connections queued on it (the client or the load balancer retries them on a live worker) instead of
    leaving them, and the new ones the kernel would keep sending there, to wait for the replacement."""
    host, port = old.getsockname()[:2]
    new = _bound(old.family, host, port, share=True)
    old.close()
    return new


@dataclass(frozen=True)
class WorkerOptions:
    host: str
    port: int
    log_level: str
    app: str = APP
    """The ASGI app factory, ``module:function``."""


def _answer_pings(pings: Connection, server: uvicorn.Server) -> None:
    try:
        while True:
            pings.recv()
            pings.send(server.started)
    except (EOFError, OSError):
        # The parent is gone (killed, or its terminal closed): stop as if told to, instead of serving on.
        os.kill(os.getpid(), signal.SIGTERM)


class _Listening:
    """Whether ``sock`` listens once the app has started. Another program may take the port while the
    socket is bound but not listening (a start-up takes seconds); uvloop then swallows the failed listen and
    the worker would run without serving anything."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        # A descriptor of our own: uvloop takes over the one it is given.
        self.server, self.sock = server, sock.dup()
        self.failed = False
        threading.Thread(target=self._watch, name="listening", daemon=True).start()

    def _watch(self) -> None:
        with self.sock:
            while not (self.server.started or self.server.should_exit):
                time.sleep(0.1)
            if self.server.started and not self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                log.error("Cannot listen on %s: another program took the port while the app started.",
                          address(*self.sock.getsockname()[:2]))
                self.failed = True
                self.server.should_exit = True


def serve_on(sock: socket.socket, options: WorkerOptions, pings: Connection | None = None) -> None:
    """One worker: the API on ``sock`` until SIGINT or SIGTERM (in a child of :class:`Supervisor`, or alone).
    Exits with uvicorn's STARTUP_FAILURE when the app cannot start or the socket cannot listen.

    ``pings`` (from the parent) is answered from a thread of its own with whether the app is serving yet."""
    config = uvicorn.Config(options.app, factory=True, host=options.host, port=options.port,
                            log_level=options.log_level, access_log=options.log_level == "debug",
                            timeout_graceful_shutdown=GRACE_S)
    server = uvicorn.Server(config)
    if pings is not None:
        # A closed terminal sends SIGHUP to the whole group, which uvicorn does not handle: the parent stops
        # this worker gracefully instead.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        threading.Thread(target=_answer_pings, args=(pings, server), name="pings", daemon=True).start()
    listening = _Listening(server, sock)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C reaches the whole group: uvicorn has stopped gracefully by then
        pass
    except Exception:
        if server.started:
            raise
        log.exception("The app could not start.")  # e.g. its factory raised: the next worker would too
        sys.exit(STARTUP_FAILURE)
    if listening.failed:
        sys.exit(STARTUP_FAILURE)


@dataclass
class Worker:
    process: BaseProcess
    pings: Connection
    """The parent's end of the pipe the worker answers pings on."""
    started_at: float = field(default_factory=time.monotonic)
    serving: bool = False
    """It has answered a ping with its app serving."""
    pinged_at: float = 0.0
    waiting_since: float | None = None
    """When the ping now unanswered was sent."""


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:  # a real-time signal has no name
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class Supervisor:
    """Starts one worker per socket, replaces a worker that dies or hangs, and stops them all on SIGINT,
    SIGTERM or SIGHUP."""

    tick_s = 0.5
    ping_every_s = PING_EVERY_S
    ping_timeout_s = PING_TIMEOUT_S

    def __init__(self, sockets: list[socket.socket], options: WorkerOptions) -> None:
        self.sockets = sockets
        self.options = options
        self.workers: list[Worker] = []
        self.served = False
        """Some worker has reported its app serving: from then on, a replacement that cannot start is
        retried (a database that blinked) instead of stopping the workers that serve."""
        self._spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked locks or connections
        self._signal: int | None = None
        self._pause = [0.0] * len(sockets)
        self._due: dict[int, float] = {}
        """Slots whose replacement waits out a pause: when it may start."""

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signal = signum  # only a plain assignment here: a lock taken in a handler can deadlock

    def _start(self, index: int) -> Worker:
        ours, theirs = self._spawn.Pipe()
        process = self._spawn.Process(target=serve_on, args=(self.sockets[index], self.options, theirs),
                                      name=f"polku-api-{index}")
        process.start()
        theirs.close()
        return Worker(process, ours)

    def run(self) -> int:
        """Serves until a signal stops it; returns the exit code for the command."""
        uvicorn.Config(self.options.app, log_level=self.options.log_level)  # uvicorn's log format here too
        stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        before = {signum: signal.signal(signum, self._on_signal) for signum in stops}
        log.info("Started parent process [%d]: %d workers, a socket each", os.getpid(), len(self.sockets))
        code = 0
        try:
            for index in range(len(self.sockets)):
                if self._signal is None:
                    self.workers.append(self._start(index))
            while self._signal is None and not code:
                time.sleep(self.tick_s)
                code = self._look_after(time.monotonic())
        finally:
            if self._signal is not None:
                log.info("Received %s, stopping the workers.", signal.Signals(self._signal).name)
            self._stop_all()
            for signum, handler in before.items():
                signal.signal(signum, handler)
        return code

    def _look_after(self, now: float) -> int:
        """Replaces the workers that died or hang; returns STARTUP_FAILURE when none could ever start."""
        for index, worker in enumerate(self.workers):
            if self._signal is not None:
                break
            if index in self._due:
                if now >= self._due[index]:
                    del self._due[index]
                    self.workers[index] = self._start(index)
                continue
            if worker.process.is_alive() and self._answers(worker, now):
                continue
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
                why = f"left a ping unanswered for {self.ping_timeout_s:g} s"
            elif worker.process.exitcode == STARTUP_FAILURE and not self.served:
                log.error("Worker [%s] could not start (its error is above); stopping.", worker.process.pid)
                return STARTUP_FAILURE
            else:
                why = f"stopped ({_how(worker.process.exitcode)})"
            self._replace(index, worker, now, why)
        return 0

    def _replace(self, index: int, worker: Worker, now: float, why: str) -> None:
        """A fresh socket for the slot at once (logged after it, so the log says its share goes elsewhere),
        and a new worker on it now or after a pause."""
        worker.pings.close()
        self.sockets[index] = _rebound(self.sockets[index])
        quick = not worker.serving or now - worker.started_at < QUICK_DEATH_S
        self._pause[index] = min(MAX_PAUSE_S, max(1.0, 2 * self._pause[index])) if quick else 0.0
        if self._pause[index]:
            log.warning("Worker [%s] %s; another starts in %g s.", worker.process.pid, why, self._pause[index])
            self._due[index] = now + self._pause[index]
        else:
            log.warning("Worker [%s] %s; starting another.", worker.process.pid, why)
            self.workers[index] = self._start(index)

    def _answers(self, worker: Worker, now: float) -> bool:
        """False once a ping has gone unanswered for ``ping_timeout_s``; never waits."""
        try:
            while worker.pings.poll(0):
                worker.serving = worker.pings.recv() or worker.serving
                self.served = self.served or worker.serving
                worker.waiting_since = None
            every = self.ping_every_s if worker.serving else 0.0  # until it serves, every tick: soon known
            if worker.waiting_since is None and now - worker.pinged_at >= every:
                worker.pings.send(b"ping")
                worker.pinged_at = worker.waiting_since = now
        except (EOFError, OSError):  # it died just now: the next look replaces it
            return True
        return worker.waiting_since is None or now - worker.waiting_since < self.ping_timeout_s

    def _stop_all(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then exits
        for sock in self.sockets:
            sock.close()  # the workers' copies stop listening as they stop: new connections are refused
        deadline = time.monotonic() + STOP_S
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning("Worker [%s] did not stop in time; killing it.", worker.process.pid)
                worker.process.kill()
                worker.process.join()
            worker.pings.close()
        log.info("Stopped parent process [%d]", os.getpid())
