"""The retrieval service: what the API, Slack, the CLI and the engines call.

Adapters (the embedder, the Chroma-backed index) are built once per :class:`AppContext` on first
use, so commands that never search do not load the model.

Every process searches its own in-memory copy of one collection (a Chroma server's with ``chroma_url``,
else the data directory's, which a CLI ingest may change beside a running server). One signal says the
collection changed: every ingest or erasure that changes it records the collection's new generation in
the store (``index_versions``). A process reads that row at most every ``index_check_s`` seconds (never
on every request) and, when the generation moved, reloads its copy beside the requests, which search the
old copy until the new one is swapped in. What is derived from the index (the e-mail writer's module
relevance) is keyed by the generation it was computed at.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.store.models import Account
from copilot.core.store.repo.content import index_generation, list_modules, record_index_generation
from copilot.core.store.repo.timeline import account_timeline
from retrieval.embeddings import CachedEmbedder, build_embedder
from retrieval.history import rank_history
from retrieval.index import HybridIndex
from retrieval.ingest import ModuleSource, ingest_modules, ingest_paths
from retrieval.models import HistoryItem, IngestSummary, SearchFilters, SearchResult
from retrieval.search import FusionConfig, Mode, search_index
from retrieval.store import ChromaStore, chroma_client
from retrieval.units import answer_units, embed_text

log = logging.getLogger("polku.retrieval")
MAX_K = 50
SNAPSHOT_DIR = "retrieval-snapshot"
"""Under ``settings.data_dir``: the index snapshot, rewritten after every ingest that changed something."""
EMBEDDER, INDEX, FRESHNESS = "retrieval.embedder", "retrieval.index", "retrieval.freshness"
"""The context's adapter names (``ctx.built(INDEX)`` is the index only if this process opened it)."""
VERSION_NAME = "content"
"""The row of ``index_versions`` that tracks the chunk collection."""


def embedder(ctx: AppContext) -> CachedEmbedder:
    """The context's embedder (built on first use)."""
    return ctx.adapter(EMBEDDER, lambda c: build_embedder(c.settings))


def index(ctx: AppContext) -> HybridIndex:
    """The context's hybrid index, loaded on first use from its snapshot (or Chroma when stale), and
    reloaded when another process's ingest or erasure moved the index version (see the module)."""
    return _fresh(ctx, ctx.adapter(INDEX, _open_index))


def _open_index(ctx: AppContext) -> HybridIndex:
    store = ChromaStore(chroma_client(ctx.settings))
    return HybridIndex.open(store, embedder(ctx).dim, snapshot_dir=ctx.settings.data_dir / SNAPSHOT_DIR)


class _Freshness:
    """When this process last read the index version, and the reload in progress, if any."""

    def __init__(self) -> None:
        self.checked = time.monotonic()  # the index was opened just now
        self.lock = threading.Lock()
        self.acted_on: str | None = None
        """The recorded generation this process last reloaded for: a collection written without a
        record (an interrupted ingest) must not make every check reload again."""
        self.reload: threading.Thread | None = None


def _fresh(ctx: AppContext, idx: HybridIndex) -> HybridIndex:
    state: _Freshness = ctx.adapter(FRESHNESS, lambda _c: _Freshness())
    now = time.monotonic()
    if now - state.checked < ctx.settings.index_check_s or not state.lock.acquire(blocking=False):
        return idx  # checked recently, or another thread is checking: search what we have
    try:
        state.checked = now
        with ctx.db.session() as session:
            recorded = index_generation(session, name=VERSION_NAME)
        if recorded is None or recorded in (idx.generation, state.acted_on):
            return idx
        if state.reload is not None and state.reload.is_alive():
            return idx  # one reload at a time: the next check after it sees whether the version moved again
        state.acted_on = recorded
        # Rebuilding a big library from the server takes seconds to minutes: it happens beside the
        # requests, which search the copy they have until the new one is swapped in.
        state.reload = threading.Thread(target=_reload, args=(ctx, state), name="polku-index-reload", daemon=True)
        state.reload.start()
        return idx
    finally:
        state.lock.release()


def _reload(ctx: AppContext, state: _Freshness) -> None:
    try:
        ctx.replace(INDEX, _open_index(ctx))
    except Exception as exc:  # the server is away for a moment: keep the old copy, retry at the next check
        log.warning("index reload failed (%s); searching the previous copy", type(exc).__name__)
        state.acted_on = None


def wait_for_reload(ctx: AppContext, timeout: float | None = None) -> bool:
    """Wait for a reload this context started (if any) to finish; False when it is still running."""
    state = ctx.built(FRESHNESS)
    thread = state.reload if state is not None else None
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


def record(ctx: AppContext, generation: str | None, before: str | None = None) -> None:
    """Record the collection's generation when this change (an ingest, an erasure) moved it: every
    other process reloads its copy."""
    if generation is not None and generation != before:
        with ctx.db.session() as session:
            record_index_generation(session, name=VERSION_NAME, generation=generation, at=datetime.now(UTC))


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
    before = idx.generation
    summary = ingest_paths(idx, embedder(ctx), paths)
    idx.save_snapshot()
    record(ctx, idx.generation, before)
    return summary


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
    before = idx.generation
    summary = ingest_modules(idx, embedder(ctx), modules)
    idx.save_snapshot()
    record(ctx, idx.generation, before)
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
