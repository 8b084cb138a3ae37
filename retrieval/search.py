"""Hybrid search: dense + BM25 candidates fused by weighted reciprocal rank, returned as hits.

Reciprocal rank fusion needs no score calibration between a cosine and a BM25 score, which differ
in scale per query. The weights and ``rrf_k`` are the only tuned knobs (see evals/retrieval/REPORT.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np

from retrieval.embeddings import Embedder
from retrieval.index import HybridIndex, Ranked
from retrieval.models import Chunk, Hit, SearchFilters
from retrieval.textproc import guess_language, tokenize_query

Mode = Literal["hybrid", "dense", "keyword"]


@dataclass(frozen=True)
class FusionConfig:
    dense_weight: float = 1.0
    keyword_weight: float = 0.5
    rrf_k: int = 20
    cross_lingual_keyword_factor: float = 0.3
    candidates: int = 100
    """How deep each retriever's list goes into the fusion."""
    translations: Literal["off", "cross", "always"] = "cross"
    """Search translation pairs across languages: ``cross`` when the question's language is not among
    the filtered languages, ``always`` whenever a language filter is set."""


def search_index(
    index: HybridIndex,
    embedder: Embedder,
    query: str,
    *,
    k: int = 5,
    filters: SearchFilters | None = None,
    mode: Mode = "hybrid",
    lang: str | None = None,
    qvec: np.ndarray | None = None,
    fusion: FusionConfig | None = None,
) -> list[Hit]:
    """Top ``k`` hits for the query; ``qvec`` skips embedding when the caller already has it."""
    cfg = fusion or FusionConfig()
    mask = index.mask(filters)
    if mask is not None and not mask.any():
        return []
    wanted = (filters.active() if filters else {}).get("language")
    across = wanted is not None and _across(index, query, lang, wanted, cfg)
    # Across translations the language filter is lifted for retrieval and re-applied by mapping each
    # hit to its twin: a Finnish question finds the English module through the Finnish one.
    wide = index.mask(filters, without="language") if across else mask
    lists: list[tuple[Ranked, float]] = []
    preference: Callable[[np.ndarray], np.ndarray] | None = None
    vec: np.ndarray | None = None
    if mode in ("hybrid", "dense"):
        vec = qvec if qvec is not None else embedder.embed_query(query)
        lists.append((index.dense(vec, wide, cfg.candidates), cfg.dense_weight))
        preference = partial(index.exact_similarities, vec)
    if mode in ("hybrid", "keyword"):
        terms = tokenize_query(query, lang)
        kw = index.keyword_scores(terms)
        weight = cfg.keyword_weight if across else _keyword_weight(query, lang, filters, cfg)
        lists.append((index.keyword(terms, wide, cfg.candidates, scores=kw), weight))
        preference = preference or kw.__getitem__
    if across and wanted is not None and preference is not None:
        lists = [(index.to_languages(ranked, wanted, mask, preference), w) for ranked, w in lists]
    fused = rrf(lists, cfg.rrf_k) if mode == "hybrid" else _single(lists[0][0])
    top = fused[:k]
    similar = [None] * len(top)
    if vec is not None and top:  # an absolute relevance signal beside the rank-based fused score
        similar = index.exact_similarities(vec, np.array([row for row, _s in top])).tolist()
    return [to_hit(index.chunk(row), score, similarity=sim) for (row, score), sim in zip(top, similar, strict=True)]


def _across(index: HybridIndex, query: str, lang: str | None, wanted: list[str], cfg: FusionConfig) -> bool:
    if cfg.translations == "off" or not index.has_pairs():
        return False
    return cfg.translations == "always" or (lang or guess_language(query)) not in wanted


def _keyword_weight(query: str, lang: str | None, filters: SearchFilters | None, cfg: FusionConfig) -> float:
    """Keywords cannot match across languages: when the question's language is not among the
    passages' languages the filter allows, trust the keyword list less (names and numbers still count)."""
    wanted = (filters.active() if filters else {}).get("language")
    if wanted and (lang or guess_language(query)) not in wanted:
        return cfg.keyword_weight * cfg.cross_lingual_keyword_factor
    return cfg.keyword_weight


def rrf(lists: list[tuple[Ranked, float]], rrf_k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank) over the lists."""
    scores: dict[int, float] = {}
    for ranked, weight in lists:
        for rank, row in enumerate(ranked.rows.tolist(), 1):
            scores[row] = scores.get(row, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _single(ranked: Ranked) -> list[tuple[int, float]]:
    return list(zip(ranked.rows.tolist(), ranked.scores.tolist(), strict=True))


def to_hit(chunk: Chunk, score: float, snippet_chars: int = 320, similarity: float | None = None) -> Hit:
    """A hit with its citation: stable ids, title, location (file#heading), snippet, score."""
    location = f"{chunk.location}#{chunk.heading}" if chunk.heading else chunk.location
    text = " ".join(chunk.text.split())
    snippet = text if len(text) <= snippet_chars else text[: snippet_chars - 1].rsplit(" ", 1)[0] + "…"
    return Hit(
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        title=chunk.title,
        location=location,
        snippet=snippet,
        text=chunk.text,
        score=round(float(score), 6),
        similarity=None if similarity is None else round(float(similarity), 4),
        start=chunk.start,
        end=chunk.end,
        meta=chunk.meta,
    )
