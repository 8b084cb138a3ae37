"""Precomputed embeddings of the demo content, shipped so `polku demo` need not embed it first.

Embedding the content library's chunks and their answer units with the bundled CPU model takes over a minute;
the vectors depend only on the chunk text and the model, so they are computed once here and seeded
into the embedding cache (see ``CachedEmbedder.seed``: a changed chunk simply misses and is embedded).

Refresh after changing the demo content or the chunker: ``python -m copilot.demo.vectors``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.demo.generator import generate
from retrieval import service as retrieval
from retrieval.ingest import chunk_unit_texts

VECTORS = Path(__file__).with_name("content_vectors.npz")


def seed(ctx: AppContext) -> int:
    """Add the shipped vectors to the context's embedding cache; returns how many were new."""
    return retrieval.embedder(ctx).seed(VECTORS) if VECTORS.is_file() else 0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext.create(Settings(data_dir=Path(tmp), _env_file=None))  # type: ignore[call-arg]
        generate(ctx.db, accounts=1, seed=1)
        seed(ctx)  # reuse what is still valid; only changed chunks are embedded
        retrieval.ingest_store_modules(ctx)
        chunks = [chunk for sid, found in retrieval.index(ctx).source_chunks().items() if sid.startswith("module:")
                  for chunk in found.values()]
        texts = [c.embed_text() for c in chunks] + [t for c in chunks for t in chunk_unit_texts(c)]
        retrieval.embedder(ctx).export(texts, VECTORS)
        print(f"wrote {len(texts)} vectors to {VECTORS}")


if __name__ == "__main__":
    main()
