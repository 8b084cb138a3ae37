"""REST API load benchmark: `polku serve` (uvicorn, composer engine, demo data) on loopback.

    python bench/api_load.py [--data-dir DIR] [--chat 2000] [--brief 500] [--concurrency 16] [--rate 100]
                             [--repeats 3] [--workers 1]

Builds the demo store in DIR with `polku demo` when it is empty, starts `polku serve` on 127.0.0.1
with a free port (rate limits lifted for the run), waits for /readyz, then per repeat:

* chat: ``--chat`` POST /v1/widget/ask (visitor, widget key, allowed Origin), a fixed rotation of
  questions, ``--concurrency`` keep-alive connections each sending its next request as soon as the
  last one is answered (closed loop: the most the server does, latency includes the queue);
* chat at the goal's rate: ``--chat`` requests sent on a fixed schedule of ``--rate`` per second
  whatever the answers do (open loop; latency counted from the scheduled send, so a slow server
  cannot hide its backlog);
* brief: ``--brief`` GET /v1/accounts/{id}/brief over a rotation of accounts;
* SSE: time to the first event (``progress``) of /v1/ask/stream, on an idle server and while a chat
  load runs.

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio streams (cheaper than httpx,
so the client steals less CPU from the server on the same machine). Reports requests/s,
p50/p95/p99, errors, the server's and the load generator's CPU time, and medians with spreads over
the repeats; writes bench/REPORT-api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name("REPORT-api.md")
ADMIN = "dev-admin-key"
WIDGET = "dev-widget-key"
ORIGIN = "http://localhost:8000"
QUESTIONS = [
    "How much does Kaarna HR Core cost per user per month?",
    "Paljonko Kaarna HR Core maksaa käyttäjältä kuukaudessa?",
    "How do I reset my password?",
    "Miten vaihdan salasanani?",
    "Does Kaarna integrate with our payroll system?",
    "Onko Kaarnassa mobiilisovellus?",
    "What is included in the onboarding?",
    "Miten henkilötietoja käsitellään?",
    "Can I try Kaarna for free?",
    "Mitä tietoturvasertifikaatteja teillä on?",
]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    """CPU seconds the server's processes used during the phase."""
    client_cpu: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value:
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while (size := int((await reader.readline()).strip(), 16)) > 0:
        body += await reader.readexactly(size)
        await reader.readline()
    await reader.readline()
    return status, body


def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}", *(
        f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its descendants (uvicorn's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, total = {pid}, 0.0
    for _ in range(3):  # the server, its workers, their helpers
        family |= {p for p, (ppid, _cpu) in stats.items() if ppid in family}
    for p in family:
        total += stats.get(p, (0, 0.0))[1]
    return total


def measured(server: int, run: Callable[[], Coroutine[Any, Any, Phase]]) -> Phase:
    """Run one phase and note the CPU the server and this load generator spent on it."""
    server_before, client_before = _cpu_seconds(server), time.process_time()
    phase = asyncio.run(run())
    phase.server_cpu = _cpu_seconds(server) - server_before
    phase.client_cpu = time.process_time() - client_before
    return phase


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    status, _ = await _read_response(reader)
    return status


async def _run(port: int, requests: list[bytes], concurrency: int, phase: Phase) -> Phase:
    queue = list(reversed(requests))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                raw = queue.pop()
                started = time.perf_counter()
                try:
                    status = await _exchange(reader, writer, raw)
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    phase.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                phase.latencies.append(time.perf_counter() - started)
                if status >= 400:
                    phase.errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - started
    return phase


async def _scheduled(port: int, requests: list[bytes], rate: float, phase: Phase, pool: int = 64) -> Phase:
    """Send request i at ``i / rate`` s over a pool of keep-alive connections; latency from the due time."""
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(pool):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    started = time.perf_counter()

    async def one(i: int, raw: bytes) -> None:
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        reader, writer = await free.get()  # waiting for a connection counts: the clock started at `due`
        try:
            status = await _exchange(reader, writer, raw)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            phase.errors += 1
            writer.close()
            free.put_nowait(await asyncio.open_connection("127.0.0.1", port))
            return
        phase.latencies.append(time.perf_counter() - due)
        phase.errors += status >= 400
        free.put_nowait((reader, writer))

    await asyncio.gather(*(one(i, raw) for i, raw in enumerate(requests)))
    phase.seconds = time.perf_counter() - started
    while not free.empty():
        free.get_nowait()[1].close()
    return phase


def chat_requests(n: int) -> list[bytes]:
    headers = {"X-API-Key": WIDGET, "Origin": ORIGIN, "Content-Type": "application/json"}
    return [_request("POST", "/v1/widget/ask", headers, json.dumps({"question": QUESTIONS[i % len(QUESTIONS)]})
                     .encode()) for i in range(n)]


def health_requests(n: int) -> list[bytes]:
    return [_request("GET", "/healthz", {}) for _ in range(n)]


def brief_requests(n: int, accounts: list[str]) -> list[bytes]:
    return [_request("GET", f"/v1/accounts/{accounts[i % len(accounts)]}/brief?language=en", {"X-API-Key": ADMIN})
            for i in range(n)]


async def first_event(port: int, question: str) -> float:
    body = json.dumps({"question": question}).encode()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_request("POST", "/v1/ask/stream", {"X-API-Key": ADMIN, "Content-Type": "application/json",
                                                     "Connection": "close"}, body))
    await writer.drain()
    while (line := await reader.readline()) and not line.startswith(b"event:"):
        pass
    took = time.perf_counter() - started
    assert line.startswith(b"event: progress"), line
    while await reader.read(65536):
        pass
    writer.close()
    return took


async def sse_samples(port: int, n: int) -> list[float]:
    return [await first_event(port, QUESTIONS[i % len(QUESTIONS)]) for i in range(n)]


async def sse_under_load(port: int, n: int, chat: int, concurrency: int) -> tuple[list[float], Phase]:
    load = asyncio.create_task(_run(port, chat_requests(chat), concurrency, Phase("chat (background)")))
    await asyncio.sleep(0.2)
    samples = []
    while not load.done() and len(samples) < n:
        samples.append(await first_event(port, QUESTIONS[len(samples) % len(QUESTIONS)]))
    return samples, await load


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLKU_")}
    env.update({"POLKU_DATA_DIR": str(data_dir), "POLKU_ENVIRONMENT": "development", "POLKU_ENGINE": "composer",
                "POLKU_API_DEV_KEYS": "true", "POLKU_API_RATE_PER_S": "1000000", "POLKU_API_RATE_BURST": "1000000",
                "POLKU_WIDGET_RATE_PER_S": "1000000", "POLKU_WIDGET_RATE_BURST": "1000000",
                "POLKU_ALLOWED_ORIGINS": json.dumps([ORIGIN])})
    return env


def prepare(data_dir: Path, accounts: int) -> None:
    if (data_dir / "polku.sqlite3").exists():
        return
    print(f"building the demo store in {data_dir} (embedding the content library takes a while)…", flush=True)
    subprocess.run([sys.executable, "-m", "copilot", "demo", "--accounts", str(accounts)], env=_env(data_dir),
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def account_ids(data_dir: Path, n: int) -> list[str]:
    import sqlite3

    with sqlite3.connect(data_dir / "polku.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT id FROM accounts ORDER BY id LIMIT ?", (n,))]


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "copilot", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"], env=_env(data_dir), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"polku serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return proc
        except OSError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("polku serve did not become ready in 10 minutes")


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    return [f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {int(mem) / 1e6:.0f} GB",
            f"- {platform.platform()}, Python {platform.python_version()}",
            "- server and load generator share the machine (loopback only); one uvicorn worker unless noted"]


def _ms(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} ms (min {min(xs):.1f}, max {max(xs):.1f})"


def _summary(phases: list[Phase]) -> list[str]:
    rps = [p.rps for p in phases]
    n = len(phases[0].latencies) + phases[0].errors
    server = statistics.median([1000 * p.server_cpu / max(1, len(p.latencies)) for p in phases])
    client = statistics.median([1000 * p.client_cpu / max(1, len(p.latencies)) for p in phases])
    cpu = f"{server:.2f} | {client:.2f}" if server or client else "– | –"  # not measured (runs beside the SSE probe)
    return [
        f"| {phases[0].name} | {n} | {statistics.median(rps):.1f} "
        f"({min(rps):.1f}–{max(rps):.1f}) | {statistics.median([p.pct(.5) for p in phases]):.1f} | "
        f"{statistics.median([p.pct(.95) for p in phases]):.1f} ({min(p.pct(.95) for p in phases):.1f}–"
        f"{max(p.pct(.95) for p in phases):.1f}) | {statistics.median([p.pct(.99) for p in phases]):.1f} | "
        f"{sum(p.errors for p in phases)} | {cpu} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "polku-bench-api")
    ap.add_argument("--accounts", type=int, default=500)
    ap.add_argument("--chat", type=int, default=2000)
    ap.add_argument("--brief", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rate", type=float, default=100.0, help="chat requests per second of the open-loop phase")
    ap.add_argument("--sse", type=int, default=30, help="first-event samples per repeat (idle and under load)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args()

    prepare(args.data_dir, args.accounts)
    accounts = account_ids(args.data_dir, 50)
    port = _free_port()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = start_server(args.data_dir, port, args.workers)
    startup = time.perf_counter() - t0
    results: dict[str, list] = {"chat": [], "paced": [], "brief": [], "sse_idle": [], "sse_load": [], "chat_bg": [],
                                "health": []}
    pid = proc.pid
    try:
        asyncio.run(_run(port, chat_requests(50), 4, Phase("warm-up")))  # query embeddings, caches
        for rep in range(args.repeats):
            chat = measured(pid, lambda: _run(port, chat_requests(args.chat), args.concurrency,
                                              Phase(f"chat POST /v1/widget/ask, {args.concurrency} connections")))
            paced = measured(pid, lambda: _scheduled(port, chat_requests(args.chat), args.rate,
                                                     Phase(f"chat POST /v1/widget/ask, {args.rate:g}/s offered")))
            brief = measured(pid, lambda: _run(port, brief_requests(args.brief, accounts), args.concurrency,
                                               Phase("brief GET /v1/accounts/{id}/brief")))
            health = measured(pid, lambda: _run(port, health_requests(args.chat), args.concurrency,
                                                Phase("baseline GET /healthz (HTTP stack only)")))
            idle = asyncio.run(sse_samples(port, args.sse))
            under, bg = asyncio.run(sse_under_load(port, args.sse, args.chat // 2, args.concurrency))
            for key, value in (("chat", chat), ("paced", paced), ("brief", brief), ("sse_idle", idle),
                               ("sse_load", under), ("chat_bg", bg), ("health", health)):
                results[key].append(value)
            print(f"repeat {rep + 1}: chat {chat.rps:.1f}/s p95 {chat.pct(.95):.1f} ms errors {chat.errors}; "
                  f"at {args.rate:g}/s p95 {paced.pct(.95):.1f} ms errors {paced.errors}; "
                  f"brief {brief.rps:.1f}/s p95 {brief.pct(.95):.1f} ms errors {brief.errors}; first SSE event "
                  f"idle p50 {statistics.median(idle) * 1000:.1f} ms, under load p50 "
                  f"{statistics.median(under) * 1000:.1f} ms", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    load_after = os.getloadavg()
    report(args, results, startup, load_before, load_after)


def report(args: argparse.Namespace, results: dict[str, list], startup: float, before: tuple, after: tuple) -> None:
    chat, brief = results["chat"], results["brief"]
    idle = [statistics.median(s) * 1000 for s in results["sse_idle"]]
    idle95 = [sorted(s)[int(.95 * len(s))] * 1000 for s in results["sse_idle"]]
    load = [statistics.median(s) * 1000 for s in results["sse_load"] if s]
    load95 = [sorted(s)[min(len(s) - 1, int(.95 * len(s)))] * 1000 for s in results["sse_load"] if s]
    chat_p95 = statistics.median([p.pct(.95) for p in chat])
    chat_rps = statistics.median([p.rps for p in chat])
    paced = results["paced"]
    paced_p95 = statistics.median([p.pct(.95) for p in paced])
    paced_rps = statistics.median([p.rps for p in paced])
    paced_errors = sum(p.errors for p in paced)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"
    lines = [
        "# REST API load benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/api_load.py --chat {args.chat} --brief "
        f"{args.brief} --concurrency {args.concurrency} --rate {args.rate:g} --repeats {args.repeats} "
        f"--workers {args.workers}`.",
        "",
        "## Machine",
        *machine(),
        f"- load average before the run {before[0]:.1f} / {before[1]:.1f} / {before[2]:.1f}, after "
        f"{after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f} (1/5/15 min): the machine is shared with other "
        "agents' benchmarks and test runs, so absolute numbers are noisy",
        "",
        "## Setup",
        f"- `polku serve` (uvicorn, composer engine) on the demo store ({args.accounts} accounts, SQLite, Chroma "
        f"directory), rate limits lifted for the run; start-up to ready {startup:.1f} s",
        f"- closed loop: {args.concurrency} concurrent keep-alive connections, each sending its next request when "
        f"the last is answered; open loop: requests sent on a fixed schedule of {args.rate:g}/s over a pool of "
        "keep-alive connections, latency counted from the scheduled send",
        f"- chat questions rotate over {len(QUESTIONS)} fi/en questions (their query embeddings are cached after "
        "the warm-up, as for a widget's FAQ traffic), each from a new anonymous visitor (a new thread); briefs "
        "rotate over 50 accounts",
        "- CPU columns: CPU time per request of the server's processes and of the load generator (which shares "
        "the 2 cores)",
        f"- figures are medians over {args.repeats} repeats, spreads (min–max) in brackets",
        "",
        "## Results",
        "",
        "| phase | requests | requests/s | p50 ms | p95 ms | p99 ms | errors (all repeats) | server CPU ms/req "
        "| client CPU ms/req |",
        "|---|---|---|---|---|---|---|---|---|",
        *_summary(chat),
        *_summary(paced),
        *_summary(brief),
        *_summary(results["chat_bg"]),
        *_summary(results["health"]),
        "",
        f"Time to the first SSE event (`progress`) of POST /v1/ask/stream: idle server p50 {_ms(idle)}, p95 "
        f"{_ms(idle95)}; during a chat load p50 {_ms(load) if load else 'n/a'}, p95 "
        f"{_ms(load95) if load95 else 'n/a'}.",
        "",
        "Goal (issue): ≥ 100 chat requests/s with p95 ≤ 150 ms, on this run:",
        f"- at {args.rate:g} requests/s offered (open loop): served {paced_rps:.1f}/s, p95 {paced_p95:.1f} ms, "
        # A server that cannot keep up builds a backlog that the p95 (counted from the schedule) shows.
        f"{paced_errors} errors — **{verdict(args.rate >= 100 and paced_p95 <= 150 and not paced_errors)}**",
        f"- {args.concurrency} connections flat out (closed loop): {chat_rps:.1f} requests/s with p95 "
        f"{chat_p95:.1f} ms — **{verdict(chat_rps >= 100 and chat_p95 <= 150)}**",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_report:
        OUT.write_text(text + NOTES)


NOTES = """
## Notes

- Each chat request runs the whole widget path: key and origin check, rate-limit bucket, visitor
  token (each request here is a new anonymous visitor, so a new thread), consent gate, hybrid search
  (query embedding from the in-memory cache, dense + BM25 fusion), quarantine of the retrieved
  passages, composer, output guards, and one committed SQLite transaction holding the audit row, the
  new thread and its two messages.
- The two chat rows read the goal two ways. Open loop: requests arrive at the goal's rate whatever
  the server does, which is the latency a widget user sees at that traffic. Closed loop: 16
  connections flat out, the most one worker does; there latency is mostly queueing (16 requests in
  flight divided by the throughput is about the p50).
- A brief scores the account (lead scores, churn, CLV) on every call: the expensive route, not part
  of the chat goal (scoring in tools/ is being sped up separately).
- One uvicorn worker. `--workers 2` is not needed for the goal and not used here: it would hold the
  index twice in memory, give each process its own rate-limit buckets (a caller gets twice the
  burst), and bring back waits for SQLite's write lock between processes, which no in-process queue
  can order.

## What changed, and why (measured 2026-11-24)

Before: the code of commit f4f52bf (run 04:48 UTC); after: the working tree (run 04:58 UTC). Both
with this bench, `--chat 2000 --brief 20 --concurrency 16 --rate 100 --repeats 3 --workers 1`, on
the shared machine at a load average of about 2-3 (an earlier "before"
run at load 4-6: 135.1/s, p95 355 ms; the 63.6/s of the previous report came from another day and
load):

| code | closed loop requests/s | closed loop p95 / p99 ms | open loop at 100/s p95 ms | server CPU ms/request |
|---|---|---|---|---|
| before (f4f52bf) | 142.9 (140.9–152.0) | 421.8 / 1040.5 | 8.5 | 7.52 |
| after | 265.4 (242.1–269.5) | 71.7 / 77.5 | 5.8 | 3.62 |

What timing probes inside the server and a profile showed, and what was done:

- **The long tail was queueing in the wrong place.** Every answer ran on anyio's 40-thread pool, so
  the 16 answers in flight shared one GIL; a thread holding SQLite's write lock waited for the GIL
  while the next writer slept in SQLite's busy handler (sleeps grow to 100 ms). Inside the server a
  0.3 ms commit had p99 151 ms (max 1.0 s), and the ~4 ms service call p95 281 ms. Now chat answers
  run in a pool of as many threads as cores (`integrations/api/answer_threads.py`) and the rest
  wait in order on the event loop: commit p99 7 ms, service call p95 11 ms.
- **Full garbage collections walked the whole loaded index**: 3 gen-2 collections of up to 0.16-0.3 s
  in a 1,000-request run, each stalling every request in flight. `polku serve` now calls
  `gc.freeze()` after warming up (`integrations/api/app.py`).
- **CPU per answer** (`copilot.tasks.ask.ask` in-process, 500 calls, twice each): 4.2 → 2.7 ms (the
  working tree also holds other helpers' retrieval and guard changes). The injection quarantine went
  from 2.1-3.1 to 0.56-0.77 ms an answer: each pattern runs only when literals every match
  of it must contain are in the text (`TRIGGERS`; `tests/unit/test_injection.py` checks the verdicts
  equal a full scan on the red-team corpus and the demo content), and one scan covers a passage's
  title, text and snippet joined. One alternation of all patterns was measured 3× slower than the
  separate patterns (the regex engine loses each pattern's first-character skipping), so it is not
  used. The audit row, the thread and its messages are one transaction of plain inserts instead of
  three ORM commits (one write-lock hold per answer instead of three).
- Left per answer: retrieval ~0.8 ms and the composer ~0.6 ms (owned elsewhere), uvicorn, FastAPI and
  the answer's JSON ~1 ms; the /healthz row is the HTTP stack alone.
"""


if __name__ == "__main__":
    main()
