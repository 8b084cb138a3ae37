"""Build the engine a request asks for (or the configured default) once per application context."""

from __future__ import annotations

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import EngineName
from copilot.engines.base import ComposerEngine, Engine


def get_engine(ctx: AppContext, name: str | None = None) -> Engine:
    try:
        choice = EngineName(name or ctx.settings.engine)
    except ValueError:
        raise PolkuError("invalid", f"unknown engine {name!r}; expected composer or llm") from None
    if choice is EngineName.composer:
        return ctx.adapter("engine.composer", lambda c: ComposerEngine(c.settings.link_allowlist))
    from copilot.engines.llm.engine import LlmEngine  # heavy imports only when the llm engine is used

    return ctx.adapter("engine.llm", LlmEngine.from_context)
