"""Where chat answers run: as many worker threads as the machine has cores, not anyio's forty.

An answer is a few milliseconds of Python (retrieval, composer, guards) and one SQLite write. With
forty threads on one GIL every answer in flight shares the cores with every other, and a thread
holding SQLite's write lock waits for the GIL while the next writer sleeps in SQLite's busy
back-off: on the 2-core bench p95 was ~1 s against a p50 of ~0.1 s. With one answer per core the rest
queue in order on the event loop (FIFO) and each one, once started, finishes in milliseconds. Streamed
routes still send their first event at once: only the service call waits for a thread. The llm
engine's answers wait seconds on the provider, not on a core, so they get many more threads
(``Settings.answer_threads``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

from copilot.core.settings import EngineName, Settings

T = TypeVar("T")
Args = TypeVarTuple("Args")

_LIMITER: RunVar[CapacityLimiter] = RunVar("polku_answer_threads")


LLM_THREADS = 32


def capacity(settings: Settings) -> int:
    """How many answers run at once: the setting, or what suits the default engine."""
    if settings.answer_threads:
        return settings.answer_threads
    if settings.engine == EngineName.composer:
        return max(1, len(os.sched_getaffinity(0)))
    return LLM_THREADS


def limiter(settings: Settings) -> CapacityLimiter:
    """The answer threads of the running event loop (created on first use, like anyio's own pool)."""
    try:
        return _LIMITER.get()
    except LookupError:
        made = CapacityLimiter(capacity(settings))
        _LIMITER.set(made)
        return made


async def run(settings: Settings, func: Callable[[*Args], T], *args: *Args) -> T:
    """``func(*args)`` in an answer thread."""
    return await anyio.to_thread.run_sync(func, *args, limiter=limiter(settings))
