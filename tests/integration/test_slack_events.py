"""Slack mentions and DMs through a real, signed dispatch into the Bolt app and a mock Web API."""

from __future__ import annotations

import json
import time

from tests.support.slack_env import (  # noqa: F401 - fixtures
    ANNA,
    CHANNEL,
    DM,
    STRANGER,
    Slack,
    direct_message,
    event_body,
    mention,
    slack_ctx_fixture,
    slack_fixture,
    slack_mock_fixture,
)


def _action_ids(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_mention_in_a_channel_answers_the_asker_privately_in_the_thread(slack: Slack) -> None:
    slack.event(mention("Mitä Kaarna HR Core maksaa?"))
    working = slack.mock.wait_for("chat.postMessage")[0]
    assert working["channel"] == CHANNEL and working["thread_ts"] and "Working" in working["text"]
    reply = slack.mock.wait_for("chat.postEphemeral")[0]
    assert reply["user"] == ANNA and reply["channel"] == CHANNEL and reply["thread_ts"] == working["thread_ts"]
    blocks = reply["blocks"]
    sources = [b for b in blocks if b.get("block_id", "").startswith("polku_source_")]
    assert sources and all(b["type"] == "context" for b in sources)
    assert {"polku_feedback_up", "polku_feedback_down", "polku_regenerate", "polku_share"} <= set(_action_ids(blocks))
    update = slack.mock.wait_for("chat.update")[0]
    assert update["ts"] == working["_ts"] and "privately" in update["text"]


def test_direct_message_gets_a_progress_message_updated_in_place_with_the_answer(slack: Slack) -> None:
    slack.event(direct_message("What does Kaarna Flow cost?"))
    working = slack.mock.wait_for("chat.postMessage")[0]
    assert working["channel"] == DM and working["thread_ts"] and "Working" in working["text"]
    update = slack.mock.wait_for("chat.update")[0]
    assert update["ts"] == working["_ts"] and update["channel"] == DM
    ids = _action_ids(update["blocks"])
    assert "polku_feedback_up" in ids and "polku_share" not in ids  # a DM is private already
    assert any(b.get("block_id", "").startswith("polku_source_") for b in update["blocks"])
    assert slack.mock.of("chat.postEphemeral") == []


def test_a_retried_event_is_acknowledged_but_never_answered_twice(slack: Slack) -> None:
    body = direct_message("What does Kaarna Insight cost?", event_id="Ev0RETRY1")
    slack.event(body)
    slack.mock.wait_for("chat.update")
    for retry in (1, 2):
        slack.event(body, retry=retry)
    time.sleep(1.0)
    assert slack.mock.methods().count("chat.postMessage") == 1
    assert slack.mock.methods().count("chat.update") == 1


def test_an_unknown_slack_user_is_told_so_and_nothing_else_happens(slack: Slack) -> None:
    slack.event(mention("brief acc-00013", user=STRANGER))
    note = slack.mock.wait_for("chat.postEphemeral")[0]
    assert note["user"] == STRANGER and "not mapped to a Polku user" in note["text"]
    time.sleep(0.5)
    assert slack.mock.methods() == ["chat.postEphemeral"]


def test_messages_from_bots_and_edits_are_ignored(slack: Slack) -> None:
    slack.event(
        event_body(
            {
                "type": "message",
                "channel_type": "im",
                "subtype": "message_changed",
                "channel": DM,
                "ts": "1.2",
                "event_ts": "1.2",
            }
        )
    )
    slack.event(
        event_body(
            {
                "type": "message",
                "channel_type": "im",
                "bot_id": "B0BOT",
                "user": ANNA,
                "text": "hello",
                "channel": DM,
                "ts": "1.3",
                "event_ts": "1.3",
            }
        )
    )
    time.sleep(0.5)
    assert slack.mock.methods() == []


def test_a_mention_with_a_subcommand_runs_it(slack: Slack) -> None:
    slack.event(mention("brief acc-00013 en"))
    reply = slack.mock.wait_for("chat.postEphemeral")[0]
    assert "Harju" in json.dumps(reply["blocks"], ensure_ascii=False)
    assert "polku_log_crm" in _action_ids(reply["blocks"])
    slack.mock.wait_for("chat.update")
