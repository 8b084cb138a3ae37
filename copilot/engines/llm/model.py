"""Build the chat model from settings: OpenAI, or any OpenAI-compatible server by base URL."""

from __future__ import annotations

from typing import Any

from copilot.core.errors import PolkuError
from copilot.core.settings import Settings


def build_chat_model(settings: Settings) -> Any:
    """A LangChain chat model with the configured timeout and retries (backoff is the client's)."""
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {
        "timeout": settings.llm_timeout_s,
        "max_retries": settings.llm_max_retries,
        "temperature": 0.2,
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key is not None:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    elif settings.llm_base_url:
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers accept any key
    try:
        return init_chat_model(settings.llm_model, model_provider=settings.llm_provider, **kwargs)
    except Exception as exc:  # missing key, unknown provider: configuration, said in one line
        raise PolkuError("config", f"cannot build the chat model {settings.llm_model!r}: {exc}") from exc
