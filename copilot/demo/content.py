"""Load the demo content modules: Markdown files with YAML front matter, one per module and language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from copilot.core.domain import ContentType, JourneyStage, Language

CONTENT_DIR = Path(__file__).parent / "content"


class ContentModuleIn(BaseModel):
    """One content module as written in its file; validated before it reaches the store."""

    id: str = Field(min_length=3, max_length=64)
    pair_id: str
    type: ContentType
    title: str = Field(min_length=1, max_length=200)
    language: Language
    persona: str = "any"
    stage: JourneyStage
    industry: str = "any"
    public: bool = True
    valid_until: date | None = None
    body: str = Field(min_length=1)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (metadata, body) of a Markdown text; metadata is empty when there is no front matter."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    meta = yaml.safe_load(text[3:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[end + 4 :].lstrip("\n")


def load_modules(directory: Path = CONTENT_DIR) -> list[ContentModuleIn]:
    modules = []
    for path in sorted(directory.glob("*.md")):
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        modules.append(ContentModuleIn(**meta, body=body.strip()))
    return modules
