"""The Slack surface: mentions, DMs, `/polku`, buttons; a thin adapter over the copilot's services.

``build_slack_app(ctx)`` returns the Bolt app; ``mount_slack(fastapi_app, ctx)`` serves it at
``POST /slack/events``; `polku slack socket` runs it over Socket Mode instead.
"""

from integrations.slack.app import build_slack_app
from integrations.slack.http import EVENTS_PATH, mount_slack, slack_router

__all__ = ["EVENTS_PATH", "build_slack_app", "mount_slack", "slack_router"]
