"""`polku demo`: load the demo data into an empty data directory and show the copilot at work."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import Progress

from copilot.cli.app import JsonOpt, app, console, context, emit, writer
from copilot.core.store.repo import admin
from copilot.demo import showcase
from copilot.demo.generator import generate, step_count


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(min=1, max=200_000, help="Accounts to generate")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed of the generator")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Load the demo CRM (when the store is empty) and show briefs, drafts and answers for a few people."""
    ctx, _ = writer(context(), None)
    with ctx.db.session() as session:
        empty = admin.is_empty(session)
    loaded = None
    if empty:
        with Progress(console=console, transient=True, disable=as_json) as bar:
            task = bar.add_task("generating demo CRM", total=step_count(accounts))
            loaded = generate(ctx.db, accounts=accounts, seed=seed, progress=lambda _s: bar.advance(task))
    result = showcase.run(ctx, loaded=loaded, progress=not as_json)
    emit(result, as_json, lambda r: showcase.render(r, console, Panel))
