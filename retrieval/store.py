"""Chroma as the persistent home of chunks and their vectors (directory or server).

Chroma is only the durable store here: searching happens in memory (see ``index.py``), because
Chroma's ``where`` filters were ~10x slower than unfiltered queries. We always hand Chroma our own
vectors; its default embedding function would try to download a model.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from retrieval.models import Chunk
from retrieval.snapshot import Marker

COLLECTION = "polku_chunks"
_PAGE = 5000
_GENERATION = "polku_generation"
_FIELDS = ("source_id", "location", "title", "heading", "start", "end", "content_hash")


def chroma_client(settings: Settings) -> Any:
    """A Chroma client: HTTP when ``chroma_url`` is set, otherwise the persistent directory."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    quiet = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=quiet,
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=quiet)
    except Exception as exc:  # chroma raises plain Exceptions for unreachable servers
        raise PolkuError("unavailable", f"cannot open the vector store: {type(exc).__name__}") from exc


class ChromaStore:
    """Upsert, delete and page through every stored chunk with its vector."""

    def __init__(self, client: Any, name: str = COLLECTION) -> None:
        self._client, self._name = client, name
        self._col = client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> str:
        """Write chunks and their vectors (batched under Chroma's maximum batch size); returns the
        collection's new generation."""
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            self._col.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + _PAGE],
                documents=[c.text for c in part],
                metadatas=[_to_meta(c) for c in part],
            )
        return self.touch()

    def delete(self, ids: list[str]) -> str:
        """Remove chunks by id; returns the collection's new generation."""
        for i in range(0, len(ids), _PAGE):
            self._col.delete(ids=ids[i : i + _PAGE])
        return self.touch()

    def count(self) -> int:
        return int(self._col.count())

    def touch(self) -> str:
        """Give the collection a new generation token: snapshots of its earlier state go stale."""
        generation = uuid.uuid4().hex
        # Only our key: Chroma refuses metadata that restates the (fixed) distance function.
        self._col.modify(metadata={_GENERATION: generation})
        return generation

    def marker(self) -> Marker:
        """The collection's count and generation, against which a snapshot is validated."""
        # Fetched anew: the collection object caches the metadata it was opened with.
        meta = self._client.get_collection(self._name, embedding_function=None).metadata
        generation = (meta or {}).get(_GENERATION)
        return Marker(self.count(), str(generation) if generation else None)

    def iter_all(self) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Every stored chunk with its vector, page by page."""
        offset = 0
        while True:
            page = self._col.get(include=["embeddings", "documents", "metadatas"], limit=_PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            for cid, vec, doc, meta in zip(ids, page["embeddings"], page["documents"], page["metadatas"], strict=True):
                yield _from_meta(cid, doc, meta), np.asarray(vec, np.float32)
            offset += len(ids)


def has_vector_store(settings: Settings) -> bool:
    """A Chroma server is configured, or the embedded directory has been created (opening a client
    would create it)."""
    return bool(settings.chroma_url) or (settings.chroma_dir / "chroma.sqlite3").exists()


def compact_chroma_dir(directory: Path) -> None:
    """Vacuum the embedded Chroma's SQLite file and drop segment folders no collection uses any more.

    Chroma keeps every upsert (document text included) in a write-ahead log and SQLite keeps deleted
    rows in free pages: after deleting someone's chunks, this leaves no copy of them on disk.
    """
    path = directory / "chroma.sqlite3"
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        live = {str(r[0]) for r in con.execute("SELECT id FROM segments")}
    finally:
        con.close()
    for sub in directory.iterdir():
        if sub.is_dir() and _is_uuid(sub.name) and sub.name not in live:
            shutil.rmtree(sub, ignore_errors=True)


def _is_uuid(name: str) -> bool:
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


def _to_meta(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {f: getattr(chunk, f) for f in _FIELDS}
    # Chroma metadata values are scalars and never None: keep the rest as one JSON field.
    meta["meta_json"] = json.dumps(chunk.meta, ensure_ascii=False, default=str)
    return meta


def _from_meta(cid: str, doc: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=cid,
        text=doc,
        meta=json.loads(meta.get("meta_json") or "{}"),
        **{f: meta[f] for f in _FIELDS},
    )
