"""Signed Slack requests and the fixtures of the Slack tests (bolt-python's scenario-test style).

Every request is a real ``BoltRequest`` with ``X-Slack-Signature`` computed from the signing
secret, dispatched into the real app; the app's ``WebClient`` talks to :mod:`tests.support.slack_mock`.
Import the fixtures into a test module with ``from tests.support.slack_env import ...  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.demo.generator import generate
from integrations.slack import build_slack_app
from tests.conftest import NOW
from tests.support.slack_mock import BOT_USER, TEAM, SlackMock

SECRET = "slack-test-signing-secret"
ANNA, EEVA, STRANGER = "U0ANNA", "U0EEVA", "U0NOBODY"
CHANNEL, DM = "C0SALES", "D0ANNA"
_ids = itertools.count(1)
_shared: dict[str, Any] = {}


def uid(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


# --- signed requests ------------------------------------------------------------------------------


def signed(
    body: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    secret: str = SECRET,
    retry: int | None = None,
    headers: dict[str, str] | None = None,
) -> BoltRequest:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    h = {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }
    if retry:
        h |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
    return BoltRequest(body=body, headers=h | (headers or {}))


def event_body(event: dict[str, Any], *, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": TEAM,
            "api_app_id": "A0POLKU",
            "type": "event_callback",
            "event": event,
            "event_id": event_id or uid("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def mention(text: str, *, user: str = ANNA, channel: str = CHANNEL, event_id: str | None = None) -> str:
    ts = f"1700001000.{next(_ids):06d}"
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    return event_body(event, event_id=event_id)


def direct_message(text: str, *, user: str = ANNA, channel: str = DM, event_id: str | None = None) -> str:
    ts = f"1700002000.{next(_ids):06d}"
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    return event_body(event, event_id=event_id)


def command(text: str, *, user: str = ANNA, channel: str = CHANNEL, response_url: str = "") -> str:
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/polku",
            "text": text,
            "response_url": response_url,
            "trigger_id": uid("trig-cmd-"),
            "api_app_id": "A0POLKU",
        }
    )


def action(
    action_id: str,
    value: str,
    *,
    user: str = ANNA,
    channel: str = CHANNEL,
    ephemeral: bool = True,
    thread_ts: str | None = None,
    response_url: str = "",
    trigger_id: str | None = None,
) -> str:
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": "1700003000.000001",
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    if thread_ts:
        container["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0POLKU",
        "container": container,
        "channel": {"id": channel},
        "trigger_id": trigger_id or uid("trig-act-"),
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "polku_actions",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(view: dict[str, Any], *, user: str = ANNA, trigger_id: str | None = None) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0POLKU",
        "trigger_id": trigger_id or uid("trig-view-"),
        "view": {
            "id": "V0VIEW",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {}},
            "hash": "h1",
        },
    }
    return urlencode({"payload": json.dumps(payload)})


JSON, FORM = "application/json", "application/x-www-form-urlencoded"


# --- fixtures ---------------------------------------------------------------------------------------


@dataclass
class Slack:
    app: App
    mock: SlackMock
    ctx: AppContext

    def send(self, body: str, content_type: str = JSON, **kw: Any) -> BoltResponse:
        response = self.app.dispatch(signed(body, content_type, **kw))
        assert response.status == 200, (response.status, response.body)
        return response

    def event(self, body: str, **kw: Any) -> BoltResponse:
        return self.send(body, JSON, **kw)

    def form(self, body: str, **kw: Any) -> BoltResponse:
        return self.send(body, FORM, **kw)

    def new_app(self) -> App:
        """Another instance of the app (a second worker): same store, its own memory."""
        return _app(self.ctx, self.mock)


def _app(ctx: AppContext, mock: SlackMock) -> App:
    return build_slack_app(ctx, client=WebClient(token="xoxb-test", base_url=mock.base_url), now=lambda: NOW)


@pytest.fixture(name="slack_ctx")
def slack_ctx_fixture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    """A store of its own (the Slack tests write feedback and CRM activities), built once per process.

    120 accounts, because the churn model behind `brief` and `score` needs more examples than the
    80-account ``demo_ctx`` has; demo_ctx's embedding cache makes indexing the content cheap.
    """
    if "ctx" not in _shared:
        from retrieval import service as retrieval

        data_dir = tmp_path_factory.mktemp("polku-slack")
        settings = Settings(data_dir=data_dir, slack_signing_secret=SECRET, slack_bot_token="xoxb-test", _env_file=None)  # type: ignore[call-arg]
        ctx = AppContext.create(settings)
        cache = request.getfixturevalue("demo_ctx").settings.cache_dir / "embeddings.sqlite3"
        if cache.exists():
            settings.cache_dir.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(cache) as src, sqlite3.connect(settings.cache_dir / "embeddings.sqlite3") as dst:
                src.backup(dst)
        generate(ctx.db, accounts=120, seed=5, now=NOW)
        retrieval.ingest_store_modules(ctx)
        _shared["ctx"] = ctx
    return _shared["ctx"]  # type: ignore[no-any-return]


@pytest.fixture(name="slack_mock")
def slack_mock_fixture() -> SlackMock:
    if "mock" not in _shared:
        _shared["mock"] = SlackMock()
    return _shared["mock"]  # type: ignore[no-any-return]


@pytest.fixture(name="slack")
def slack_fixture(slack_ctx: AppContext, slack_mock: SlackMock) -> Iterator[Slack]:
    """A fresh app (fresh retry memory) on the shared store, and an empty call record."""
    app = _app(slack_ctx, slack_mock)
    slack_mock.reset()  # after auth.test, which Bolt calls when the app is built
    yield Slack(app=app, mock=slack_mock, ctx=slack_ctx)
    slack_mock.reset()
