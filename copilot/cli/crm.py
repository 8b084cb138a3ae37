"""`polku crm import|export` and `polku db upgrade`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.cli.app import JsonOpt, app, console, context, emit
from copilot.core.context import SCORES
from integrations import crm_files, crm_schema

crm = typer.Typer(help="Import and export CRM records (one JSONL or CSV file per record type).", no_args_is_help=True)
app.add_typer(crm, name="crm")
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@crm.command("import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="Files named after their record type, e.g. accounts.jsonl contacts.csv")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Validate every row, then upsert all files in one transaction (any bad row writes nothing)."""
    ctx = context()
    summary = crm_files.import_files(ctx.db, files)
    if summary.inserted or summary.updated:
        ctx.bump(SCORES)  # every API process rescores (an update alone leaves the store's fingerprint)

    def render(s: crm_files.ImportSummary) -> None:
        console.print(
            f"imported {sum(s.files.values())} rows from {len(s.files)} files: "
            f"{s.inserted} new, {s.updated} updated, {s.unchanged} unchanged"
            + (f", {s.skipped_erased} skipped (erased persons)" if s.skipped_erased else "")
        )

    emit(summary.__dict__, as_json, lambda _d: render(summary))


@crm.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write <type>.jsonl files into")], as_json: JsonOpt = False
) -> None:
    """Write every record type as JSON Lines; the files import back unchanged."""
    written = crm_files.export_all(context().db, directory)

    def render(w: dict[str, int]) -> None:
        table = Table("file", "rows")
        for name, count in w.items():
            table.add_row(name, str(count))
        console.print(table)

    emit(written, as_json, render)


@db_app.command("upgrade")
def upgrade(as_json: JsonOpt = False) -> None:
    """Create or migrate the store's schema to the newest version."""
    ctx = context()
    emit(
        {"database": ctx.db.dialect, "status": "up to date"},
        as_json,
        lambda d: console.print(f"{d['database']} store is up to date"),
    )


@crm.command("schema")
def schema(markdown: Annotated[bool, typer.Option("--markdown", help="Print as Markdown")] = False,
           as_json: JsonOpt = False) -> None:
    """The record types and fields that `polku crm import` accepts."""
    if markdown:
        console.print(crm_schema.schema_markdown(), markup=False, highlight=False, soft_wrap=True)
        return

    def render(data: dict) -> None:
        for name, fields in data.items():
            required = [f["field"] for f in fields if f["required"]]
            console.print(f"[bold]{name}[/bold]: requires {', '.join(required)}")

    emit(crm_schema.schema(), as_json, render)


@db_app.command("revision")
def revision(message: Annotated[str, typer.Argument(help="What the schema change is")]) -> None:
    """Generate a migration from the models (against a scratch SQLite at the newest revision); review it."""
    import tempfile

    from alembic import command

    from copilot.core.store.db import alembic_config, make_engine, migrate

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/schema.sqlite3")
        migrate(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)
