"""Several API workers over one store and one Redis: a caller's burst, a conversation's turns and the
caches are the same whichever worker serves them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from copilot.core.context import SCORES, AppContext
from copilot.core.identity import Actor, Role
from copilot.core.store.repo import conversations
from copilot.tasks import ask as ask_task
from retrieval import service as retrieval
from tests.conftest import NOW
from tests.support.api import clone_data, derived_ctx, staff, widget
from tests.support.shared_env import redis_url_fixture, worker_ctx  # noqa: F401 - fixture
from tools import scorecache

pytestmark = pytest.mark.redis
ANNA = Actor(id="rep-anna", role=Role.sales)


def _apps(base: AppContext, tmp: Path, url: str, n: int = 2, **limits: Any) -> list[Any]:
    from tests.support.api import client

    api_ctx = derived_ctx(base, tmp, redis_url=url, **limits)
    return [client(worker_ctx(api_ctx, url)) for _ in range(n)]


def test_two_workers_give_a_widget_caller_one_burst(demo_ctx, tmp_path, redis_url) -> None:  # type: ignore[no-untyped-def]
    first, second = _apps(demo_ctx, tmp_path, redis_url, widget_rate_burst=4, widget_rate_per_s=0.001)
    codes = [(first if i % 2 else second).post("/v1/widget/feedback", json={"audit_id": "aud-none", "rating": "up"},
                                              headers=widget()).status_code for i in range(10)]
    assert codes.count(404) == 4 and codes.count(429) == 6  # 404: let through (no such answer), 429: refused
    assert codes[:4] == [404] * 4


def test_two_workers_give_a_staff_key_one_burst(demo_ctx, tmp_path, redis_url) -> None:  # type: ignore[no-untyped-def]
    first, second = _apps(demo_ctx, tmp_path, redis_url, api_rate_burst=3, api_rate_per_s=0.001)
    codes = [(second if i % 2 else first).get("/v1/consents/con-000001", headers=staff("sales")).status_code
             for i in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    refused = first.get("/v1/consents/con-000001", headers=staff("sales"))
    assert int(refused.headers["retry-after"]) >= 900 and refused.json()["error"]["code"] == "rate_limited"
    assert second.get("/v1/consents/con-000001", headers=staff("admin")).status_code == 200  # per key


def test_a_conversation_takes_one_turn_at_a_time_across_workers(demo_ctx, redis_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    one, two = worker_ctx(demo_ctx, redis_url), worker_ctx(demo_ctx, redis_url)
    first = ask_task.ask(one, ask_task.AskRequest(question="What does Kaarna HR Core cost?", language="en"),
                         actor=ANNA, now=NOW)
    thread = first.thread_id
    seen: list[list[tuple[str, str]]] = []
    real_thread, real_lock = ask_task._thread, two.shared.lock
    reached = threading.Event()

    def spy_thread(ctx: AppContext, req: ask_task.AskRequest, actor: Actor) -> tuple[str, list[tuple[str, str]]]:
        found = real_thread(ctx, req, actor)
        seen.append(found[1])
        return found

    def spy_lock(key: str, **kw: Any) -> Any:
        reached.set()  # the second worker is about to wait for the conversation
        return real_lock(key, **kw)

    monkeypatch.setattr(ask_task, "_thread", spy_thread)
    monkeypatch.setattr(two.shared, "lock", spy_lock)
    answers: list[Any] = []
    follow_up = ask_task.AskRequest(question="And what about Kaarna Flow?", language="en", thread_id=thread)
    later = threading.Thread(target=lambda: answers.append(ask_task.ask(two, follow_up, actor=ANNA, now=NOW)))
    # The first worker is in the middle of a turn of the same conversation: it holds the lock and
    # writes its turn; the second one must read the thread only after that turn is in.
    with one.shared.lock(f"conversation:{thread}", hold_s=60, wait_s=5):
        later.start()
        reached.wait(30)
        with one.db.session() as session:
            conversations.append_turn(session, thread_id=thread, question="Is there a mobile app?",
                                      answer="Yes, for iOS and Android.", at=NOW)
    later.join(60)
    assert answers and answers[0].thread_id == thread
    assert ("user", "Is there a mobile app?") in seen[0]
    with one.db.session() as session:
        said = [(m.role, m.content) for m in conversations.recent_messages(session, thread_id=thread)]
    assert [c for r, c in said if r == "user"] == ["What does Kaarna HR Core cost?", "Is there a mobile app?",
                                                   "And what about Kaarna Flow?"]


def test_a_worker_sees_a_version_another_worker_bumped(demo_ctx, redis_url) -> None:  # type: ignore[no-untyped-def]
    one, two = worker_ctx(demo_ctx, redis_url), worker_ctx(demo_ctx, redis_url)
    first = one.version(SCORES)
    assert one.version(SCORES) == first  # nothing moved
    two.bump(SCORES)
    assert one.version(SCORES) == two.version(SCORES) == first + 1
    one.bump(SCORES)  # its own change
    assert one.version(SCORES) == two.version(SCORES) == first + 2


def test_a_worker_checks_versions_at_most_once_a_interval(demo_ctx, redis_url) -> None:  # type: ignore[no-untyped-def]
    one, two = worker_ctx(demo_ctx, redis_url), worker_ctx(demo_ctx, redis_url)
    one.version_check_s = 3600.0  # what a real worker does between two checks: no round trip per read
    first = one.version(SCORES)
    two.bump(SCORES)
    assert one.version(SCORES) == first
    one._checked_at = float("-inf")  # the interval has passed
    assert one.version(SCORES) == first + 1


def test_a_worker_finds_content_another_process_ingested(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The embedded directory, no Redis: a `polku ingest` beside a running server reaches it by the index
    # version in the store, the one signal (with a Chroma server too, see test_chroma_server).
    data = clone_data(demo_ctx, tmp_path / "data")
    base = AppContext.create(demo_ctx.settings.model_copy(update={"data_dir": data, "index_check_s": 0.01}))
    reader, writer = AppContext(settings=base.settings), AppContext(settings=base.settings)
    reader.__dict__["db"] = writer.__dict__["db"] = base.db
    word = "Zorbulon"
    assert not [h for h in retrieval.search(reader, word, k=3).hits if word in h.text]
    doc = tmp_path / "docs" / "zorbulon.md"
    doc.parent.mkdir()
    doc.write_text(f"# {word} integration\n\nThe {word} connector syncs absences to payroll every night.\n")
    retrieval.ingest(writer, [doc])
    time.sleep(0.05)  # past the reader's check interval
    retrieval.index(reader)  # the check sees the new version and reloads beside the requests
    assert retrieval.wait_for_reload(reader, timeout=60)
    hits = retrieval.search(reader, f"{word} connector", k=3).hits
    assert hits and word in hits[0].text


def test_an_import_elsewhere_moves_the_score_cache_key(demo_ctx, redis_url) -> None:  # type: ignore[no-untyped-def]
    api_worker, importer = worker_ctx(demo_ctx, redis_url), worker_ctx(demo_ctx, redis_url)
    before = scorecache._key(api_worker, NOW)
    assert scorecache._key(api_worker, NOW) == before
    importer.bump(SCORES)  # what `polku crm import` does after writing
    assert scorecache._key(api_worker, NOW) != before
