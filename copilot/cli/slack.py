"""`polku slack socket`: run the Slack app over Socket Mode (no public URL needed)."""

from __future__ import annotations

import typer

from copilot.cli.app import JsonOpt, app, console, context, emit
from copilot.core.errors import PolkuError

slack = typer.Typer(help="The Slack app.", no_args_is_help=True)
app.add_typer(slack, name="slack")


@slack.command("socket")
def socket_cmd(as_json: JsonOpt = False) -> None:
    """Connect to Slack over Socket Mode and answer until interrupted (needs POLKU_SLACK_APP_TOKEN)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from integrations.slack import build_slack_app

    ctx = context()
    token = ctx.settings.slack_app_token
    if token is None or not token.get_secret_value().startswith("xapp-"):
        raise PolkuError("config", "POLKU_SLACK_APP_TOKEN must be set to an app-level token (xapp-…) for Socket Mode")
    bolt_app = build_slack_app(ctx, socket_mode=True)
    emit(
        {"mode": "socket", "status": "connecting"},
        as_json,
        lambda _r: console.print("Polku Slack app: connecting over Socket Mode (Ctrl-C to stop)…"),
    )
    SocketModeHandler(bolt_app, app_token=token.get_secret_value()).start()
