"""The REST API on the real PostgreSQL: a whole working day of writes through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from copilot.core.store import models as m
from tests.support.api import client, customers, derived_ctx, staff, token, widget
from tests.support.pg_store import demo_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_api(pg_db, demo_ctx, tmp_path):  # type: ignore[no-untyped-def]
    """A demo store on PostgreSQL; the index and embedding cache are copied from the SQLite demo (same
    content modules), so nothing is embedded again."""
    base, _ = demo_store(pg_db, demo_ctx, tmp_path / "data", accounts=80)
    ctx = derived_ctx(base, tmp_path)
    return ctx, client(ctx)


def test_api_on_postgres(pg_api) -> None:  # type: ignore[no-untyped-def]
    ctx, api = pg_api
    assert ctx.db.dialect == "postgresql"
    assert api.get("/readyz").status_code == 200
    (me, my_account, my_orders), (_, _, other_orders) = customers(ctx)

    # a customer asks, then hands over to a person: a ticket with the transcript on their own account
    ans = api.post("/v1/widget/ask", json={"question": "What is the status of my latest order?"},
                   headers=widget(token(me))).json()
    assert any(o in ans["text"] for o in my_orders) and not any(o in ans["text"] for o in other_orders)
    more = api.post("/v1/widget/ask", json={"question": "And when will it arrive?", "thread_id": ans["thread_id"]},
                    headers=widget(token(me)))
    assert more.status_code == 200 and more.json()["thread_id"] == ans["thread_id"]
    r = api.post("/v1/widget/handoff", json={"thread_id": ans["thread_id"], "note": "call me"},
                 headers=widget(token(me)))
    assert r.status_code == 200 and r.json()["ticket_id"]
    with ctx.db.session() as s:
        ticket = s.get(m.Ticket, r.json()["ticket_id"])
        assert ticket.account_id == my_account and ticket.contact_id == me and ticket.channel == "chat"
        assert "And when will it arrive?" in ticket.body and "note: call me" in ticket.body
        msgs = s.scalars(select(m.Message).where(m.Message.conversation_id == r.json()["conversation_id"])).all()
        assert [x.role for x in msgs] == ["user", "assistant", "user", "assistant", "user"]
    transcript = [{"role": "user", "content": "Hello?"}]
    visitor = api.post("/v1/widget/handoff", json={"messages": transcript}, headers=widget())
    assert visitor.status_code == 200 and visitor.json()["ticket_id"] is None
    stolen = api.post("/v1/widget/handoff", json={"thread_id": ans["thread_id"]}, headers=widget())
    assert stolen.status_code == 404  # a visitor cannot pull a customer's thread

    # anonymous visitors: each continues only the thread it started, by its own visitor token
    first = api.post("/v1/widget/ask", json={"question": "How do I reset my password?"}, headers=widget())
    mine, thread = first.headers["X-Visitor-Token"], first.json()["thread_id"]
    own = api.post("/v1/widget/ask", json={"question": "And on the mobile app?", "thread_id": thread},
                   headers={**widget(), "X-Visitor-Token": mine})
    assert own.status_code == 200 and own.json()["thread_id"] == thread
    other = api.post("/v1/widget/ask", json={"question": "Hello?"}, headers=widget()).headers["X-Visitor-Token"]
    for intruder in ({}, {"X-Visitor-Token": other}):
        r = api.post("/v1/widget/ask", json={"question": "What did I ask?", "thread_id": thread},
                     headers={**widget(), **intruder})
        assert r.status_code == 404
    with ctx.db.session() as s:
        said = s.scalars(select(m.Message.role).where(m.Message.conversation_id == thread)).all()
        assert len(said) == 4  # one unit of work per answer: both turns complete, nothing from the intruders

    # a confirmed CRM write, its replay, and a conflicting reuse of the key
    body = {"account_id": my_account, "kind": "call", "subject": "Follow-up on the hand-off"}
    hdr = {**staff("support"), "Idempotency-Key": "call-1"}
    first = api.post("/v1/crm/activities?confirm=true", json=body, headers=hdr).json()
    again = api.post("/v1/crm/activities?confirm=true", json=body, headers=hdr).json()
    assert first["applied"] and again["replayed"] and again["record_id"] == first["record_id"]
    clash = api.post("/v1/crm/activities?confirm=true", json={**body, "subject": "x"}, headers=hdr)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "conflict"

    # consents: a withdrawal through the API blocks the next e-mail draft
    r = api.post(f"/v1/consents/{me}/withdraw", json={"purpose": "email_marketing"}, headers=staff("support"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    draft = api.post("/v1/emails/draft", json={"contact_id": me, "goal": "upsell"}, headers=staff("sales")).json()
    assert draft["status"] == "blocked"
    hist = api.get(f"/v1/consents/{me}", headers=staff("marketing")).json()
    assert hist["history"][-1]["status"] == "withdrawn"
    assert api.post("/v1/widget/opt-out", headers=widget(token(me))).status_code == 200

    # admin applies tiers; the others may not
    assert api.post("/v1/tiers/apply", headers=staff("admin")).json()["applied"] is True
    assert api.post("/v1/tiers/apply", headers=staff("sales")).status_code == 403
    assert api.get(f"/v1/accounts/{my_account}/brief", headers=staff("support")).status_code == 200
