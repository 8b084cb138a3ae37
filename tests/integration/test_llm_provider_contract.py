"""The real OpenAI client (through LangChain's init_chat_model) against a local stub server."""

from __future__ import annotations

import pytest

from copilot.core.settings import Settings
from copilot.engines.llm.engine import LlmEngine
from copilot.engines.llm.model import build_chat_model
from tests.support.openai_stub import StubServer, completion
from tests.unit.test_llm_engine import _hits, _tc


def _settings(url: str, timeout: float = 5.0, retries: int = 0) -> Settings:
    return Settings(
        llm_base_url=url, llm_model="stub-model", llm_timeout_s=timeout, llm_max_retries=retries, _env_file=None
    )  # type: ignore[call-arg]


def _engine(settings: Settings) -> LlmEngine:
    _hits.calls = []  # type: ignore[attr-defined]
    return LlmEngine(
        build_chat_model(settings), search=_hits, timeout_s=settings.llm_timeout_s, model_name=settings.llm_model
    )


def test_tool_call_round_trip_over_http() -> None:
    with StubServer() as stub:
        stub.steps.extend(
            [
                {"body": completion(tool_calls=[{"name": "search_content", "args": {"query": "support hours"}}])},
                {"body": completion('{"text": "Support answers on weekdays [1].", "known": true, "citations": [1]}')},
            ]
        )
        answer, run = _engine(_settings(stub.base_url)).answer(_tc(), question="When is support open?")
        assert run.engine == "llm" and answer.text == "Support answers on weekdays [1]."
        first, second = stub.requests
        assert first["model"] == "stub-model" and {t["function"]["name"] for t in first["tools"]} == {
            "search_content",
            "account_facts",
        }
        assert any(m["role"] == "tool" and "weekdays 8-16" in m["content"] for m in second["messages"])
        assert "Maria" not in str(first["messages"])


def test_rate_limit_is_retried_then_succeeds() -> None:
    with StubServer() as stub:
        stub.steps.extend(
            [
                {"status": 429, "body": {"error": {"message": "slow down", "type": "rate_limit"}}},
                {"body": completion('{"text": "HR Core costs 6.50 € [1].", "known": true, "citations": [1]}')},
            ]
        )
        answer, run = _engine(_settings(stub.base_url, retries=2)).answer(_tc(), question="Price?")
        assert run.engine == "llm" and len(stub.requests) == 2 and "6.50" in answer.text


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ([{"status": 500, "body": {"error": {"message": "boom"}}}], "Error code: 500"),
        ([{"hang": 3}], "did not answer within"),
    ],
)
def test_server_error_or_hang_falls_back(steps: list[dict], reason: str) -> None:
    with StubServer() as stub:
        stub.steps.extend(steps)
        answer, run = _engine(_settings(stub.base_url, timeout=1.0)).answer(_tc(), question="Price per user?")
        assert run.engine == "composer" and reason in (run.fallback or "")
        assert "6.50" in answer.text


def test_streaming_delivers_tokens_in_order() -> None:
    with StubServer() as stub:
        stub.steps.append({"stream": ["Hel", "lo ", "there"]})
        model = build_chat_model(_settings(stub.base_url))
        pieces = [chunk.content for chunk in model.stream("hi")]
        assert "".join(pieces) == "Hello there" and len([p for p in pieces if p]) == 3
        assert stub.requests[0]["stream"] is True
