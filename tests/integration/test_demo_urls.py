"""The pages `polku demo` tells a new user to open work as printed, with the printed key."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from pydantic import SecretStr

from copilot.core.context import AppContext
from copilot.demo import showcase
from integrations.api import create_app


def test_every_printed_page_routes_and_the_widget_may_call_the_api_from_it(demo_ctx: AppContext) -> None:
    examples = showcase.pick_examples(demo_ctx)
    printed = showcase.urls(examples, demo_ctx.settings)
    api = TestClient(create_app(demo_ctx))
    for name, url in printed.items():
        parts = urlsplit(url)
        r = api.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (name, url)
        assert "<html" in r.text.lower(), name

    widget_page = urlsplit(printed["Website chat widget (demo host page)"])
    r = api.post("/v1/widget/ask", json={"question": "Paljonko HR Core maksaa?"},
                 headers={"X-API-Key": "dev-widget-key", "Origin": f"{widget_page.scheme}://{widget_page.netloc}"})
    assert r.status_code == 200, r.text

    sidebar = urlsplit(printed["Support sidebar"])
    query = {k: v[0] for k, v in parse_qs(sidebar.query).items()}
    r = api.get("/web/api/sidebar", params={"account": query["account"]}, headers={"X-API-Key": query["key"]})
    assert r.status_code == 200 and r.json()["account"]["id"] == examples.account_id


def test_the_widget_page_says_when_its_origin_is_not_allowed_and_slack_shows_once_configured(
    demo_ctx: AppContext,
) -> None:
    examples = showcase.pick_examples(demo_ctx)
    elsewhere = demo_ctx.settings.model_copy(update={"allowed_origins": ["https://www.kaarna.example"]})
    assert any("add http://localhost:8000 to POLKU_ALLOWED_ORIGINS" in name
               for name in showcase.urls(examples, elsewhere))
    assert not any("Slack" in name for name in showcase.urls(examples, demo_ctx.settings))
    slack = demo_ctx.settings.model_copy(update={"slack_signing_secret": SecretStr("s"),
                                                 "slack_bot_token": SecretStr("xoxb-1")})
    assert showcase.urls(examples, slack)["Slack events endpoint (the Slack app's request URL)"].endswith(
        "/slack/events")
