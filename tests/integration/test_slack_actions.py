"""Buttons through a real, signed dispatch: feedback into the audit log, and Log to CRM that asks
first and writes once, however often Slack or the user repeats the confirmation."""

from __future__ import annotations

import json

from sqlalchemy import select

from copilot.core.store import models as m
from tests.support.slack_env import (  # noqa: F401 - fixtures
    ANNA,
    EEVA,
    Slack,
    action,
    command,
    signed,
    slack_ctx_fixture,
    slack_fixture,
    slack_mock_fixture,
    view_submission,
)

FORM = "application/x-www-form-urlencoded"


def _ids(blocks: list[dict]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _ask(slack: Slack, text: str) -> dict[str, str]:
    slack.form(command(text))
    buttons = _ids(slack.mock.wait_for("chat.postEphemeral")[0]["blocks"])
    slack.mock.reset()
    return buttons


def _feedback(slack: Slack, audit_id: str) -> str | None:
    with slack.ctx.db.session() as s:
        return s.get(m.AuditLog, audit_id).feedback


def _activities(slack: Slack, account_id: str) -> list[m.Activity]:
    with slack.ctx.db.session() as s:
        return list(
            s.scalars(
                select(m.Activity).where(m.Activity.account_id == account_id, m.Activity.kind == "copilot_output")
            )
        )


def test_thumbs_are_stored_with_the_audit_record_and_only_the_asker_may_vote(slack: Slack) -> None:
    buttons = _ask(slack, "ask What does Kaarna Flow cost?")
    audit_id = buttons["polku_feedback_up"]
    assert _feedback(slack, audit_id) is None
    slack.form(action("polku_feedback_up", audit_id))
    assert "stored with the answer" in slack.mock.wait_for("chat.postEphemeral")[0]["text"]
    assert _feedback(slack, audit_id) == "up"
    slack.form(action("polku_feedback_down", audit_id, user=EEVA))
    refusal = slack.mock.wait_for("chat.postEphemeral", 2)[1]
    assert refusal["user"] == EEVA and "only the person who asked" in refusal["text"]
    assert _feedback(slack, audit_id) == "up"
    slack.form(action("polku_feedback_down", audit_id))
    slack.mock.wait_for("chat.postEphemeral", 3)
    assert _feedback(slack, audit_id) == "down"


def test_log_to_crm_previews_first_and_writes_once_however_often_it_is_confirmed(slack: Slack) -> None:
    account = "acc-00021"
    buttons = _ask(slack, f"brief {account} en")
    before = len(_activities(slack, account))

    slack.form(action("polku_log_crm", buttons["polku_log_crm"], trigger_id="trig-log-1"))
    modal = slack.mock.wait_for("views.open")[0]
    assert modal["trigger_id"] == "trig-log-1"
    view = modal["view"]
    assert view["callback_id"] == "polku_log_crm_confirm" and view["submit"]["text"] == "Log it"
    assert account in json.dumps(view["blocks"])
    assert len(_activities(slack, account)) == before  # the first click writes nothing

    confirm = view_submission(view, trigger_id="trig-confirm-1")
    assert slack.app.dispatch(signed(confirm, FORM)).status == 200
    done = slack.mock.wait_for("chat.postEphemeral")[0]
    assert "Logged to CRM" in done["text"]
    written = _activities(slack, account)
    assert len(written) == before + 1
    assert written[-1].actor == "rep-anna" and written[-1].subject.startswith("Polku brief:")

    # Slack retries the very same delivery twice: the retry memory drops both ...
    for retry in (1, 2):
        assert slack.app.dispatch(signed(confirm, FORM, retry=retry)).status == 200
    # ... and a second worker (no shared memory) or a second submission is replayed by the
    # idempotent CRM write, keyed by the answer's audit id.
    other = slack.new_app()
    slack.mock.reset()
    assert other.dispatch(signed(view_submission(view, trigger_id="trig-confirm-2"), FORM)).status == 200
    assert "Already logged" in slack.mock.wait_for("chat.postEphemeral")[0]["text"]
    assert len(_activities(slack, account)) == before + 1

    slack.form(action("polku_log_crm", buttons["polku_log_crm"]))  # clicking again now says it is done
    assert "Already logged" in slack.mock.wait_for("chat.postEphemeral", 2)[1]["text"]
    assert slack.mock.of("views.open") == []


def test_answers_about_no_account_have_no_log_button(slack: Slack) -> None:
    assert "polku_log_crm" not in _ask(slack, "ask What does Kaarna Flow cost?")
