"""`polku redteam`: run the red-team suite against the composer and/or the llm engine."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.cli.app import JsonOpt, app, console, context, emit


class EngineChoice(StrEnum):
    composer = "composer"
    llm = "llm"
    both = "both"


@app.command("redteam")
def redteam(
    engine: Annotated[EngineChoice, typer.Option(help="Which engine to attack")] = EngineChoice.both,
    full: Annotated[bool, typer.Option("--full", help="Every item of every attack file (slower)")] = False,
    data_dir: Annotated[Path, typer.Option(help="Where the red-team store is rebuilt (its cache is kept)")] = Path(
        ".polku-redteam"
    ),
    report: Annotated[Path | None, typer.Option(help="Markdown report path")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Attack the chat with injections, jailbreaks, extraction, exfiltration, tool misuse and canaries."""
    from evals.redteam import report as report_md
    from evals.redteam.runner import run

    engines = ("composer", "llm") if engine is EngineChoice.both else (engine.value,)
    warm = context().settings.cache_dir / "embeddings.sqlite3"
    with console.status("red-team run…") as status:
        result = run(engines=engines, full=full, data_dir=data_dir, warm_cache=warm,
                     progress=lambda msg: status.update(f"red-team: {msg}"))
    written = report_md.write(result, report or report_md.REPORT)

    def render(r: Any) -> None:
        table = Table(title=f"red team: {r.through} through ({r.seconds:.0f} s)")
        for col in ("family", "engine", "tried", "through"):
            table.add_column(col)
        for row in r.rows:
            table.add_row(row.family, row.engine, str(row.tried), str(row.through))
        console.print(table)
        if r.benign is not None:
            console.print(f"benign refusals: {r.benign.refused}/{r.benign.tried} ({r.benign.rate:.1%})")
        console.print(f"report written to {written}")

    emit(result, as_json, render)
    if result.through:
        raise typer.Exit(1)
