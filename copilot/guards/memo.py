"""Memos of the guards' and composer's text work: per-line ones hold short lines only, all can be emptied.

Lines that repeat across outputs are template wording and content-module sentences: short. Long
lines are mostly one-off generated text, and any line may name a person, so long ones are not kept
(memory stays bounded by entries x ``LONGEST``) and an erasure empties every memo (``clear_all``):
nothing a person wrote or was written stays in memory after their data is erased.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

T = TypeVar("T")

LONGEST = 240
"""Characters of the longest line kept in a memo."""

_memos: list[Any] = []


def line_cache(maxsize: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Memoise ``fn(line, *args)`` for lines of at most ``LONGEST`` characters."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        memo = lru_cache(maxsize=maxsize)(fn)
        _memos.append(memo)

        @wraps(fn)
        def call(line: str, *args: Any) -> T:
            return memo(line, *args) if len(line) <= LONGEST else fn(line, *args)

        return call

    return wrap


def cleared_on_erasure(memo: Callable[..., T]) -> Callable[..., T]:
    """Register an ``lru_cache``-wrapped function whose entries ``clear_all`` must empty too."""
    _memos.append(memo)
    return memo


def clear_all() -> None:
    """Empty every memo (after an erasure)."""
    for memo in _memos:
        memo.cache_clear()
