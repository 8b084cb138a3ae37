"""Translation pairs: a question in one language finds the requested language's module through its twin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.index import HybridIndex
from retrieval.models import Chunk, SearchFilters
from retrieval.search import FusionConfig, search_index


class _NoModel:
    model_id, dim = "none", 3

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("not used")

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("the tests pass qvec")


def _chunk(pair: str, lang: str, text: str, public: bool = True) -> Chunk:
    return Chunk(
        id=f"module:{pair}.{lang}:0",
        source_id=f"module:{pair}.{lang}",
        location=f"content_modules/{pair}.{lang}",
        title=pair,
        text=text,
        start=0,
        end=len(text),
        content_hash=f"{pair}{lang}",
        meta={"language": lang, "pair_id": pair, "module_id": f"{pair}.{lang}", "public": public},
    )


def _index(*, a_en_public: bool = True) -> HybridIndex:
    index = HybridIndex(store=None, dim=3)
    chunks = [
        _chunk("alpha", "fi", "Sairauspoissaolot vähenivät tehtaalla"),
        _chunk("alpha", "en", "Sick leave fell at the factory", public=a_en_public),
        _chunk("beta", "fi", "Hinnoittelu ja lisenssit"),
        _chunk("beta", "en", "Pricing and licences"),
    ]
    # The query vector is e0: alpha.fi matches it best, beta.en better than alpha.en.
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.7, 0, 0.7]], np.float32)
    index.upsert(chunks, vecs / np.linalg.norm(vecs, axis=1, keepdims=True))
    return index


Q = "Vähenivätkö sairauspoissaolot tehtaalla?"
QVEC = np.array([1, 0, 0], np.float32)


def _ids(index: HybridIndex, *, fusion: FusionConfig | None = None, lang: str = "fi", **filters: Any) -> list[str]:
    hits = search_index(
        index, _NoModel(), Q, k=5, filters=SearchFilters(**filters), qvec=QVEC, lang=lang, fusion=fusion
    )
    return [h.meta["module_id"] for h in hits]


def test_a_finnish_question_finds_the_english_module_through_its_twin():
    index = _index()
    assert _ids(index, language="en")[0] == "alpha.en"
    assert set(_ids(index, language="en")) <= {"alpha.en", "beta.en"}  # only the requested language
    assert _ids(index, language="en", fusion=FusionConfig(translations="off"))[0] == "beta.en"


def test_same_language_questions_and_other_filters_are_unchanged():
    index = _index()
    assert _ids(index, language="fi")[0] == "alpha.fi"
    # The twin must pass the other filters too: an internal twin is not reachable through its pair.
    internal = _index(a_en_public=False)
    assert _ids(internal, language="en", public=True) == ["beta.en"]
