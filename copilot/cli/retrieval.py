"""`polku ingest` and `polku search`: feed the retrieval index and query it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.cli.app import LANGUAGES, JsonOpt, app, console, context, emit, supported_language
from copilot.core.errors import PolkuError
from retrieval import service
from retrieval.models import IngestSummary, SearchFilters, SearchResult


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders to ingest")] = None,
    modules: Annotated[bool, typer.Option("--modules", help="Index the content modules in the store")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ingest Markdown, HTML, text, PDF, CSV and JSON files (incrementally) or the store's content modules."""
    if not paths and not modules:
        raise PolkuError("invalid", "give files or folders to ingest, or --modules")
    ctx = context()
    summary = IngestSummary()
    with console.status("ingesting…", spinner="dots") if not as_json else _null():
        if paths:
            summary = service.ingest(ctx, paths)
        if modules:
            summary = _merge(summary, service.ingest_store_modules(ctx))
    emit(summary, as_json, _render_ingest)


def _merge(a: IngestSummary, b: IngestSummary) -> IngestSummary:
    data = a.model_dump()
    for key, value in b.model_dump().items():
        data[key] = data[key] + value
    return IngestSummary.model_validate(data)


def _render_ingest(s: IngestSummary) -> None:
    for label, items in (("added", s.added), ("updated", s.updated), ("removed", s.removed)):
        for item in items:
            console.print(f"[green]{label}[/green] {item}", highlight=False)
    for skipped in s.skipped:
        console.print(f"[yellow]skipped[/yellow] {skipped.path}: {skipped.reason}", highlight=False)
    for name in s.flagged:
        console.print(f"[yellow]flagged[/yellow] {name}: holds text addressed to the assistant; "
                      "staff see it with that text cut out, customers and visitors are never quoted it",
                      highlight=False)
    console.print(
        f"{len(s.added)} added, {len(s.updated)} updated, {len(s.removed)} removed, "
        f"{len(s.unchanged)} unchanged, {len(s.skipped)} skipped; chunks +{s.chunks_added} "
        f"-{s.chunks_removed}, {s.chunks_embedded} embedded"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The question or keywords")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many hits")] = 5,
    lang: Annotated[str | None, typer.Option("--lang", help=f"Only passages in this language ({LANGUAGES})",
                                             callback=supported_language)] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="Content type(s) to keep")] = None,
    persona: Annotated[str | None, typer.Option(help="Persona to keep")] = None,
    stage: Annotated[str | None, typer.Option(help="Journey stage to keep")] = None,
    public: Annotated[bool, typer.Option("--public", help="Only public content")] = False,
    account: Annotated[str | None, typer.Option("--account", help="Also search this account's history")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Search the indexed content (hybrid: meaning + keywords), with citations."""
    filters = SearchFilters(language=lang, type=type_ or None, persona=persona, stage=stage, public=public or None)
    result = service.search(context(), query, k=k, filters=filters, account_id=account, lang=lang)
    emit(result, as_json, _render_search)


def _render_search(r: SearchResult) -> None:
    table = Table(show_lines=True, title=f"{len(r.hits)} hits in {r.took_ms:.0f} ms")
    for col in ("#", "score", "source", "snippet"):
        table.add_column(col)
    for i, hit in enumerate(r.hits, 1):
        table.add_row(str(i), f"{hit.score:.4f}", f"{hit.title}\n[dim]{hit.location}[/dim]", hit.snippet)
    console.print(table)
    for item in r.history:
        console.print(f"[cyan]{item.day}[/cyan] {item.id}: {item.text}", highlight=False)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
