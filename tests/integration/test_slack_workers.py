"""Two instances of the Slack app behind one URL (two API workers) sharing Redis: a delivery is acted on
once whichever worker Slack reaches, and the buttons find an answer another worker delivered."""

from __future__ import annotations

import json

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from copilot.core.context import AppContext
from integrations.slack import build_slack_app
from tests.conftest import NOW
from tests.support.shared_env import redis_url_fixture, worker_ctx  # noqa: F401 - fixture
from tests.support.slack_env import (  # noqa: F401 - fixtures
    ANNA,
    FORM,
    JSON,
    Slack,
    action,
    direct_message,
    mention,
    signed,
    slack_ctx_fixture,
    slack_fixture,
    slack_mock_fixture,
    view_submission,
)
from tests.support.slack_mock import SlackMock

pytestmark = pytest.mark.redis


def _worker(ctx: AppContext, url: str, mock: SlackMock) -> App:
    return build_slack_app(worker_ctx(ctx, url), client=WebClient(token="xoxb-test", base_url=mock.base_url),
                           now=lambda: NOW)


def _send(app: App, body: str, content_type: str = JSON, **kw: object) -> None:
    response = app.dispatch(signed(body, content_type, **kw))  # type: ignore[arg-type]
    assert response.status == 200, (response.status, response.body)


def _buttons(blocks: list[dict]) -> dict[str, str]:
    return {e["action_id"]: e.get("value", "") for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_a_retry_reaching_the_other_worker_is_not_answered_again(slack: Slack, redis_url: str) -> None:
    one, two = _worker(slack.ctx, redis_url, slack.mock), _worker(slack.ctx, redis_url, slack.mock)
    slack.mock.reset()
    body = direct_message("What does Kaarna Insight cost?", event_id="Ev0TWOWORKERS")
    _send(one, body)
    slack.mock.wait_for("chat.update")
    for retry, worker in ((1, two), (2, one), (3, two)):
        _send(worker, body, retry=retry)
    # Retries are dropped before any listener runs, in the request itself: nothing else was called.
    assert slack.mock.methods() == ["chat.postMessage", "chat.update"]


def test_the_buttons_work_on_the_worker_that_did_not_deliver_the_answer(slack: Slack, redis_url: str) -> None:
    one, two = _worker(slack.ctx, redis_url, slack.mock), _worker(slack.ctx, redis_url, slack.mock)
    slack.mock.reset()
    _send(one, mention("brief acc-00021 en"))
    reply = slack.mock.wait_for("chat.postEphemeral")[0]
    slack.mock.wait_for("chat.update")
    buttons = _buttons(reply["blocks"])

    # Share on the other worker: shared once, whichever worker gets the second click.
    _send(two, action("polku_share", buttons["polku_share"], thread_ts="1700001000.1"), FORM)
    shared = slack.mock.wait_for("chat.postMessage", 2)[1]
    assert shared["blocks"][0] == reply["blocks"][0] and "Account brief" in json.dumps(shared["blocks"])
    _send(one, action("polku_share", buttons["polku_share"], thread_ts="1700001000.1"), FORM)
    note = slack.mock.wait_for("chat.postEphemeral", 2)[1]
    assert note["user"] == ANNA and "already shared" in note["text"]

    # Log to CRM on the other worker: it finds the answer's entry and opens the preview.
    _send(two, action("polku_log_crm", buttons["polku_log_crm"], trigger_id="trig-w2-log"), FORM)
    modal = slack.mock.wait_for("views.open")[0]
    assert modal["trigger_id"] == "trig-w2-log" and "acc-00021" in json.dumps(modal["view"]["blocks"])
    # ... and the same click delivered again to the first worker (a Slack retry) does nothing more.
    _send(one, action("polku_log_crm", buttons["polku_log_crm"], trigger_id="trig-w2-log"), FORM, retry=1)
    confirm = view_submission(modal["view"], trigger_id="trig-w2-confirm")
    _send(one, confirm, FORM)
    assert "Logged to CRM" in slack.mock.wait_for("chat.postEphemeral", 3)[2]["text"]
    assert slack.mock.methods().count("views.open") == 1
