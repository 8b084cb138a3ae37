"""Anonymous widget visitors, each their own actor: the server issues a signed visitor token, the
widget sends it back, and no other visitor (nor a forged token) can read or continue the thread."""

from __future__ import annotations

import time

from pydantic import SecretStr
from sqlalchemy import select

from copilot.core.store import models as m
from integrations.api.auth import sign_visitor
from tests.support.api import ORIGIN, SECRET, client, customers, derived_ctx, events, token, widget

QUESTION = "How much does Kaarna HR Core cost per user per month?"
FOLLOW_UP = "And the onboarding?"
HEADER = "X-Visitor-Token"


def _as(visitor: str | None) -> dict[str, str]:
    return {**widget(), **({HEADER: visitor} if visitor else {})}


def _start(api) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    r = api.post("/v1/widget/ask", json={"question": QUESTION}, headers=widget())
    assert r.status_code == 200
    return r.headers[HEADER], r.json()["thread_id"]


def test_each_new_visitor_gets_a_token_of_their_own(api) -> None:  # type: ignore[no-untyped-def]
    a, _ = _start(api)
    b, _ = _start(api)
    assert a != b and a.split(".")[0] != b.split(".")[0]
    again = api.post("/v1/widget/ask", json={"question": QUESTION}, headers=_as(a))
    assert again.headers[HEADER].split(".")[0] == a.split(".")[0]  # a known visitor stays the same visitor


def test_only_the_visitor_continues_their_thread(api, api_ctx) -> None:  # type: ignore[no-untyped-def]
    mine, thread = _start(api)
    more = api.post("/v1/widget/ask", json={"question": FOLLOW_UP, "thread_id": thread}, headers=_as(mine))
    assert more.status_code == 200 and more.json()["thread_id"] == thread

    other, _ = _start(api)
    visitor_id, issued, _ = mine.split(".")
    forged = f"{visitor_id}.{issued}." + "0" * 64
    for intruder in (None, other, forged, "not-a-token"):
        stolen = api.post("/v1/widget/ask", json={"question": FOLLOW_UP, "thread_id": thread},
                          headers=_as(intruder))
        assert stolen.status_code == 404, intruder
        # an invalid token makes a new visitor, never the owner
        assert stolen.headers.get(HEADER, "").split(".")[0] != visitor_id
        handoff = api.post("/v1/widget/handoff", json={"thread_id": thread}, headers=_as(intruder))
        assert handoff.status_code == 404, intruder

    with api_ctx.db.session() as s:
        conv = s.get(m.Conversation, thread)
        assert conv is not None and conv.actor == "visitor:" + mine.split(".")[0]
        said = s.scalars(select(m.Message.content).where(m.Message.conversation_id == thread)
                         .order_by(m.Message.id)).all()
    assert said[0] == QUESTION and said[2] == FOLLOW_UP and len(said) == 4  # the intruders added nothing

    own = api.post("/v1/widget/handoff", json={"thread_id": thread, "note": "call me"}, headers=_as(mine))
    assert own.status_code == 200 and own.json()["conversation_id"] == thread


def test_stream_carries_the_token_too(api) -> None:  # type: ignore[no-untyped-def]
    mine, thread = _start(api)
    r = api.post("/v1/widget/ask/stream", json={"question": FOLLOW_UP, "thread_id": thread}, headers=_as(mine))
    assert r.headers[HEADER].split(".")[0] == mine.split(".")[0]
    assert events(r.text)[-1][1]["thread_id"] == thread
    r = api.post("/v1/widget/ask/stream", json={"question": FOLLOW_UP, "thread_id": thread}, headers=widget())
    assert events(r.text)[-1][0] == "error" and r.headers[HEADER].split(".")[0] != mine.split(".")[0]


def test_customers_get_no_visitor_token_and_cors_exposes_it(api, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    contact, _, _ = customers(demo_ctx, 1)[0]
    r = api.post("/v1/widget/ask", json={"question": QUESTION}, headers=widget(token(contact)))
    assert r.status_code == 200 and HEADER not in r.headers
    r = api.post("/v1/widget/ask", json={"question": QUESTION}, headers=widget())
    assert HEADER.lower() in r.headers["access-control-expose-headers"].lower()
    pre = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "x-api-key,x-visitor-token,content-type"}
    assert api.options("/v1/widget/ask", headers=pre).status_code == 200


def test_tokens_are_bound_to_the_signing_secret(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = client(derived_ctx(demo_ctx, tmp_path / "a"))
    mine = first.post("/v1/widget/ask", json={"question": QUESTION}, headers=widget()).headers[HEADER]
    rotated = client(derived_ctx(demo_ctx, tmp_path / "b", widget_signing_secret=SecretStr(SECRET + "-rotated")))
    r = rotated.post("/v1/widget/ask", json={"question": QUESTION}, headers=_as(mine))
    assert r.status_code == 200 and r.headers[HEADER].split(".")[0] != mine.split(".")[0]


def test_an_old_or_garbled_token_makes_a_new_visitor(api, api_ctx) -> None:  # type: ignore[no-untyped-def]
    mine, thread = _start(api)
    visitor_id = mine.split(".")[0]
    max_age = api_ctx.settings.visitor_token_max_age_s
    old = sign_visitor(SECRET, visitor_id, int(time.time()) - max_age - 5)
    # Header bytes outside ASCII arrive as latin-1 text: the server must treat them as any bad token.
    for token_ in (old.encode(), mine.encode() + b"\xe9", mine.replace(".", ".\xe9", 1).encode("latin-1")):
        r = api.post("/v1/widget/ask", json={"question": FOLLOW_UP, "thread_id": thread},
                     headers={**widget(), HEADER: token_})
        assert r.status_code == 404 and r.headers.get(HEADER, "").split(".")[0] != visitor_id
    fresh = sign_visitor(SECRET, visitor_id, int(time.time()) - max_age + 60)
    r = api.post("/v1/widget/ask", json={"question": FOLLOW_UP, "thread_id": thread}, headers=_as(fresh))
    assert r.status_code == 200 and r.headers[HEADER].split(".")[0] == visitor_id


def test_a_garbled_customer_token_is_refused_not_a_crash(api, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    contact, _, _ = customers(demo_ctx, 1)[0]
    garbled = {**widget(token(contact)), "X-Customer-Token": token(contact).encode()[:-1] + b"\xe9"}
    r = api.post("/v1/widget/ask", json={"question": QUESTION}, headers=garbled)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
