"""An on-disk snapshot of the in-memory index, so a process opens it without re-reading Chroma.

Rebuilding from Chroma pages every chunk, vector and metadata record through Chroma's API and
tokenises every passage again (~45 s at 50k chunks). The snapshot keeps what the index is made of:
the vector matrix (``.npy``), the chunks (JSON lines) and the BM25 index (saved by bm25s itself).

It is trusted only while it describes the collection as it is now: its manifest records the
collection's chunk count and *generation*, a random token every write through :class:`ChromaStore`
puts on the collection. Any other count or generation (another process ingested, a chunk was
deleted, the collection was dropped) makes the snapshot stale and the index is rebuilt from Chroma.
A collection without a generation (written before generations existed) never validates a snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import orjson

from retrieval.models import Chunk

FORMAT = 1
"""Bump when the layout, the tokeniser (``textproc``) or the chunk model changes: old snapshots then
no longer validate and are rebuilt."""

_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Marker:
    """What the collection looked like: its chunk count and its last write's generation token."""

    count: int
    generation: str | None


@dataclass
class Frozen:
    """The parts a snapshot restores, row-aligned."""

    chunks: list[Chunk]
    matrix: np.ndarray
    bm25: bm25s.BM25 | None


def save(path: Path, frozen: Frozen, marker: Marker, dim: int) -> None:
    """Write the snapshot next to ``path`` and swap it in (readers see the old one or the new one)."""
    if marker.generation is None:
        return
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "vectors.npy", np.ascontiguousarray(frozen.matrix, np.float32))
    with (tmp / "chunks.jsonl").open("wb") as fh:
        for chunk in frozen.chunks:
            fh.write(orjson.dumps(chunk.model_dump()) + b"\n")
    if frozen.bm25 is not None:
        frozen.bm25.save(tmp / "bm25", show_progress=False)
    manifest = {"format": FORMAT, "dim": dim, "count": marker.count, "generation": marker.generation}
    # The manifest goes last: a directory without one is never read.
    (tmp / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    old = path.with_name(f"{path.name}.old-{os.getpid()}")
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load(path: Path, marker: Marker, dim: int) -> Frozen | None:
    """The snapshot's parts when it matches ``marker`` and ``dim``; None when missing, stale or broken."""
    if marker.generation is None:
        return None
    try:
        manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
        expected = {"format": FORMAT, "dim": dim, "count": marker.count, "generation": marker.generation}
        if manifest != expected:
            return None
        matrix = np.load(path / "vectors.npy")
        with (path / "chunks.jsonl").open("rb") as fh:
            # The snapshot wrote validated chunks: construct without validating them again.
            chunks = [Chunk.model_construct(**orjson.loads(line)) for line in fh]
        bm25 = bm25s.BM25.load(path / "bm25", show_progress=False) if (path / "bm25").is_dir() else None
    except (OSError, ValueError, KeyError):
        return None
    if len(chunks) != marker.count or matrix.shape != (len(chunks), dim) or (bm25 is None) != (not chunks):
        return None
    return Frozen(chunks, matrix, bm25)
