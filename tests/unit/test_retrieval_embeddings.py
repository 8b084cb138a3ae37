"""The embedding interface: OpenAI through a stub client (never the network) and the cache."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from retrieval.embeddings import CachedEmbedder, OpenAIEmbedder, build_embedder


class StubEmbeddings:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def create(self, *, model: str, input: list[str]):
        self.calls.append(list(input))
        data = [SimpleNamespace(index=i, embedding=[float(len(t)), 1.0, 0.0]) for i, t in enumerate(input)]
        return SimpleNamespace(data=list(reversed(data)))  # order is restored by index


def test_openai_embedder_through_a_stub_client_and_the_cache(tmp_path):
    stub = StubEmbeddings()
    client = SimpleNamespace(embeddings=stub)
    settings = Settings(data_dir=tmp_path, embedding_provider="openai")
    embedder = build_embedder(settings, client=client)
    assert embedder.model_id == "openai/text-embedding-3-small"
    vecs = embedder.embed_passages(["a", "bbb", "a"])
    assert vecs.shape == (3, 3) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert stub.calls == [["a", "bbb"]]  # duplicates embedded once
    again = CachedEmbedder(OpenAIEmbedder("text-embedding-3-small", client), tmp_path / "cache")
    assert np.allclose(again.embed_passages(["bbb"]), vecs[1]) and len(stub.calls) == 1  # persisted cache
    assert embedder.embed_query("q").shape == (3,)


def test_provider_errors_and_unknown_provider_are_polku_errors(tmp_path):
    class Failing:
        def create(self, **_):
            raise TimeoutError("slow")

    with pytest.raises(PolkuError, match="embedding request failed"):
        OpenAIEmbedder("m", SimpleNamespace(embeddings=Failing())).embed_passages(["x"])
    with pytest.raises(PolkuError, match="unknown embedding provider"):
        build_embedder(Settings(data_dir=tmp_path, embedding_provider="nope"))
