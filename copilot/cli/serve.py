"""`polku serve`: the REST API and the chat widget's backend (uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.cli.app import app, context, err_console
from copilot.core.settings import EngineName, Environment


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each has its own rate limits)")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error")] = "info",
) -> None:
    """Serve the REST API (/v1/..., OpenAPI at /docs) until interrupted."""
    import uvicorn

    ctx = context()  # validates the settings here, so a bad one is one clear line before start-up
    if ctx.settings.engine is EngineName.llm:
        from copilot.engines.registry import get_engine

        get_engine(ctx)  # likewise a chat model that cannot be built (no key), instead of a failed start-up
    if ctx.settings.environment is Environment.development and ctx.settings.api_dev_keys:
        err_console.print("[yellow]development:[/yellow] dev keys dev-admin-key and dev-widget-key are accepted")
    uvicorn.run("integrations.api.app:build", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=log_level == "debug", timeout_graceful_shutdown=5)
