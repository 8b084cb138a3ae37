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


@eval_app.command("tasks")
def tasks(
    data_dir: Annotated[Path, typer.Option(help="Where the eval store is built (reused when present)")] = Path(
        ".polku-eval"
    ),
    gate: Annotated[float, typer.Option(help="Fail (exit 1) below this pass rate")] = 0.95,
    as_json: JsonOpt = False,
) -> None:
    """Run the task cases (drafts, answers, variants, briefs) with deterministic checks."""
    from copilot.core.errors import PolkuError
    from evals.tasks.runner import eval_context, run

    report = run(eval_context(data_dir))

    def render(r) -> None:
        table = Table(title=f"task evals: {r.passed}/{r.cases} passed ({r.pass_rate:.0%})")
        table.add_column("case")
        table.add_column("task")
        table.add_column("failed checks")
        for res in r.results:
            if not res.passed:
                table.add_row(res.id, res.task, ", ".join(res.failed_checks))
        console.print(table)
        console.print("by task: " + ", ".join(f"{k} {v}" for k, v in r.by_task.items()))

    emit(report, as_json, render)
    if report.pass_rate < gate:
        raise PolkuError("invalid", f"task eval pass rate {report.pass_rate:.0%} is below the gate {gate:.0%}")


@eval_app.command("all")
def all_(as_json: JsonOpt = False) -> None:
    """Every evaluation set: retrieval, then the tasks (with their pass-rate gate)."""
    retrieval(seeds=_SEEDS, report=None, as_json=as_json)
    tasks(data_dir=Path(".polku-eval"), gate=0.95, as_json=as_json)
