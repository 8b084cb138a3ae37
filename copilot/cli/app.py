"""The Typer application, shared options and the one place where errors become messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.locale import SUPPORTED
from copilot.core.settings import EngineName, Settings

app = typer.Typer(
    name="polku",
    help="Polku: the AI copilot for B2B sales, customer service and marketing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]


def supported_language(value: str | None) -> str | None:
    if value is not None and value not in SUPPORTED:
        raise typer.BadParameter(f"{value!r} is not a supported language; use {' or '.join(SUPPORTED)}")
    return value


LANGUAGES = "|".join(SUPPORTED)
LangOpt = Annotated[str, typer.Option("--lang", help=f"Language to write in ({LANGUAGES})",
                                      callback=supported_language)]
"""A language a person chooses: anything Polku does not write in is a usage error, not a silent fallback."""


CONSOLE = Actor(id="cli", role=Role.admin)
"""Who the command line acts as by default: an administrator at the console (it holds the store's files)."""
AsOpt = Annotated[str | None, typer.Option(
    "--as", help="Act as this staff member (a rep id of the store, e.g. sup-eeva) with their role; "
    "default: the console's admin.")]


def acting_as(ctx: AppContext, ident: str | None) -> Actor:
    """The actor of ``--as``: a staff member with the role the store gives them, as Slack maps its users, so
    the command line refuses a role what every other surface refuses it."""
    if ident is None:
        return CONSOLE
    from copilot.core.store.repo import reps

    with ctx.db.session() as session:
        rep = reps.by_id(session, rep_id=ident)
        role = rep.role if rep is not None else None
    if role is None:
        raise PolkuError("not_found", f"no staff member {ident!r} in the store (--as takes a rep id, e.g. rep-anna)")
    return Actor(id=ident, role=Role(role))


def context() -> AppContext:
    """Build the application context; a bad setting becomes a configuration error."""
    try:
        return AppContext.create(Settings())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise PolkuError("config", f"bad setting POLKU_{where.upper()}: {first['msg']}") from exc


def writer(ctx: AppContext, engine: str | None) -> tuple[AppContext, str | None]:
    """The context and engine a writing task runs with.

    The llm engine without a usable chat model (no credentials, say) falls back to the composer, as
    it does when the provider fails mid-request: one warning line, then the task runs.
    """
    if (engine or ctx.settings.engine) != EngineName.llm:
        return ctx, engine
    from copilot.engines.registry import get_engine

    try:
        get_engine(ctx, EngineName.llm)
    except PolkuError as exc:
        if exc.code != "config":
            raise
        err_console.print("[yellow]warning:[/yellow] the llm engine cannot run, the composer writes instead: "
                          + escape(exc.message), highlight=False, markup=True)
        composer = ctx.settings.model_copy(update={"engine": EngineName.composer})
        return AppContext.create(composer), EngineName.composer.value
    return ctx, engine


def to_jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [to_jsonable(d) for d in data]
    if isinstance(data, dict):
        return {k: to_jsonable(v) for k, v in data.items()}
    return data


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print a result as JSON or as readable text; every command goes through here."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        render(data)


def run() -> None:
    """Entry point: run the app; a PolkuError is one line on stderr and a non-zero exit.

    Typer runs in its standalone mode, so a usage mistake (an unknown command or option, a missing
    or malformed value) gets Typer's own message with the command's usage, and exit status 2.
    """
    try:
        app()
    except PolkuError as exc:
        _fail(exc.message, exc.exit_code, exc.as_dict())
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"invalid input: {'.'.join(map(str, first['loc']))}: {first['msg']}", 1, None)
    except Exception as exc:
        _fail(f"internal error ({type(exc).__name__}); this is a bug, please report it", 1, None)


def _fail(message: str, code: int, body: dict[str, Any] | None) -> None:
    if "--json" in sys.argv and body is not None:
        sys.stdout.write(json.dumps({"error": body}, ensure_ascii=False) + "\n")
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True)
    raise SystemExit(code)
