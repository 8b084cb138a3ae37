"""`polku eval ...`: run the evaluation sets. Other areas add their own subcommands here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.cli.app import JsonOpt, app, console, context, emit

eval_app = typer.Typer(name="eval", help="Run the evaluation sets and report their scores.", no_args_is_help=True)
app.add_typer(eval_app)

_SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@eval_app.command("retrieval")
def retrieval(
    seeds: Annotated[Path, typer.Option(help="Folder of the seed documents")] = _SEEDS,
    report: Annotated[Path | None, typer.Option(help="Write the Markdown report here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recall@5 and MRR@10 of keyword, dense and hybrid search on the demo and seeds sets."""
    from evals.retrieval.report import run_all

    result = run_all(context().settings, seeds=seeds, report=report)
    emit(result, as_json, _render)


def _render(result: dict) -> None:
    for set_report in result["sets"]:
        table = Table(title=f"{set_report.name} ({set_report.chunks} chunks)")
        for col in ("mode", "recall@5", "hit@5", "MRR@10"):
            table.add_column(col)
        for s in set_report.scores:
            table.add_row(s.mode, f"{s.recall_at_5:.3f}", f"{s.hit_at_5:.3f}", f"{s.mrr_at_10:.3f}")
        console.print(table)
    if result.get("report"):
        console.print(f"report written to {result['report']}")
