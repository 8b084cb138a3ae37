"""Read a file into text plus metadata: Markdown (front matter), HTML, plain text, PDF, CSV, JSON.

Each loader returns a :class:`Document`; a file that cannot be read raises :class:`LoadError` with a
reason a person understands, so ingestion can skip it, name it, and carry on with the rest.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {".md", ".markdown", ".html", ".htm", ".txt", ".text", ".pdf", ".csv", ".json"}


class LoadError(Exception):
    """A file that cannot be ingested; the message says why."""


@dataclass
class Document:
    """Text of one source; ``markdown`` says whether ``#`` headings structure it."""

    text: str
    title: str
    meta: dict[str, Any] = field(default_factory=dict)
    markdown: bool = False
    offset: int = 0
    """Where ``text`` starts in the file (front matter is cut off), so chunk offsets are file offsets."""


def load_file(path: Path) -> Document:
    """Load one file by its suffix; raises LoadError for unsupported, unreadable or corrupt files."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type {suffix or '(none)'}")
    try:
        if suffix == ".pdf":
            return _pdf(path)
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError("not UTF-8 text") from exc
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from exc
    if suffix in {".md", ".markdown"}:
        return parse_markdown(raw, default_title=path.stem)
    if suffix in {".html", ".htm"}:
        return _html(raw, path.stem)
    if suffix == ".csv":
        return _csv(raw, path.stem)
    if suffix == ".json":
        return _json(raw, path.stem)
    return _text(raw, path.stem)


# What PHP prints before a page when a site runs with notices on ("Notice: ... in /var/www/x.php on
# line 12"). Scraped pages start with it: it is no part of the content, and as the first line it
# would become the document's title in every citation.
_SERVER_NOISE = re.compile(
    r"(?:\s*(?:PHP )?(?:Notice|Warning|Deprecated|Strict Standards|Fatal error|Parse error): "
    r"[^\n]* in \S+ on line \d+[ \t]*(?:\n|$))+"
)


def _text(raw: str, stem: str) -> Document:
    """Plain text; a leading block of server error output is cut off (offsets stay file offsets)."""
    noise = _SERVER_NOISE.match(raw)
    start = noise.end() if noise else 0
    text = raw[start:]
    return Document(text=text, title=_first_line(text) or stem, offset=start)


def parse_markdown(raw: str, *, default_title: str) -> Document:
    """Split YAML front matter (``---`` fenced) from the body; the body keeps its file offset."""
    meta: dict[str, Any] = {}
    body, offset = raw, 0
    if raw.startswith("---"):
        end = raw.find("\n---", 3)
        if end != -1:
            try:
                loaded = yaml.safe_load(raw[3:end]) or {}
            except yaml.YAMLError as exc:
                raise LoadError(f"bad front matter: {str(exc).splitlines()[0]}") from exc
            if not isinstance(loaded, dict):
                raise LoadError("front matter is not a mapping")
            meta = loaded
            offset = raw.find("\n", end + 4)
            offset = len(raw) if offset == -1 else offset + 1
            body = raw[offset:]
    title = str(meta.get("title") or _first_heading(body) or default_title)
    return Document(text=body, title=title, meta=meta, markdown=True, offset=offset)


def _pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs every repair attempt; a corrupt file is reported once, in the ingest summary.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt PDF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    # Pages become "## page N" sections, so a citation can point at the page.
    text = "\n\n".join(f"## page {i}\n\n{body.strip()}" for i, body in enumerate(pages, 1) if body.strip())
    if not text:
        raise LoadError("PDF has no extractable text")
    info: dict[str, Any] = dict(reader.metadata or {})
    title = str(info.get("/Title") or path.stem)
    return Document(text=text, title=title, markdown=True)


def _html(raw: str, stem: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    parts: list[str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "pre", "blockquote"]):
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        name = el.name or ""
        parts.append(f"{'#' * int(name[1])} {text}" if name.startswith("h") and name[1:].isdigit() else text)
    title = soup.title.get_text(strip=True) if soup.title else ""
    return Document(text="\n\n".join(parts), title=title or stem, markdown=True)


def _csv(raw: str, stem: str) -> Document:
    try:
        rows = list(csv.DictReader(io.StringIO(raw)))
    except csv.Error as exc:
        raise LoadError(f"bad CSV: {exc}") from exc
    if not rows:
        raise LoadError("CSV has no rows")
    # One row per paragraph: the chunker packs rows and never cuts one in half.
    text = "\n\n".join("; ".join(f"{k}: {v}" for k, v in row.items() if k and v) for row in rows)
    return Document(text=text, title=stem)


def _json(raw: str, stem: str) -> Document:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(f"bad JSON: {exc.msg} at line {exc.lineno}") from exc
    records = data if isinstance(data, list) else [data]
    text = "\n\n".join(_flatten(r) for r in records)
    return Document(text=text, title=stem)


def _flatten(value: Any, prefix: str = "") -> str:
    if isinstance(value, dict):
        return "; ".join(_flatten(v, f"{prefix}{k}.") for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_flatten(v, prefix) for v in value)
    return f"{prefix.rstrip('.')}: {value}" if prefix else str(value)


def _first_heading(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""
