"""REST API over the demo store: tasks, streams, customer isolation, and the one error shape."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from copilot.tasks import ask as ask_task
from integrations.api import create_app
from integrations.api.routers import scores as scores_router
from tests.conftest import NOW
from tests.support.api import client, customers, events, staff, token, widget

ORDER_QUESTION = "What is the status of my latest order?"


def _no_internals(text: str) -> None:
    for needle in ("Traceback", 'File "', "RuntimeError", "sqlalchemy", "/work/", "site-packages"):
        assert needle not in text


def test_staff_ask_answers_with_citations_and_takes_feedback(api) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/ask", json={"question": "How much does Kaarna HR Core cost per user per month?"},
                 headers=staff("support"))
    assert r.status_code == 200
    answer = r.json()
    assert answer["status"] == "ok" and answer["citations"] and answer["provenance"]["audit_id"]
    fb = api.post("/v1/feedback", json={"audit_id": answer["provenance"]["audit_id"], "rating": "up"},
                  headers=staff("support"))
    assert fb.status_code == 200 and fb.json()["rating"] == "up"
    other = api.post("/v1/feedback", json={"audit_id": answer["provenance"]["audit_id"], "rating": "down"},
                     headers=staff("admin"))  # even an admin does not rate someone else's answer
    assert other.status_code == 403 and "only the person who asked" in other.json()["error"]["message"]
    gone = api.post("/v1/feedback", json={"audit_id": "aud-nothing", "rating": "up"}, headers=staff("support"))
    assert gone.status_code == 404


def test_search_brief_scores_and_cards(api, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    _, account, _ = customers(demo_ctx, 1)[0]
    r = api.post("/v1/search", json={"query": "hinnoittelu", "k": 3, "filters": {"public": True}},
                 headers=staff("marketing"))
    assert r.status_code == 200 and 1 <= len(r.json()["hits"]) <= 3
    r = api.get(f"/v1/accounts/{account}/brief", params={"language": "en"}, headers=staff("sales"))
    assert r.status_code == 200 and r.json()["account_id"] == account and r.json()["opening_line"]
    r = api.get(f"/v1/scores/{account}", headers=staff("marketing"))
    assert r.status_code == 200 and r.json()["tier"]
    r = api.get("/v1/next-actions", params={"account_id": account, "language": "en"}, headers=staff("sales"))
    assert r.status_code == 200 and r.json()["language"] == "en"
    r = api.get(f"/v1/crm/accounts/{account}", headers=staff("marketing"))
    assert r.status_code == 200 and "tier" in r.json()["account"]


def test_crm_write_without_confirm_is_a_preview(api) -> None:  # type: ignore[no-untyped-def]
    body = {"account_id": "acc-00001", "kind": "call", "subject": "Renewal call"}
    r = api.post("/v1/crm/activities", json=body, headers={**staff("sales"), "Idempotency-Key": "preview-1"})
    assert r.status_code == 200
    assert r.json()["applied"] is False and r.json()["requires_confirmation"] is True
    r = api.post("/v1/crm/activities", json=body, headers=staff("sales"))
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]["message"]


def test_customer_never_reads_another_account(api, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    (me, my_account, my_orders), (_, other_account, other_orders) = customers(demo_ctx)
    r = api.post("/v1/widget/ask", json={"question": ORDER_QUESTION}, headers=widget(token(me)))
    assert r.status_code == 200
    answer = r.json()
    assert answer["provenance"]["basis"] == "contract"
    assert any(o in answer["text"] for o in my_orders)
    assert not any(o in answer["text"] for o in other_orders)
    # nothing in a widget request can name another account: extra fields and parameters are ignored
    r = api.post("/v1/widget/ask", json={"question": ORDER_QUESTION, "account_id": other_account,
                                         "contact_id": "con-000001"}, headers=widget(token(me)))
    assert not any(o in r.json()["text"] for o in other_orders)
    card = api.get("/v1/widget/account", params={"account_id": other_account}, headers=widget(token(me)))
    assert card.json()["account"]["id"] == my_account
    visitor = api.post("/v1/widget/ask", json={"question": ORDER_QUESTION}, headers=widget())
    assert "ord-" not in visitor.json()["text"]


def test_stream_progress_first_tokens_then_done(api) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/ask/stream", json={"question": "How much does Kaarna HR Core cost per user per month?"},
                 headers=staff("sales"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    evs = events(r.text)
    names = [name for name, _ in evs]
    assert names[0] == "progress" and names[-1] == "done" and set(names[1:-1]) == {"token"}
    done = evs[-1][1]
    assert "".join(data["text"] for name, data in evs if name == "token") == done["text"]
    assert done["status"] == "ok" and done["citations"]


def test_widget_stream_for_a_visitor(api) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/widget/ask/stream", json={"question": "Miten voin vaihtaa salasanani?"}, headers=widget())
    names = [name for name, _ in events(r.text)]
    assert names[0] == "progress" and names[-1] == "done"


def test_stream_failure_is_an_error_event(api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/ask/stream", json={"question": "Status?", "account_id": "acc-nope"}, headers=staff("sales"))
    evs = events(r.text)
    assert [n for n, _ in evs] == ["progress", "error"]
    assert evs[1][1]["error"]["code"] == "not_found" and evs[1][1]["status"] == 404

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail /work/main/copilot")

    monkeypatch.setattr(ask_task, "ask", boom)
    r = api.post("/v1/ask/stream", json={"question": "Status?"}, headers=staff("sales"))
    evs = events(r.text)
    assert [n for n, _ in evs] == ["progress", "error"] and evs[1][1]["error"]["code"] == "internal"
    _no_internals(r.text)
    assert "secret detail" not in r.text


def test_error_shapes_404_422_and_no_traceback(api) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/v1/accounts/acc-nope/brief", headers=staff("sales"))
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "no account with id 'acc-nope'",
                                  "details": {"kind": "account", "id": "acc-nope"}}}
    r = api.get("/v1/no-such-route", headers=staff("sales"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = api.post("/v1/ask", json={"question": ""}, headers=staff("sales"))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid" and err["message"].startswith("body.question")
    assert err["details"]["errors"][0]["loc"] == ["body", "question"]
    r = api.post("/v1/ask", content=b"{not json", headers={**staff("sales"), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = api.delete("/v1/ask", headers=staff("sales"))
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    for resp in (r,):
        _no_internals(resp.text)


def test_unexpected_failure_is_a_generic_500(api_ctx, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail /work/main/tools")

    monkeypatch.setattr(scores_router.service, "score_all", boom)
    r = client(api_ctx, raise_server_exceptions=False).get("/v1/scores", headers=staff("admin"))
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal", "message": "internal error; it has been logged"}}
    _no_internals(r.text)
    assert "secret detail" in caplog.text  # the traceback is in the server log, only


def test_health_and_readiness(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/healthz").json() == {"status": "ok", "checks": {}}
    r = api.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["store"] == "ok"
    assert r.json()["checks"]["index"].startswith("ok (")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_event_arrives_before_the_answer_is_ready(api_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Over a real socket: `progress` is on the wire while the service is still working.

    The service's work is held until the client has read the first event, so the test orders the two
    without timing them: a server that buffered the stream would hold the work until it timed out."""
    real = ask_task.ask
    first_read = threading.Event()
    held: list[bool] = []

    def held_until_read(*a, **k):  # type: ignore[no-untyped-def]
        held.append(first_read.wait(10))
        return real(*a, **k)

    monkeypatch.setattr(ask_task, "ask", held_until_read)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(api_ctx, clock=lambda: NOW), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:  # built once: TLS setup is slow
            assert http.get("/healthz").status_code == 200
            with http.stream("POST", "/v1/ask/stream", json={"question": "Hinta?"}, headers=staff("sales")) as r:
                lines = r.iter_lines()
                first = next(lines)
                first_read.set()
                rest = list(lines)
    finally:
        server.should_exit = True
        thread.join(5)
    assert first == "event: progress"
    assert held == [True], "the work finished before the client saw the first event"
    assert "event: done" in rest
