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
    split: Annotated[str | None, typer.Option(help="Run only the cases of this split (dev, test, ...)")] = None,
    cases: Annotated[Path | None, typer.Option(
        help="Run the case files of this folder instead (a sealed set; files it lacks are skipped)")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the Markdown report here")] = None,
    gate: Annotated[float, typer.Option(help="Fail (exit 1) when the test split passes below this share")] = 0.95,
    as_json: JsonOpt = False,
) -> None:
    """Usefulness checks on visitor answers, e-mails, campaigns, support replies, briefs and next actions."""
    from datetime import UTC, datetime

    from rich.progress import Progress

    from copilot.core.errors import PolkuError
    from evals.tasks.report import markdown, summarise
    from evals.tasks.runner import HERE, eval_context, load_cases, run

    folder = cases or HERE
    if not folder.is_dir():
        raise PolkuError("invalid", f"{folder} is not a folder of case files")
    total = sum(1 for group in load_cases(folder).values() for c in group if split in (None, c["split"]))
    if not total:
        raise PolkuError("invalid", f"no cases{f' of split {split}' if split else ''} in {folder}")
    ctx = eval_context(data_dir)
    with Progress(console=console, transient=True, disable=as_json) as bar:
        job = bar.add_task("running the task evals", total=total)
        results = run(ctx, split=split, folder=folder, progress=lambda: bar.advance(job))
    summary = summarise(results)
    sealed = cases is not None  # another folder's cases are read by their rates (see the README)
    if sealed:  # which cases failed may be known, not what was answered
        summary = summary.model_copy(update={"failures": [r.model_copy(update={"note": ""}) for r in summary.failures]})
    if report:
        command = f"polku eval tasks{f' --cases {cases}' if cases else ''} --report {report}"
        report.write_text(markdown(summary, when=datetime.now(UTC), command=command, sealed=sealed),
                          encoding="utf-8")

    def render(s) -> None:
        rates = ", ".join(f"{k} {v:.0%}" for k, v in s.split_rates.items())
        table = Table(title=f"task evals: {s.passed}/{s.cases} pass ({rates})")
        table.add_column("check")
        for col in s.split_rates:
            table.add_column(col)
        for name, cells in s.by_check.items():
            table.add_row(name, *(str(cells.get(k, "–")) for k in s.split_rates))
        console.print(table)
        if sealed:
            console.print(f"{len(s.failures)} cases fail; not listed: a sealed set is read by its rates")
            return
        for r in s.failures:
            console.print(f"[red]{r.id}[/red] {r.task}/{r.language}: "
                          f"{', '.join(k for k, ok in r.checks.items() if not ok)} – {r.note}")

    emit(summary, as_json, render)
    if "test" in summary.split_rates and summary.test_pass_rate < gate:
        raise PolkuError("invalid", f"task evals pass {summary.test_pass_rate:.0%} of the test split, "
                                    f"below the gate {gate:.0%}")


@eval_app.command("all")
def all_(as_json: JsonOpt = False) -> None:
    """Every evaluation set: retrieval, then the tasks (with their pass-rate gate)."""
    retrieval(seeds=_SEEDS, report=None, as_json=as_json)
    tasks(data_dir=Path(".polku-eval"), split=None, report=None, gate=0.95, as_json=as_json)
