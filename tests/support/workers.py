"""Real Celery workers for the job tests: `polku worker` processes on a real broker, and waiting for jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 300.0
"""How long a test waits for a job before it gives up (a hang is a failure, not a slow pass)."""


def worker_env(*, data_dir: Path, database_url: str, broker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLKU_")}
    env.update({"POLKU_DATA_DIR": str(data_dir), "POLKU_DATABASE_URL": database_url, "POLKU_WORKER_BROKER_URL": broker,
                "POLKU_JOBS_BACKEND": "celery", "POLKU_ENVIRONMENT": "test", "PYTHONPATH": str(ROOT), **extra})
    return env


class Worker:
    """One `polku worker` process (in its own process group, so a kill takes everything it runs)."""

    def __init__(self, env: dict[str, str], queues: str, log: Path, loglevel: str = "warning") -> None:
        self.log = log
        self._fh = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copilot", "worker", "--queues", queues, "--concurrency", "1",
             "--loglevel", loglevel],
            env=env, cwd=log.parent, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to acknowledge or hand back the chunk in hand."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._fh.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._fh.close()


def wait_for(check: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S, poll_s: float = 0.2) -> Any:
    """Poll until ``check()`` is truthy and return it; fail with ``what`` when the deadline passes."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"gave up waiting for {what}")


def wait_for_log(log: list[str], line: str, times: int, *, server: subprocess.Popen[str] | None = None,
                 deadline_s: float = DEADLINE_S) -> None:
    """Wait until ``line`` shows in a server's ``log`` (collected as it grows) ``times`` times; fail with the
    log's tail, also as soon as ``server`` exits."""
    def count() -> int:
        return sum(line in entry for entry in log)

    def exited() -> bool:
        return server is not None and server.poll() is not None

    what = f"{line!r} {times}× in the log"
    try:
        wait_for(lambda: count() >= times or exited(), what, deadline_s=deadline_s, poll_s=0.25)
    except AssertionError:
        raise AssertionError(f"gave up waiting for {what}: " + "".join(log)[-3000:]) from None
    if count() < times:
        raise AssertionError("the server exited: " + "".join(log)[-3000:])


def children(pid: int) -> set[int]:
    """The processes ``pid`` started that still run (Linux)."""
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
