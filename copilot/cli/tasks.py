"""`polku draft email` and `polku ask`: the copilot's writing tasks on the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.cli import render
from copilot.cli.app import JsonOpt, app, console, context, emit
from copilot.errors import PolkuError
from copilot.identity import Actor, Role
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.email import EmailRequest, draft_email

draft = typer.Typer(help="Draft messages.", no_args_is_help=True)
app.add_typer(draft, name="draft")

#: Who the command line acts as: an administrator at the console.
CLI_ACTOR = Actor(id="cli", role=Role.admin)
EngineOpt = Annotated[str | None, typer.Option("--engine", help="composer or llm (default: POLKU_ENGINE)")]


@draft.command("email")
def draft_email_cmd(
    contact: Annotated[str, typer.Option("--contact", help="Contact id, e.g. con-000001")],
    goal: Annotated[str, typer.Option(help="nurture, renewal, upsell, reactivation, onboarding or event")] = "nurture",
    sender: Annotated[str | None, typer.Option("--from", help="Rep id who signs it (default: the owner)")] = None,
    engine: EngineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A personalised e-mail in the contact's language, or the reason it may not be written."""
    req = EmailRequest(contact_id=contact, goal=goal, sender=sender, engine=engine)  # type: ignore[arg-type]
    result = draft_email(context(), req, actor=CLI_ACTOR)
    emit(result, as_json, lambda r: render.email(console, r))


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="The question, in Finnish or English")],
    account: Annotated[str | None, typer.Option("--account", help="Staff question about an account")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="The contact asking or asked about")] = None,
    visitor: Annotated[bool, typer.Option("--visitor", help="Ask as an anonymous website visitor")] = False,
    surface: Annotated[str, typer.Option(help="widget, sidebar, slack or cli")] = "cli",
    engine: EngineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer with citations. In the widget a --contact is the identified customer asking."""
    if visitor and (account or contact):
        raise PolkuError("invalid", "--visitor cannot be combined with --account or --contact")
    if visitor:
        actor = Actor(id="visitor", role=Role.visitor)
    elif contact and surface == "widget":
        actor = Actor(id=f"customer:{contact}", role=Role.customer, contact_id=contact)
    else:
        actor = CLI_ACTOR
    req = AskRequest(
        question=question,
        account_id=account,
        contact_id=contact,
        surface=surface,  # type: ignore[arg-type]
        engine=engine,
    )
    emit(ask(context(), req, actor=actor), as_json, lambda r: render.answer(console, r))


@app.command("brief")
def brief_cmd(
    account: Annotated[str, typer.Option("--account", help="Account id, e.g. acc-00017")],
    lang: Annotated[str, typer.Option("--lang", help="fi or en")] = "fi",
    as_json: JsonOpt = False,
) -> None:
    """Brief a rep before a call: value, risk and drivers, open work, signals, an opening line."""
    from copilot.tasks.brief import brief

    result = brief(context(), account, actor=CLI_ACTOR, language=lang)
    emit(result, as_json, lambda r: render.brief(console, r))
