"""`/polku` subcommands through a real, signed dispatch: ack at once, answer privately, share on request."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from copilot.core.store import models as m
from copilot.core.store.repo import people
from tests.support.slack_env import (  # noqa: F401 - fixtures
    ANNA,
    CHANNEL,
    EEVA,
    STRANGER,
    Slack,
    action,
    command,
    slack_ctx_fixture,
    slack_fixture,
    slack_mock_fixture,
)


def _ids(blocks: list[dict]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _ack(response) -> str:  # type: ignore[no-untyped-def]
    """The text a command's ack shows the user (Bolt sends plain text, or JSON with blocks)."""
    body = response.body
    return str(json.loads(body)["text"]) if body.startswith("{") else str(body)


def _text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _marketing_contact(slack: Slack) -> m.Contact:
    with slack.ctx.db.session() as s:
        contact = people.contact_with_consent(s, purpose="email_marketing", status="granted", language="en")
    assert contact is not None
    return contact


def _run(slack: Slack, text: str, *, user: str = ANNA) -> dict:
    response = slack.form(command(text, user=user, response_url=slack.mock.response_url()))
    assert "Working on" in _ack(response)  # the ack is the progress message
    reply = slack.mock.wait_for("chat.postEphemeral")[0]
    assert reply["channel"] == CHANNEL and reply["user"] == user and "thread_ts" not in reply
    return reply


@pytest.mark.parametrize(
    ("text", "expect", "buttons"),
    [
        ("brief acc-00013", "Harju kuntayhtymä", {"polku_log_crm", "polku_feedback_up", "polku_regenerate"}),
        ("next", "🧭", {"polku_regenerate", "polku_share"}),
        ("next acc-00013", "🧭", {"polku_regenerate"}),
        ("score acc-00013", "Churn risk", {"polku_regenerate", "polku_share"}),
        ("ask What does Kaarna HR Core cost?", "polku_source_", {"polku_feedback_down", "polku_share"}),
    ],
)
def test_each_subcommand_answers_privately_with_blocks_and_buttons(slack: Slack, text, expect, buttons) -> None:  # type: ignore[no-untyped-def]
    reply = _run(slack, text)
    assert expect in _text(reply["blocks"])
    assert buttons <= set(_ids(reply["blocks"]))


def test_draft_renders_subject_body_sources_and_offers_a_variant(slack: Slack) -> None:
    contact = _marketing_contact(slack)
    reply = _run(slack, f"draft {contact.id} nurture")
    blocks = reply["blocks"]
    assert "Subject:" in _text(blocks) and contact.first_name in _text(blocks)
    assert [b for b in blocks if b.get("block_id", "").startswith("polku_source_")]
    ids = _ids(blocks)
    assert {"polku_variant", "polku_log_crm", "polku_feedback_up"} <= set(ids)
    slack.mock.reset()
    slack.form(action("polku_variant", ids["polku_variant"]))
    variants = slack.mock.wait_for("chat.postEphemeral")[0]
    assert "A/B test of" in _text(variants["blocks"]) and "control:" in _text(variants["blocks"])


def test_bad_subcommand_shows_usage_in_the_ack_and_does_nothing_else(slack: Slack) -> None:
    response = slack.form(command("frobnicate acc-1"))
    assert "Usage: `/polku brief ACCOUNT" in _ack(response)
    response = slack.form(command("draft con-1 spam"))
    assert "unknown goal" in _ack(response)
    time.sleep(0.5)  # the lazy listener of a rejected command returns at once
    assert slack.mock.methods() == []


def test_unknown_slack_user_gets_only_the_not_mapped_reply(slack: Slack) -> None:
    response = slack.form(command("brief acc-00013", user=STRANGER))
    assert "not mapped to a Polku user" in _ack(response)
    with slack.ctx.db.session() as s:
        before = s.scalar(select(func.count()).select_from(m.AuditLog))
    time.sleep(0.5)
    assert slack.mock.methods() == []
    with slack.ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditLog)) == before


def test_unknown_account_is_one_readable_line(slack: Slack) -> None:
    reply = _run(slack, "brief acc-99999")
    assert "⚠️ no account with id" in reply["text"] and "Traceback" not in _text(reply["blocks"])


def test_share_in_channel_posts_the_answer_for_everyone_and_removes_the_private_copy(slack: Slack) -> None:
    reply = _run(slack, "ask What does Kaarna HR Core cost?")
    share = _ids(reply["blocks"])["polku_share"]
    slack.form(action("polku_share", share, response_url=slack.mock.response_url("share")))
    post = slack.mock.wait_for("chat.postMessage")[0]
    assert post["channel"] == CHANNEL and f"Shared by <@{ANNA}>" in _text(post["blocks"])
    assert [b for b in post["blocks"] if b.get("block_id", "").startswith("polku_source_")]
    assert not [b for b in post["blocks"] if b["type"] == "actions"]
    assert slack.mock.wait_for("response_url")[0] == {"delete_original": True, "_ts": None}
    slack.form(action("polku_share", share))  # a second click does not post again
    note = slack.mock.wait_for("chat.postEphemeral", 2)[1]
    assert "already shared" in note["text"]
    assert len(slack.mock.of("chat.postMessage")) == 1


def test_regenerate_runs_the_same_request_again(slack: Slack) -> None:
    reply = _run(slack, "score acc-00013")
    slack.mock.reset()
    slack.form(action("polku_regenerate", _ids(reply["blocks"])["polku_regenerate"]))
    again = slack.mock.wait_for("chat.postEphemeral")[0]
    assert "Churn risk" in _text(again["blocks"])


def test_a_support_user_is_refused_a_draft_with_the_same_reason_as_over_rest(slack: Slack) -> None:
    from copilot.core.errors import PolkuError
    from copilot.core.identity import Actor, Role
    from copilot.core.permissions import Perm, require

    with pytest.raises(PolkuError) as rest:  # what the REST gate and every service say to this role
        require(Actor(id="sup-eeva", role=Role.support), Perm.email_draft)
    contact = _marketing_contact(slack)
    reply = _run(slack, f"draft {contact.id} nurture", user=EEVA)
    assert rest.value.message in _text(reply["blocks"]) and "Subject:" not in _text(reply["blocks"])
