"""Prompts and message templates as files: ``prompts/<task>/<lang>.<md|yaml>``.

Markdown files are system prompts for the llm engine; YAML files are the composer's message
templates. Both are read once and cached; dynamic parts are filled by the code from the context.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent
LANGUAGES = ("fi", "en")


def _path(task: str, lang: str, suffix: str) -> Path:
    if lang not in LANGUAGES:
        lang = "en"
    path = ROOT / task / f"{lang}.{suffix}"
    if not path.is_file():
        raise FileNotFoundError(f"no {suffix} prompt for task {task!r} in language {lang!r}")
    return path


@lru_cache(maxsize=64)
def load(task: str, lang: str) -> str:
    """The system prompt of ``task`` in ``lang`` (Markdown)."""
    return _path(task, lang, "md").read_text(encoding="utf-8")


@lru_cache(maxsize=64)
def templates(task: str, lang: str) -> dict[str, Any]:
    """The composer's message templates of ``task`` in ``lang``."""
    data = yaml.safe_load(_path(task, lang, "yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"templates of {task}/{lang} must be a mapping")
    return data


def label(t: dict[str, Any], group: str, code: str, default: str | None = None) -> str:
    """A store code in the templates' words (their ``labels`` of ``group``), else ``default``, else the
    code itself with its underscores as spaces."""
    worded = t.get("labels", {}).get(group, {}).get(code)
    if worded is not None:
        return str(worded)
    return code.replace("_", " ") if default is None else default


def labelled(t: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """``values`` with each one in the templates' words where its key names a group of ``labels``."""
    return {key: label(t, key, value, value) for key, value in values.items()}


def all_template_text() -> str:
    """Every template string, joined: fixed wording is part of what an output may state."""
    parts = []
    for path in sorted(ROOT.glob("*/*.yaml")):
        parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)
