"""How many chat answers one API process computes at once."""

import os

from copilot.core.settings import EngineName, Settings
from integrations.api import answer_threads


def test_composer_answers_get_one_thread_per_core(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})  # a 3-core machine
    assert answer_threads.capacity(Settings(engine=EngineName.composer)) == 3


def test_llm_answers_wait_on_the_provider_so_get_many_threads() -> None:
    assert answer_threads.capacity(Settings(engine=EngineName.llm)) == answer_threads.LLM_THREADS > 8


def test_the_setting_wins() -> None:
    assert answer_threads.capacity(Settings(engine=EngineName.llm, answer_threads=5)) == 5
    assert answer_threads.capacity(Settings(engine=EngineName.composer, answer_threads=7)) == 7
