"""`polku draft email` and `polku ask`: the copilot's writing tasks on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from copilot.cli import render
from copilot.cli.app import AsOpt, JsonOpt, LangOpt, acting_as, app, console, context, emit, writer
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.email import EmailRequest, draft_email
from copilot.tasks.reply import suggest_reply

draft = typer.Typer(help="Draft messages.", no_args_is_help=True)
app.add_typer(draft, name="draft")

EngineOpt = Annotated[str | None, typer.Option("--engine", help="composer or llm (default: POLKU_ENGINE)")]


@draft.command("email")
def draft_email_cmd(
    contact: Annotated[str, typer.Option("--contact", help="Contact id, e.g. con-000001")],
    goal: Annotated[str, typer.Option(help="nurture, renewal, upsell, reactivation, onboarding or event")] = "nurture",
    sender: Annotated[str | None, typer.Option("--from", help="Rep id who signs it (default: the owner)")] = None,
    engine: EngineOpt = None,
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A personalised e-mail in the contact's language, or the reason it may not be written."""
    ctx, engine = writer(context(), engine)
    req = EmailRequest(contact_id=contact, goal=goal, sender=sender, engine=engine)  # type: ignore[arg-type]
    result = draft_email(ctx, req, actor=acting_as(ctx, who))
    emit(result, as_json, lambda r: render.email(console, r))


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="The question, in Finnish or English")],
    account: Annotated[str | None, typer.Option("--account", help="Staff question about an account")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="The contact asking or asked about")] = None,
    visitor: Annotated[bool, typer.Option("--visitor", help="Ask as an anonymous website visitor")] = False,
    surface: Annotated[str, typer.Option(
        help="Ask as that surface's user: with widget, --contact is the identified customer asking (the audit "
        "still records cli, the surface that asked)")] = "cli",
    engine: EngineOpt = None,
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer with citations. In the widget a --contact is the identified customer asking."""
    if visitor and (account or contact):
        raise PolkuError("invalid", "--visitor cannot be combined with --account or --contact")
    customer = bool(contact) and surface == "widget"
    if who and (visitor or customer):
        raise PolkuError("invalid", "--as names a staff member; a visitor or customer asks without it")
    ctx, engine = writer(context(), engine)
    if visitor:
        actor = Actor(id="visitor", role=Role.visitor)
    elif customer:
        actor = Actor(id=f"customer:{contact}", role=Role.customer, contact_id=contact)
    else:
        actor = acting_as(ctx, who)
    req = AskRequest(
        question=question,
        account_id=account,
        contact_id=contact,
        surface="cli",
        engine=engine,
    )
    emit(ask(ctx, req, actor=actor), as_json, lambda r: render.answer(console, r))


@draft.command("reply")
def draft_reply_cmd(
    ticket: Annotated[str, typer.Option("--ticket", help="Ticket id, e.g. tkt-000015")],
    engine: EngineOpt = None,
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A suggested reply to a support ticket, in the contact's language, from the help content."""
    ctx, engine = writer(context(), engine)
    result = suggest_reply(ctx, ticket, actor=acting_as(ctx, who), surface="cli", engine=engine)
    emit(result, as_json, lambda r: render.reply(console, r))


@app.command("brief")
def brief_cmd(
    account: Annotated[str, typer.Option("--account", help="Account id, e.g. acc-00017")],
    lang: LangOpt = "fi",
    explain: Annotated[bool, typer.Option("--explain", help="Say in one line how each figure was computed.")] = False,
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Brief a rep before a call: value, risk and drivers, open work, signals, an opening line."""
    from copilot.tasks.brief import brief

    ctx = context()
    result = brief(ctx, account, actor=acting_as(ctx, who), language=lang)
    emit(result, as_json, lambda r: render.brief(console, r, explain=explain))


@app.command("campaign")
def campaign_cmd(
    segment: Annotated[str, typer.Option("--segment", help="e.g. persona=cio,language=fi (or 'all')")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .csv or .jsonl")],
    goal: Annotated[str, typer.Option(help="nurture, renewal, upsell, reactivation, onboarding or event")] = "nurture",
    limit: Annotated[int | None, typer.Option(help="At most this many contacts")] = None,
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One personalised draft per contact of a segment; contacts without a basis are skipped and counted."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from copilot.tasks.campaign import CampaignRequest, campaign

    ctx, _ = writer(context(), None)
    actor = acting_as(ctx, who)
    req = CampaignRequest(segment=segment, goal=goal, out=out, limit=limit)
    columns = (TextColumn("drafting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("drafting", total=None)
        result = campaign(
            ctx, req, actor=actor, progress=lambda n, total: bar.update(task, completed=n, total=total)
        )

    def show(r) -> None:
        console.print(f"wrote {r.written} drafts for {r.contacts} contacts to {r.out} in {r.seconds} s"
                      f" (job {r.job_id})")
        for reason, count in sorted(r.skipped.items(), key=lambda kv: -kv[1]):
            console.print(f"  skipped {count}: {reason}")
        if r.flagged:
            console.print(f"  held back by the output guard: {r.flagged}")

    emit(result, as_json, show)


@app.command("variants")
def variants_cmd(
    contact: Annotated[str, typer.Option("--contact", help="Contact id")],
    element: Annotated[str, typer.Option(help="subject, offer, cta, channel, send_time or angle")],
    n: Annotated[int, typer.Option("--n", min=1, max=4, help="How many variants besides the control")] = 3,
    goal: Annotated[str, typer.Option(help="E-mail goal of the base message")] = "nurture",
    who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A/B variants that change exactly one element, each with its hypothesis, and the test's sample size."""
    from copilot.tasks.variants import VariantRequest, variants

    req = VariantRequest(contact_id=contact, element=element, n=n, goal=goal)  # type: ignore[arg-type]
    ctx, _ = writer(context(), None)
    emit(variants(ctx, req, actor=acting_as(ctx, who)), as_json, lambda r: render.variants(console, r))
