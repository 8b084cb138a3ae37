"""`polku serve`: the REST API and the chat widget's backend (uvicorn, one or more worker processes)."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.cli.app import app, context, err_console
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import EngineName, Environment


def refusal(ctx: AppContext, workers: int) -> str | None:
    """Why ``workers`` processes would not behave as one API, or None when they would."""
    if workers <= 1:
        return None
    s = ctx.settings
    why = []
    if not s.database_url or s.resolved_database_url.startswith("sqlite"):
        why.append("the store is SQLite, whose one writer at a time makes the workers wait on each other's "
                   "answers (set POLKU_DATABASE_URL to PostgreSQL)")
    if not s.redis_url:
        why.append("POLKU_REDIS_URL is not set, so each worker would keep its own rate-limit buckets (a caller "
                   f"gets {workers}× the burst), its own Slack retry memory (a retry reaching another worker "
                   "is answered twice) and its own caches (stale after another process changes the data)")
    if not why:
        return None
    return f"--workers {workers} refused: " + "; and ".join(why) + ". --allow-local-state runs them anyway."


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Worker processes; more than one needs "
                                         "PostgreSQL and POLKU_REDIS_URL, which they share")] = 1,
    allow_local_state: Annotated[bool, typer.Option(
        "--allow-local-state", help="Run several workers without PostgreSQL or Redis anyway: each keeps its "
        "own rate limits, Slack retry memory and caches")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Serve the REST API (/v1/..., OpenAPI at /docs) until interrupted."""
    import uvicorn

    from integrations.api import workers as api

    ctx = context()  # validates the settings here, so a bad one is one clear line before start-up
    problem = refusal(ctx, workers)
    if problem and not allow_local_state:
        raise PolkuError("config", problem)
    if problem:
        err_console.print(f"[yellow]warning:[/yellow] running anyway: {problem.split(': ', 1)[1]}", markup=True,
                          highlight=False)
    if ctx.settings.redis_url:
        from copilot.core.shared.redis_state import ping

        ping(ctx.settings.redis_url)  # unreachable at start-up is a configuration error, not a fallback
    _ = ctx.db  # migrations run here, once, before any worker starts
    ctx.db.engine.dispose()  # the workers open their own connections
    if ctx.settings.engine is EngineName.llm:
        from copilot.engines.registry import get_engine

        get_engine(ctx)  # likewise a chat model that cannot be built (no key), instead of a failed start-up
    if ctx.settings.environment is Environment.development and ctx.settings.api_dev_keys:
        err_console.print("[yellow]development:[/yellow] dev keys dev-admin-key and dev-widget-key are accepted")
    if not api.spreads_connections():  # macOS, the BSDs: uvicorn as it comes (its supervisor and one socket)
        uvicorn.run(api.APP, factory=True, host=host, port=port, workers=workers, log_level=log_level,
                    access_log=log_level == "debug", timeout_graceful_shutdown=api.GRACE_S)
        return
    sockets = api.bind_sockets(host, port, workers)  # a port in use is one clear line, before any worker starts
    bound = sockets[0].getsockname()[1]
    try:
        claim = api.claim_port(host, bound)  # held until this command ends
    except PolkuError:
        for sock in sockets:
            sock.close()
        raise
    err_console.print(f"starting on http://{api.address(host, bound)} with {workers} worker"
                      f"{'s' if workers > 1 else ''} (Ctrl-C stops)", highlight=False)
    options = api.WorkerOptions(host, bound, log_level)
    with claim:
        if workers == 1:
            api.serve_on(sockets[0], options)
        else:
            raise typer.Exit(api.Supervisor(sockets, options).run())
