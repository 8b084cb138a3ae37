"""A local mock of the Slack Web API (and of response URLs), recording every call.

Point a ``WebClient(base_url=mock.base_url)`` at it. Methods answer ``ok: true`` with the fields
our code reads (``ts`` for posted messages); an error can be scripted per method. Lazy listeners
call it from threads, so tests wait with :meth:`SlackMock.wait_for` (a bounded poll).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = "U0BOT"
TEAM = "T0POLKU"


class SlackMock:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                params = _decode(raw, self.headers.get("content-type", ""))
                method = self.path.removeprefix("/api/") if self.path.startswith("/api/") else "response_url"
                with mock._lock:
                    error = mock.errors.get(method)
                reply = {"ok": False, "error": error} if error else mock._reply(method, params)
                with mock._lock:  # "_ts": the ts the mock gave the posted message, for later chat.update checks
                    mock.calls.append((method, {**params, "_ts": reply.get("ts") or reply.get("message_ts")}))
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def _reply(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://polku-test.slack.com/",
                "team": "Polku",
                "user": "polku",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
            }
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"text": params.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0VIEW"}}
        if method == "users.info":
            return {"ok": True, "user": {"id": params.get("user"), "name": "someone"}}
        return {"ok": True}

    # --- what tests read -------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.errors.clear()

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p in self.calls if m == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 45.0) -> list[dict[str, Any]]:
        """The calls of ``method`` once there are ``count`` of them; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{method}: expected {count} call(s), got {self.of(method)!r}; all: {self.methods()}")

    def methods(self) -> list[str]:
        with self._lock:
            return [m for m, _ in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _decode(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or "{}")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("blocks", "view", "attachments"):  # form posts carry these as JSON strings
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
