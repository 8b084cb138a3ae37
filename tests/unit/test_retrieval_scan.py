"""The 8-bit first pass of dense search: close scores, and after re-scoring the exact ranking."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import index as index_module
from retrieval.index import HybridIndex
from retrieval.models import Chunk, SearchFilters
from retrieval.scan import Int8Scan


def _unit(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_scores_are_within_a_few_thousandths_of_float32() -> None:
    rng = np.random.default_rng(3)
    matrix, query = _unit(rng, 2000), _unit(rng, 1)[0]
    approx = Int8Scan(matrix).scores(query)
    assert approx.shape == (2000,) and np.abs(approx - matrix @ query).max() < 0.005


def _index(rng: np.random.Generator, n: int) -> HybridIndex:
    index = HybridIndex(store=None, dim=384)
    chunks = [
        Chunk(
            id=f"c{i}",
            source_id=f"s{i}",
            location=f"f{i}",
            title="t",
            text=f"teksti {i}",
            start=0,
            end=1,
            content_hash=str(i),
            meta={"language": "fi" if i % 3 else "en"},
        )
        for i in range(n)
    ]
    index.upsert(chunks, _unit(rng, n))
    return index


@pytest.mark.parametrize("language", [None, "en"])
def test_large_index_ranks_exactly_like_the_float32_product(monkeypatch: pytest.MonkeyPatch, language) -> None:
    rng = np.random.default_rng(5)
    index = _index(rng, 3000)
    query = _unit(rng, 1)[0]
    mask = index.mask(SearchFilters(language=language))
    exact = index.dense(query, mask, 50)
    assert index._scan is None  # below the threshold: float32 only
    monkeypatch.setattr(index_module, "SCAN_MIN_ROWS", 1000)
    index._scan = None
    fast = index.dense(query, mask, 50)
    assert index._scan is not None
    assert fast.rows.tolist() == exact.rows.tolist() and np.allclose(fast.scores, exact.scores)


def test_near_duplicates_do_not_push_the_exact_top_out_of_the_rescored_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    index = _index(rng, 3000)
    query = _unit(rng, 1)[0]
    # 600 rows whose scores spread over ~0.001, less than the 8-bit error: their 8-bit order is noise.
    base = query + 0.35 * _unit(rng, 1)[0]
    close = base + 0.001 * rng.normal(size=(600, query.size))
    close /= np.linalg.norm(close, axis=1, keepdims=True)
    ids = list(index._chunks)[:600]
    index.upsert([index._chunks[i] for i in ids], close.astype(np.float32))
    exact = index.dense(query, None, 100)
    monkeypatch.setattr(index_module, "SCAN_MIN_ROWS", 1000)
    index._scan = None
    fast = index.dense(query, None, 100)
    # The same rows with the same scores; rows tied to the last float bit may swap places.
    assert set(fast.rows.tolist()) == set(exact.rows.tolist())
    assert np.allclose(fast.scores, exact.scores, rtol=0, atol=1e-6)
