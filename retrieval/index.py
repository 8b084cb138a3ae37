"""The in-memory hybrid index: a vector matrix and a BM25 index over the same rows, with masks.

Brute force over the whole matrix makes metadata filters free: a filter becomes a boolean mask over
rows (pre-computed per field value), applied to the scores, instead of Chroma ``where`` clauses that
made queries ~10x slower. The float32 product is ~5 ms at 50k x 384 on one core (memory-bound), so
large indexes score with an 8-bit copy first (``retrieval.scan``, ~1 ms) and re-score the best few
hundred exactly. Chroma stays the durable store; this index is loaded from its snapshot (or rebuilt
from Chroma when that is stale) on start and kept in step on every write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from retrieval import snapshot
from retrieval.models import FILTER_FIELDS, Chunk, SearchFilters
from retrieval.scan import Int8Scan
from retrieval.store import ChromaStore
from retrieval.textproc import tokenize

_WILDCARD_FIELDS = ("persona", "industry")
SCAN_MIN_ROWS = 20_000
"""From this many rows dense search takes the 8-bit first pass; below it the exact product is ~2 ms."""
SCAN_MARGIN = 0.01
"""Rows whose 8-bit score is within this of the n-th best are re-scored exactly. The 8-bit error was at
most ~0.002 on e5 vectors, so no row of the exact top n is left out, also among near-duplicates
(hundreds of rows within a hair of each other)."""
MAX_RESCORE = 5_000
"""Exact re-scoring stops here (~2 ms); only a pile of near-identical rows can reach it."""


@dataclass
class Ranked:
    """Row numbers best-first with their scores, per retriever."""

    rows: np.ndarray
    scores: np.ndarray


@dataclass
class HybridIndex:
    """Chunks, their vectors and their keyword terms; search runs over frozen arrays."""

    store: ChromaStore | None
    dim: int
    _chunks: dict[str, Chunk] = field(default_factory=dict)
    _vecs: dict[str, np.ndarray] = field(default_factory=dict)
    _terms: dict[str, list[str]] = field(default_factory=dict)
    _dirty: bool = True

    snapshot_dir: Path | None = None
    """Where the on-disk snapshot lives (see ``retrieval.snapshot``); None keeps none."""
    _generation: str | None = None
    """The store's generation this index's contents match (set on open and by our own writes)."""
    _saved: str | None = None

    @classmethod
    def open(cls, store: ChromaStore, dim: int, snapshot_dir: Path | None = None) -> HybridIndex:
        """The index of everything in the store: from the snapshot when it is current, otherwise
        rebuilt from the store (and the snapshot rewritten)."""
        index = cls(store=store, dim=dim, snapshot_dir=snapshot_dir)
        marker = store.marker()  # read before the rows: a write during the rebuild leaves it stale
        frozen = snapshot.load(snapshot_dir, marker, dim) if snapshot_dir else None
        if frozen is not None:
            index._adopt(frozen)
            index._generation = index._saved = marker.generation
            return index
        for chunk, vec in store.iter_all():
            index._put(chunk, vec)
        index._generation = marker.generation or store.touch()
        index.save_snapshot()
        return index

    def save_snapshot(self, *, force: bool = False) -> None:
        """Write the snapshot if this index has one and it changed since the last write (or ``force``:
        the file it last wrote was deleted)."""
        if self.snapshot_dir is None or self._generation is None or (self._saved == self._generation and not force):
            return
        self._freeze()
        frozen = snapshot.Frozen(self._rows, self._matrix, self._bm25)
        snapshot.save(self.snapshot_dir, frozen, snapshot.Marker(len(self._rows), self._generation), self.dim)
        self._saved = self._generation

    def _adopt(self, frozen: snapshot.Frozen) -> None:
        self._chunks = {c.id: c for c in frozen.chunks}
        self._vecs = {c.id: frozen.matrix[i] for i, c in enumerate(frozen.chunks)}
        self._rows, self._matrix, self._bm25 = list(frozen.chunks), frozen.matrix, frozen.bm25
        self._derive()

    @property
    def generation(self) -> str | None:
        """The store generation this index's contents match (None without a store)."""
        return self._generation

    # --- writes -------------------------------------------------------------------------------
    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Add or replace chunks (durably first, then in memory)."""
        if not chunks:
            return
        if self.store is not None:
            self._generation = self.store.upsert(chunks, vectors)
        for chunk, vec in zip(chunks, vectors, strict=True):
            self._put(chunk, vec)

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        if not ids:
            return
        if self.store is not None:
            self._generation = self.store.delete(ids)
        for cid in ids:
            self._chunks.pop(cid, None)
            self._vecs.pop(cid, None)
            self._terms.pop(cid, None)
        self._dirty = True

    def _put(self, chunk: Chunk, vec: np.ndarray) -> None:
        self._chunks[chunk.id] = chunk
        self._vecs[chunk.id] = np.asarray(vec, np.float32)
        self._terms.pop(chunk.id, None)  # tokenised on the next freeze
        self._dirty = True

    # --- reads --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._chunks)

    def source_chunks(self) -> dict[str, dict[str, Chunk]]:
        """source_id -> {chunk_id: chunk}: what each source currently has in the index."""
        out: dict[str, dict[str, Chunk]] = {}
        for chunk in self._chunks.values():
            out.setdefault(chunk.source_id, {})[chunk.id] = chunk
        return out

    def chunk(self, row: int) -> Chunk:
        self._freeze()
        return self._rows[row]

    def _freeze(self) -> None:
        """Rebuild the arrays after writes; searches between writes reuse them."""
        if not self._dirty:
            return
        ids = list(self._chunks)
        self._rows = [self._chunks[i] for i in ids]
        self._matrix = np.stack([self._vecs[i] for i in ids]) if ids else np.zeros((0, self.dim), np.float32)
        self._bm25 = None
        if ids:
            for i in ids:
                if i not in self._terms:
                    self._terms[i] = tokenize(self._chunks[i].embed_text(), self._chunks[i].meta.get("language"))
            self._bm25 = bm25s.BM25()
            # An empty term list would break bm25s' vocabulary; a placeholder keeps rows aligned.
            self._bm25.index([self._terms[i] or ["\u2205"] for i in ids], show_progress=False)
        self._derive()

    def _derive(self) -> None:
        """Filter columns and translation twins of the frozen rows."""
        self._columns = {name: np.array([_value(c, name) for c in self._rows], dtype=object) for name in FILTER_FIELDS}
        self._masks: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._twins: dict[tuple[str, str], np.ndarray] = {}
        pairs: dict[tuple[str, str], list[int]] = {}
        for row, chunk in enumerate(self._rows):
            if chunk.meta.get("pair_id"):
                pairs.setdefault((str(chunk.meta["pair_id"]), _value(chunk, "language")), []).append(row)
        self._twins = {key: np.array(rows) for key, rows in pairs.items()}
        self._scan: Int8Scan | None = None  # built on the first dense search after a change
        self._scan_lock = threading.Lock()
        self._dirty = False

    def has_pairs(self) -> bool:
        """Whether any chunk belongs to a translation pair (content modules written in fi and en)."""
        self._freeze()
        return bool(self._twins)

    def to_languages(
        self,
        ranked: Ranked,
        languages: list[str],
        mask: np.ndarray | None,
        preference: Callable[[np.ndarray], np.ndarray],
    ) -> Ranked:
        """Map each row to the requested languages, best-first and without repeats: a row already in
        one stays; a row of another language is replaced by the best chunk of its translation twin
        by ``preference`` (scores of given rows; a row with no allowed twin drops out)."""
        self._freeze()
        lang = self._columns["language"]
        out: list[int] = []
        seen: set[int] = set()
        for row in ranked.rows.tolist():
            if lang[row] in languages:
                target = row if mask is None or mask[row] else -1
            else:
                pair = self._rows[row].meta.get("pair_id")
                found = [self._twins.get((str(pair), w)) for w in languages] if pair else []
                rows = np.concatenate([f for f in found if f is not None] or [np.zeros(0, int)])
                if mask is not None:
                    rows = rows[mask[rows]]
                target = int(rows[np.argmax(preference(rows))]) if len(rows) else -1
            if target >= 0 and target not in seen:
                seen.add(target)
                out.append(target)
        rows_out = np.array(out, dtype=int)
        return Ranked(rows_out, preference(rows_out) if len(rows_out) else np.zeros(0))

    def mask(self, filters: SearchFilters | None, *, without: str | None = None) -> np.ndarray | None:
        """Boolean row mask for the filters (None when nothing is filtered); memoised per filter.
        ``without`` leaves one field unfiltered (e.g. language, to search across translations)."""
        self._freeze()
        active = {k: v for k, v in (filters.active() if filters else {}).items() if k != without}
        if not active:
            return None
        mask = np.ones(len(self._rows), bool)
        for name, values in active.items():
            if name in _WILDCARD_FIELDS:
                # A module written for "any" persona or industry fits every persona or industry.
                values = [*values, "any"]
            key = (name, tuple(sorted(values)))
            if key not in self._masks:
                self._masks[key] = np.isin(self._columns[name], values)
            mask &= self._masks[key]
        return mask

    def exact_similarities(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Float32 cosine similarity of the given rows to the query vector."""
        self._freeze()
        return _matvec(self._matrix[rows], qvec)

    def _scanner(self) -> Int8Scan | None:
        with self._scan_lock:  # API threads searching at once build it once
            if self._scan is None and len(self._rows) >= SCAN_MIN_ROWS and self.dim % 32 == 0:
                self._scan = Int8Scan(self._matrix)
            return self._scan

    def dense(self, qvec: np.ndarray, mask: np.ndarray | None, n: int) -> Ranked:
        """Top ``n`` rows by cosine similarity."""
        self._freeze()
        if not self._rows:
            return Ranked(np.zeros(0, int), np.zeros(0))
        scan = self._scanner()
        if scan is None:
            return _top(_matvec(self._matrix, qvec), mask, n, floor=-2.0)
        approx = scan.scores(qvec)
        first = _top(approx, mask, n, floor=-2.0)
        if not len(first.rows):
            return first
        near = approx >= first.scores[-1] - SCAN_MARGIN
        pool = np.flatnonzero(near if mask is None else near & mask)
        if len(pool) > MAX_RESCORE:
            pool = _top(approx, mask, MAX_RESCORE, floor=-2.0).rows
        exact = self.exact_similarities(qvec, pool)
        order = np.argsort(-exact, kind="stable")[:n]
        return Ranked(pool[order], exact[order])

    def keyword_scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every row (zeros when nothing is indexed or no term is given)."""
        self._freeze()
        if self._bm25 is None or not terms:
            return np.zeros(len(self._rows), np.float32)
        return np.asarray(self._bm25.get_scores(terms), np.float32)

    def keyword(self, terms: list[str], mask: np.ndarray | None, n: int, *, scores: np.ndarray | None = None) -> Ranked:
        """Top ``n`` rows by BM25 (rows with no shared term are left out)."""
        self._freeze()
        if self._bm25 is None or not terms:
            return Ranked(np.zeros(0, int), np.zeros(0))
        return _top(self.keyword_scores(terms) if scores is None else scores, mask, n, floor=0.0)


def _matvec(matrix: np.ndarray, qvec: np.ndarray) -> np.ndarray:
    """``matrix @ qvec`` without BLAS: OpenBLAS splits a product this size over every core and its
    threads then busy-wait, which on a shared 2-core machine cost 5-25x the CPU (1.5 ms instead of
    0.3 ms at 5k rows; more under load). einsum's own single-threaded SIMD loop does not."""
    return np.einsum("ij,j->i", matrix, qvec.astype(np.float32))


def _top(scores: np.ndarray, mask: np.ndarray | None, n: int, *, floor: float) -> Ranked:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    n = min(n, len(scores))
    rows = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    rows = rows[scores[rows] > floor]
    return Ranked(rows, scores[rows])


def _value(chunk: Chunk, name: str) -> str:
    if name == "public":
        return str(bool(chunk.meta.get("public", True))).lower()
    return str(chunk.meta.get(name, "any"))
