"""retrieval.subjects: find and erase what names one person in the vector store, the index and its
snapshots, and the embedding cache, through public functions (the trust layer's DSAR calls them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from retrieval import service, subjects
from retrieval.embeddings import CachedEmbedder
from tests.retrieval_support import HashEmbedder

NAME = "Zebulon Quaxworth"


def mentions(text: str) -> bool:
    return NAME.lower() in text.lower()


def _context(root: Path) -> tuple[AppContext, HashEmbedder]:
    ctx = AppContext.create(Settings(data_dir=root / "data", _env_file=None))  # type: ignore[call-arg]
    inner = HashEmbedder("fake/subjects-test")
    ctx.adapter(service.EMBEDDER, lambda c: CachedEmbedder(inner, c.settings.cache_dir))
    return ctx, inner


@pytest.fixture
def world(tmp_path: Path) -> tuple[AppContext, HashEmbedder]:
    ctx, inner = _context(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "call-notes.md").write_text(f"# Call notes\n\n{NAME} asked about payroll exports.\n", encoding="utf-8")
    (docs / "pricing.md").write_text("# Pricing\n\nLicences are invoiced yearly per user.\n", encoding="utf-8")
    service.ingest(ctx, [docs])
    service.embedder(ctx).embed_passages([f"Ticket: export fails for {NAME}", "Ticket: printer jam"])
    service.search(ctx, f"what did {NAME} ask", k=3)  # a question about them, remembered in memory
    return ctx, inner


def _disk_mentions(directory: Path) -> list[str]:
    needle = NAME.lower().encode()
    return [str(p) for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes().lower()]


def test_export_lists_chunks_snapshot_lines_and_cached_vectors_that_name_them(
    world: tuple[AppContext, HashEmbedder],
) -> None:
    ctx, _ = world
    held = subjects.export_subject(ctx, mentions, texts=[f"Ticket: export fails for {NAME}"])
    assert [c.title for c in held.chunks] == ["Call notes"]
    assert held.snapshot_chunks == 1
    assert held.cache_entries == 2  # the ticket text and the chunk's embedded text
    assert subjects.chunks_mentioning(ctx, mentions) == held.chunks
    assert subjects.cached_count(ctx, ["Ticket: printer jam"]) == 1  # no one's in particular, still there


def test_erase_removes_them_everywhere_and_keeps_everything_else(world: tuple[AppContext, HashEmbedder]) -> None:
    ctx, inner = world
    texts = [f"Ticket: export fails for {NAME}"]
    held = subjects.export_subject(ctx, mentions, texts=texts)

    erased = subjects.erase_subject(ctx, mentions, texts=texts)

    assert [c.id for c in erased.chunks] == [c.id for c in held.chunks]
    assert erased.snapshots_removed == 1 and erased.cache_entries == held.cache_entries
    assert subjects.export_subject(ctx, mentions, texts=texts) == subjects.SubjectHoldings([], 0, 0)
    assert _disk_mentions(ctx.settings.data_dir) == []  # Chroma's file and log, snapshot, cache
    assert (ctx.settings.data_dir / service.SNAPSHOT_DIR / "chunks.jsonl").exists()  # rewritten without them
    hits = service.search(ctx, "licences invoiced", k=5).hits
    assert [h.title for h in hits] == ["Pricing"]  # the open index follows, the rest stays
    assert subjects.cached_count(ctx, ["Ticket: printer jam"]) == 1
    before = inner.queries
    service.search(ctx, f"what did {NAME} ask", k=3)
    assert inner.queries == before + 1  # the remembered question was forgotten


def test_a_store_without_a_vector_index_holds_nothing_and_is_left_as_it_is(tmp_path: Path) -> None:
    ctx, _ = _context(tmp_path)
    assert subjects.export_subject(ctx, mentions, texts=[NAME]) == subjects.SubjectHoldings([], 0, 0)
    assert subjects.erase_subject(ctx, mentions, texts=[NAME]) == subjects.SubjectErasure([], 0, 0)
    assert not ctx.settings.chroma_dir.exists()


def test_another_process_drops_the_person_from_its_copy_after_the_erasure(
        world: tuple[AppContext, HashEmbedder]) -> None:
    ctx, inner = world
    other = AppContext.create(ctx.settings.model_copy(update={"index_check_s": 0.01}))  # a running API worker
    other.__dict__["db"] = ctx.db
    other.adapter(service.EMBEDDER, lambda c: CachedEmbedder(inner, c.settings.cache_dir))
    assert any(NAME in h.text for h in service.search(other, NAME, k=3, mode="keyword").hits)
    subjects.erase_subject(ctx, mentions)
    other.built(service.FRESHNESS).checked = float("-inf")  # its check interval has passed
    service.index(other)  # the check sees the version the erasure recorded and reloads beside requests
    assert service.wait_for_reload(other, timeout=60)
    assert not any(NAME in h.text for h in service.search(other, NAME, k=3, mode="keyword").hits)
