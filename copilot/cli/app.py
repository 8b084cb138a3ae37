"""The Typer application, shared options and the one place where errors become messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import Settings

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


def context() -> AppContext:
    """Build the application context; a bad setting becomes a configuration error."""
    try:
        return AppContext.create(Settings())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise PolkuError("config", f"bad setting POLKU_{where.upper()}: {first['msg']}") from exc


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
    """Entry point: run the app; a PolkuError is one line on stderr and a non-zero exit."""
    try:
        app(standalone_mode=False)
    except PolkuError as exc:
        _fail(exc.message, exc.exit_code, exc.as_dict())
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"invalid input: {'.'.join(map(str, first['loc']))}: {first['msg']}", 1, None)
    except typer.Abort:
        _fail("aborted", 1, None)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", None) or getattr(exc, "code", 0) or 0
        raise SystemExit(code) from None
    except Exception as exc:  # click's usage errors and anything unforeseen
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        _fail(f"internal error ({type(exc).__name__}); this is a bug, please report it", 1, None)


def _fail(message: str, code: int, body: dict[str, Any] | None) -> None:
    if "--json" in sys.argv and body is not None:
        sys.stdout.write(json.dumps({"error": body}, ensure_ascii=False) + "\n")
    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise SystemExit(code)
