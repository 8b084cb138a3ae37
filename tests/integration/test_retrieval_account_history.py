"""Account history through the service: strictly scoped to the asked account, newest and relevant first."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from copilot.core.store.models import Account, Activity, Conversation, Message, Order, Ticket
from retrieval import service
from tests.retrieval_support import shared_cache_dir, shared_e5


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    ctx = AppContext.create(Settings(data_dir=tmp_path))
    # Reuse the session's model instead of loading a second one.
    from retrieval.embeddings import CachedEmbedder

    ctx.adapter("retrieval.embedder", lambda c: CachedEmbedder(shared_e5(), shared_cache_dir()))
    with ctx.db.session() as s:
        for acc in ("acc-a", "acc-b"):
            s.add(Account(id=acc, name=acc.upper(), industry="retail", size="medium", employees=120, owner="rep-x"))
        s.flush()
        s.add(
            Ticket(
                id="tk-a1",
                account_id="acc-a",
                subject="Zebrafish payroll export fails",
                body="Export to the zebrafish bank format crashes",
                opened_at=datetime(2025, 5, 2, tzinfo=UTC),
            )
        )
        s.add(Ticket(id="tk-b1", account_id="acc-b", subject="Login slow", opened_at=datetime(2025, 5, 20, tzinfo=UTC)))
        s.add(
            Order(
                id="or-b1",
                account_id="acc-b",
                order_date=date(2025, 4, 1),
                amount=4000,
                margin=1200,
                product="Flow",
                invoice_due=date(2025, 5, 1),
                paid_date=None,
            )
        )
        s.add(
            Activity(
                id="ac-b1",
                account_id="acc-b",
                kind="call",
                subject="Renewal call",
                body="Discussed the renewal",
                at=datetime(2025, 5, 25, tzinfo=UTC),
                actor="rep-x",
            )
        )
        s.add(Conversation(id="cv-b1", surface="widget", account_id="acc-b"))
        s.flush()
        s.add(
            Message(
                conversation_id="cv-b1",
                role="user",
                content="Where is my invoice?",
                at=datetime(2025, 5, 26, tzinfo=UTC),
            )
        )
        # The newest item, but the assistant's own words: never fed back in as history.
        s.add(
            Message(
                conversation_id="cv-b1",
                role="assistant",
                content="Your invoice was sent on 1 May.",
                at=datetime(2025, 5, 27, tzinfo=UTC),
            )
        )
    return ctx


def test_an_item_planted_in_one_account_never_reaches_another(ctx):
    mine = service.account_history(ctx, "acc-a", "zebrafish payroll export", k=10, now=date(2025, 6, 1))
    assert mine[0].id == "ticket:tk-a1"
    theirs = service.account_history(ctx, "acc-b", "zebrafish payroll export", k=50, now=date(2025, 6, 1))
    assert theirs and all(item.account_id == "acc-b" for item in theirs)
    assert not any("zebrafish" in item.text.lower() or item.record_id == "tk-a1" for item in theirs)
    assert {i.kind for i in theirs} >= {"ticket", "order", "call", "message"}
    assert not any(item.text.startswith("assistant") for item in theirs)


def test_history_without_query_is_newest_first_and_unknown_account_is_not_found(ctx):
    items = service.account_history(ctx, "acc-b", "", k=2, now=date(2025, 6, 1))
    assert [i.id for i in items] == ["message:cv-b1/1", "call:ac-b1"]
    with pytest.raises(PolkuError) as err:
        service.account_history(ctx, "acc-zzz", "anything")
    assert err.value.code == "not_found"


def test_search_with_account_returns_content_hits_and_that_accounts_history(ctx, tmp_path):
    doc = tmp_path / "faq.md"
    doc.write_text("---\ntitle: Payroll FAQ\ntype: faq\nlanguage: en\n---\n# Export\n\nPayroll exports run nightly.\n")
    summary = service.ingest(ctx, [doc])
    assert summary.added == [str(doc)]
    result = service.search(ctx, "payroll export", k=3, account_id="acc-b")
    assert result.hits[0].title == "Payroll FAQ"
    assert result.history and all(i.account_id == "acc-b" for i in result.history)
    with pytest.raises(PolkuError):
        service.search(ctx, "  ")


def test_store_content_modules_are_indexed_and_removed_with_the_store(ctx):
    from copilot.core.store.models import ContentModule

    with ctx.db.session() as s:
        s.add(
            ContentModule(
                id="faq-x.en",
                type="faq",
                title="Trial",
                body="## Trial\n\nThe free trial lasts 30 days.",
                language="en",
                stage="consideration",
                public=True,
                pair_id="faq-x",
            )
        )
    first = service.ingest_store_modules(ctx)
    assert first.added == ["module:faq-x.en"]
    hit = service.search(ctx, "how long is the free trial", k=1).hits[0]
    assert hit.source_id == "module:faq-x.en" and hit.meta["module_id"] == "faq-x.en"
    assert hit.location == "content_modules/faq-x.en#Trial" and hit.meta["stage"] == "consideration"
    with ctx.db.session() as s:
        s.delete(s.get(ContentModule, "faq-x.en"))
    assert service.ingest_store_modules(ctx).removed == ["content_modules/faq-x.en"]
