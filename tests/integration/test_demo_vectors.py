"""The shipped embeddings of the demo content: current, real, and never trusted for other text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.demo import vectors
from copilot.demo.generator import generate
from retrieval import service as retrieval
from tests.conftest import NOW


def test_shipped_vectors_cover_the_content_and_are_the_models_own(tmp_path: Path) -> None:
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    generate(ctx.db, accounts=2, seed=1, now=NOW)
    assert vectors.seed(ctx) > 200
    summary = retrieval.ingest_store_modules(ctx)
    # Fails when the content or the chunker changed without `python -m copilot.demo.vectors`.
    assert summary.chunks_added > 200 and summary.chunks_embedded == 0
    embedder = retrieval.embedder(ctx)
    chunk = next(c for chunks in retrieval.index(ctx).source_chunks().values() for c in chunks.values())
    seeded = embedder.embed_passages([chunk.embed_text()])[0]
    fresh = embedder.inner.embed_passages([chunk.embed_text()])[0]
    assert float(np.dot(seeded, fresh) / (np.linalg.norm(seeded) * np.linalg.norm(fresh))) > 0.999


def test_a_changed_text_is_embedded_not_looked_up(tmp_path: Path) -> None:
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    embedder = retrieval.embedder(ctx)
    embedder.seed(vectors.VECTORS)
    before = embedder.misses
    embedder.embed_passages(["Kaarna HR Core costs 6,50 € per user and month – a sentence never shipped."])
    assert embedder.misses == before + 1
