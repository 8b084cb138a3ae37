"""A tiny ASGI app for the tests of the API's worker supervisor, and a way to run it under one.

Each response is the serving process's id, so a test can tell which worker answered; it starts in a moment
(no store, no index), so a test can start, kill and stop workers many times.

    python -m tests.support.asgi_hello PORT WORKERS   # prints the port, then serves until a signal
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def build() -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":  # the one other message: startup
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": str(os.getpid()).encode()})

    return app


def broken() -> None:
    """A factory that fails the way a real one can (a setting missing, a file unreadable)."""
    raise RuntimeError("the app cannot be built")


def main() -> None:
    from copilot.core.errors import PolkuError
    from integrations.api.workers import Supervisor, WorkerOptions, bind_sockets, claim_port

    try:
        sockets = bind_sockets("127.0.0.1", int(sys.argv[1]), int(sys.argv[2]))
        port = sockets[0].getsockname()[1]
        claim = claim_port("127.0.0.1", port)
    except PolkuError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    print(port, flush=True)
    with claim:
        sys.exit(Supervisor(sockets, WorkerOptions("127.0.0.1", 0, "info", app="tests.support.asgi_hello:build")).run())


if __name__ == "__main__":
    main()
