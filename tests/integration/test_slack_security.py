"""Signed-request verification (401 for unsigned, tampered and stale requests), no raw bodies of
rejected requests in the logs, the FastAPI mount, and the escaping of everything we render."""

from __future__ import annotations

import json
import logging
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_bolt import BoltRequest
from slack_sdk import WebClient

from copilot.results import Answer, Citation, GuardReport, Provenance
from integrations.slack import blocks as bk
from integrations.slack import mount_slack
from integrations.slack.guards import SeenDeliveries
from tests.conftest import NOW
from tests.support.slack_env import (  # noqa: F401 - fixtures
    JSON,
    Slack,
    direct_message,
    signed,
    slack_ctx_fixture,
    slack_fixture,
    slack_mock_fixture,
)

MARKER = "SECRET-CUSTOMER-DATA-4711"


def _rejected(slack: Slack, request: BoltRequest) -> None:
    assert slack.app.dispatch(request).status == 401


def test_unsigned_tampered_stale_and_wrongly_signed_requests_are_rejected_with_401(slack: Slack) -> None:
    body = direct_message("What does Kaarna Flow cost?")
    _rejected(slack, BoltRequest(body=body, headers={"content-type": JSON}))
    tampered = signed(body, JSON)
    tampered.raw_body = body.replace("Kaarna Flow", "Kaarna Core")
    _rejected(slack, BoltRequest(body=tampered.raw_body, headers={k: v[0] for k, v in tampered.headers.items()}))
    _rejected(slack, signed(body, JSON, timestamp=int(time.time()) - 301))
    _rejected(slack, signed(body, JSON, secret="not-the-secret"))
    time.sleep(0.5)
    assert slack.mock.methods() == []


def test_the_raw_body_of_a_rejected_request_is_never_logged(slack: Slack, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")  # Bolt fixed its level at build
    body = direct_message(f"my card {MARKER}")
    _rejected(slack, signed(body, JSON, secret="forged"))
    _rejected(slack, signed(body, JSON, timestamp=int(time.time()) - 3600))
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert MARKER not in text
    assert "Rejected a Slack request with an invalid signature" in caplog.text


def test_mounted_on_fastapi_at_slack_events(slack: Slack) -> None:
    api = FastAPI()
    mount_slack(api, slack.ctx, client=WebClient(token="xoxb-test", base_url=slack.mock.base_url), now=lambda: NOW)
    client = TestClient(api)
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    assert client.post("/slack/events", content=body, headers={"content-type": JSON}).status_code == 401
    ok = signed(body, JSON)
    response = client.post("/slack/events", content=body, headers={k: v[0] for k, v in ok.headers.items()})
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


def _answer(text: str, snippet: str) -> Answer:
    prov = Provenance(
        task="staff_chat", basis=None, purpose=None, categories=[], reason="", engine="composer", audit_id="aud-1"
    )
    cite = Citation(ref=1, source_id="module:x", title="A & B <c>", location="content_modules/x", snippet=snippet)
    return Answer(
        question="q",
        language="en",
        text=text,
        citations=[cite],
        known=True,
        handoff=False,
        guard=GuardReport(),
        provenance=prov,
    )


def test_rendering_escapes_control_characters_and_links_only_to_the_allow_list() -> None:
    text = "Hi <!channel> & <@U0BOSS>: see https://kaarna.example/pricing?a=1&b=2 or <https://evil.example|here>"
    msg = bk.answer(_answer(text, "x > y"), ["kaarna.example"])
    blob = json.dumps(msg.with_buttons(share=True))
    body = msg.blocks[0]["text"]
    assert body["verbatim"] is True
    assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in body["text"]
    assert "<https://kaarna.example/pricing?a=1&amp;b=2>" in body["text"]
    assert "<https://evil" not in blob and "&lt;https://evil.example|here&gt;" in body["text"]
    assert "A &amp; B &lt;c&gt;" in blob and "x &gt; y" in blob
    assert "<!channel>" not in msg.text and "&lt;!channel&gt;" in msg.text


def test_long_text_is_split_into_sections_within_slacks_limits() -> None:
    msg = bk.answer(_answer("&" * 9000, "s"), [])
    assert all(len(b["text"]["text"]) <= 3000 for b in msg.blocks if b["type"] == "section")
    assert len(msg.with_buttons(share=True)) <= 50


def test_the_retry_memory_is_bounded_and_forgets_old_deliveries() -> None:
    clock = [0.0]
    seen = SeenDeliveries(capacity=3, ttl_s=60, clock=lambda: clock[0])
    assert seen.first_time("a") and not seen.first_time("a")
    for key in "bcd":
        assert seen.first_time(key)
    assert len(seen) == 3 and seen.first_time("a")  # "a" was pushed out by capacity
    clock[0] = 120.0
    assert seen.first_time("b") and len(seen) == 1  # the rest expired
