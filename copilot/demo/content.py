"""Load the demo content modules: Markdown files with YAML front matter, one per module and language."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator

from copilot.core.domain import ContentType, JourneyStage, Language

CONTENT_DIR = Path(__file__).parent / "content"


class EmailMaterial(BaseModel):
    """E-mail-ready sentences of a module, in its own language: what lets the composer write prose."""

    hook: str = Field(min_length=10, max_length=300)
    """Opens the topic for a reader who has not thought about it yet."""
    value: str = Field(min_length=10, max_length=300)
    """What the reader's organisation gains."""
    proof: str = Field(min_length=10, max_length=300)
    """The module's strongest concrete fact, with figures exactly as its body gives them."""

    @model_validator(mode="after")
    def _no_markup(self) -> EmailMaterial:
        for text in (self.hook, self.value, self.proof):
            if any(mark in text for mark in ("[", "](", "**", "\n")):
                raise ValueError("e-mail material is plain sentences: no links, brackets or markup")
        return self


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
    products: list[str] = Field(default_factory=list)
    """Catalogue keys of the products the module is about (see copilot/writing/offers.yaml)."""
    employees: tuple[int, int] | None = None
    """For references and ROI examples: the company-size range (employees) the story fits."""
    email: EmailMaterial | None = None
    body: str = Field(min_length=1)

    def row(self) -> dict[str, Any]:
        """The module as a ``content_modules`` row."""
        data = self.model_dump(mode="python", exclude={"employees", "email"})
        low, high = self.employees or (None, None)
        data |= {"employees_min": low, "employees_max": high,
                 "email": self.email.model_dump() if self.email else {}}
        return data


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
