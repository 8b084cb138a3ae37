"""Scripted chat models for the llm engine's tests: each turn is written out, tool calls included."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage


class ScriptedModel(GenericFakeChatModel):
    """Plays back AIMessages in order and records every prompt it was shown."""

    seen: list[list[BaseMessage]] = []
    delay_s: float = 0.0

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:  # create_agent needs tool binding
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        if self.delay_s:
            time.sleep(self.delay_s)
        return super()._generate(messages, *args, **kwargs)


def tool_call(name: str, args: dict[str, Any], call_id: str = "call-1") -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


def final(payload: dict[str, Any] | str) -> AIMessage:
    return AIMessage(content=payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False))


def scripted(*turns: AIMessage, delay_s: float = 0.0) -> ScriptedModel:
    model = ScriptedModel(messages=_iter(turns))
    model.seen = []
    model.delay_s = delay_s
    return model


def _iter(turns: tuple[AIMessage, ...]) -> Iterator[AIMessage]:
    yield from turns
