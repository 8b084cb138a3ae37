"""The retrieval service: what the API, Slack, the CLI and the engines call.

Adapters (the embedder, the Chroma-backed index) are built once per :class:`AppContext` on first
use, so commands that never search do not load the model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from copilot.core.context import CONTENT, AppContext
from copilot.core.errors import PolkuError
from copilot.core.store.models import Account
from copilot.core.store.repo.content import list_modules
from copilot.core.store.repo.timeline import account_timeline
from retrieval.embeddings import CachedEmbedder, build_embedder
from retrieval.history import rank_history
from retrieval.index import HybridIndex
from retrieval.ingest import ModuleSource, ingest_modules, ingest_paths
from retrieval.models import HistoryItem, IngestSummary, SearchFilters, SearchResult
from retrieval.search import FusionConfig, Mode, search_index
from retrieval.store import ChromaStore, chroma_client
from retrieval.units import answer_units, embed_text

MAX_K = 50
SNAPSHOT_DIR = "retrieval-snapshot"
"""Under ``settings.data_dir``: the index snapshot, rewritten after every ingest that changed something."""
EMBEDDER, INDEX = "retrieval.embedder", "retrieval.index"
"""The context's adapter names (``ctx.built(INDEX)`` is the index only if this process opened it)."""


def embedder(ctx: AppContext) -> CachedEmbedder:
    """The context's embedder (built on first use)."""
    return ctx.adapter(EMBEDDER, lambda c: build_embedder(c.settings))


def index(ctx: AppContext) -> HybridIndex:
    """The context's hybrid index, loaded on first use from its snapshot (or Chroma when stale)."""

    def build(c: AppContext) -> HybridIndex:
        store = ChromaStore(chroma_client(c.settings))
        return HybridIndex.open(store, embedder(c).dim, snapshot_dir=c.settings.data_dir / SNAPSHOT_DIR)

    # follows the content version: after another process ingests, this one reopens the index
    return ctx.adapter(INDEX, build, follows=CONTENT)


def search(
    ctx: AppContext,
    query: str,
    *,
    k: int = 5,
    filters: SearchFilters | None = None,
    account_id: str | None = None,
    mode: Mode = "hybrid",
    lang: str | None = None,
    fusion: FusionConfig | None = None,
) -> SearchResult:
    """Hybrid search over the indexed content; with ``account_id`` also that account's history."""
    if not query.strip():
        raise PolkuError("invalid", "the search query is empty")
    if not 1 <= k <= MAX_K:
        raise PolkuError("invalid", f"k must be between 1 and {MAX_K}")
    started = time.perf_counter()
    hits = search_index(index(ctx), embedder(ctx), query, k=k, filters=filters, mode=mode, lang=lang, fusion=fusion)
    history = account_history(ctx, account_id, query, k=k) if account_id else []
    took = (time.perf_counter() - started) * 1000
    return SearchResult(query=query, mode=mode, hits=hits, history=history, took_ms=round(took, 2))


def account_history(
    ctx: AppContext, account_id: str, query: str = "", k: int = 10, *, now: date | None = None
) -> list[HistoryItem]:
    """One account's timeline items ranked for the query; never another account's items."""
    with ctx.db.session() as session:
        if session.get(Account, account_id) is None:
            raise PolkuError("not_found", f"no account with id {account_id!r}", kind="account", id=account_id)
        # Not the assistant's earlier answers: they were built from this same context, so feeding
        # them back in only repeats it and crowds out the account's own records.
        rows = account_timeline(session, account_id=account_id, answers=False)
    return rank_history(rows, account_id=account_id, query=query, k=k, now=now or date.today())


def ingest(ctx: AppContext, paths: Sequence[Path]) -> IngestSummary:
    """Ingest files and folders incrementally (see ``retrieval.ingest``)."""
    idx = index(ctx)
    summary = ingest_paths(idx, embedder(ctx), paths)
    idx.save_snapshot()
    _changed(ctx, summary)
    return summary


def _changed(ctx: AppContext, summary: IngestSummary) -> None:
    """Tell every other process to reopen its index when this ingest changed it."""
    if summary.chunks_added or summary.chunks_removed or summary.added or summary.updated or summary.removed:
        ctx.bump(CONTENT)


def ingest_store_modules(ctx: AppContext) -> IngestSummary:
    """Index the content modules of the CRM store (removing modules no longer there)."""
    with ctx.db.session() as session:
        modules = [
            ModuleSource(
                id=m.id,
                title=m.title,
                body=m.body,
                meta={
                    "type": m.type,
                    "persona": m.persona,
                    "stage": m.stage,
                    "industry": m.industry,
                    "language": m.language,
                    "public": m.public,
                    "pair_id": m.pair_id,
                    "valid_until": m.valid_until.isoformat() if m.valid_until else None,
                },
            )
            for m in list_modules(session)
        ]
    idx = index(ctx)
    summary = ingest_modules(idx, embedder(ctx), modules)
    idx.save_snapshot()
    _changed(ctx, summary)
    return summary


def unit_similarities(
    ctx: AppContext, query: str, passages: Sequence[tuple[str, str, str]]
) -> list[list[float | None]]:
    """For each passage (title, heading, body), the cosine of each of its answer units to the query;
    None for a unit whose vector was never computed (units are embedded at ingest for the content
    library only: nothing is embedded here but the query, which search has usually cached)."""
    emb = embedder(ctx)
    per = [[embed_text(title, heading, u) for u in answer_units(body, heading)] for title, heading, body in passages]
    flat = emb.cached([t for texts in per for t in texts])
    if not any(v is not None for v in flat):
        return [[None] * len(texts) for texts in per]
    qvec = emb.embed_query(query)
    out, i = [], 0
    for texts in per:
        out.append([_cosine(flat[j], qvec) for j in range(i, i + len(texts))])
        i += len(texts)
    return out


def _cosine(vec: np.ndarray | None, qvec: np.ndarray) -> float | None:
    return None if vec is None else float(np.dot(vec, qvec))  # both are unit vectors
