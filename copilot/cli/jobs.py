"""`polku worker` and `polku jobs …`: the Celery workers and the batch jobs they (or this process) run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from copilot.cli.app import JsonOpt, app, console, context, emit
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role

jobs_app = typer.Typer(help="Batch jobs: start them, follow their progress, download their results.",
                       no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
CLI_ACTOR = Actor(id="cli", role=Role.admin)


def progress_bar(label: str, *, disable: bool) -> Progress:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True, disable=disable)


def _queues(value: str) -> list[str]:
    from copilot.worker import QUEUES

    names = [q.strip() for q in value.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if not names or unknown:
        raise typer.BadParameter(f"unknown queue {', '.join(unknown) or '(none)'}; use some of {', '.join(QUEUES)}")
    return names


@app.command("worker")
def worker_cmd(
    queues: Annotated[str, typer.Option("--queues", "-Q", help="Comma-separated: interactive, batch, ingest, "
                                        "maintenance")] = "interactive,batch,ingest,maintenance",
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, max=64,
                                             help="Chunks this worker runs at once (processes)")] = 1,
    beat: Annotated[bool, typer.Option("--beat", help="Also run the schedule (the nightly purge); one per site")]
    = False,
    loglevel: Annotated[str, typer.Option("--loglevel", help="debug, info, warning or error")] = "info",
) -> None:
    """Start a Celery worker on ``POLKU_WORKER_BROKER_URL`` serving the given queues until stopped."""
    from copilot.jobs import backend
    from copilot.worker import make_app

    names = _queues(queues)
    ctx = context()
    backend.check_broker(ctx)
    _ = ctx.db  # migrations run before the worker takes any chunk
    argv = ["worker", "-Q", ",".join(names), "-c", str(concurrency), "--loglevel", loglevel,
            "-n", f"polku-{'-'.join(names)}@%h",
            # one process runs the chunk itself: nothing left running if the worker is killed
            "--pool", "solo" if concurrency == 1 else "prefork"]
    if beat:
        argv.append("--beat")
    make_app(ctx.settings).worker_main(argv)


def _render(v: Any) -> None:
    state = {"done": "[green]done[/green]", "failed": "[red]failed[/red]"}.get(v.status, v.status)
    console.print(f"job {v.id} · {v.kind} · {state} · {v.done} of {v.total} items · {v.failed} failed"
                  f" · {v.backend}", highlight=False)
    for status, n in sorted(v.counts.items()):
        console.print(f"  {status}: {n}")
        for reason, count in sorted(v.reasons.get(status, {}).items(), key=lambda kv: -kv[1]):
            console.print(f"    {count}: {escape(reason)}", highlight=False)
    if v.error:
        console.print(f"  error: {escape(v.error)}", highlight=False)


@jobs_app.command("show")
def show_cmd(job_id: Annotated[str, typer.Argument(help="The job's id")], as_json: JsonOpt = False) -> None:
    """One job: status and progress counted from its stored results."""
    from copilot.jobs import service

    emit(service.get_job(context(), job_id, actor=CLI_ACTOR), as_json, _render)


@jobs_app.command("list")
def list_cmd(limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first")] = 20,
             as_json: JsonOpt = False) -> None:
    """The newest jobs."""
    from copilot.jobs import service

    def render(r: Any) -> None:
        if not r.jobs:
            console.print("no jobs yet")
        for v in r.jobs:
            console.print(f"{v.id}  {v.created_at:%Y-%m-%d %H:%M}  {v.kind:<8} {v.status:<7} {v.done}/{v.total}",
                          highlight=False)

    emit(service.list_jobs(context(), actor=CLI_ACTOR, limit=limit), as_json, render)


@jobs_app.command("results")
def results_cmd(job_id: Annotated[str, typer.Argument(help="The job's id")],
                out: Annotated[Path, typer.Option("--out", help="Output file, .csv or .jsonl")],
                as_json: JsonOpt = False) -> None:
    """Write a finished job's results (a campaign's drafts) to a file, streamed from the store."""
    from copilot.jobs import service

    if out.suffix not in (".csv", ".jsonl"):
        raise PolkuError("invalid", "the output file must end in .csv or .jsonl")
    ctx = context()
    lines = service.result_lines(ctx, job_id, "csv" if out.suffix == ".csv" else "jsonl", actor=CLI_ACTOR)
    first = next(lines, "")  # a job that cannot be read fails here, before the file exists
    tmp = out.with_suffix(out.suffix + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(first)
        fh.writelines(lines)
    tmp.replace(out)
    emit({"job": job_id, "out": str(out)}, as_json, lambda r: console.print(f"wrote {r['out']}"))


def _follow(label: str, as_json: bool, submit: Any) -> None:
    with progress_bar(label, disable=as_json) as bar:
        task = bar.add_task(label, total=None)
        view = submit(lambda n, total: bar.update(task, completed=n, total=total))
    emit(view, as_json, _render)


@jobs_app.command("score")
def score_cmd(as_json: JsonOpt = False) -> None:
    """Score every account as a job (a result row per account), with a progress bar."""
    from copilot.jobs import service

    ctx = context()
    _follow("scoring", as_json, lambda p: service.submit_scoring(ctx, actor=CLI_ACTOR, wait=True, progress=p))


@jobs_app.command("ingest")
def ingest_cmd(paths: Annotated[list[Path] | None, typer.Argument(help="Files and folders")] = None,
               modules: Annotated[bool, typer.Option("--modules", help="The store's content modules")] = False,
               as_json: JsonOpt = False) -> None:
    """Ingest files (in chunks of files) or the content modules as a job, with a progress bar."""
    from copilot.jobs import service

    if bool(paths) == modules:
        raise PolkuError("invalid", "give files or folders, or --modules (one of the two)")
    ctx = context()
    _follow("ingesting", as_json,
            lambda p: service.submit_ingest(ctx, None if modules else paths, actor=CLI_ACTOR, wait=True, progress=p))


@jobs_app.command("purge")
def purge_cmd(days: Annotated[int | None, typer.Option(help="Keep this many days (default: the setting)")] = None,
              dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count")] = False,
              as_json: JsonOpt = False) -> None:
    """The retention purge as a job (the maintenance queue on Celery)."""
    from copilot.jobs import service

    ctx = context()
    emit(service.submit_purge(ctx, actor=CLI_ACTOR, days=days, dry_run=dry_run, wait=True), as_json, _render)
