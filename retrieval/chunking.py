"""Structure-aware chunking sized in ``o200k_base`` tokens, with character offsets into the source.

A document is cut into paragraphs (blank-line separated) and, for Markdown, heading lines. Paragraphs
are packed into chunks of at most ``max_tokens``; a heading always starts a new chunk and its path
(``H1 > H2``) travels with every chunk under it as context. A paragraph longer than the budget is cut
at sentence ends, then at line ends, then hard. Offsets always index the original file text, so a
citation (and the seeds eval) can find the exact span.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from retrieval.loaders import Document
from retrieval.models import Chunk
from retrieval.tokens import count_tokens

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


@dataclass(frozen=True)
class ChunkConfig:
    max_tokens: int = 180
    """Upper bound per chunk; e5-small reads 512 tokens and its cost grows with length."""


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int
    heading: str


def chunk_document(doc: Document, *, source_id: str, location: str, cfg: ChunkConfig | None = None) -> list[Chunk]:
    """Cut a document into chunks; ids are stable for unchanged content at an unchanged place."""
    cfg = cfg or ChunkConfig()
    chunks: list[Chunk] = []
    for start, end, heading in _pack(doc, cfg):
        text = doc.text[start:end]
        chunk = Chunk(
            id="",
            source_id=source_id,
            location=location,
            title=doc.title,
            heading=heading,
            text=text,
            start=start + doc.offset,
            end=end + doc.offset,
            content_hash="",
            meta={},
        )
        chunk.content_hash = hashlib.sha256(chunk.embed_text().encode()).hexdigest()
        chunks.append(chunk)
    seen: dict[str, int] = {}
    for chunk in chunks:
        # Same text twice in one file (boilerplate) still needs two ids: number the repeats.
        n = seen.get(chunk.content_hash, 0)
        seen[chunk.content_hash] = n + 1
        chunk.id = f"{source_id}:{chunk.content_hash[:16]}:{n}"
    return chunks


def _pack(doc: Document, cfg: ChunkConfig) -> Iterator[tuple[int, int, str]]:
    current: list[_Piece] = []
    for piece in _pieces(doc, cfg):
        size = sum(p.tokens for p in current)
        if current and (piece.heading != current[0].heading or size + piece.tokens > cfg.max_tokens):
            yield current[0].start, current[-1].end, current[0].heading
            current = []
        current.append(piece)
    if current:
        yield current[0].start, current[-1].end, current[0].heading


def _pieces(doc: Document, cfg: ChunkConfig) -> Iterator[_Piece]:
    stack: list[str] = []
    for start, end, heading_level, heading_text in _blocks(doc.text, doc.markdown):
        if heading_level:
            del stack[heading_level - 1 :]
            stack.extend([""] * (heading_level - 1 - len(stack)))
            stack.append(heading_text)
            continue
        heading = " > ".join(h for h in stack if h)
        yield from _split(doc.text, start, end, heading, cfg.max_tokens)


def _blocks(text: str, markdown: bool) -> Iterator[tuple[int, int, int, str]]:
    """Paragraphs as (start, end, 0, "") and heading lines as (start, end, level, text)."""
    para_start: int | None = None
    para_end = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        match = _HEADING.match(stripped) if markdown else None
        if not stripped or match:
            if para_start is not None:
                yield para_start, para_end, 0, ""
                para_start = None
            if match:
                yield pos, pos + len(line.rstrip()), len(match.group(1)), match.group(2)
        else:
            if para_start is None:
                para_start = pos + (len(line) - len(line.lstrip()))
            para_end = pos + len(line.rstrip())
        pos += len(line)
    if para_start is not None:
        yield para_start, para_end, 0, ""


def _split(text: str, start: int, end: int, heading: str, budget: int) -> Iterator[_Piece]:
    tokens = count_tokens(text[start:end])
    if tokens <= budget:
        yield _Piece(start, end, tokens, heading)
        return
    for pattern in (_SENTENCE_END, re.compile(r"\n")):
        cuts = [m.end() for m in pattern.finditer(text, start, end)]
        if cuts:
            yield from _greedy(text, [start, *cuts, end], heading, budget)
            return
    step = max(1, (end - start) * budget // tokens)  # no sentence or line end: cut by characters
    for s in range(start, end, step):
        e = min(end, s + step)
        yield _Piece(s, e, count_tokens(text[s:e]), heading)


def _greedy(text: str, bounds: list[int], heading: str, budget: int) -> Iterator[_Piece]:
    """Merge consecutive sentence spans up to the budget; a single oversized one is cut further."""
    s = bounds[0]
    acc = 0
    for a, b in itertools.pairwise(bounds):
        n = count_tokens(text[a:b])
        if n > budget:
            if acc:
                yield _Piece(s, a, acc, heading)
            step = max(1, (b - a) * budget // n)
            for x in range(a, b, step):
                yield _Piece(x, min(b, x + step), count_tokens(text[x : min(b, x + step)]), heading)
            s, acc = b, 0
        elif acc + n > budget:
            yield _Piece(s, a, acc, heading)
            s, acc = a, n
        else:
            acc += n
    if acc:
        yield _Piece(s, bounds[-1], acc, heading)
