"""Typed results of retrieval: chunks, hits with their citation, search and ingest summaries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

FILTER_FIELDS = ("language", "type", "persona", "stage", "industry", "public")


class Chunk(BaseModel):
    """One indexed passage and where it came from."""

    id: str
    source_id: str
    """Stable id of the source: ``doc:<hash of path>`` for files, ``module:<id>`` for store modules."""
    location: str
    """File path (or ``content_modules/<id>``) the chunk was cut from."""
    title: str
    heading: str = ""
    """Heading path above the chunk, e.g. ``Pricing > Licences``; kept as context for search."""
    text: str
    start: Annotated[int, Field(ge=0)]
    """Character offset of the chunk in the source text (end exclusive)."""
    end: Annotated[int, Field(ge=0)]
    content_hash: str
    """Hash of what is embedded (heading context + text): the embedding cache key."""
    meta: dict[str, Any] = Field(default_factory=dict)
    """Filterable metadata (language, type, persona, stage, industry, public, module_id, ...)."""

    def embed_text(self) -> str:
        """The text that is embedded and keyword-indexed: title and headings give it context."""
        context = " > ".join(p for p in (self.title, self.heading) if p)
        return f"{context}\n{self.text}" if context else self.text


class Hit(BaseModel):
    """A search result with everything a citation needs."""

    chunk_id: str
    source_id: str
    title: str
    location: str
    """Where to find it: ``path#heading`` for files, ``ticket:tk-00012`` for CRM records."""
    snippet: str
    text: str = ""
    """The whole passage, with its line breaks (what the composer quotes from)."""
    score: float
    """Fused score (higher is better); comparable only within one result list."""
    similarity: float | None = None
    """Cosine similarity of the passage to the question (dense and hybrid search): comparable across
    questions, so it can say that nothing retrieved is really about the question."""
    start: int | None = None
    end: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class SearchFilters(BaseModel):
    """Metadata filters; a list means "any of these"; None means no filter on that field."""

    language: str | list[str] | None = None
    type: str | list[str] | None = None
    persona: str | list[str] | None = None
    stage: str | list[str] | None = None
    industry: str | list[str] | None = None
    public: bool | None = None

    def active(self) -> dict[str, list[str]]:
        """The set filters as field -> allowed string values (booleans as ``true``/``false``)."""
        out: dict[str, list[str]] = {}
        for name in FILTER_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool):
                out[name] = [str(value).lower()]
            else:
                out[name] = [value] if isinstance(value, str) else list(value)
        return out


class HistoryItem(BaseModel):
    """One dated item of an account's timeline, ranked for a question."""

    id: str
    """Stable source id: ``<record type>:<record id>``, e.g. ``ticket:tk-00012``."""
    account_id: str
    kind: str
    record_id: str
    day: date
    title: str
    text: str
    score: float = 0.0
    facets: dict[str, str] = Field(default_factory=dict)
    """The item's parts as codes and values (event type and page, product, change), for wording it in
    the reader's language; ``text`` is the English summary."""


class SearchResult(BaseModel):
    """Hits for a query, plus account history when the query was scoped to an account."""

    query: str
    mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    hits: list[Hit]
    history: list[HistoryItem] = Field(default_factory=list)
    took_ms: float = 0.0


class SkippedFile(BaseModel):
    path: str
    reason: str


class IngestSummary(BaseModel):
    """What one ingest run changed; re-running it on unchanged input changes nothing."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    flagged: list[str] = Field(default_factory=list)
    """Sources that hold instruction-shaped text: indexed, but never quoted to a customer or visitor."""
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_embedded: int = 0
    """Passages actually sent to the embedding model (cache misses)."""
