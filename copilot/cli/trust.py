"""`polku consent`, `polku dsar`, `polku retention` and `polku audit`: the trust commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from copilot.cli.app import CONSOLE, JsonOpt, app, console, context, emit, to_jsonable
from copilot.consent import registry
from copilot.consent.registry import ConsentChange, ConsentInput
from copilot.core.domain import ConsentStatus, LawfulBasis, PersonalisationLevel, Purpose
from copilot.core.errors import PolkuError
from copilot.trust import audit_view, dsar, retention

consent_app = typer.Typer(help="A person's consents: show, set, withdraw, history, one-click opt-out.",
                          no_args_is_help=True)
app.add_typer(consent_app, name="consent")
dsar_app = typer.Typer(help="Data-subject requests: export everything about a person, or erase them.",
                       no_args_is_help=True)
app.add_typer(dsar_app, name="dsar")
retention_app = typer.Typer(help="Retention of conversations and audit details.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")

ContactOpt = Annotated[str, typer.Option("--contact", help="Contact id, e.g. con-000001")]
MaybeContact = Annotated[str | None, typer.Option("--contact", help="Contact id, e.g. con-000001")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="The person's e-mail address")]


def _consent_table(rows: list[registry.ConsentView]) -> None:
    table = Table("purpose", "status", "basis", "level", "obtained via", "since")
    for r in rows:
        table.add_row(r.purpose, r.status, r.lawful_basis, r.level, r.obtained_via, r.changed_at.date().isoformat())
    console.print(table if rows else "no consents on record")


@consent_app.command("show")
def consent_show(contact: ContactOpt, as_json: JsonOpt = False) -> None:
    """The person's current consent per purpose."""
    emit(registry.current(context(), contact), as_json, _consent_table)


@consent_app.command("set")
def consent_set(
    contact: ContactOpt,
    purpose: Annotated[Purpose, typer.Option("--purpose", help="What the permission is for")],
    via: Annotated[str, typer.Option("--via", help="How and where it was obtained")] = "",
    basis: Annotated[LawfulBasis | None, typer.Option("--basis", help="Default: what the purpose needs")] = None,
    level: Annotated[PersonalisationLevel | None, typer.Option("--level", help="basic, standard or premium")] = None,
    status: Annotated[ConsentStatus, typer.Option("--status")] = ConsentStatus.granted,
    as_json: JsonOpt = False,
) -> None:
    """Record a permission (or change its level) with its history event."""
    ctx = context()
    existing = {c.purpose: c for c in registry.current(ctx, contact)}
    if purpose in existing and not via and basis is None:
        result = registry.change(ctx, ConsentChange(contact_id=contact, purpose=purpose, level=level, status=status),
                                 actor=CONSOLE)
    else:
        inp = ConsentInput(contact_id=contact, purpose=purpose, status=status, lawful_basis=basis, obtained_via=via,
                           level=level or PersonalisationLevel.basic)
        result = registry.record(ctx, inp, actor=CONSOLE)
    emit(result, as_json, lambda r: _consent_table([r]))


@consent_app.command("withdraw")
def consent_withdraw(
    contact: ContactOpt,
    purpose: Annotated[list[Purpose], typer.Option("--purpose", help="Purpose(s) to withdraw")],
    via: Annotated[str, typer.Option("--via", help="How the withdrawal arrived")] = "withdrawn on request",
    as_json: JsonOpt = False,
) -> None:
    """Withdraw permissions; every surface honours it from the next request on."""
    result = registry.opt_out(context(), contact, purpose, actor=CONSOLE, via=via)
    emit(result, as_json, lambda r: _consent_table(r.consents))


@consent_app.command("opt-out")
def consent_opt_out(contact: ContactOpt, as_json: JsonOpt = False) -> None:
    """One-click opt-out of personalisation, e-mail marketing and site tracking (the widget's link)."""
    result = registry.opt_out(context(), contact, actor=CONSOLE)
    emit(result, as_json, lambda r: _consent_table(r.consents))


@consent_app.command("history")
def consent_history(contact: ContactOpt, as_json: JsonOpt = False) -> None:
    """Every grant, change and withdrawal, oldest first."""

    def render(rows: list[registry.ConsentEventView]) -> None:
        table = Table("at", "purpose", "status", "basis", "level", "obtained via", "by")
        for r in rows:
            table.add_row(r.at.isoformat(timespec="minutes"), r.purpose, r.status, r.lawful_basis, r.level,
                          r.obtained_via, r.actor)
        console.print(table if rows else "no consent history")

    emit(registry.history(context(), contact), as_json, render)


@dsar_app.command("export")
def dsar_export(
    contact: MaybeContact = None,
    email: EmailOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON document to this file")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything held about one person, as one JSON document (with a section per store)."""
    result = dsar.export(context(), contact_id=contact, email=email)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2, default=str) + "\n",
                       encoding="utf-8")

    def render(r: dsar.DsarExport) -> None:
        table = Table("store", "holds", "note")
        for s in r.stores:
            table.add_row(s.store, ", ".join(f"{k}: {v}" for k, v in s.holds.items()) or "nothing", s.note)
        console.print(table)
        console.print(f"written to {out}" if out else "add --out FILE or --json for the document itself")

    emit(result, as_json, render)


@dsar_app.command("erase")
def dsar_erase(
    contact: MaybeContact = None,
    email: EmailOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the erasure cannot be undone")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove the person from every store and leave a non-personal tombstone against re-imports."""
    if not yes:
        raise PolkuError("invalid", "erasure cannot be undone: add --yes to confirm")
    result = dsar.erase(context(), contact_id=contact, email=email)

    def render(r: dsar.ErasureReport) -> None:
        console.print(f"erased {r.contact_id}: " + ", ".join(f"{k} {v}" for k, v in r.sql.items()))
        console.print(f"vector index: {r.vector_index_chunks} chunks removed; "
                      f"embedding cache: {r.embedding_cache_entries} entries removed")
        for path in r.files_to_clean:
            console.print(f"[yellow]source file names them, clean it before the next ingest:[/yellow] {path}",
                          highlight=False)

    emit(result, as_json, render)


@retention_app.command("purge")
def retention_purge(
    days: Annotated[int | None, typer.Option("--days", min=1, help="Default: POLKU_RETENTION_DAYS")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete conversations and messages and empty audit details older than the retention period."""
    result = retention.purge(context(), days=days, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    emit(result, as_json, lambda r: console.print(
        f"{verb} {r.messages} messages, {r.conversations} conversations and the details of "
        f"{r.audit_details} audit entries older than {r.days} days, {r.campaign_files} campaign files"
        f" and {r.jobs} batch jobs with their results"))


@app.command("audit")
def audit_cmd(
    contact: MaybeContact = None,
    account: Annotated[str | None, typer.Option("--account", help="Account id, e.g. acc-00001")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every generated output about a contact or an account: when, what, on which basis, from what."""
    result = audit_view.audit_for(context(), contact_id=contact, account_id=account)

    def render(r: audit_view.AuditReport) -> None:
        table = Table("when", "task", "surface", "engine", "outcome", "basis / purpose", "categories", "used",
                      show_lines=True)
        for e in r.entries:
            used = "\n".join([*e.records, *e.history, *(s.title or s.id for s in e.sources)])
            table.add_row(e.at.isoformat(timespec="minutes"), e.task, e.surface,
                          f"{e.engine}{f' ({e.model})' if e.model else ''}", e.outcome,
                          f"{e.lawful_basis or '-'} / {e.purpose or '-'}", ", ".join(e.categories), used)
        console.print(table if r.entries else "no generated outputs recorded")

    emit(result, as_json, render)
