"""Incremental ingestion of files, folders and content modules into the hybrid index.

A source's chunks are compared with what the index holds for it: unchanged chunks are left alone,
new or changed ones are upserted (embedded only on an embedding-cache miss), vanished ones deleted.
Re-running on unchanged input therefore changes nothing. Files under an ingested folder that no
longer exist lose their chunks. A file that cannot be read is skipped and named with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.core.instructions import looks_injected
from retrieval.chunking import ChunkConfig, chunk_document
from retrieval.embeddings import CachedEmbedder, Embedder
from retrieval.index import HybridIndex
from retrieval.loaders import SUPPORTED, Document, LoadError, load_file, parse_markdown
from retrieval.models import Chunk, IngestSummary, SkippedFile
from retrieval.textproc import guess_language
from retrieval.units import answer_units, embed_text

_META_KEYS = ("type", "persona", "stage", "industry", "language", "public", "valid_until", "pair_id")


@dataclass
class ModuleSource:
    """A content module as stored in the CRM store (``content_modules``)."""

    id: str
    title: str
    body: str
    meta: dict[str, Any]


def file_source_id(path: Path) -> str:
    """Stable id of a file source: a hash of its absolute path."""
    return "doc:" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def ingest_paths(
    index: HybridIndex, embedder: Embedder, paths: Iterable[Path], cfg: ChunkConfig | None = None
) -> IngestSummary:
    """Ingest files and folders (recursively); see the module docstring for the rules."""
    summary = IngestSummary()
    before = _misses(embedder)
    indexed = index.source_chunks()
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
            root = str(path.resolve()) + "/"
            gone = [
                sid
                for sid, chunks in indexed.items()
                if sid.startswith("doc:") and next(iter(chunks.values())).location.startswith(root)
            ]
        elif path.is_file():
            files, gone = [path], []
        else:
            files, gone = [], [file_source_id(path)]
            if file_source_id(path) not in indexed:
                summary.skipped.append(SkippedFile(path=str(path), reason="not found"))
        for file in files:
            sid = file_source_id(file)
            seen.add(sid)
            try:
                doc = load_file(file)
            except LoadError as exc:
                summary.skipped.append(SkippedFile(path=str(file), reason=str(exc)))
                continue
            chunks = _chunks(doc, sid, str(file.resolve()), cfg, kind="file")
            _note_flagged(summary, str(file), chunks)
            _sync(index, embedder, sid, str(file), chunks, indexed.get(sid, {}), summary)
        _remove(index, [sid for sid in gone if sid not in seen and sid in indexed], indexed, summary)
    summary.chunks_embedded = _misses(embedder) - before
    return summary


def ingest_modules(
    index: HybridIndex, embedder: Embedder, modules: Iterable[ModuleSource], cfg: ChunkConfig | None = None
) -> IngestSummary:
    """Index the store's content modules; modules no longer in the store lose their chunks."""
    summary = IngestSummary()
    before = _misses(embedder)
    indexed = index.source_chunks()
    seen: set[str] = set()
    for module in modules:
        sid = f"module:{module.id}"
        seen.add(sid)
        doc = parse_markdown(module.body, default_title=module.title)
        doc.title, doc.meta = module.title, {**module.meta, "id": module.id}
        chunks = _chunks(doc, sid, f"content_modules/{module.id}", cfg, kind="module")
        _note_flagged(summary, sid, chunks)
        _sync(index, embedder, sid, sid, chunks, indexed.get(sid, {}), summary, with_units=True)
    gone = [sid for sid in indexed if sid.startswith("module:") and sid not in seen]
    _remove(index, gone, indexed, summary)
    summary.chunks_embedded = _misses(embedder) - before
    return summary


def _chunks(doc: Document, sid: str, location: str, cfg: ChunkConfig | None, *, kind: str) -> list[Chunk]:
    meta: dict[str, Any] = {k: doc.meta[k] for k in _META_KEYS if doc.meta.get(k) is not None}
    meta["language"] = str(meta.get("language") or guess_language(doc.text[:2000]))
    meta["public"] = bool(meta.get("public", True))
    if "valid_until" in meta:
        meta["valid_until"] = str(meta["valid_until"])
    if doc.meta.get("id"):
        meta["module_id"] = str(doc.meta["id"])
    meta["kind"] = kind
    # A planted instruction taints its whole document: the friendly sentences around it are part of
    # the same attack, and a chunk boundary must not decide what a customer may be quoted.
    if looks_injected(doc.text):
        meta["instructions"] = True
    chunks = chunk_document(doc, source_id=sid, location=location, cfg=cfg)
    for chunk in chunks:
        chunk.meta = dict(meta)
    return chunks


def _note_flagged(summary: IngestSummary, name: str, chunks: list[Chunk]) -> None:
    if chunks and chunks[0].meta.get("instructions"):
        summary.flagged.append(name)


def _sync(
    index: HybridIndex,
    embedder: Embedder,
    sid: str,
    name: str,
    chunks: list[Chunk],
    old: dict[str, Chunk],
    summary: IngestSummary,
    *,
    with_units: bool = False,
) -> None:
    """Bring one source's chunks in the index up to date. With ``with_units`` (the content library:
    tens of modules, asked about every day) each new chunk's answer units are embedded too, so an
    answer can be picked by meaning; a large document library keeps to one vector per chunk.
    """
    new = {c.id: c for c in chunks}
    changed = [c for c in chunks if c.id not in old or old[c.id] != c]
    stale = [cid for cid in old if cid not in new]
    if not changed and not stale:
        summary.unchanged.append(name)
        return
    (summary.updated if old else summary.added).append(name)
    if changed:
        # The cached embedder only calls the model for text it has never seen (content hash).
        index.upsert(changed, embedder.embed_passages([c.embed_text() for c in changed]))
        if with_units:
            embedder.embed_passages([unit_text for c in changed for unit_text in chunk_unit_texts(c)])
    index.delete(stale)
    summary.chunks_added += len(changed)
    summary.chunks_removed += len(stale)


def chunk_unit_texts(chunk: Chunk) -> list[str]:
    """The embedding inputs of a chunk's answer units."""
    return [embed_text(chunk.title, chunk.heading, u) for u in answer_units(chunk.text, chunk.heading)]


def _remove(index: HybridIndex, sids: list[str], indexed: dict[str, dict[str, Chunk]], summary: IngestSummary) -> None:
    for sid in sids:
        chunks = indexed.pop(sid, {})
        if not chunks:
            continue
        index.delete(list(chunks))
        summary.removed.append(next(iter(chunks.values())).location)
        summary.chunks_removed += len(chunks)


def _misses(embedder: Embedder) -> int:
    return embedder.misses if isinstance(embedder, CachedEmbedder) else 0
